// pages/overview.js — 总览: fund spending by month and scheme, settlements by institution level
// (and how many village clinics settle at all), top diseases and drugs, alerts.
import { api, el, card, kpi, table, chart, notice, yuan, wan, num, plot, insutype, KIND, COLORS } from '../lib.js';

export default async function overview(args) {
  const year = new URLSearchParams(location.hash.split('?')[1] || '').get('year') || '';
  const d = await api('/api/v1/console/overview', { params: { year } });
  const t = d.totals;
  const months = [...new Set(d.months.map((m) => m.month))].sort();
  const schemes = [...new Set(d.months.map((m) => m.insutype))].sort();
  const sum = (month, sc, key, kind) => d.months.filter((m) => m.month === month && m.insutype === sc && (!kind || m.kind === kind))
    .reduce((a, m) => a + m[key], 0); // integer fen, exact
  const head = el('div', { class: 'page-head' }, el('h1', {}, '基金运行总览'),
    el('label', { class: 'inline' }, '年度 ', el('select', { id: 'year', onchange: (e) => { location.hash = '#/overview?year=' + e.target.value; } },
      (d.years.length ? d.years : [{ year: d.year }]).map((y) => el('option', { value: y.year, selected: y.year === d.year }, y.year + ' 年')))));

  const village = d.village;
  const kpis = el('div', { class: 'kpis' },
    kpi('基金支出', wan(t.fund_fen), '原始结算减冲销 · ' + d.year + ' 年'),
    kpi('医疗费总额', wan(t.medfee_fen), '个人账户 ' + wan(t.acct_fen) + ' · 现金 ' + wan(t.cash_fen)),
    kpi('结算笔数', num(t.n), '冲销 ' + num(t.nrev) + ' 笔'),
    kpi('登记人员', num(d.counts.persons), '一人一档中的人数'),
    kpi('村卫生室结算覆盖', village.clinics ? village.settling + ' / ' + village.clinics : '—', '有结算的村卫生室 / 全部'),
    d.income.recorded ? kpi('基金收入', wan(d.income.total_fen), '参保缴费（含财政补助）· 收支差 ' + wan(d.income.total_fen - t.fund_fen))
      : kpi('基金收入', '未登记', '本年度没有登记参保缴费'));

  const alerts = card('预警', d.alerts.length ? el('ul', { class: 'alerts', id: 'alerts' }, d.alerts.map((a) =>
    el('li', { class: a.level }, a.text, a.institutions ? el('span', {}, '：', a.institutions.map((i, k) =>
      el('span', {}, k ? '、' : '', el('a', { href: '#/institution/' + i.fixmedins_code }, i.fixmedins_code), '（本月 ' + yuan(i.month_fen) + ' 元，此前月均 ' + yuan(i.mean_before_fen) + ' 元）')))
      : null))) : notice('暂无预警'));

  const incomeMonth = (m) => d.income.months.filter((x) => x.month === m).reduce((a, x) => a + x.amount_fen, 0);
  const allMonths = [...new Set([...months, ...d.income.months.map((x) => x.month)])].sort();
  const flow = d.income.recorded ? card('基金收支（按月，元）', chart({
    tooltip: { trigger: 'axis', valueFormatter: (v) => Number(v).toFixed(2) + ' 元' }, legend: { top: 0 },
    grid: { left: 70, right: 20, top: 36, bottom: 30 }, xAxis: { type: 'category', data: allMonths }, yAxis: { type: 'value', name: '元' },
    series: [{ name: '收入（缴费）', type: 'bar', barMaxWidth: 40, itemStyle: { color: '#3a9d6e' }, data: allMonths.map((m) => plot(incomeMonth(m))) },
      { name: '支出（结算）', type: 'bar', barMaxWidth: 40, itemStyle: { color: '#c2474b' },
        data: allMonths.map((m) => plot(d.months.filter((x) => x.month === m).reduce((a, x) => a + x.fund_fen, 0))) }],
  }, { height: 240, id: 'chart-flow' }), table([{ key: 'insutype', label: '险种', fmt: insutype }, { key: 'income_fen', label: '收入', money: true },
    { key: 'fund_fen', label: '支出', money: true }],
  [...new Set([...Object.keys(d.income.schemes), ...Object.keys(d.schemes)])].sort().map((k) => ({ insutype: k,
    income_fen: d.income.schemes[k] || 0, fund_fen: (d.schemes[k] || {}).fund_fen || 0 })), { id: 'income' })) : null;
  const spend = card('基金支出（按月、按险种，元）', chart({
    tooltip: { trigger: 'axis', valueFormatter: (v) => Number(v).toFixed(2) + ' 元' },
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 36, bottom: 30 },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value', name: '元' },
    series: schemes.flatMap((sc, i) => ['otp', 'ipt'].map((k, j) => ({
      name: insutype(sc).replace(/（.*/, '') + '·' + KIND[k], type: 'bar', stack: 'fund', barMaxWidth: 56,
      itemStyle: { color: COLORS[(i * 2 + j) % COLORS.length] },
      data: months.map((m) => plot(sum(m, sc, 'fund_fen', k))) }))).filter((s) => s.data.some((v) => v)),
  }, { id: 'chart-spend' }), table([
    { key: 'insutype', label: '险种', fmt: insutype }, { key: 'n', label: '结算笔数', num: true },
    { key: 'medfee_fen', label: '医疗费总额', money: true }, { key: 'fund_fen', label: '基金支出', money: true }],
  Object.entries(d.schemes).map(([k, v]) => ({ insutype: k, ...v }))));

  const levels = card('各级机构结算情况', chart({
    tooltip: { trigger: 'axis' }, legend: { top: 0 },
    grid: { left: 140, right: 30, top: 36, bottom: 20 },
    yAxis: { type: 'category', data: d.levels.map((l) => l.label), inverse: true },
    xAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: '机构数', type: 'bar', data: d.levels.map((l) => l.institutions), itemStyle: { color: '#b8c7dd' } },
      { name: '有结算的机构', type: 'bar', data: d.levels.map((l) => l.settling), itemStyle: { color: '#2f6db5' } }],
  }, { height: 260, id: 'chart-levels' }), table([
    { key: 'label', label: '机构级别' }, { key: 'institutions', label: '机构数', num: true },
    { key: 'settling', label: '有结算', num: true }, { key: 'n', label: '结算笔数', num: true },
    { key: 'fund_fen', label: '基金支出', money: true }], d.levels, { id: 'levels' }));

  const named = d.top_diseases.some((x) => x.dise_name);
  const dise = card('基金支出前十病种', table([
    { key: 'dise_codg', label: '诊断编码（ICD-10）', fmt: (v) => v || '（未填报）' }, named ? { key: 'dise_name', label: '名称' } : null,
    { key: 'n', label: '结算笔数', num: true }, { key: 'medfee_fen', label: '医疗费', money: true },
    { key: 'fund_fen', label: '基金支出', money: true }].filter(Boolean), d.top_diseases, { id: 'top-diseases' }));
  const drugs = card('费用前十药品', table([
    { key: 'med_list_codg', label: '医保药品编码', cls: 'mono' }, { key: 'name', label: '名称' },
    { key: 'lines', label: '明细条数', num: true }, { key: 'sumamt_fen', label: '金额', money: true }], d.top_drugs, { id: 'top-drugs' }));

  return el('div', {}, head, kpis, el('div', { class: 'cols' }, el('div', { class: 'wide' }, spend), el('div', {}, alerts, flow)),
    el('div', { class: 'cols2' }, levels, dise), drugs);
}
