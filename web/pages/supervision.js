// pages/supervision.js — 基金监管: audit findings with filters, and the case workflow done in the
// page: open a case over flagged findings, review, confirm (with the amount) or dismiss, and record
// the money recovered; the institutions' credit ratings. On the audit module's routes
// (/api/v1/audit/…); an institution user sees its own findings and cases, read-only.
import { api, el, card, table, notice, num, yuanDec, ask, ApiError } from '../lib.js';
import { pending } from './pending.js';

const FSTATE = { flagged: '待处理', in_case: '已立案', confirmed: '已确认', dismissed: '已排除' };
const CSTATE = { open: '已立案', review: '复核中', confirmed: '已确认', dismissed: '已排除', recovered: '已追回', closed: '已办结' };
const SEV = { 1: '明确违规', 2: '高度可疑', 3: '轻度可疑' };
const badge = (s, names) => el('span', { class: 'status ' + s }, names[s] || s);

async function caseView(id, canAct, reload) {
  const k = await api('/api/v1/audit/cases/' + id);
  const act = async (action, fields, title) => {
    const v = fields ? await ask(title, fields) : {};
    if (!v) return;
    const body = {};
    for (const [key, val] of Object.entries(v)) if (val !== '') body[key] = val; // amounts stay decimal text
    try {
      await api('/api/v1/audit/cases/' + id + '/' + action, { method: 'POST', body });
      reload(id); // the whole page again: the case, the case list and the findings' states
    } catch (e) { alert(e.message); }
  };
  const buttons = [];
  if (canAct && (k.state === 'open' || k.state === 'review')) {
    if (k.state === 'open') buttons.push(el('button', { id: 'case-review', onclick: () => act('review', [{ name: 'reason', label: '复核说明' }], '开始复核') }, '开始复核'));
    buttons.push(el('button', { id: 'case-confirm', class: 'danger', onclick: () => act('confirm', [{ name: 'reason', label: '认定理由', required: true },
      { name: 'amount', label: '认定违规金额（元，默认全部疑点金额 ' + yuanDec(k.amt_flagged) + '）', placeholder: yuanDec(k.amt_flagged) }], '确认违规') }, '确认违规'));
    buttons.push(el('button', { id: 'case-dismiss', class: 'light', onclick: () => act('dismiss', [{ name: 'reason', label: '排除理由', required: true }], '排除疑点') }, '排除'));
  }
  if (canAct && k.state === 'confirmed' && Number(k.amt_due) > 0)
    buttons.push(el('button', { id: 'case-recover', onclick: () => act('recoveries', [{ name: 'amount', label: '追回金额（元，待追回 ' + yuanDec(k.amt_due) + '）', required: true, value: yuanDec(k.amt_due).replace(/,/g, '') },
      { name: 'note', label: '备注（如缴款凭证号）' }], '登记追回') }, '登记追回'));
  const facts = el('dl', { class: 'facts' }, ...[['案件', '#' + k.case_id + ' ' + (k.title || '')], ['机构', k.fixmedins_code], ['年度', k.year],
    ['状态', badge(k.state, CSTATE)], ['疑点数', k.n_findings], ['疑点金额', yuanDec(k.amt_flagged) + ' 元'],
    ['认定金额', yuanDec(k.amt_confirmed) + ' 元'], ['已追回', yuanDec(k.amt_recovered) + ' 元'], ['待追回', yuanDec(k.amt_due) + ' 元'],
    ['立案人', k.opened_by + ' ' + k.opened_at], ['理由', k.reason || '—']].flatMap(([a, b]) => [el('dt', {}, a), el('dd', {}, b)]));
  return card('案件办理', facts, el('div', { class: 'actions-row' }, buttons),
    table([{ key: 'finding_id', label: '疑点' }, { key: 'rule_id', label: '规则', cls: 'mono' }, { key: 'psn_no', label: '人员', cls: 'mono' },
      { key: 'occur_date', label: '发生日期' }, { key: 'evid', label: '依据' }, { key: 'vola_amt', label: '金额', fmt: yuanDec, cls: 'r' }], k.findings),
    el('h2', { style: 'margin-top:12px' }, '办理记录'),
    el('ol', { class: 'events', id: 'case-events' }, (k.events || []).map((v) => el('li', {}, v.at + ' ' + v.who + ' ' + v.action +
      (Number(v.amount) ? ' ' + yuanDec(v.amount) + ' 元' : '') + (v.note ? '：' + v.note : '')))));
}

export default async function supervision(args, state) {
  const p = new URLSearchParams(location.hash.split('?')[1] || '');
  const f = { fixmedins_code: p.get('inst') || '', state: p.get('state') ?? 'flagged', rule_id: p.get('rule') || '',
    from: p.get('from') || '', to: p.get('to') || '' };
  let findings;
  try {
    findings = (await api('/api/v1/audit/findings', { params: { ...f, limit: 500 } })).findings;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return pending('基金监管', '稽核（疑点与案件）');
    throw e;
  }
  const canAct = state.user.role !== 'inst';
  const cases = (await api('/api/v1/audit/cases')).cases;
  const year = new Date().getFullYear();
  // credit of the year asked, else of the newest case's year, else this year
  const creditYear = p.get('year') || (cases.length ? Math.max(...cases.map((k) => k.year)) : year);
  const credit = await api('/api/v1/audit/credit', { params: { year: creditYear } }).catch(() => null);

  const go = (over) => { const q = new URLSearchParams({ inst: f.fixmedins_code, state: f.state, rule: f.rule_id, from: f.from, to: f.to, ...over }); location.hash = '#/supervision?' + q; };
  const inp = (key, ph, qkey) => el('input', { value: f[key], placeholder: ph, id: 'f-' + key, onchange: (e) => go({ [qkey]: e.target.value }) });
  const filters = el('div', { class: 'filters' },
    canAct ? inp('fixmedins_code', '机构编码', 'inst') : null, inp('rule_id', '规则编号', 'rule'),
    el('select', { id: 'f-state', onchange: (e) => go({ state: e.target.value }) }, [['', '全部状态'], ...Object.entries(FSTATE)].map(([k, v]) => el('option', { value: k, selected: k === f.state }, v))),
    el('label', { class: 'inline' }, '自 ', el('input', { type: 'date', value: f.from, onchange: (e) => go({ from: e.target.value }) })),
    el('label', { class: 'inline' }, '至 ', el('input', { type: 'date', value: f.to, onchange: (e) => go({ to: e.target.value }) })));

  const chosen = new Set();
  const openBtn = el('button', { id: 'open-case', disabled: true, onclick: async () => {
    const v = await ask('立案（' + chosen.size + ' 个疑点）', [{ name: 'title', label: '案件名称', required: true, value: '疑点核查' }]);
    if (!v) return;
    try {
      const k = await api('/api/v1/audit/cases', { method: 'POST', body: { finding_ids: [...chosen], title: v.title } });
      location.hash = '#/supervision?' + new URLSearchParams({ state: f.state, inst: f.fixmedins_code, rule: f.rule_id, from: f.from, to: f.to, case: k.case_id });
    } catch (e) { alert(e.message); }
  } }, '对选中疑点立案');
  const fcols = [
    canAct ? { key: 'finding_id', label: '', fmt: (v, r) => r.state === 'flagged' ? el('input', { type: 'checkbox', class: 'pick', 'data-id': v,
      onclick: (e) => { e.stopPropagation(); e.target.checked ? chosen.add(v) : chosen.delete(v); openBtn.disabled = !chosen.size; } }) : '' } : null,
    { key: 'finding_id', label: '编号' }, { key: 'rule_id', label: '规则', cls: 'mono' }, { key: 'sev_deg', label: '程度', fmt: (v) => SEV[v] || v },
    { key: 'fixmedins_code', label: '机构', fmt: (v) => el('a', { href: '#/institution/' + v }, v) }, { key: 'psn_no', label: '人员', fmt: (v) => canAct ? el('a', { href: '#/person/' + v }, v) : v },
    { key: 'occur_date', label: '日期' }, { key: 'evid', label: '疑点依据' }, { key: 'vola_amt', label: '金额', fmt: yuanDec, cls: 'r' },
    { key: 'state', label: '状态', fmt: (v) => badge(v, FSTATE) }].filter(Boolean);

  const caseBox = el('div', { id: 'case-box' });
  const rerender = (id) => { location.hash = '#/supervision?' + new URLSearchParams({ inst: f.fixmedins_code, state: f.state, rule: f.rule_id,
    from: f.from, to: f.to, case: id, t: Date.now() }); };
  const showCase = async (id) => {
    try { caseBox.replaceChildren(await caseView(id, canAct, rerender)); } catch (e) { caseBox.replaceChildren(notice(e.message, 'error')); }
  };
  if (p.get('case')) await showCase(p.get('case'));
  const view = el('div', {},
    el('div', { class: 'page-head' }, el('h1', {}, '基金监管'), el('span', { class: 'muted' }, '疑点 ' + num(findings.length) + ' 条 · 案件 ' + num(cases.length) + ' 件')),
    card('疑点筛查', filters, canAct ? el('div', { class: 'actions-row' }, openBtn) : null,
      el('div', { class: 'scroll' }, table(fcols, findings, { id: 'findings', empty: '没有符合条件的疑点' }))),
    card('案件（点击办理）', table([{ key: 'case_id', label: '案件' }, { key: 'title', label: '名称' }, { key: 'fixmedins_code', label: '机构' },
      { key: 'state', label: '状态', fmt: (v) => badge(v, CSTATE) }, { key: 'n_findings', label: '疑点', num: true },
      { key: 'amt_flagged', label: '疑点金额', fmt: yuanDec, cls: 'r' }, { key: 'amt_confirmed', label: '认定', fmt: yuanDec, cls: 'r' },
      { key: 'amt_recovered', label: '已追回', fmt: yuanDec, cls: 'r' }, { key: 'updated_at', label: '更新' }], cases,
    { onrow: (k) => showCase(k.case_id), id: 'cases', empty: '暂无案件' })),
    caseBox,
    card('信用评价' + (credit ? '（' + credit.year + ' 年）' : ''), credit ? table([{ key: 'fixmedins_code', label: '机构' }, { key: 'score', label: '得分', num: true },
      { key: 'grade', label: '等级' }, { key: 'sev1', label: '明确违规', num: true }, { key: 'sev2', label: '高度可疑', num: true },
      { key: 'sev3', label: '轻度可疑', num: true }, { key: 'amount', label: '认定金额', fmt: yuanDec, cls: 'r' }], credit.credit, { id: 'credit' }) : notice('暂无'),
    canAct ? el('p', {}, el('a', { class: 'btn light', href: '/api/v1/audit/negative-list?year=' + (credit ? credit.year : year), download: '' }, '导出负面清单 CSV')) : null));
  return view;
}
