// pages/person.js — 一人一档: find a person; enrollment history with waiting periods, identities,
// registered chronic diseases, filings, the account, the year's accumulators and every settlement
// (click one for its waterfall).
import { api, el, card, table, notice, yuan, yuanDec, insutype, GEND, ApiError } from '../lib.js';
import { settlementView, setlCols } from './settlement.js';

const STAS = { '1': '正常参保', '2': '暂停参保', '4': '终止参保', '0': '未参保' };
const BUCKETS = {
  admissions: '住院次数', opt_pool: '居民门诊统筹已付', emp_opt_pool: '职工门诊统筹已付', emp_opt_ded: '职工门诊起付线累计',
  pool: '统筹基金已付', emp_pool: '职工统筹已付', hifmi_base: '大病保险累计基数', hifmi_paid: '大病保险已付',
  hifob_paid: '大额补助已付', hifob_exp: '大额补助累计费用', cvlserv_paid: '公务员补助已付', maf_ded: '医疗救助起付线累计',
  maf_paid: '医疗救助已付', tilt_base: '倾斜救助累计基数', tilt_paid: '倾斜救助已付', two_dis: '两病门诊已付',
};

function search(q) {
  const input = el('input', { id: 'psn-q', placeholder: '人员编号、身份证号或姓名', value: q || '' });
  const go = () => { location.hash = '#/person/?q=' + encodeURIComponent(input.value.trim()); };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
  return el('div', { class: 'search' }, input, el('button', { onclick: go, id: 'psn-search' }, '查询'));
}

export default async function person(args) {
  const q = new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '';
  const psn = args[0];
  const head = el('div', { class: 'page-head' }, el('h1', {}, '一人一档'), search(q));
  if (!psn) {
    if (!q) return el('div', {}, head, notice('输入人员编号、身份证号或姓名（可只输姓）查询参保人员档案'));
    const r = await api('/api/v1/console/persons', { params: { q } });
    if (r.persons.length === 1) { location.hash = '#/person/' + r.persons[0].psn_no; return el('div'); }
    return el('div', {}, head, card('查询结果', table([
      { key: 'psn_no', label: '人员编号', cls: 'mono' }, { key: 'psn_name', label: '姓名' }, { key: 'gend', label: '性别', fmt: (v) => GEND[v] || v },
      { key: 'brdy', label: '出生日期' }, { key: 'certno', label: '证件号码', cls: 'mono' }, { key: 'insuplc_admdvs', label: '参保地' }],
    r.persons, { onrow: (p) => { location.hash = '#/person/' + p.psn_no; }, id: 'psn-results', empty: '没有找到' })));
  }
  const [d, rec] = await Promise.all([api('/api/v1/console/persons/' + encodeURIComponent(psn)),
    // the enrollment module's record (contributions, account ledger, waiting-period reasons), when installed
    api('/api/v1/persons/' + encodeURIComponent(psn)).catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; })]);
  const p = d.person;
  const facts = el('dl', { class: 'facts' }, ...[['姓名', p.psn_name], ['人员编号', p.psn_no], ['证件号码', p.certno],
    ['性别', GEND[p.gend] || p.gend], ['出生日期', p.brdy], ['参保地', p.insuplc_admdvs], ['单位', p.emp_name || '—'],
    ['公务员', p.cvlserv_flag === '1' ? '是' : '否'], ['家庭共济', p.family_psn_no || '—'], ['死亡日期', p.death_date || '—'],
    ['个人账户余额', yuan(p.acct_balc_fen) + ' 元']].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const detail = el('div', { id: 'setl-detail' });
  const show = async (s) => {
    detail.replaceChildren(el('div', { class: 'loading' }, '加载中…'));
    try { detail.replaceChildren(await settlementView(s.setl_id)); detail.scrollIntoView({ block: 'start' }); } catch (e) { detail.replaceChildren(notice(e.message, 'error')); }
  };
  const view = el('div', {}, head,
    el('div', { class: 'cols2' }, card('基本信息', facts),
      card('参保记录与等待期', table([
        { key: 'year', label: '年度' }, { key: 'insutype', label: '险种', fmt: (v) => insutype(v).replace(/（.*/, '') }, { key: 'psn_type', label: '人员类别' },
        { key: 'psn_insu_stas', label: '状态', fmt: (v) => STAS[v] || v }, { key: 'psn_insu_date', label: '参保日期' },
        { key: 'paus_insu_date', label: '暂停日期' },
        { key: 'wait_until', label: '待遇等待期至', fmt: (v, r) => v ? v + (r.wait_reason ? '（' + r.wait_reason + '）' : '') : '无' },
        { key: 'ci_cap_raise_fen', label: '大病封顶线提高', money: true }], d.enrollments, { id: 'enrollments' }))),
    el('div', { class: 'cols3' },
      card('特殊身份', table([{ key: 'psn_idet_type', label: '类别' }, { key: 'begntime', label: '开始' }, { key: 'endtime', label: '结束' }, { key: 'memo', label: '说明' }], d.identities)),
      card('门诊慢特病 / 两病', table([{ key: 'dise_codg', label: '编码' }, { key: 'dise_name', label: '名称' }, { key: 'kind', label: '类别' }, { key: 'begndate', label: '开始' }], d.diseases)),
      card('异地就医备案', table([{ key: 'filing_type', label: '类型' }, { key: 'admvs', label: '就医地' }, { key: 'begndate', label: '开始' }, { key: 'enddate', label: '结束' }], d.filings))),
    rec ? el('div', { class: 'cols2' },
      card('缴费记录', table([{ key: 'year', label: '年度' }, { key: 'insutype', label: '险种', fmt: (v) => insutype(v).replace(/（.*/, '') },
        { key: 'kind', label: '类型', fmt: (v) => ({ contribution: '居民缴费', payback: '补缴', refund: '退费', employee: '职工缴费' }[v] || v) },
        { key: 'month', label: '所属月' }, { key: 'paid_date', label: '缴费日期' }, { key: 'person', label: '个人', fmt: yuanDec, cls: 'r' },
        { key: 'fiscal', label: '财政补助', fmt: yuanDec, cls: 'r' }, { key: 'assistance', label: '医疗救助资助', fmt: yuanDec, cls: 'r' },
        { key: 'employer', label: '单位', fmt: yuanDec, cls: 'r' }], rec.contributions, { id: 'contributions', empty: '本系统没有缴费记录' })),
      card('个人账户明细', table([{ key: 'at', label: '时间' }, { key: 'memo', label: '摘要' }, { key: 'amount', label: '金额', fmt: yuanDec, cls: 'r' },
        { key: 'balance', label: '余额', fmt: yuanDec, cls: 'r' }], rec.account_ledger, { id: 'ledger', empty: '没有账户收支' }))) : null,
    card('年度累计', table([{ key: 'year', label: '年度' }, { key: 'bucket', label: '项目', fmt: (v) => BUCKETS[v] ? BUCKETS[v] + '（' + v + '）' : v },
      { key: 'period', label: '期间', fmt: (v) => v ? v + ' 月' : '全年' },
      { key: 'value', label: '累计', fmt: (v, r) => r.bucket === 'admissions' ? String(v) : yuan(v) + ' 元', cls: 'r' }], d.accum, { id: 'accum' })),
    card('结算记录（点击查看明细）', table(setlCols(false, true), d.settlements, { onrow: show, id: 'psn-setls' })),
    detail);
  if (d.settlements.length) show(d.settlements.find((s) => !s.refd_setl_flag) || d.settlements[0]);
  return view;
}
