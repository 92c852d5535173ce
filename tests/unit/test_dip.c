/* test_dip.c — DIP invariants: the budget is split to the fen, results do not depend on the order
 * of cases, boundaries (outliers at exactly 0.5× and 2×, trimming at 40/39 cases, the core
 * threshold at exactly 15), grouping keys, the policy section's errors, and the store round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dip.h"
#include "dip_policy.h"
#include "policy.h"
#include "store.h"
#include "testdb.h"
#include "store_dip.h"
#include "store_audit.h"
#include "dip_cmd.h"

static dip_case mk(const char *id, const char *inst, const char *diag, const char *procs, int64_t cost, int year,
                   int level) {
  dip_case c;
  memset(&c, 0, sizeof c);
  snprintf(c.id, sizeof c.id, "%s", id);
  snprintf(c.inst, sizeof c.inst, "%s", inst);
  snprintf(c.diag, sizeof c.diag, "%s", diag);
  snprintf(c.procs, sizeof c.procs, "%s", procs);
  c.cost = cost, c.year = year, c.level = (int8_t)level;
  return c;
}

static uint64_t rs = 88172645463325252u;
static uint32_t rnd(uint32_t n) {
  rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
  return (uint32_t)(rs % n);
}

static void test_keys(void **state) {
  (void)state;
  dip_keys k;
  yb_err e;
  dip_case c = mk("a", "H", "k35.8 ", "88.01; 47.09,47.09|", 1, 2024, 3);
  assert_int_equal(dip_case_keys(&c, 4, &k, &e), 0);
  assert_string_equal(k.core, "K358|4709+8801"); /* sorted, deduplicated, dots dropped */
  assert_string_equal(k.category, "K35*S");      /* an operation (00–86) outranks a diagnostic one */
  assert_string_equal(k.chapter, "K**S");
  c = mk("b", "H", "K35.801", "88.01", 1, 2024, 3);
  assert_int_equal(dip_case_keys(&c, 4, &k, &e), 0);
  assert_string_equal(k.core, "K358|8801");
  assert_int_equal(k.attr, 'D');
  c = mk("c", "H", "K35.801", "", 1, 2024, 3);
  assert_int_equal(dip_case_keys(&c, 6, &k, &e), 0);
  assert_string_equal(k.core, "K35801|");
  assert_int_equal(k.attr, 'C');
  c = mk("d", "H", "12", "", 1, 2024, 3);
  assert_int_equal(dip_case_keys(&c, 4, &k, &e), YB_EINVAL);
  assert_string_equal(e.field, "diag");
  c = mk("e", "H", "K35", "47\"09", 1, 2024, 3);
  assert_int_equal(dip_case_keys(&c, 4, &k, &e), YB_EINVAL);
  assert_string_equal(e.field, "procs");
}

/* Threshold exactly 15 → core; 14 → folded. */
static void test_threshold_15(void **state) {
  (void)state;
  dip_params p;
  dip_params_default(&p);
  dip_case h[29];
  for (int i = 0; i < 15; i++) h[i] = mk("x", "H", "K35.8", "47.09", 500000, 2024, 3);
  for (int i = 15; i < 29; i++) h[i] = mk("y", "H", "J18.9", "", 300000, 2024, 3);
  dip_catalog *cat;
  yb_err e;
  assert_int_equal(dip_catalog_build(&p, 2025, h, 29, &cat, &e), 0);
  const dip_group *g = dip_catalog_find(cat, "K358|4709");
  assert_non_null(g);
  assert_int_equal(g->kind, DIP_GROUP_CORE);
  assert_int_equal(g->n_cases, 15);
  assert_null(dip_catalog_find(cat, "J189|"));
  assert_null(dip_catalog_find(cat, "J18*C")); /* 14 in its category too, and its chapter */
  g = dip_catalog_find(cat, "*");
  assert_int_equal(g->n_cases, 14);
  assert_int_equal(g->mean, 30000000); /* 3000.0000 yuan in 1/100 fen */
  dip_catalog_free(cat);
}

/* 40 cases: one cut at each end; 39: none. */
static void test_trim_edges(void **state) {
  (void)state;
  dip_params p;
  dip_params_default(&p);
  p.core_threshold = 1;
  dip_case h[79];
  for (int i = 0; i < 40; i++) h[i] = mk("a", "H", "K80.0", "", (i + 1) * 10000, 2024, 3);
  for (int i = 0; i < 39; i++) h[40 + i] = mk("b", "H", "K81.0", "", (i + 1) * 10000, 2024, 3);
  dip_catalog *cat;
  yb_err e;
  assert_int_equal(dip_catalog_build(&p, 2025, h, 79, &cat, &e), 0);
  const dip_group *a = dip_catalog_find(cat, "K800|"), *b = dip_catalog_find(cat, "K810|");
  assert_int_equal(a->n_used[2], 38);
  assert_int_equal(a->mean, 20500000); /* 200 … 3900 yuan: mean 2050.0000 */
  assert_int_equal(b->n_used[2], 39);
  assert_int_equal(b->mean, 20000000);
  dip_catalog_free(cat);
}

/* Exactly 0.5× and 2× are normal; one fen either side is an outlier. */
static void test_outlier_bounds(void **state) {
  (void)state;
  dip_params p;
  dip_params_default(&p);
  p.core_threshold = 1;
  dip_case h[1] = {mk("h", "H", "J18.9", "", 100000, 2024, 3)};
  dip_catalog *cat;
  yb_err e;
  assert_int_equal(dip_catalog_build(&p, 2025, h, 1, &cat, &e), 0);
  struct {
    int64_t cost;
    int kind;
    int64_t score;
  } t[] = {{50000, DIP_CASE_NORMAL, 10000000}, {49999, DIP_CASE_LOW, 4999900},
           {200000, DIP_CASE_NORMAL, 10000000}, {200001, DIP_CASE_HIGH, 10000100},
           {0, DIP_CASE_LOW, 0},                {400000, DIP_CASE_HIGH, 30000000}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    dip_case c = mk("c", "H", "J18.9", "", t[i].cost, 2025, 3);
    dip_score s;
    assert_int_equal(dip_score_case(cat, &p, &c, &s, &e), 0);
    assert_int_equal(s.kind, t[i].kind);
    assert_int_equal(s.score4, t[i].score);
  }
  dip_catalog_free(cat);
}

/* For random scores and budgets the shares add to the budget to the fen, each within 1 fen of
 * its exact share. */
static void test_budget_exact(void **state) {
  (void)state;
  dip_params p;
  dip_params_default(&p);
  dip_inst in[97];
  for (int round = 0; round < 200; round++) {
    int n = 1 + (int)rnd(97);
    p.budget = (int64_t)rnd(2000000000) * (1 + rnd(50)) + rnd(100);
    __int128 total = 0;
    for (int i = 0; i < n; i++) {
      memset(&in[i], 0, sizeof in[i]);
      snprintf(in[i].code, sizeof in[i].code, "H%03d", (int)rnd(1000) * 100 + i);
      in[i].score4 = rnd(4) ? (int64_t)rnd(1000000000) * (1 + rnd(1000)) : 0;
      total += in[i].score4;
    }
    if (!total) in[0].score4 = 1, total = 1;
    dip_clearing k;
    yb_err e;
    assert_int_equal(dip_clear(&p, 2025, in, n, &k, &e), 0);
    int64_t sum = 0, extra = 0;
    for (int i = 0; i < n; i++) {
      sum += in[i].entitled, extra += in[i].remainder_fen;
      __int128 exact_floor = (__int128)p.budget * in[i].score4 / total;
      assert_true(in[i].entitled - exact_floor == in[i].remainder_fen);
      if (i) assert_true(strcmp(in[i - 1].code, in[i].code) < 0);
    }
    assert_int_equal(sum, p.budget);
    assert_int_equal(extra, k.remainder_fen);
    assert_true(k.remainder_fen < n);
  }
}

static void shuffle(dip_case *a, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)rnd((uint32_t)i + 1);
    dip_case t = a[i];
    a[i] = a[j], a[j] = t;
  }
}

/* The catalogue, every case's score (special limit included) and the clearing do not depend on
 * the order in which cases arrive. */
static void test_order_independent(void **state) {
  (void)state;
  static const char *const diags[] = {"K35.8", "J18.9", "I21.0", "K80.0", "N20.0", "O80.0"};
  static const char *const procs[] = {"", "47.09", "88.01", "47.09,88.01", "99.04"};
  enum { NH = 3000, NC = 1500 };
  static dip_case h[NH], c[NC], c2[NC];
  for (int i = 0; i < NH; i++) {
    char id[16];
    snprintf(id, sizeof id, "h%d", i);
    h[i] = mk(id, "H1", diags[rnd(6)], procs[rnd(5)], 100000 + rnd(900000), 2022 + (int)rnd(3), (int)rnd(4));
  }
  for (int i = 0; i < NC; i++) {
    char id[16], inst[8];
    snprintf(id, sizeof id, "c%04d", i);
    snprintf(inst, sizeof inst, "H%d", (int)rnd(5));
    c[i] = mk(id, inst, diags[rnd(6)], procs[rnd(5)], 10000 + rnd(3000000), 2025, (int)rnd(4));
    c[i].special = rnd(50) == 0;
  }
  dip_params p;
  dip_params_default(&p);
  p.budget = 123456789;
  dip_catalog *a, *b;
  yb_err e;
  assert_int_equal(dip_catalog_build(&p, 2025, h, NH, &a, &e), 0);
  shuffle(h, NH);
  assert_int_equal(dip_catalog_build(&p, 2025, h, NH, &b, &e), 0);
  assert_int_equal(a->n_groups, b->n_groups);
  assert_int_equal(a->overall_mean, b->overall_mean);
  for (int64_t g = 0; g < a->n_groups; g++) {
    assert_string_equal(a->groups[g].code, b->groups[g].code);
    assert_int_equal(a->groups[g].rw4, b->groups[g].rw4);
    assert_int_equal(a->groups[g].mean, b->groups[g].mean);
  }
  static dip_score s1[NC], s2[NC];
  memcpy(c2, c, sizeof c);
  shuffle(c2, NC);
  assert_int_equal(dip_score_all(a, &p, c, NC, s1, &e), 0);
  assert_int_equal(dip_score_all(b, &p, c2, NC, s2, &e), 0);
  int specials = 0;
  for (int i = 0; i < NC; i++) {
    int j = 0;
    while (strcmp(c2[j].id, c[i].id)) j++;
    assert_int_equal(s1[i].score4, s2[j].score4);
    assert_int_equal(s1[i].kind, s2[j].kind);
    specials += s1[i].kind == DIP_CASE_SPECIAL;
  }
  assert_true(specials > 0);
  dip_inst i1[5], i2[5];
  memset(i1, 0, sizeof i1);
  for (int i = 0; i < 5; i++) snprintf(i1[i].code, sizeof i1[i].code, "H%d", i);
  memcpy(i2, i1, sizeof i1);
  for (int i = 0; i < NC; i++) i1[c[i].inst[1] - '0'].score4 += s1[i].score4;
  for (int i = 0; i < NC; i++) i2[4 - (c2[i].inst[1] - '0')].score4 += s2[i].score4;
  for (int i = 0; i < 5; i++) snprintf(i2[i].code, sizeof i2[i].code, "H%d", 4 - i);
  dip_clearing k1, k2;
  assert_int_equal(dip_clear(&p, 2025, i1, 5, &k1, &e), 0);
  assert_int_equal(dip_clear(&p, 2025, i2, 5, &k2, &e), 0);
  for (int i = 0; i < 5; i++) {
    assert_string_equal(i1[i].code, i2[i].code);
    assert_int_equal(i1[i].entitled, i2[i].entitled);
  }
  assert_int_equal(k1.pv_e6, k2.pv_e6);
  dip_catalog_free(a);
  dip_catalog_free(b);
}

typedef struct errs {
  int n;
  char first[160];
} errs;

static void collect(void *ctx, int code, const char *path, const char *msg) {
  (void)code, (void)msg;
  errs *x = ctx;
  if (!x->n++) snprintf(x->first, sizeof x->first, "%s", path);
}

static void test_policy_section(void **state) {
  (void)state;
  dip_params p;
  errs x = {0};
  json_t *v = json_loads("{\"weights\":[1,2,7],\"budget\":\"1000.50\",\"advance_share\":0.85,\"special_limit\":0.005,"
                         "\"level_factors\":{\"2\":0.9},\"communities\":[{\"code\":\"Y\",\"budget\":10,\"members\":[\"H1\"]}]}",
                         0, NULL);
  assert_int_equal(dip_policy_parse(v, "dip", &p, collect, &x), 0);
  assert_int_equal(p.budget, 100050);
  assert_int_equal(p.advance_bp, 8500);
  assert_int_equal(p.special_permille, 5);
  assert_int_equal(p.level_factor_bp[2], 9000);
  assert_int_equal(p.level_factor_bp[3], 10000);
  assert_int_equal(p.communities[0].overspend_share_bp, 5000);
  json_decref(v);
  v = json_loads("{\"trim\":[0.025,0.3]}", 0, NULL);
  assert_int_equal(dip_policy_parse(v, "dip", &p, collect, &x), 1);
  assert_string_equal(x.first, "dip.trim[1]");
  json_decref(v);
  x.n = 0;
  v = json_loads("{\"communities\":[{\"code\":\"Y\",\"budget\":10}]}", 0, NULL);
  assert_int_equal(dip_policy_parse(v, "dip", &p, collect, &x), 1);
  assert_string_equal(x.first, "dip.communities[0].members");
  json_decref(v);
}

/* The demo policy's section loads through policy_load; a policy without one has none. */
static void test_demo_policy(void **state) {
  (void)state;
  policy *p;
  yb_err e;
  assert_int_equal(policy_load("policies/demo-county.json", &p, &e), 0);
  assert_non_null(p->dip);
  assert_int_equal(p->dip->budget, INT64_C(8000000000));
  assert_int_equal(p->dip->weight[2], 7);
  assert_int_equal(p->dip->pay_ratio_bp, 6500);
  assert_int_equal(p->dip->n_communities, 1);
  assert_int_equal(p->dip->communities[0].n_members, 3);
  policy_free(p);
  assert_int_equal(policy_load("policies/city-employee.json", &p, &e), 0);
  assert_null(p->dip);
  policy_free(p);
}

/* ---- store: the history as 2402 / the generator leave it, and the catalogue round trip ---- */
static char dbpath[64];

static int seed(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_inst in = {.hosp_lv = 2};
  snprintf(in.fixmedins_code, sizeof in.fixmedins_code, "H1");
  snprintf(in.fixmedins_name, sizeof in.fixmedins_name, "h");
  snprintf(in.hosp_lv_code, sizeof in.hosp_lv_code, "2");
  snprintf(in.medins_type, sizeof in.medins_type, "A");
  snprintf(in.admdvs, sizeof in.admdvs, "990101");
  snprintf(in.secret, sizeof in.secret, "s");
  store_person p;
  memset(&p, 0, sizeof p);
  snprintf(p.psn_no, sizeof p.psn_no, "P1");
  snprintf(p.psn_cert_type, sizeof p.psn_cert_type, "01");
  snprintf(p.certno, sizeof p.certno, "X1");
  snprintf(p.psn_name, sizeof p.psn_name, "x");
  snprintf(p.gend, sizeof p.gend, "1");
  snprintf(p.brdy, sizeof p.brdy, "1970-01-01");
  snprintf(p.insuplc_admdvs, sizeof p.insuplc_admdvs, "990101");
  int rc = store_inst_put(w, &in, e) || store_person_put(w, &p, e);
  static const struct {
    const char *id, *dise, *diag, *info;
    int state, refd;
  } v[] = {
      {"V1", "K35.8", "K35.8", "{\"oprn_oprt_code\":\"47.09\"}", 2, 0},                           /* the generator */
      {"V2", "", "J18.9,I10", "{\"discharge\":{\"dscginfo\":{\"oprn_oprt_code\":\"96.04\"}}}", 2, 0}, /* 2402 */
      {"V3", "K80.0", "", "{\"oprninfo\":[{\"oprn_oprt_code\":\"51.23\"},{\"oprn_oprt_code\":\"88.01\"}]}", 2, 0},
      {"V4", "K80.0", "", "not json", 2, 0},
      {"V5", "K80.0", "", "{}", 2, 1}, /* settled then reversed: not a case */
      {"V6", "K80.0", "", "{}", 1, 0}, /* still in hospital */
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0] && !rc; i++) {
    store_visit x;
    memset(&x, 0, sizeof x);
    snprintf(x.mdtrt_id, sizeof x.mdtrt_id, "%s", v[i].id);
    snprintf(x.psn_no, sizeof x.psn_no, "P1");
    snprintf(x.fixmedins_code, sizeof x.fixmedins_code, "H1");
    snprintf(x.kind, sizeof x.kind, "ipt");
    snprintf(x.insutype, sizeof x.insutype, "390");
    snprintf(x.med_type, sizeof x.med_type, "21");
    snprintf(x.ipt_otp_no, sizeof x.ipt_otp_no, "Z%s", v[i].id);
    snprintf(x.begntime, sizeof x.begntime, "2024-03-01 08:00:00");
    snprintf(x.dise_codg, sizeof x.dise_codg, "%s", v[i].dise);
    if (*v[i].diag) {
      x.n_diag = 1;
      snprintf(x.diag[0], sizeof x.diag[0], "%.5s", v[i].diag);
      if (strchr(v[i].diag, ',')) x.n_diag = 2, snprintf(x.diag[1], sizeof x.diag[1], "I10");
    }
    x.state = v[i].state;
    x.info = v[i].info;
    if ((rc = store_visit_put(w, &x, e))) break;
    store_setl s;
    memset(&s, 0, sizeof s);
    snprintf(s.setl_id, sizeof s.setl_id, "S%s", v[i].id);
    snprintf(s.mdtrt_id, sizeof s.mdtrt_id, "%s", v[i].id);
    snprintf(s.psn_no, sizeof s.psn_no, "P1");
    snprintf(s.fixmedins_code, sizeof s.fixmedins_code, "H1");
    snprintf(s.infno, sizeof s.infno, "2304");
    snprintf(s.msgid, sizeof s.msgid, "M%s", v[i].id);
    snprintf(s.insutype, sizeof s.insutype, "390");
    snprintf(s.med_type, sizeof s.med_type, "21");
    snprintf(s.clr_type, sizeof s.clr_type, "21");
    snprintf(s.setl_time, sizeof s.setl_time, "2024-03-0%d 10:00:00", (int)i + 1);
    s.year = 2024, s.state = v[i].refd ? 0 : 1, s.medfee_sumamt = 100000 * (int64_t)(i + 1), s.fund_pay_sumamt = 60000;
    if ((rc = store_setl_put(w, &s, e))) break;
    if (v[i].refd) {
      snprintf(s.setl_id, sizeof s.setl_id, "R%s", v[i].id);
      snprintf(s.msgid, sizeof s.msgid, "N%s", v[i].id);
      snprintf(s.orig_setl_id, sizeof s.orig_setl_id, "S%s", v[i].id);
      snprintf(s.setl_time, sizeof s.setl_time, "2024-04-01 10:00:00");
      s.refd_setl_flag = 1, s.state = 1, s.medfee_sumamt = -s.medfee_sumamt, s.fund_pay_sumamt = -60000;
      rc = store_setl_put(w, &s, e);
    }
  }
  return rc;
}

static int push(const dip_case *c, void *arg) {
  dip_case *a = arg;
  int i = 0;
  while (a[i].id[0]) i++;
  a[i] = *c;
  return 0;
}

typedef struct months {
  int n;
  int64_t by_month[13];
} months;

static int month_cb(const char *inst, int month, int64_t fund, void *arg) {
  (void)inst;
  months *m = arg;
  m->n++;
  m->by_month[month] += fund;
  return 0;
}

static int put_cat(store_conn *w, void *arg, yb_err *e) {
  return store_dip_catalog_put(w, "2025-v1", arg, "{}", e);
}

static void test_store(void **state) {
  (void)state;
  testdb_path(dbpath, sizeof dbpath, "dip");
  store *s;
  yb_err e;
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *r = store_reader(s, &e);
  dip_case got[8];
  memset(got, 0, sizeof got);
  assert_int_equal(store_dip_history_each(r, 2024, 2024, push, got, &e), 0);
  assert_string_equal(got[0].id, "V1");
  assert_string_equal(got[0].procs, "47.09");
  assert_int_equal(got[0].level, 2);
  assert_string_equal(got[1].diag, "J18.9"); /* no dise_codg: the first diagnosis */
  assert_string_equal(got[1].procs, "96.04");
  assert_string_equal(got[2].procs, "51.23,88.01");
  assert_string_equal(got[3].id, "V4");
  assert_string_equal(got[3].procs, "");
  assert_int_equal(got[4].id[0], 0); /* V5 reversed, V6 not discharged */
  months m = {0};
  assert_int_equal(store_dip_fund_months(r, 2024, month_cb, &m, &e), 0);
  assert_int_equal(m.by_month[3], 6 * 60000);
  assert_int_equal(m.by_month[4], -60000); /* the reversal nets out in its own month */
  /* catalogue round trip */
  dip_params p;
  dip_params_default(&p);
  p.core_threshold = 1;
  dip_catalog *a, *b;
  assert_int_equal(dip_catalog_build(&p, 2025, got, 4, &a, &e), 0);
  assert_int_equal(store_write(s, put_cat, a, &e), 0);
  char ver[32];
  assert_int_equal(store_dip_catalog_get(r, NULL, 2025, &b, ver, sizeof ver, &e), 0);
  assert_string_equal(ver, "2025-v1");
  assert_int_equal(a->n_groups, b->n_groups);
  for (int64_t g = 0; g < a->n_groups; g++) {
    assert_string_equal(a->groups[g].code, b->groups[g].code);
    assert_int_equal(a->groups[g].rw4, b->groups[g].rw4);
  }
  assert_non_null(dip_catalog_find(b, "K358|4709"));
  dip_catalog_free(b);
  assert_int_equal(store_dip_catalog_get(r, NULL, 2026, &b, ver, sizeof ver, &e) == YB_ENOT_FOUND, 1);
  dip_catalog_free(a);
  store_close(s);
  testdb_remove(dbpath);
}

static int first_finding(const store_audit_finding *f, void *arg) {
  *(int64_t *)arg = f->finding_id;
  return 1;
}

/* A confirmed audit case is withheld at clearing: confirmed 500.00, recovered 100.00 → 400.00. */
typedef struct ded_ctx {
  dip_params p;
  dip_clearing out;
  int64_t case_id;
} ded_ctx;

static int put_cat24(store_conn *w, void *arg, yb_err *e) {
  return store_dip_catalog_put(w, "2024-v1", arg, "{}", e);
}

static int audit_case(store_conn *w, void *arg, yb_err *e) {
  ded_ctx *x = arg;
  store_audit_finding f;
  memset(&f, 0, sizeof f);
  snprintf(f.rule_id, sizeof f.rule_id, "GZTEST");
  snprintf(f.kind, sizeof f.kind, "over_price_limit");
  snprintf(f.fixmedins_code, sizeof f.fixmedins_code, "H1");
  snprintf(f.psn_no, sizeof f.psn_no, "P1");
  snprintf(f.mdtrt_id, sizeof f.mdtrt_id, "V1");
  snprintf(f.setl_id, sizeof f.setl_id, "SV1");
  snprintf(f.feedetl_sn, sizeof f.feedetl_sn, "1");
  snprintf(f.occur_date, sizeof f.occur_date, "2024-03-01");
  snprintf(f.evid, sizeof f.evid, "test");
  snprintf(f.stage, sizeof f.stage, "post");
  f.sev_deg = 1, f.level = 1, f.vola_amt = 60000;
  int added = 0, rc;
  int64_t run;
  if ((rc = store_audit_run_new(w, "post", "2024-01-01", "2024-12-31", "", "2025-01-05 09:00:00", &run, e)))
    return rc;
  f.run_id = run;
  if ((rc = store_audit_finding_put(w, &f, &added, e))) return rc;
  store_audit_filter q = {0};
  q.rule_id = "GZTEST";
  int64_t id = 0;
  if ((rc = store_audit_finding_each(w, &q, first_finding, &id, e)) < 0) return rc;
  if ((rc = store_audit_case_open(w, &id, 1, "t", "sup", "2025-01-05 09:00:00", &x->case_id, e))) return rc;
  if ((rc = store_audit_case_move(w, x->case_id, "review", "", 0, "sup", "2025-01-05 09:01:00", e))) return rc;
  if ((rc = store_audit_case_move(w, x->case_id, "confirm", "over", 50000, "sup", "2025-01-05 09:02:00", e)))
    return rc;
  return store_audit_case_recover(w, x->case_id, 10000, "back", "sup", "2025-01-05 09:03:00", e);
}

static int clear24(store_conn *w, void *arg, yb_err *e) {
  ded_ctx *x = arg;
  dip_score_out o;
  memset(&o, 0, sizeof o);
  int rc = dip_score_tx(w, 2024, &x->p, NULL, &o, e);
  return rc ? rc : dip_clear_tx(w, 2024, &x->p, &x->out, e);
}

static void test_audit_deduction(void **state) {
  (void)state;
  testdb_path(dbpath, sizeof dbpath, "dipded");
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *r = store_reader(s, &e);
  dip_case got[8];
  memset(got, 0, sizeof got);
  assert_int_equal(store_dip_history_each(r, 2024, 2024, push, got, &e), 0);
  ded_ctx x;
  memset(&x, 0, sizeof x);
  dip_params_default(&x.p);
  x.p.core_threshold = 1;
  x.p.budget = 100000000;
  dip_catalog *cat;
  for (int i = 0; i < 4; i++) got[i].year = 2023; /* last year's stays as the catalogue's history */
  assert_int_equal(dip_catalog_build(&x.p, 2024, got, 4, &cat, &e), 0);
  assert_int_equal(store_write(s, put_cat24, cat, &e), 0);
  dip_catalog_free(cat);
  assert_int_equal(store_write(s, audit_case, &x, &e), 0);
  int rc = store_write(s, clear24, &x, &e);
  if (rc) fprintf(stderr, "clear: %s: %s\n", e.field, e.msg);
  assert_int_equal(rc, 0);
  assert_int_equal(x.out.sum_deductions, 40000); /* 500.00 confirmed − 100.00 recovered */
  store_close(s);
  testdb_remove(dbpath);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_audit_deduction),
      cmocka_unit_test(test_keys),          cmocka_unit_test(test_threshold_15),
      cmocka_unit_test(test_trim_edges),    cmocka_unit_test(test_outlier_bounds),
      cmocka_unit_test(test_budget_exact),  cmocka_unit_test(test_order_independent),
      cmocka_unit_test(test_policy_section), cmocka_unit_test(test_demo_policy),
      cmocka_unit_test(test_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
