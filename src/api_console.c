/* api_console.c — the bureau console's read routes: the overview (fund spending by month and
 * scheme, settlements by institution level, top diseases and drugs, alerts), the person's file
 * (一人一档) with each settlement's yuan-by-yuan waterfall, institutions, and policies with a
 * diff between versions. Money leaves as integer fen (`*_fen`); every sum is made here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "catalog.h"
#include "jsonx.h"
#include "money.h"
#include "store_console.h"

#define TOP_N 10
#define SETL_PAGE 50
#define SETL_CSV_MAX 100000
/* Alert thresholds (supervision heuristics, not insurance policy). */
#define SPIKE_RATIO 2          /* a month's fund spending above this many times the mean of… */
#define SPIKE_MONTHS 3         /* …this many months before it */
#define SPIKE_MIN_FEN 100000   /* and above 1 000.00 yuan */
#define REVERSAL_ALERT_BP 500  /* reversals above 5 % of settlement rows */

static json_t *fen(int64_t v) { return json_integer((json_int_t)v); }

static store_console_arg targ(const char *s) { return (store_console_arg){s ? s : "", 0}; }
static store_console_arg iarg(int64_t i) { return (store_console_arg){NULL, i}; }

/* Rows of a query as JSON objects: names[k] is column k's key; a name ending in '#' (stripped)
 * is an integer column, others are text. */
typedef struct rows_ctx {
  json_t *list;
  const char *const *names;
} rows_ctx;

static int rows_fn(const store_console_row *row, void *arg) {
  rows_ctx *x = arg;
  json_t *o = json_object();
  for (int k = 0; k < row->n && x->names[k]; k++) {
    char key[48];
    size_t len = strlen(x->names[k]);
    int num = len && x->names[k][len - 1] == '#';
    snprintf(key, sizeof key, "%.*s", (int)(num ? len - 1 : len), x->names[k]);
    json_object_set_new(o, key, num ? json_integer((json_int_t)row->i[k]) : json_string(row->s[k]));
  }
  json_array_append_new(x->list, o);
  return 0;
}

static json_t *rows(admin_req *r, store_console_q q, const store_console_arg *args, int n,
                    const char *const *names, yb_err *e) {
  rows_ctx x = {json_array(), names};
  if (store_console_each(r->c, q, args, n, rows_fn, &x, e)) {
    json_decref(x.list);
    return NULL;
  }
  return x.list;
}

static const char *const setl_names[] = {
    "setl_id", "mdtrt_id", "psn_no", "psn_name", "fixmedins_code", "fixmedins_name", "insutype",
    "med_type", "setl_time", "refd_setl_flag#", "state#", "medfee_fen#", "fund_fen#", "acct_fen#",
    "cash_fen#", "kind", "dise_codg", "orig_setl_id", NULL};
static const char *const month_names[] = {"month", "insutype", "kind", "n#", "nrev#", "medfee_fen#",
                                          "fund_fen#", "acct_fen#", "cash_fen#", NULL};

/* The year to show: ?year=, else the newest year with settlements, else "". */
static int pick_year(admin_req *r, char *year, yb_err *e) {
  long y;
  int rc = admin_query_int(r, "year", 0, 2000, 2100, &y, e);
  if (rc) return rc;
  if (y) {
    snprintf(year, 8, "%ld", y);
    return 0;
  }
  json_t *ys = rows(r, STORE_CONSOLE_YEARS, NULL, 0, (const char *const[]){"year", NULL}, e);
  if (!ys) return YB_ESTORE;
  snprintf(year, 8, "%s", json_array_size(ys) ? json_string_value(json_object_get(json_array_get(ys, 0), "year")) : "");
  json_decref(ys);
  return 0;
}

static int64_t jint(json_t *o, const char *k) { return (int64_t)json_integer_value(json_object_get(o, k)); }
static const char *jstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* ---- overview --------------------------------------------------------------------------------- */
/* Fund income is what the contributions of the year brought in (console_income, from the
 * enrollment area's enr_contrib by payment month): the government's part, assistance, the
 * person's and the employer's payments, refunds negative. */
static const char *level_label(int64_t lv, const char *type) {
  if (!strcmp(type, "pharmacy")) return "定点零售药店";
  if (!strcmp(type, "clinic")) return "村卫生室/诊所";
  static const char *const lv_names[] = {"未定级", "一级（乡镇卫生院等）", "二级医院", "三级医院"};
  return lv >= 0 && lv <= 3 ? lv_names[lv] : "其他";
}

/* Institutions whose newest month's fund spending jumped above SPIKE_RATIO × the mean of the
 * months before it. */
static int spike_alerts(admin_req *r, const char *last_month, json_t *alerts, yb_err *e) {
  int y = atoi(last_month), m = atoi(last_month + 5) - SPIKE_MONTHS;
  while (m < 1) m += 12, y--;
  char from[32];
  snprintf(from, sizeof from, "%04d-%02d", y % 10000, m % 100);
  store_console_arg a[] = {targ(from)};
  json_t *list = rows(r, STORE_CONSOLE_INST_RECENT, a, 1, (const char *const[]){"code", "month", "fund#", NULL}, e);
  if (!list) return YB_ESTORE;
  json_t *hits = json_array();
  size_t n = json_array_size(list);
  for (size_t i = 0; i < n;) {
    const char *code = jstr(json_array_get(list, i), "code");
    int64_t before = 0, cnt = 0, last = 0;
    size_t j = i;
    for (; j < n && !strcmp(jstr(json_array_get(list, j), "code"), code); j++) {
      json_t *o = json_array_get(list, j);
      if (!strcmp(jstr(o, "month"), last_month)) last = jint(o, "fund");
      else before += jint(o, "fund"), cnt++;
    }
    if (cnt && last > SPIKE_MIN_FEN && last * cnt > SPIKE_RATIO * before)
      json_array_append_new(hits, json_pack("{s:s,s:I,s:I}", "fixmedins_code", code, "month_fen",
                                            (json_int_t)last, "mean_before_fen", (json_int_t)(before / cnt)));
    i = j;
  }
  if (json_array_size(hits))
    json_array_append_new(alerts, json_pack("{s:s,s:s,s:s,s:o}", "level", "warn", "kind", "spike", "text",
                                            "本月统筹支出超过此前三个月均值两倍的机构",
                                            "institutions", hits));
  else
    json_decref(hits);
  json_decref(list);
  return 0;
}

static int route_overview(admin_req *r, yb_err *e) {
  char year[8];
  int rc = pick_year(r, year, e);
  if (rc) return rc;
  store_console_arg a[] = {targ(year), iarg(TOP_N)};
  json_t *years = rows(r, STORE_CONSOLE_YEARS, NULL, 0, (const char *const[]){"year", NULL}, e);
  json_t *months = years ? rows(r, STORE_CONSOLE_MONTH_SCHEME, a, 1, month_names, e) : NULL;
  json_t *levels = months ? rows(r, STORE_CONSOLE_LEVELS, a, 1,
                                 (const char *const[]){"hosp_lv#", "medins_type", "institutions#", "settling#",
                                                       "n#", "fund_fen#", "medfee_fen#", NULL}, e) : NULL;
  json_t *dise = levels ? rows(r, STORE_CONSOLE_DISE_TOP, a, 2,
                               (const char *const[]){"dise_codg", "dise_name", "n#", "fund_fen#", "medfee_fen#", NULL}, e) : NULL;
  json_t *drugs = dise ? rows(r, STORE_CONSOLE_DRUG_TOP, a, 2,
                              (const char *const[]){"med_list_codg", "lines#", "sumamt_fen#", NULL}, e) : NULL;
  json_t *counts = drugs ? rows(r, STORE_CONSOLE_COUNTS, NULL, 0,
                                (const char *const[]){"persons#", NULL}, e) : NULL;
  json_t *income = counts ? rows(r, STORE_CONSOLE_INCOME, a, 1,
                                 (const char *const[]){"month", "insutype", "kind", "n#", "amount_fen#", NULL}, e) : NULL;
  if (!income) {
    json_decref(years), json_decref(months), json_decref(levels), json_decref(dise), json_decref(drugs);
    json_decref(counts);
    return YB_ESTORE;
  }
  int64_t in_total = 0;
  json_t *inc_schemes = json_object(), *ir;
  size_t k;
  json_array_foreach(income, k, ir) {
    in_total += jint(ir, "amount_fen");
    json_t *v = json_object_get(inc_schemes, jstr(ir, "insutype"));
    json_object_set_new(inc_schemes, jstr(ir, "insutype"), fen((v ? (int64_t)json_integer_value(v) : 0) + jint(ir, "amount_fen")));
  }
  /* totals of the year and of each scheme (原始结算减冲销) */
  int64_t t_n = 0, t_rev = 0, t_medfee = 0, t_fund = 0, t_acct = 0, t_cash = 0;
  json_t *schemes = json_object();
  const char *last_month = "";
  size_t i;
  json_t *m;
  json_array_foreach(months, i, m) {
    t_n += jint(m, "n"), t_rev += jint(m, "nrev"), t_medfee += jint(m, "medfee_fen");
    t_fund += jint(m, "fund_fen"), t_acct += jint(m, "acct_fen"), t_cash += jint(m, "cash_fen");
    json_t *sc = json_object_get(schemes, jstr(m, "insutype"));
    if (!sc) {
      sc = json_pack("{s:I,s:I,s:I}", "n", (json_int_t)0, "fund_fen", (json_int_t)0, "medfee_fen", (json_int_t)0);
      json_object_set_new(schemes, jstr(m, "insutype"), sc);
    }
    json_object_set_new(sc, "n", fen(jint(sc, "n") + jint(m, "n")));
    json_object_set_new(sc, "fund_fen", fen(jint(sc, "fund_fen") + jint(m, "fund_fen")));
    json_object_set_new(sc, "medfee_fen", fen(jint(sc, "medfee_fen") + jint(m, "medfee_fen")));
    if (strcmp(jstr(m, "month"), last_month) > 0) last_month = jstr(m, "month");
  }
  json_t *alerts = json_array(), *lv;
  int64_t clinics = 0, clinics_settling = 0;
  json_array_foreach(levels, i, lv) {
    json_object_set_new(lv, "label", json_string(level_label(jint(lv, "hosp_lv"), jstr(lv, "medins_type"))));
    if (!strcmp(jstr(lv, "medins_type"), "clinic"))
      clinics += jint(lv, "institutions"), clinics_settling += jint(lv, "settling");
  }
  if (clinics > clinics_settling) {
    char text[200];
    snprintf(text, sizeof text, "%s年 %lld 家村卫生室/诊所中有 %lld 家没有一笔医保结算", year,
             (long long)clinics, (long long)(clinics - clinics_settling));
    json_array_append_new(alerts, json_pack("{s:s,s:s,s:s}", "level", "warn", "kind", "village", "text", text));
  }
  if (t_n + t_rev > 0 && t_rev * 10000 > REVERSAL_ALERT_BP * (t_n + 2 * t_rev)) {
    char text[160];
    snprintf(text, sizeof text, "%s年冲销 %lld 笔，超过结算笔数的 5%%", year, (long long)t_rev);
    json_array_append_new(alerts, json_pack("{s:s,s:s,s:s}", "level", "warn", "kind", "reversals", "text", text));
  }
  if (last_month[0] && (rc = spike_alerts(r, last_month, alerts, e))) {
    json_decref(years), json_decref(months), json_decref(levels), json_decref(dise), json_decref(drugs);
    json_decref(counts), json_decref(alerts), json_decref(schemes), json_decref(income), json_decref(inc_schemes);
    return rc;
  }
  int recorded = json_array_size(income) > 0;
  if (!recorded)
    json_array_append_new(alerts, json_pack("{s:s,s:s,s:s}", "level", "info", "kind", "income", "text",
                                            "本年度没有登记参保缴费，基金收入暂缺"));
  /* drug names from the catalog */
  const catalog *cat = api_catalog(r->srv);
  json_t *d;
  json_array_foreach(drugs, i, d) {
    const catalog_item *it = cat ? catalog_find(cat, jstr(d, "med_list_codg")) : NULL;
    json_object_set_new(d, "name", json_string(it ? it->name : ""));
  }
  r->out = json_pack("{s:s,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:s},s:o,s:o,s:{s:I,s:I},s:o,s:o,s:o,s:o,s:o}",
                     "year", year, "years", years, "months", months,
                     "totals", "n", (json_int_t)t_n, "nrev", (json_int_t)t_rev, "medfee_fen", (json_int_t)t_medfee,
                     "fund_fen", (json_int_t)t_fund, "acct_fen", (json_int_t)t_acct, "cash_fen", (json_int_t)t_cash,
                     "last_month", last_month,
                     "schemes", schemes, "levels", levels, "village", "clinics", (json_int_t)clinics,
                     "settling", (json_int_t)clinics_settling, "top_diseases", dise, "top_drugs", drugs,
                     "counts", json_incref(json_array_get(counts, 0)),
                     "income", json_pack("{s:b,s:I,s:o,s:o}", "recorded", recorded, "total_fen", (json_int_t)in_total, "months", income,
                                         "schemes", inc_schemes), "alerts", alerts);
  json_decref(counts);
  return r->out ? 0 : yb_fail(e, YB_ENOMEM, "", "out of memory");
}

/* ---- persons ---------------------------------------------------------------------------------- */
static int route_persons(admin_req *r, yb_err *e) {
  const char *q = admin_query(r, "q");
  if (!q) return yb_fail(e, YB_EMISSING, "q", "a person number, an ID number or a name (prefix)");
  if (strlen(q) > 40) return yb_fail(e, YB_ERANGE, "q", "at most 40 characters");
  store_console_arg a[] = {targ(q), iarg(50)};
  json_t *list = rows(r, STORE_CONSOLE_PSN_FIND, a, 2,
                      (const char *const[]){"psn_no", "psn_name", "gend", "brdy", "certno", "insuplc_admdvs", NULL}, e);
  if (!list) return YB_ESTORE;
  r->out = json_pack("{s:o}", "persons", list);
  return 0;
}

static int idet_fn(const store_idet *d, void *arg) {
  json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:s}", "psn_idet_type", d->psn_idet_type,
                                       "psn_type_lv", d->psn_type_lv, "begntime", d->begntime,
                                       "endtime", d->endtime, "memo", d->memo));
  return 0;
}
static int dise_fn(const store_dise *d, void *arg) {
  json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:s}", "dise_codg", d->dise_codg, "dise_name",
                                       d->dise_name, "kind", d->kind, "begndate", d->begndate, "enddate", d->enddate));
  return 0;
}
static int filing_fn(const store_filing *f, void *arg) {
  json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s}", "filing_type", f->filing_type, "admvs", f->admvs,
                                       "begndate", f->begndate, "enddate", f->enddate));
  return 0;
}

static int route_person(admin_req *r, yb_err *e) {
  store_person p;
  int rc = store_person_get(r->c, r->param[0], &p, e);
  if (rc) return rc == YB_ENOT_FOUND ? yb_fail(e, YB_ENOT_FOUND, "psn_no", "no person %s", r->param[0]) : rc;
  store_console_arg a[] = {targ(p.psn_no), iarg(200)};
  json_t *idet = json_array(), *dise = json_array(), *filing = json_array();
  json_t *enroll = rows(r, STORE_CONSOLE_PSN_ENROLL, a, 1,
                        (const char *const[]){"year#", "insutype", "psn_type", "psn_insu_stas", "psn_insu_date",
                                              "paus_insu_date", "wait_until", "wait_reason", "ci_cap_raise_fen#", NULL}, e);
  json_t *accum = enroll ? rows(r, STORE_CONSOLE_PSN_ACCUM, a, 1,
                                (const char *const[]){"year#", "bucket", "period#", "value#", NULL}, e) : NULL;
  json_t *setls = accum ? rows(r, STORE_CONSOLE_PSN_SETLS, a, 2, setl_names, e) : NULL;
  if (!setls || store_idet_each(r->c, p.psn_no, idet_fn, idet, e) ||
      store_dise_each(r->c, p.psn_no, dise_fn, dise, e) || store_filing_each(r->c, p.psn_no, filing_fn, filing, e)) {
    json_decref(enroll), json_decref(accum), json_decref(setls);
    json_decref(idet), json_decref(dise), json_decref(filing);
    return e->code ? e->code : YB_ESTORE;
  }
  r->out = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I},s:o,s:o,s:o,s:o,s:o,s:o}",
                     "person", "psn_no", p.psn_no, "psn_name", p.psn_name, "psn_cert_type", p.psn_cert_type,
                     "certno", p.certno, "gend", p.gend, "brdy", p.brdy, "insuplc_admdvs", p.insuplc_admdvs,
                     "emp_name", p.emp_name, "cvlserv_flag", p.cvlserv_flag, "family_psn_no", p.family_psn_no,
                     "death_date", p.death_date, "acct_balc_fen", (json_int_t)p.acct_balc,
                     "enrollments", enroll, "identities", idet, "diseases", dise, "filings", filing,
                     "accum", accum, "settlements", setls);
  return 0;
}

/* ---- one settlement: the waterfall ---------------------------------------------------------------- */
typedef struct wf_step {
  const char *key, *label, *kind; /* kind: total, person, fund, subtotal, acct, cash */
} wf_step;

/* What the money was (classification of the total) … */
static const wf_step wf_class[] = {
    {"medfee_sumamt", "医疗费总额", "total"},
    {"fulamt_ownpay_amt", "全自费", "person"},
    {"overlmt_selfpay", "超限价自付", "person"},
    {"preselfpay_amt", "先行自付（乙类）", "person"},
    {"inscp_scp_amt", "政策范围内费用", "subtotal"},
    {"act_pay_dedc", "起付线（个人先付）", "person"},
};
/* … and who paid it. */
static const wf_step wf_pay[] = {
    {"medfee_sumamt", "医疗费总额", "total"},   {"hifp_pay", "统筹基金", "fund"},
    {"cvlserv_pay", "公务员医疗补助", "fund"},    {"hifes_pay", "企业补充医疗保险", "fund"},
    {"hifmi_pay", "大病保险", "fund"},          {"hifob_pay", "职工大额医疗补助", "fund"},
    {"maf_pay", "医疗救助", "fund"},            {"oth_pay", "其他基金", "fund"},
    {"acct_pay", "个人账户", "acct"},           {"acct_mulaid_pay", "家庭共济账户", "acct"},
    {"hosp_part_amt", "医院负担", "fund"},       {"psn_cash_pay", "个人现金", "cash"},
};

static int64_t si_fen(json_t *si, const char *key) {
  int64_t v = 0;
  json_t *x = json_object_get(si, key);
  if (x && jsonx_dec(x, 2, &v)) v = 0;
  return v;
}

static json_t *waterfall(json_t *si, const wf_step *steps, size_t n, int with_rest) {
  json_t *list = json_array();
  int64_t left = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t v = si_fen(si, steps[i].key);
    if (!strcmp(steps[i].kind, "total") || !strcmp(steps[i].kind, "subtotal")) left = v;
    else if (!v) continue; /* a payer that paid nothing is not drawn */
    else left -= v;
    json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:I,s:I}", "key", steps[i].key, "label", steps[i].label,
                                          "kind", steps[i].kind, "fen", (json_int_t)v, "after_fen", (json_int_t)left));
  }
  if (with_rest)
    json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:I,s:I}", "key", "above_deductible", "label",
                                          "起付线以上政策范围内", "kind", "subtotal", "fen", (json_int_t)left,
                                          "after_fen", (json_int_t)left));
  return list;
}

/* A fee line with its FEE-RESULT split (全自费, 超限价, 先行自付, 政策范围内) in fen. */
static int fee_fn(const store_fee *f, void *arg) {
  json_t *res = json_loads(f->result ? f->result : "{}", 0, NULL);
  json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "feedetl_sn", f->feedetl_sn,
                                       "med_list_codg", f->med_list_codg, "fee_ocur_time", f->fee_ocur_time,
                                       "cnt_e4", (json_int_t)f->cnt, "pric_e6", (json_int_t)f->pric,
                                       "sumamt_fen", (json_int_t)f->sumamt,
                                       "fulamt_ownpay_fen", (json_int_t)si_fen(res, "fulamt_ownpay_amt"),
                                       "overlmt_fen", (json_int_t)si_fen(res, "overlmt_amt"),
                                       "preselfpay_fen", (json_int_t)si_fen(res, "preselfpay_amt"),
                                       "inscp_fen", (json_int_t)si_fen(res, "inscp_scp_amt"),
                                       "chrgitm_lv", jstr(res, "chrgitm_lv")));
  json_decref(res);
  return 0;
}

static int route_settlement(admin_req *r, yb_err *e) {
  store_setl s;
  memset(&s, 0, sizeof s);
  int rc = store_setl_get(r->c, r->param[0], &s, e);
  if (rc) return rc == YB_ENOT_FOUND ? yb_fail(e, YB_ENOT_FOUND, "setl_id", "no settlement %s", r->param[0]) : rc;
  if ((rc = admin_own_inst(r, s.fixmedins_code, e))) {
    store_setl_free(&s);
    return rc;
  }
  json_t *si = json_loads(s.setlinfo ? s.setlinfo : "{}", 0, NULL);
  json_t *trace = json_loads(s.trace ? s.trace : "[]", 0, NULL);
  json_t *lines = json_array();
  /* a reversed settlement's lines were released (setl_id cleared): show the visit's lines */
  if (s.refd_setl_flag || !s.state) rc = store_fee_each(r->c, s.mdtrt_id, s.chrg_bchno[0] ? s.chrg_bchno : NULL, STORE_FEE_VALID, fee_fn, lines, e);
  else rc = store_fee_each_setl(r->c, s.setl_id, fee_fn, lines, e);
  store_inst in;
  const char *iname = store_inst_get(r->c, s.fixmedins_code, &in, e) ? "" : in.fixmedins_name;
  yb_err_clear(e);
  const catalog *cat = api_catalog(r->srv);
  size_t i;
  json_t *l;
  json_array_foreach(lines, i, l) {
    const catalog_item *it = cat ? catalog_find(cat, jstr(l, "med_list_codg")) : NULL;
    json_object_set_new(l, "name", json_string(it ? it->name : ""));
  }
  int64_t paid = 0;
  for (size_t k = 1; k < sizeof wf_pay / sizeof wf_pay[0]; k++) paid += si_fen(si, wf_pay[k].key);
  r->out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:b,s:o,s:o,s:o}",
                     "setl_id", s.setl_id, "mdtrt_id", s.mdtrt_id, "psn_no", s.psn_no, "fixmedins_code",
                     s.fixmedins_code, "fixmedins_name", iname, "insutype", s.insutype, "med_type", s.med_type,
                     "setl_time", s.setl_time, "infno", s.infno, "refd_setl_flag", s.refd_setl_flag, "state", s.state,
                     "orig_setl_id", s.orig_setl_id, "medfee_fen", (json_int_t)s.medfee_sumamt,
                     "fund_fen", (json_int_t)s.fund_pay_sumamt, "acct_fen", (json_int_t)(s.acct_pay + s.acct_mulaid_pay),
                     "cash_fen", (json_int_t)s.psn_cash_pay, "paid_fen", (json_int_t)paid,
                     "composition", waterfall(si, wf_class, sizeof wf_class / sizeof wf_class[0], 1),
                     "payers", waterfall(si, wf_pay, sizeof wf_pay / sizeof wf_pay[0], 0),
                     "adds_up", paid == si_fen(si, "medfee_sumamt"),
                     "trace", trace ? trace : json_array(), "lines", lines, "setlinfo", si ? si : json_object());
  store_setl_free(&s);
  return rc;
}

/* ---- institutions -------------------------------------------------------------------------------- */
static int route_institutions(admin_req *r, yb_err *e) {
  char year[8];
  int rc = pick_year(r, year, e);
  if (rc) return rc;
  store_console_arg a[] = {targ(year)};
  json_t *list = rows(r, STORE_CONSOLE_INST_LIST, a, 1,
                      (const char *const[]){"fixmedins_code", "fixmedins_name", "hosp_lv#", "medins_type", "admdvs",
                                            "n#", "fund_fen#", "medfee_fen#", "last_month", NULL}, e);
  if (!list) return YB_ESTORE;
  if (r->user->role_bit == ADMIN_ROLE_INST) /* an institution's user sees its own row only */
    for (size_t i = json_array_size(list); i-- > 0;)
      if (strcmp(jstr(json_array_get(list, i), "fixmedins_code"), r->user->fixmedins_code))
        json_array_remove(list, i);
  json_t *o;
  size_t i;
  json_array_foreach(list, i, o)
    json_object_set_new(o, "label", json_string(level_label(jint(o, "hosp_lv"), jstr(o, "medins_type"))));
  r->out = json_pack("{s:s,s:o}", "year", year, "institutions", list);
  return 0;
}

static int inst_of(admin_req *r, store_inst *in, yb_err *e) {
  int rc = admin_own_inst(r, r->param[0], e);
  if (rc) return rc;
  rc = store_inst_get(r->c, r->param[0], in, e);
  return rc == YB_ENOT_FOUND ? yb_fail(e, YB_ENOT_FOUND, "fixmedins_code", "no institution %s", r->param[0]) : rc;
}

/* ?from=yyyy-MM-dd&to=yyyy-MM-dd as a setl_time range (defaults: everything). */
static int time_range(admin_req *r, char *begn, char *end, yb_err *e) {
  const char *f = admin_query(r, "from"), *t = admin_query(r, "to");
  int32_t d, s;
  if (f && (strlen(f) != 10 || jsonx_parse_date(f, &d, &s))) return yb_fail(e, YB_EINVAL, "from", "yyyy-MM-dd");
  if (t && (strlen(t) != 10 || jsonx_parse_date(t, &d, &s))) return yb_fail(e, YB_EINVAL, "to", "yyyy-MM-dd");
  snprintf(begn, 24, "%s", f ? f : "0000-00-00");
  snprintf(end, 24, "%s 99", t ? t : "9999-99-99");
  return 0;
}

static int route_institution(admin_req *r, yb_err *e) {
  store_inst in;
  int rc = inst_of(r, &in, e);
  if (rc) return rc;
  long page;
  char begn[24], end[24];
  if ((rc = admin_query_int(r, "page", 0, 0, 100000, &page, e)) || (rc = time_range(r, begn, end, e))) return rc;
  store_console_arg a[] = {targ(in.fixmedins_code), targ(begn), targ(end), iarg(SETL_PAGE), iarg(page * SETL_PAGE)};
  json_t *months = rows(r, STORE_CONSOLE_INST_MONTHS, a, 1, month_names, e);
  json_t *setls = months ? rows(r, STORE_CONSOLE_INST_SETLS, a, 5, setl_names, e) : NULL;
  if (!setls) {
    json_decref(months);
    return YB_ESTORE;
  }
  int64_t n = 0, fund = 0, medfee = 0;
  size_t i;
  json_t *m;
  json_array_foreach(months, i, m) n += jint(m, "n"), fund += jint(m, "fund_fen"), medfee += jint(m, "medfee_fen");
  r->out = json_pack("{s:{s:s,s:s,s:i,s:s,s:s,s:s,s:s},s:{s:I,s:I,s:I},s:o,s:o,s:i,s:i}",
                     "institution", "fixmedins_code", in.fixmedins_code, "fixmedins_name", in.fixmedins_name,
                     "hosp_lv", in.hosp_lv, "hosp_lv_code", in.hosp_lv_code, "medins_type", in.medins_type,
                     "admdvs", in.admdvs, "label", level_label(in.hosp_lv, in.medins_type),
                     "totals", "n", (json_int_t)n, "fund_fen", (json_int_t)fund, "medfee_fen", (json_int_t)medfee,
                     "months", months, "settlements", setls, "page", (int)page, "page_size", SETL_PAGE);
  return 0;
}

/* CSV text grows in a malloc'd buffer. */
typedef struct csv_buf {
  char *p;
  size_t len, cap;
  int failed;
} csv_buf;

static void csv_add(csv_buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 8192;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->len, s, n + 1);
  b->len += n;
}

/* One field: quoted when it holds a comma, quote or newline; a leading = + - @ is prefixed with
 * ' so a spreadsheet does not run it as a formula. */
static void csv_field(csv_buf *b, const char *s, int last) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote) csv_add(b, "\"");
  if (strchr("=+-@", s[0]) && s[0]) csv_add(b, "'");
  for (const char *p = s; *p; p++) {
    char c[3] = {*p, 0, 0};
    if (*p == '"') c[1] = '"';
    csv_add(b, c);
  }
  if (quote) csv_add(b, "\"");
  csv_add(b, last ? "\r\n" : ",");
}

static int csv_setl_fn(const store_console_row *row, void *arg) {
  csv_buf *b = arg;
  static const int text_cols[] = {0, 8, 2, 3, 6, 7};
  for (size_t k = 0; k < sizeof text_cols / sizeof text_cols[0]; k++) csv_field(b, row->s[text_cols[k]], 0);
  csv_field(b, row->i[9] ? "冲销" : (row->i[10] ? "有效" : "已冲销"), 0);
  char buf[32];
  for (int k = 11; k <= 14; k++) csv_field(b, money_fen_str(row->i[k], buf), k == 14);
  return b->failed;
}

static int route_institution_csv(admin_req *r, yb_err *e) {
  store_inst in;
  int rc = inst_of(r, &in, e);
  char begn[24], end[24];
  if (rc || (rc = time_range(r, begn, end, e))) return rc;
  csv_buf b = {0};
  csv_add(&b, "\xEF\xBB\xBF结算编号,结算时间,人员编号,姓名,险种,医疗类别,状态,医疗费总额,基金支付,个人账户,个人现金\r\n");
  store_console_arg a[] = {targ(in.fixmedins_code), targ(begn), targ(end), iarg(SETL_CSV_MAX), iarg(0)};
  rc = store_console_each(r->c, STORE_CONSOLE_INST_SETLS, a, 5, csv_setl_fn, &b, e);
  if (rc || b.failed) {
    free(b.p);
    return rc > 0 || b.failed ? yb_fail(e, YB_ENOMEM, "", "out of memory") : rc;
  }
  char name[80];
  snprintf(name, sizeof name, "settlements-%s.csv", in.fixmedins_code);
  admin_reply_csv(r, b.p, name);
  return 0;
}

/* ---- policies ---------------------------------------------------------------------------------- */
typedef struct pol_ctx {
  const char *region, *version; /* the one wanted, or NULL for the list */
  int year;
  json_t *list, *found;
} pol_ctx;

static int pol_fn(const char *region, int year, const char *version, const char *body, void *arg) {
  pol_ctx *x = arg;
  if (!x->region) {
    json_t *doc = json_loads(body, 0, NULL), *names = json_object(), *sc;
    const char *k;
    json_object_foreach(json_object_get(doc, "schemes"), k, sc)
      json_object_set_new(names, k, json_string(jstr(sc, "name")));
    json_array_append_new(x->list, json_pack("{s:s,s:i,s:s,s:s,s:o}", "region", region, "year", year,
                                             "version", version, "region_name", jstr(doc, "region_name"),
                                             "schemes", names));
    json_decref(doc);
  } else if (!x->found && !strcmp(region, x->region) && year == x->year && !strcmp(version, x->version)) {
    x->found = json_loads(body, 0, NULL);
  }
  return 0;
}

/* Every leaf of a document as path → value ("schemes.390.benefits.inpatient.ratio.rows[1].ratio"). */
static void flatten(json_t *v, char *path, size_t len, size_t cap, json_t *out) {
  if (json_is_object(v)) {
    const char *k;
    json_t *c;
    json_object_foreach(v, k, c) {
      int w = snprintf(path + len, cap - len, "%s%s", len ? "." : "", k);
      if (w > 0 && (size_t)w < cap - len) flatten(c, path, len + (size_t)w, cap, out);
    }
  } else if (json_is_array(v) && json_array_size(v)) {
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c) {
      int w = snprintf(path + len, cap - len, "[%zu]", i);
      if (w > 0 && (size_t)w < cap - len) flatten(c, path, len + (size_t)w, cap, out);
    }
  } else {
    path[len] = 0;
    json_object_set(out, path, v);
  }
}

static json_t *policy_flat(admin_req *r, const char *id, yb_err *e) {
  char region[16] = "", version[48] = "";
  int year = 0;
  if (!id || sscanf(id, "%15[^:]:%d:%47s", region, &year, version) != 3) {
    yb_fail(e, YB_EINVAL, "policy", "region:year:version, e.g. 411500:2024:2024.demo.1");
    return NULL;
  }
  pol_ctx x = {region, version, year, NULL, NULL};
  if (store_policy_each(r->c, pol_fn, &x, e)) return NULL;
  if (!x.found) {
    yb_fail(e, YB_ENOT_FOUND, "policy", "no policy %s", id);
    return NULL;
  }
  json_t *flat = json_object();
  char path[512];
  flatten(x.found, path, 0, sizeof path, flat);
  json_decref(x.found);
  return flat;
}

static int route_policies(admin_req *r, yb_err *e) {
  pol_ctx x = {NULL, NULL, 0, json_array(), NULL};
  int rc = store_policy_each(r->c, pol_fn, &x, e);
  if (rc) {
    json_decref(x.list);
    return rc;
  }
  r->out = json_pack("{s:o}", "policies", x.list);
  return 0;
}

static int route_policy(admin_req *r, yb_err *e) {
  json_t *flat = policy_flat(r, admin_query(r, "id"), e);
  if (!flat) return e->code;
  json_t *list = json_array(), *v;
  const char *k;
  json_object_foreach(flat, k, v) json_array_append_new(list, json_pack("{s:s,s:O}", "path", k, "value", v));
  json_decref(flat);
  r->out = json_pack("{s:s,s:o}", "id", admin_query(r, "id"), "parameters", list);
  return 0;
}

static int route_policy_diff(admin_req *r, yb_err *e) {
  json_t *a = policy_flat(r, admin_query(r, "from"), e);
  if (!a) return e->field[0] == 'p' ? yb_fail(e, e->code, "from", "%s", e->msg) : e->code;
  json_t *b = policy_flat(r, admin_query(r, "to"), e);
  if (!b) {
    json_decref(a);
    return yb_fail(e, e->code, "to", "%s", e->msg);
  }
  json_t *diff = json_array(), *v;
  const char *k;
  json_object_foreach(a, k, v) {
    json_t *w = json_object_get(b, k);
    if (!w) json_array_append_new(diff, json_pack("{s:s,s:s,s:O,s:n}", "path", k, "change", "removed", "from", v, "to"));
    else if (!json_equal(v, w))
      json_array_append_new(diff, json_pack("{s:s,s:s,s:O,s:O}", "path", k, "change", "changed", "from", v, "to", w));
  }
  json_object_foreach(b, k, v)
    if (!json_object_get(a, k))
      json_array_append_new(diff, json_pack("{s:s,s:s,s:n,s:O}", "path", k, "change", "added", "from", "to", v));
  json_decref(a), json_decref(b);
  r->out = json_pack("{s:s,s:s,s:o}", "from", admin_query(r, "from"), "to", admin_query(r, "to"), "changes", diff);
  return 0;
}

/* ---- refresh ------------------------------------------------------------------------------------- */
static int refresh_tx(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  return store_console_rebuild(w, e);
}

static int route_refresh(admin_req *r, yb_err *e) {
  snprintf(r->log_what, sizeof r->log_what, "rebuild the console's summary tables");
  int rc = admin_write(r, refresh_tx, NULL, e);
  if (rc) return rc;
  r->out = json_pack("{s:b}", "ok", 1);
  return 0;
}

const admin_route admin_routes_console[] = {
    {"GET", "/api/v1/console/overview", route_overview, ADMIN_STAFF, "console.overview"},
    {"GET", "/api/v1/console/persons", route_persons, ADMIN_STAFF, "console.persons"},
    {"GET", "/api/v1/console/persons/:psn_no", route_person, ADMIN_STAFF, "console.person"},
    {"GET", "/api/v1/console/settlements/:setl_id", route_settlement, ADMIN_ANY, "console.settlement"},
    {"GET", "/api/v1/console/institutions", route_institutions, ADMIN_ANY, "console.institutions"},
    {"GET", "/api/v1/console/institutions/:code", route_institution, ADMIN_ANY, "console.institution"},
    {"GET", "/api/v1/console/institutions/:code/settlements.csv", route_institution_csv, ADMIN_ANY,
     "console.institution.csv"},
    {"GET", "/api/v1/console/policies", route_policies, ADMIN_ANY, "console.policies"},
    {"GET", "/api/v1/console/policy", route_policy, ADMIN_ANY, "console.policy"},
    {"GET", "/api/v1/console/policy-diff", route_policy_diff, ADMIN_ANY, "console.policy.diff"},
    {"POST", "/api/v1/console/refresh", route_refresh, ADMIN_ROLE_ADMIN, "console.refresh"},
    {0},
};
