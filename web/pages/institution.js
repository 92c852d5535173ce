// pages/institution.js — 定点机构: the list (staff) and one institution: totals, fund spending by
// month, its settlements page by page (CSV export), and what the audit and DIP modules hold on it
// (findings, credit rating) once it is installed.
import { api, el, card, kpi, table, chart, notice, wan, num, plot, csvLink, yuanDec, ApiError } from '../lib.js';
import { settlementView, setlCols } from './settlement.js';

async function optional(path, params) {
  try { return await api(path, { params }); } catch (e) { if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null; throw e; }
}

async function list() {
  const d = await api('/api/v1/console/institutions');
  return el('div', {}, el('div', { class: 'page-head' }, el('h1', {}, '定点医药机构'), el('span', { class: 'muted' }, d.year + ' 年')),
    card('机构列表（按基金支出排序，点击查看）', table([
      { key: 'fixmedins_code', label: '机构编码', cls: 'mono' }, { key: 'fixmedins_name', label: '名称' }, { key: 'label', label: '级别/类型' },
      { key: 'admdvs', label: '区划' }, { key: 'n', label: '结算笔数', num: true }, { key: 'medfee_fen', label: '医疗费', money: true },
      { key: 'fund_fen', label: '基金支出', money: true }, { key: 'last_month', label: '最近结算月', fmt: (v) => v || '无结算' }],
    d.institutions, { onrow: (i) => { location.hash = '#/institution/' + i.fixmedins_code; }, id: 'inst-list' })));
}

async function extras(code) {
  // the audit module's view of this institution (findings, credit), when it is installed
  const findings = await optional('/api/v1/audit/findings', { fixmedins_code: code, limit: 20 }).catch(() => null);
  const f = findings && findings.findings;
  // the credit of the newest finding's year, else this year's
  const year = f && f.length ? Math.max(...f.map((x) => Number(String(x.occur_date).slice(0, 4)) || 0)) : new Date().getFullYear();
  const credit = findings ? await optional('/api/v1/audit/credit', { fixmedins_code: code, year }).catch(() => null) : null;
  const FSTATE = { flagged: '待处理', in_case: '已立案', confirmed: '已确认', dismissed: '已排除' };
  const c = credit && credit.credit && credit.credit.find((x) => x.fixmedins_code === code);
  return el('div', { class: 'cols' },
    card('监管发现（最近 20 条）', f ? table([{ key: 'finding_id', label: '编号' }, { key: 'rule_id', label: '规则', cls: 'mono' },
      { key: 'occur_date', label: '日期' }, { key: 'evid', label: '依据' }, { key: 'vola_amt', label: '金额', fmt: yuanDec, cls: 'r' },
      { key: 'state', label: '状态', fmt: (v) => FSTATE[v] || v }], f, { id: 'inst-findings', empty: '没有疑点' }) : notice('稽核模块尚未上线')),
    card('信用评价（' + year + ' 年）', c ? el('div', { class: 'kpis' }, kpi('信用得分', String(c.score), '等级 ' + c.grade),
      kpi('认定违规金额', yuanDec(c.amount) + ' 元', '明确违规 ' + c.sev1 + ' · 高度可疑 ' + c.sev2)) : notice(credit ? '本年度暂无评价' : '稽核模块尚未上线')));
}

export default async function institution(args, state) {
  const code = args[0];
  if (!code) return list();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const page = Number(params.get('page') || 0);
  const d = await api('/api/v1/console/institutions/' + encodeURIComponent(code), { params: { page } });
  const i = d.institution;
  const months = [...new Set(d.months.map((m) => m.month))].sort();
  const byMonth = (m, key) => d.months.filter((x) => x.month === m).reduce((a, x) => a + x[key], 0);
  const detail = el('div', { id: 'setl-detail' });
  const show = async (s) => {
    detail.replaceChildren(el('div', { class: 'loading' }, '加载中…'));
    try { detail.replaceChildren(await settlementView(s.setl_id)); detail.scrollIntoView({ block: 'start' }); } catch (e) { detail.replaceChildren(notice(e.message, 'error')); }
  };
  const pager = el('div', { class: 'pager' },
    page > 0 ? el('a', { class: 'btn', href: '#/institution/' + code + '?page=' + (page - 1) }, '上一页') : null,
    el('span', {}, '第 ' + (page + 1) + ' 页'),
    d.settlements.length === d.page_size ? el('a', { class: 'btn', href: '#/institution/' + code + '?page=' + (page + 1) }, '下一页') : null,
    csvLink('/api/v1/console/institutions/' + encodeURIComponent(code) + '/settlements.csv', '导出全部结算 CSV'));
  return el('div', {},
    el('div', { class: 'page-head' }, el('h1', {}, i.fixmedins_name), el('span', { class: 'muted' }, i.fixmedins_code + ' · ' + i.label + ' · 区划 ' + i.admdvs),
      state.user.role !== 'inst' ? el('a', { href: '#/institution', class: 'btn light' }, '全部机构') : null),
    el('div', { class: 'kpis' }, kpi('结算笔数', num(d.totals.n), '原始结算减冲销'), kpi('医疗费总额', wan(d.totals.medfee_fen)),
      kpi('基金支付', wan(d.totals.fund_fen)),
      kpi('基金支付占比', d.totals.medfee_fen ? (Math.round(d.totals.fund_fen * 1000 / d.totals.medfee_fen) / 10).toFixed(1) + '%' : '—')),
    card('逐月基金支付（元）', chart({
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 70, right: 20, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: months }, yAxis: { type: 'value', name: '元' },
      series: [{ name: '医疗费', type: 'bar', data: months.map((m) => plot(byMonth(m, 'medfee_fen'))), itemStyle: { color: '#b8c7dd' } },
        { name: '基金支付', type: 'bar', data: months.map((m) => plot(byMonth(m, 'fund_fen'))), itemStyle: { color: '#2f6db5' } }],
    }, { height: 260, id: 'chart-inst' })),
    await extras(code),
    card('结算记录（点击查看明细）', table(setlCols(true, false), d.settlements, { onrow: show, id: 'inst-setls' }), pager),
    detail);
}
