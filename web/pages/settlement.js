// pages/settlement.js — one settlement explained yuan by yuan: what the money was (全自费,
// 超限价, 先行自付, 起付线 …) and who paid it (统筹, 大病, 救助, 账户, 现金) as two waterfalls,
// the engine's trace step by step, and the fee lines. Used by the person and institution pages.
import { api, el, card, table, chart, notice, yuan, plot, insutype, KIND } from '../lib.js';

const KIND_COLOR = { total: '#2f6db5', subtotal: '#5b8fd0', person: '#e0873a', fund: '#3a9d6e', acct: '#7b5ea7', cash: '#c2474b' };

function waterfall(steps, id) {
  // a floating bar per step: transparent base + visible part; totals and subtotals stand on 0
  const base = [], part = [];
  for (const s of steps) {
    const standing = s.kind === 'total' || s.kind === 'subtotal';
    base.push(standing ? 0 : plot(s.after_fen));
    part.push({ value: plot(s.fen), itemStyle: { color: KIND_COLOR[s.kind] } });
  }
  return chart({
    grid: { left: 130, right: 90, top: 10, bottom: 10 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (p) => { const s = steps[p[0].dataIndex]; return s.label + '：' + yuan(s.fen) + ' 元'; } },
    yAxis: { type: 'category', data: steps.map((s) => s.label), inverse: true },
    xAxis: { type: 'value', show: false },
    series: [
      { type: 'bar', stack: 'w', data: base, itemStyle: { color: 'transparent' }, silent: true },
      { type: 'bar', stack: 'w', data: part, barMaxWidth: 22,
        label: { show: true, position: 'right', formatter: (p) => yuan(steps[p.dataIndex].fen) } }],
  }, { height: 40 + 34 * steps.length, id });
}

export async function settlementView(setlId) {
  const s = await api('/api/v1/console/settlements/' + encodeURIComponent(setlId));
  const rev = s.refd_setl_flag ? '冲销记录（原结算 ' + s.orig_setl_id + '）' : s.state ? '有效' : '已冲销';
  const facts = el('dl', { class: 'facts' },
    ...[['结算编号', s.setl_id], ['就诊编号', s.mdtrt_id], ['人员编号', s.psn_no], ['机构', s.fixmedins_name + '（' + s.fixmedins_code + '）'],
      ['险种', insutype(s.insutype)], ['医疗类别', s.med_type], ['结算时间', s.setl_time], ['交易', s.infno], ['状态', rev]]
      .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const check = s.adds_up ? notice('核对：各方支付合计 ' + yuan(s.paid_fen) + ' 元 = 医疗费总额 ' + yuan(s.medfee_fen) + ' 元', 'ok')
    : notice('各方支付合计 ' + yuan(s.paid_fen) + ' 元与医疗费总额 ' + yuan(s.medfee_fen) + ' 元不符', 'error');
  const trace = el('ol', { class: 'trace', id: 'trace' }, (s.trace || []).map((t) => el('li', {}, t.reason)));
  return el('div', { class: 'settlement', id: 'settlement' },
    card('结算单 ' + s.setl_id, facts, check),
    el('div', { class: 'cols2' },
      card('费用构成（元）', waterfall(s.composition, 'wf-composition')),
      card('谁来支付（元）', waterfall(s.payers, 'wf-payers'))),
    card('计算过程', s.trace && s.trace.length ? trace : notice('冲销记录没有计算过程，见原结算')),
    card('费用明细', table([
      { key: 'feedetl_sn', label: '序号' }, { key: 'med_list_codg', label: '医保目录编码', cls: 'mono' }, { key: 'name', label: '名称' },
      { key: 'chrgitm_lv', label: '等级', fmt: (v) => ({ '01': '甲类', '02': '乙类', '03': '丙类' }[v] || v) },
      { key: 'sumamt_fen', label: '金额', money: true }, { key: 'fulamt_ownpay_fen', label: '全自费', money: true },
      { key: 'overlmt_fen', label: '超限价', money: true }, { key: 'preselfpay_fen', label: '先行自付', money: true },
      { key: 'inscp_fen', label: '政策范围内', money: true }], s.lines, { id: 'fee-lines' })));
}

export const setlCols = (withPerson, withInst) => [
  { key: 'setl_time', label: '结算时间' }, { key: 'setl_id', label: '结算编号', cls: 'mono' },
  withPerson ? { key: 'psn_name', label: '姓名' } : null,
  withInst ? { key: 'fixmedins_name', label: '机构' } : null,
  { key: 'insutype', label: '险种', fmt: (v) => insutype(v).replace(/（.*/, '') },
  { key: 'kind', label: '类别', fmt: (v) => KIND[v] || v }, { key: 'dise_codg', label: '诊断' },
  { key: 'state', label: '状态', fmt: (v, r) => r.refd_setl_flag ? '冲销' : v ? '有效' : '已冲销' },
  { key: 'medfee_fen', label: '医疗费', money: true }, { key: 'fund_fen', label: '基金', money: true },
  { key: 'acct_fen', label: '账户', money: true }, { key: 'cash_fen', label: '现金', money: true }].filter(Boolean);
