// pages/payment.js — 支付结算 (DIP 按病种分值付费): catalogue versions, the year's point value and
// clearing, monthly advances and each institution's year-end statement, on the DIP module's
// /api/v1/dip/ routes; the supervisor runs build → score → advance → clear from the page. An
// institution user sees its own statement. Amounts are the module's exact decimals (yuan).
import { api, el, card, kpi, table, notice, yuanDec, csvLink, ApiError } from '../lib.js';
import { pending } from './pending.js';

const KIND = { normal: '正常', low: '低倍率', high: '高倍率', special: '特例单议' };
const dec = (v, n) => v === undefined || v === null ? '' : Number(v).toFixed(n); // scores, point values: display only

async function maybe(path, params) {
  try { return await api(path, { params }); } catch (e) { if (e instanceof ApiError && e.status === 404) return null; throw e; }
}

function statementView(s) {
  const f = s.figures;
  return card('年终结算单：' + s.fixmedins_code + '（' + s.year + ' 年，目录 ' + s.catalogue + '）',
    el('div', { class: 'kpis' }, kpi('病例数', String(f.cases)), kpi('总分值', dec(f.score, 4)), kpi('应得', yuanDec(f.entitled) + ' 元'),
      kpi('已预拨', yuanDec(f.advances) + ' 元'), kpi('扣款', yuanDec(f.deductions) + ' 元'), kpi('质量保证金', yuanDec(f.quality_deposit) + ' 元'),
      kpi('清算支付', yuanDec(f.payment) + ' 元', s.community ? '医共体 ' + s.community + ' 调整 ' + yuanDec(f.community_adjustment) + ' 元' : '')),
    el('p', { class: 'muted' }, '计算公式：' + s.formula + '；点值 ' + dec(f.point_value, 8) + '，基金点值 ' + dec(f.fund_point_value, 8)),
    el('p', {}, csvLink('/api/v1/dip/statements/' + s.year + '/' + encodeURIComponent(s.fixmedins_code) + '/csv', '导出结算单 CSV')),
    el('div', { class: 'scroll' }, table([{ key: 'mdtrt_id', label: '就诊编号', cls: 'mono' }, { key: 'group', label: '病种组' }, { key: 'diag', label: '诊断' },
      { key: 'level', label: '级别' }, { key: 'cost', label: '费用', fmt: yuanDec, cls: 'r' }, { key: 'ratio', label: '倍率', fmt: (v) => dec(v, 4), cls: 'r' },
      { key: 'kind', label: '类型', fmt: (v) => KIND[v] || v }, { key: 'score', label: '分值', fmt: (v) => dec(v, 4), cls: 'r' }], s.cases, { id: 'dip-cases' })));
}

export default async function payment(args, state) {
  const p = new URLSearchParams(location.hash.split('?')[1] || '');
  const inst = state.user.role === 'inst';
  let cats;
  try {
    cats = inst ? null : (await api('/api/v1/dip/catalogues')).catalogues;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.field === 'path') return pending('支付结算（DIP）', '按病种分值付费（DIP）');
    throw e;
  }
  const year = p.get('year') || (cats && cats.length ? String(Math.max(...cats.map((c) => c.year))) : String(new Date().getFullYear() - 1));
  const head = el('div', { class: 'page-head' }, el('h1', {}, '支付结算（DIP 按病种分值付费）'),
    el('label', { class: 'inline' }, '清算年度 ', el('input', { id: 'dip-year', type: 'number', value: year, style: 'width:90px',
      onchange: (e) => { location.hash = '#/payment?year=' + e.target.value; } })));
  if (inst) {
    const s = await maybe('/api/v1/dip/statements/' + year + '/' + encodeURIComponent(state.user.fixmedins_code));
    return el('div', {}, head, s ? statementView(s) : card(null, notice(year + ' 年尚未清算，暂无结算单')));
  }
  const [clearing, advances] = await Promise.all([maybe('/api/v1/dip/clearings/' + year), maybe('/api/v1/dip/advances/' + year)]);
  const code = p.get('inst');
  const statement = code ? await maybe('/api/v1/dip/statements/' + year + '/' + encodeURIComponent(code)) : null;

  const msg = el('p', { class: 'muted', id: 'dip-msg' });
  const step = (label, path, id) => el('button', { id, onclick: async (e) => {
    e.target.disabled = true;
    try {
      await api('/api/v1/dip/' + path, { method: 'POST', body: { year: Number(year) } });
      location.hash = '#/payment?' + new URLSearchParams({ year, t: Date.now() });
    } catch (err) { msg.textContent = label + '：' + err.message; e.target.disabled = false; }
  } }, label);
  const canRun = state.user.role === 'admin' || state.user.role === 'supervisor';
  const steps = canRun ? card('年度流程', el('div', { class: 'actions-row' }, step('① 生成病种目录', 'build', 'dip-build'), step('② 病例计分', 'score', 'dip-score'),
    step('③ 月度预拨', 'advance', 'dip-advance'), step('④ 年终清算', 'clear', 'dip-clear')), msg) : null;

  const catCard = card('病种目录版本', table([{ key: 'version', label: '版本' }, { key: 'year', label: '年度' }, { key: 'built_at', label: '生成时间' },
    { key: 'n_cases', label: '历史病例', num: true }, { key: 'n_groups', label: '病种组数', num: true },
    { key: 'version', label: '', fmt: (v) => csvLink('/api/v1/dip/catalogues/' + encodeURIComponent(v) + '/csv', '目录 CSV') }], cats, { id: 'dip-catalogues', empty: '尚未生成目录' }));

  const clearCard = clearing ? card(year + ' 年年终清算（点击机构查看结算单）',
    el('div', { class: 'kpis' }, kpi('年度预算', yuanDec(clearing.budget) + ' 元'), kpi('总分值', dec(clearing.total_score, 4)),
      kpi('点值', dec(clearing.point_value, 8), '元/分'), kpi('基金点值', dec(clearing.fund_point_value, 8), '支付比例 ' + dec(clearing.payment_ratio, 2)),
      kpi('已预拨合计', yuanDec(clearing.sum_advances) + ' 元'), kpi('清算支付合计', yuanDec(clearing.sum_payment) + ' 元')),
    el('div', { class: 'scroll' }, table([{ key: 'fixmedins_code', label: '机构' }, { key: 'cases', label: '病例', num: true },
      { key: 'score', label: '分值', fmt: (v) => dec(v, 4), cls: 'r' }, { key: 'entitled', label: '应得', fmt: yuanDec, cls: 'r' },
      { key: 'advances', label: '已预拨', fmt: yuanDec, cls: 'r' }, { key: 'deductions', label: '扣款', fmt: yuanDec, cls: 'r' },
      { key: 'quality_deposit', label: '质量保证金', fmt: yuanDec, cls: 'r' }, { key: 'community_adjustment', label: '医共体调整', fmt: yuanDec, cls: 'r' },
      { key: 'payment', label: '清算支付', fmt: yuanDec, cls: 'r' }], clearing.institutions,
    { id: 'dip-clearing', onrow: (r) => { location.hash = '#/payment?' + new URLSearchParams({ year, inst: r.fixmedins_code }); } })))
    : card(year + ' 年年终清算', notice('尚未清算'));

  // advances: one row an institution, one column a month (the module's figures, not summed here)
  const rows = new Map();
  for (const a of (advances && advances.advances) || []) {
    if (!rows.has(a.fixmedins_code)) rows.set(a.fixmedins_code, { fixmedins_code: a.fixmedins_code });
    rows.get(a.fixmedins_code)['m' + a.month] = a.advance;
  }
  const advCard = card(year + ' 年月度预拨（元）', el('div', { class: 'scroll' }, table([{ key: 'fixmedins_code', label: '机构' },
    ...Array.from({ length: 12 }, (_, i) => ({ key: 'm' + (i + 1), label: (i + 1) + '月', fmt: yuanDec, cls: 'r' }))], [...rows.values()],
  { id: 'dip-advances', empty: '尚未预拨' })));

  return el('div', {}, head, steps, el('div', { id: 'dip-statement' }, statement ? statementView(statement) : null), clearCard, advCard, catCard);
}
