// pages/policy.js — 待遇政策: the parameters in force per region, year and scheme (every leaf of
// the policy document), and what changed between two versions.
import { api, el, card, table, notice } from '../lib.js';

const show = (v) => v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
const docId = (p) => p.region + ':' + p.year + ':' + p.version;
const docName = (p) => (p.region_name || p.region) + ' ' + p.year + ' 年 · ' + p.version;

export default async function policy() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const { policies } = await api('/api/v1/console/policies');
  if (!policies.length) return notice('尚未载入政策');
  const id = params.get('id') || docId(policies[policies.length - 1]);
  const scheme = params.get('scheme') || '';
  const cur = policies.find((p) => docId(p) === id) || policies[0];
  const d = await api('/api/v1/console/policy', { params: { id: docId(cur) } });
  const nav = (over) => { const q = new URLSearchParams({ id: docId(cur), scheme, ...over }); location.hash = '#/policy?' + q; };
  const select = el('select', { id: 'policy-doc', onchange: (e) => nav({ id: e.target.value, scheme: '' }) },
    policies.map((p) => el('option', { value: docId(p), selected: docId(p) === docId(cur) }, docName(p))));
  const tabs = el('div', { class: 'tabs' }, [['', '全部'], ...Object.entries(cur.schemes).map(([k, v]) => [k, v + '（' + k + '）']), ['-', '通用参数']]
    .map(([k, label]) => el('a', { class: k === scheme ? 'on' : '', href: '#/policy?' + new URLSearchParams({ id: docId(cur), scheme: k }) }, label)));
  const filter = el('input', { placeholder: '筛选参数名或取值', id: 'policy-filter' });
  const rows = d.parameters.filter((r) => !scheme ? true : scheme === '-' ? !r.path.startsWith('schemes.') : r.path.startsWith('schemes.' + scheme + '.'));
  const body = el('div', {}, table([{ key: 'path', label: '参数', cls: 'mono' }, { key: 'value', label: '取值', fmt: show }], rows, { id: 'policy-params' }));
  filter.addEventListener('input', () => {
    const f = filter.value.trim();
    body.replaceChildren(table([{ key: 'path', label: '参数', cls: 'mono' }, { key: 'value', label: '取值', fmt: show }],
      rows.filter((r) => !f || r.path.includes(f) || show(r.value).includes(f)), { id: 'policy-params' }));
  });

  // the diff
  const other = policies.filter((p) => docId(p) !== docId(cur));
  const from = params.get('from') || (other.length ? docId(other[0]) : '');
  const diffBox = el('div', { id: 'policy-diff' });
  if (from) {
    const x = await api('/api/v1/console/policy-diff', { params: { from, to: docId(cur) } });
    const CH = { changed: '修改', added: '新增', removed: '删除' };
    diffBox.append(el('p', { class: 'muted' }, '从 ' + from + ' 到 ' + docId(cur) + '：共 ' + x.changes.length + ' 处不同'),
      table([{ key: 'change', label: '变化', fmt: (v) => CH[v] || v, cls: 'chg' }, { key: 'path', label: '参数', cls: 'mono' },
        { key: 'from', label: '原值', fmt: show }, { key: 'to', label: '新值', fmt: show }], x.changes.slice(0, 400), { empty: '两个版本相同' }));
  }
  const fromSel = el('select', { id: 'policy-from', onchange: (e) => nav({ from: e.target.value }) },
    other.map((p) => el('option', { value: docId(p), selected: docId(p) === from }, docName(p))));
  return el('div', {},
    el('div', { class: 'page-head' }, el('h1', {}, '待遇政策参数'), el('label', { class: 'inline' }, '政策版本 ', select)),
    card('现行参数：' + docName(cur), tabs, el('div', { class: 'toolbar' }, filter, el('span', { class: 'muted' }, rows.length + ' 项')), body),
    card('版本比较', other.length ? el('div', {}, el('label', { class: 'inline' }, '与此版本比较： ', fromSel), diffBox) : notice('只有一个政策版本')));
}
