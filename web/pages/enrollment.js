// pages/enrollment.js — 参保管理: persons whose enrollment broke (enrolled before, not this year),
// household members not enrolled, and high-cost warnings (self-burden past the threshold of the
// person's category), each exportable to CSV. On the enrollment module's /api/v1/monitor/ routes.
import { api, el, card, table, notice, num, yuanDec, csvLink, ApiError } from '../lib.js';
import { pending } from './pending.js';

const LISTS = {
  broken: ['断缴人员', '上一年度参保、本年度未参保'],
  household: ['未参保家庭成员', '同户有人参保而本人未参保'],
  'high-cost': ['高额费用预警', '年度个人负担超过其类别的预警线'],
};
const LABELS = {
  psn_no: '人员编号', psn_name: '姓名', certno: '证件号码', brdy: '出生日期', gend: '性别', hh_no: '户号', relation: '与户主关系',
  insutype: '险种', last_year: '最近参保年度', year: '年度', self_burden: '个人负担（元）', threshold: '预警线（元）',
  category: '类别', medfee: '医疗费（元）', fund: '基金支付（元）', psn_type: '人员类别', enrolled_members: '已参保成员',
};
const MONEY = new Set(['self_burden', 'threshold', 'medfee', 'fund', 'cash', 'amount']);

export default async function enrollment() {
  const p = new URLSearchParams(location.hash.split('?')[1] || '');
  const list = LISTS[p.get('list')] ? p.get('list') : 'broken';
  const year = p.get('year') || String(new Date().getFullYear());
  let d;
  try {
    d = await api('/api/v1/monitor/' + list, { params: { year } });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.field === 'path') return pending('参保管理', '参保（断缴、未参保家庭成员、高额费用预警）');
    throw e;
  }
  const rows = d.rows || [];
  const keys = rows.length ? Object.keys(rows[0]) : ['psn_no', 'psn_name'];
  const cols = keys.map((k) => ({ key: k, label: LABELS[k] || k, ...(MONEY.has(k) ? { fmt: yuanDec, cls: 'r' } : {}),
    ...(k === 'psn_no' ? { fmt: (v) => el('a', { href: '#/person/' + v }, v) } : {}) }));
  const tabs = el('div', { class: 'tabs' }, Object.entries(LISTS).map(([k, [t]]) =>
    el('a', { class: k === list ? 'on' : '', href: '#/enrollment?' + new URLSearchParams({ list: k, year }) }, t)));
  return el('div', {},
    el('div', { class: 'page-head' }, el('h1', {}, '参保管理'),
      el('label', { class: 'inline' }, '年度 ', el('input', { id: 'enroll-year', type: 'number', value: year, style: 'width:90px',
        onchange: (e) => { location.hash = '#/enrollment?' + new URLSearchParams({ list, year: e.target.value }); } }))),
    card(null, tabs, el('div', { class: 'toolbar' }, el('span', { class: 'muted' }, LISTS[list][1] + ' · 共 ' + num(d.count ?? rows.length) + ' 人'),
      csvLink('/api/v1/monitor/' + list + '?' + new URLSearchParams({ year, format: 'csv' }), '导出 CSV')),
    el('div', { class: 'scroll' }, table(cols, rows, { id: 'enroll-rows', empty: '本年度没有' + LISTS[list][0] }))));
}
