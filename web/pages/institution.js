// pages/institution.js — 定点机构: the list (staff) and one institution: totals, fund spending by
// month, its settlements page by page (CSV export), and what the audit and DIP modules hold on it
// (findings, credit rating, DIP scores, advances) once they are installed.
import { api, el, card, kpi, table, chart, notice, yuan, wan, num, plot, csvLink, insutype, ApiError } from '../lib.js';
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
  // the audit and DIP modules' views of this institution, when they are installed
  const box = el('div', { class: 'cols2' });
  const [findings, credit, dip] = await Promise.all([
    optional('/api/v1/audit/findings', { fixmedins_code: code, limit: 20 }).catch(() => null),
    optional('/api/v1/audit/credit/' + code).catch(() => null),
    optional('/api/v1/dip/institutions/' + code).catch(() => null)]);
  const f = findings && (findings.findings || findings.items);
  box.append(card('监管发现', f ? table([{ key: 'rule', label: '规则' }, { key: 'status', label: '状态' }, { key: 'amount_fen', label: '涉及金额', money: true }], f)
    : notice('稽核模块尚未上线')));
  box.append(card('信用评价与 DIP', credit || dip ? el('pre', { class: 'json' }, JSON.stringify({ credit, dip }, null, 1)) : notice('信用评价与 DIP 模块尚未上线')));
  return box;
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
