// pages/policy.js — 待遇政策: the parameters in force per region, year and scheme (every leaf of
// the policy document), and what changed between two versions.
import { api, el, card, table, notice } from '../lib.js';

const WORDS = {
  schemes: '险种', benefits: '待遇', inpatient: '住院', outpatient: '普通门诊', two_diseases: '两病门诊', chronic: '门诊慢特病',
  pharmacy: '药店购药', deductible: '起付线', ratio: '支付比例', cap: '最高支付限额', ratio_cut: '比例下调', first_selfpay: '先行自付',
  layers: '补充层', hifmi: '大病保险', maf: '医疗救助', tilt: '倾斜救助', hifob: '职工大额补助', cvlserv: '公务员补助',
  diseases: '病种', account: '个人账户', enrollment: '参保', when: '条件', amount: '金额（元）', share: '比例', per: '计算单位',
  kind: '类型', bucket: '累计项', period: '周期', then: '之后依次', name: '名称', hosp_lv: '医院等级', area: '就医地',
  nth_min: '自第几次', xprov: '跨省', dise_any: '任一病种', dise_all: '全部病种', psn_class: '人员类别', groups: '身份',
};
const word = (seg) => seg.split('.').map((x) => { const m = x.match(/^([^[]+)(\[\d+\])?$/); return m && WORDS[m[1]] ? WORDS[m[1]] + (m[2] || '') : x; }).join(' › ');

// regroup the flat leaves: "….deductible.rows[2].when.hosp_lv" → table "….deductible", row 2
function grouped(rows) {
  const groups = new Map();
  for (const r of rows) {
    const m = r.path.match(/^(.*)\.rows\[(\d+)\]\.(.*)$/);
    const g = m ? m[1] : r.path.replace(/\.[^.]*$/, '');
    if (!groups.has(g)) groups.set(g, { rows: new Map(), plain: [] });
    const G = groups.get(g);
    if (!m) { G.plain.push([r.path.slice(g.length + 1), r.value]); continue; }
    if (!G.rows.has(m[2])) G.rows.set(m[2], { when: [], value: [] });
    const field = m[3];
    (field.startsWith('when.') ? G.rows.get(m[2]).when : G.rows.get(m[2]).value).push([field.replace(/^when\./, ''), r.value]);
  }
  const out = el('div', { class: 'policy-groups' });
  const kv = (list) => {
    const m = new Map(); // "area[0]", "area[1]" → one "就医地：filed、temporary"
    for (const [k, v] of list) { const key = k.replace(/\[\d+\]$/, ''); m.set(key, [...(m.get(key) || []), show(v)]); }
    return [...m].map(([k, vs]) => word(k) + '：' + vs.join('、')).join('；');
  };
  for (const [g, G] of groups) {
    const box = el('div', { class: 'pgroup' }, el('h3', {}, word(g.replace(/^schemes\.\d+\./, '')), el('span', { class: 'mono muted' }, ' ' + g)));
    if (G.plain.length) box.append(el('p', {}, kv(G.plain)));
    if (G.rows.size) box.append(table([{ key: 'n', label: '行' }, { key: 'when', label: '条件（自上而下取第一条符合的）' }, { key: 'value', label: '取值' }],
      [...G.rows].map(([n, r]) => ({ n, when: r.when.length ? kv(r.when) : '其他情况', value: kv(r.value) }))));
    out.append(box);
  }
  return out;
}

const show = (v) => v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
const docId = (p) => p.region + ':' + p.year + ':' + p.version;
const docName = (p) => (p.region_name || p.region) + ' ' + p.year + ' 年 · ' + p.version;

export default async function policy() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const { policies } = await api('/api/v1/console/policies');
  if (!policies.length) return notice('尚未载入政策');
  const id = params.get('id') || docId(policies[policies.length - 1]);
  let scheme = params.get('scheme');
  const cur = policies.find((p) => docId(p) === id) || policies[0];
  if (scheme === null) scheme = Object.keys(cur.schemes)[0] || '';
  const d = await api('/api/v1/console/policy', { params: { id: docId(cur) } });
  const nav = (over) => { const q = new URLSearchParams({ id: docId(cur), scheme, ...over }); location.hash = '#/policy?' + q; };
  const select = el('select', { id: 'policy-doc', onchange: (e) => nav({ id: e.target.value, scheme: '' }) },
    policies.map((p) => el('option', { value: docId(p), selected: docId(p) === docId(cur) }, docName(p))));
  const tabs = el('div', { class: 'tabs' }, [['', '全部'], ...Object.entries(cur.schemes).map(([k, v]) => [k, v + '（' + k + '）']), ['-', '通用参数']]
    .map(([k, label]) => el('a', { class: k === scheme ? 'on' : '', href: '#/policy?' + new URLSearchParams({ id: docId(cur), scheme: k }) }, label)));
  const filter = el('input', { placeholder: '筛选参数名或取值', id: 'policy-filter' });
  const rows = d.parameters.filter((r) => !scheme ? true : scheme === '-' ? !r.path.startsWith('schemes.') : r.path.startsWith('schemes.' + scheme + '.'));
  const body = el('div', { class: 'scroll', id: 'policy-params' }, grouped(rows));
  filter.addEventListener('input', () => {
    const f = filter.value.trim();
    body.replaceChildren(grouped(rows.filter((r) => !f || r.path.includes(f) || word(r.path).includes(f) || show(r.value).includes(f))));
  });

  // the diff
  const other = policies.filter((p) => docId(p) !== docId(cur));
  const same = other.filter((p) => p.region === cur.region);
  const from = params.get('from') || (same.length ? docId(same[same.length - 1]) : other.length ? docId(other[0]) : '');
  const diffBox = el('div', { id: 'policy-diff', class: 'scroll' });
  if (from) {
    const x = await api('/api/v1/console/policy-diff', { params: { from, to: docId(cur) } });
    const CH = { changed: '修改', added: '新增', removed: '删除' };
    diffBox.append(el('p', { class: 'muted' }, '从 ' + from + ' 到 ' + docId(cur) + '：共 ' + x.changes.length + ' 处不同'),
      table([{ key: 'change', label: '变化', fmt: (v) => CH[v] || v, cls: 'chg' }, { key: 'path', label: '参数', fmt: (v) => el('span', {}, word(v), el('br'), el('span', { class: 'mono muted' }, v)) },
        { key: 'from', label: '原值', fmt: show }, { key: 'to', label: '新值', fmt: show }], x.changes.slice(0, 400), { empty: '两个版本相同' }));
  }
  const fromSel = el('select', { id: 'policy-from', onchange: (e) => nav({ from: e.target.value }) },
    other.map((p) => el('option', { value: docId(p), selected: docId(p) === from }, docName(p))));
  return el('div', {},
    el('div', { class: 'page-head' }, el('h1', {}, '待遇政策参数'), el('label', { class: 'inline' }, '政策版本 ', select)),
    card('现行参数：' + docName(cur), tabs, el('div', { class: 'toolbar' }, filter, el('span', { class: 'muted' }, rows.length + ' 项')), body),
    card('版本比较', other.length ? el('div', {}, el('label', { class: 'inline' }, '与此版本比较： ', fromSel), diffBox) : notice('只有一个政策版本')));
}
