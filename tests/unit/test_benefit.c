/* test_benefit.c — the engine against hand-worked examples, layer by layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "benefit.h"
#include "benefit_json.h"
#include "jsonx.h"
#include "engine_fixture.h"

static policy *P;
static catalog *C;

static int setup(void **state) {
  (void)state;
  yb_err e = {0};
  if (policy_load_text(FIXTURE_POLICY, sizeof FIXTURE_POLICY - 1, &P, &e) != 0) {
    fprintf(stderr, "fixture policy: %s: %s\n", e.field, e.msg);
    return -1;
  }
  if (catalog_load_text(FIXTURE_CATALOG, sizeof FIXTURE_CATALOG - 1, &C, &e) != 0) {
    fprintf(stderr, "fixture catalog: %s: %s\n", e.field, e.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  policy_free(P);
  catalog_free(C);
  return 0;
}

static benefit_person person(const char *psn_type) {
  benefit_person p;
  memset(&p, 0, sizeof p);
  strcpy(p.psn_no, "T1");
  strcpy(p.psn_type, psn_type);
  p.gend = 1;
  p.brdy = 19600101;
  return p;
}

static benefit_visit visit(const char *insutype, const char *med_type, int lv) {
  benefit_visit v;
  memset(&v, 0, sizeof v);
  strcpy(v.insutype, insutype);
  strcpy(v.med_type, med_type);
  v.hosp_lv = (uint8_t)lv;
  v.date = 20240315;
  return v;
}

/* one line of `yuan` at unit price = yuan, quantity 1 */
static benefit_line line(const char *code, int64_t fen) {
  static int sn;
  benefit_line l;
  memset(&l, 0, sizeof l);
  snprintf(l.feedetl_sn, sizeof l.feedetl_sn, "%d", ++sn);
  l.item = catalog_find(C, code);
  l.cnt = 10000;
  l.pric = fen * 10000;
  l.sumamt = fen;
  return l;
}

/* The stored trace text is the dumped trace tree, byte for byte. */
static void trace_same(const benefit_result *r) {
  json_t *t = benefit_json_trace(r);
  char *a = jsonx_dumps(t, JSON_COMPACT), *b = benefit_json_trace_text(r);
  assert_non_null(a);
  assert_non_null(b);
  assert_string_equal(a, b);
  free(a), free(b);
  json_decref(t);
}

/* Steps the scenarios may not reach: no rule, a rule jansson refuses, a waiting period. */
static void test_trace_text_edges(void **state) {
  (void)state;
  benefit_result *r = calloc(1, sizeof *r);
  static const benefit_step steps[] = {
      {.kind = STEP_WAITING, .base = 12345, .limit = 30, .amount = 0},
      {.kind = STEP_POOL, .rule = "policy.pool[0]", .layer = "基本医疗", .base = 500000, .ratio = 8500, .amount = 425000, .limit = 1500000},
      {.kind = STEP_CASH, .rule = "bad\xff", .base = -1, .ratio = 1, .amount = -99999999999, .limit = 0},
      {.kind = STEP_ACCT, .payer = 1, .base = 1, .ratio = 10000, .amount = 7, .limit = 3},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) r->trace[r->n_trace++] = steps[i];
  trace_same(r);
  r->n_trace = 0;
  trace_same(r);
  free(r);
}

static int settle(const benefit_person *p, const accum *a, const benefit_visit *v, benefit_line *l, int n,
                  benefit_result *r) {
  benefit_line_out lo[16];
  yb_err e = {0};
  int rc = benefit_settle(P, p, a, v, l, n, lo, r, &e);
  if (rc) fprintf(stderr, "refused: %s: %s\n", e.field, e.msg);
  if (!rc) trace_same(r);
  return rc;
}

/* DOMAIN.md: 52 000 of which 50 000 in scope, deductible 300 (2nd admission), 70 %…
 * here employee in service at 85 %: (50 000 − 300) × 0.85 = 42 245.00 */
static void test_inpatient_employee_second_admission(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "2101", 3);
  accum a = {0};
  accum_add(&a, 0, 0, 1); /* one admission already this year */
  benefit_line l[2] = {line("A", 5000000), line("C", 200000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 2, &r), 0);
  assert_int_equal(r.medfee_sumamt, 5200000);
  assert_int_equal(r.fulamt_ownpay_amt, 200000);
  assert_int_equal(r.inscp_scp_amt, 5000000);
  assert_int_equal(r.act_pay_dedc, 30000);
  assert_int_equal(r.pay[PAYER_HIFP], 4224500);
  assert_int_equal(r.pool_prop_selfpay, 8500);
  assert_int_equal(r.psn_cash_pay, 5200000 - 4224500);
  assert_int_equal(r.nth, 2);
  assert_int_equal(accum_get(&r.delta, 0, 0), 1);
  assert_string_equal(r.clr_type, "21");
}

/* HSI.md §7.4: in scope 7 920, first admission deductible 600, 85 % → 6 222.00 */
static void test_hsi_2304_example(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "2101", 3);
  accum a = {0};
  benefit_line l[2] = {line("A", 792000), line("C", 32000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 2, &r), 0);
  assert_int_equal(r.inscp_scp_amt, 792000);
  assert_int_equal(r.act_pay_dedc, 60000);
  assert_int_equal(r.pay[PAYER_HIFP], 622200);
  assert_int_equal(r.psn_part_amt, 824000 - 622200);
  assert_int_equal(r.n_detail, 1);
  assert_int_equal(r.detail[0].crt_payb_lmt_amt, 732000);
}

/* Outpatient pooling: year deductible 1 000 of which 800 used; 2 000 in scope:
 * deductible 200, pool (1 800 × 0.6 = 1 080) capped at 1 500 − 1 000 used = 500 */
static void test_outpatient_year_deductible_and_cap(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "11", 1);
  accum a = {0};
  int ded = policy_bucket_find(P, "opt_ded"), cap = policy_bucket_find(P, "opt_pool");
  assert_true(ded > 0 && cap > 0);
  accum_add(&a, ded, 0, 80000);
  accum_add(&a, cap, 0, 100000);
  benefit_line l[1] = {line("A", 200000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.act_pay_dedc, 20000);
  assert_int_equal(r.pay[PAYER_HIFP], 50000);
  assert_int_equal(accum_get(&r.delta, ded, 0), 20000);
  assert_int_equal(accum_get(&r.delta, cap, 0), 50000);
  assert_int_equal(r.psn_cash_pay, 150000);
  assert_string_equal(r.clr_type, "11");
}

/* Line split: 乙类 10 % self-pay-first; price limit 20 at 25 → 5 over-limit per unit. */
static void test_line_split(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "11", 1);
  accum a = {0};
  benefit_line l[2] = {line("B10", 10000), line("LIM", 2500)};
  l[1].cnt = 20000; /* 2 units at 25.00 */
  l[1].pric = 25000000;
  l[1].sumamt = 5000;
  benefit_line_out lo[2];
  benefit_result r;
  yb_err e = {0};
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 2, lo, &r, &e), 0);
  assert_int_equal(lo[0].preselfpay_amt, 1000);
  assert_int_equal(lo[0].inscp_scp_amt, 9000);
  assert_int_equal(lo[1].overlmt_amt, 1000);
  assert_int_equal(lo[1].inscp_scp_amt, 4000);
  assert_int_equal(r.preselfpay_amt, 1000);
  assert_int_equal(r.overlmt_selfpay, 1000);
  assert_int_equal(r.inscp_scp_amt, 13000);
}

/* Restrictions: female-only item for a man, restricted item without approval → fully self-paid. */
static void test_restrictions(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "11", 1);
  accum a = {0};
  benefit_line l[3] = {line("F", 10000), line("R", 10000), line("R", 10000)};
  l[2].hosp_appr_flag = 1;
  v.n_diag = 1;
  strcpy(v.diag[0], "E11.9");
  benefit_line_out lo[3];
  benefit_result r;
  yb_err e = {0};
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 3, lo, &r, &e), 0);
  assert_int_equal(lo[0].reason, LINE_GENDER);
  assert_int_equal(lo[0].fulamt_ownpay_amt, 10000);
  assert_int_equal(lo[1].reason, LINE_NOT_APPROVED);
  assert_int_equal(lo[2].reason, LINE_OK);
  assert_int_equal(lo[2].preselfpay_amt, 2000);
  strcpy(v.diag[0], "I10"); /* approved but outside the indication */
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 3, lo, &r, &e), 0);
  assert_int_equal(lo[2].reason, LINE_INDICATION);
}

/* Employee pool cap hit: 20 000 left under the 300 000 cap; eligible 99 400 at 85 %
 * would pay 84 490 → pool pays 20 000; overflow expense = 99 400 − 20 000/0.85
 * (23 529.41) = 75 870.59, the large-amount subsidy pays 90 % = 68 283.53. */
static void test_pool_cap_then_large_amount(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "2101", 3);
  accum a = {0};
  accum_add(&a, policy_bucket_find(P, "pool"), 0, 28000000);
  benefit_line l[1] = {line("A", 10000000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.pay[PAYER_HIFP], 2000000);
  assert_int_equal(r.pay[PAYER_HIFOB], 6828353);
  assert_int_equal(r.fund_pay_sumamt, 2000000 + 6828353);
  assert_int_equal(r.n_detail, 2);
}

/* Resident, critical illness, marginal bands on the excess: base before 14 000, this visit's
 * in-scope burden after the pool: in scope 30 000 at level 2: deductible 500, pool 0.75 ×
 * 29 500 = 22 125 → burden 7 875; base 21 875, excess 6 875 × 0.6 = 4 125.00. */
static void test_critical_illness_marginal(void **state) {
  (void)state;
  benefit_person p = person("1701");
  benefit_visit v = visit("390", "2101", 2);
  accum a = {0};
  int base = policy_bucket_find(P, "hifmi_base");
  accum_add(&a, base, 0, 1400000);
  benefit_line l[1] = {line("A", 3000000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.pay[PAYER_HIFP], 2212500);
  assert_int_equal(r.pay[PAYER_HIFMI], 412500);
  assert_int_equal(accum_get(&r.delta, base, 0), 787500);
  assert_int_equal(r.pay[PAYER_MAF], 0); /* not in an assistance group: skipped */
}

/* 特困: no deductible, critical illness threshold 7 500 at 65 %, assistance 80 % of the rest.
 * in scope 10 000 at level 2: pool 7 500; burden 2 500 → base 2 500 (< 7 500): hifmi 0;
 * maf 2 500 × 0.8 = 2 000; cash 500. */
static void test_special_group_assistance(void **state) {
  (void)state;
  benefit_person p = person("1701");
  p.n_idet = 1;
  strcpy(p.idet[0], "2304");
  benefit_visit v = visit("390", "2101", 2);
  accum a = {0};
  benefit_line l[1] = {line("A", 1000000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.act_pay_dedc, 0);
  assert_int_equal(r.pay[PAYER_HIFP], 750000);
  assert_int_equal(r.pay[PAYER_HIFMI], 0);
  assert_int_equal(r.pay[PAYER_MAF], 200000);
  assert_int_equal(r.psn_cash_pay, 50000);
}

/* Waiting period: nothing from any fund; the trace says why. */
static void test_waiting_period(void **state) {
  (void)state;
  benefit_person p = person("1701");
  p.wait_until = 20240401;
  benefit_visit v = visit("390", "2101", 1);
  accum a = {0};
  benefit_line l[1] = {line("A", 100000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_true(r.waiting);
  assert_int_equal(r.fund_pay_sumamt, 0);
  assert_int_equal(r.psn_cash_pay, 100000);
  int found = 0;
  for (int i = 0; i < r.n_trace; i++) found |= r.trace[i].kind == STEP_WAITING;
  assert_true(found);
  v.date = 20240401; /* the first day of benefits pays */
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_false(r.waiting);
  assert_int_equal(r.pay[PAYER_HIFP], 72000); /* (1 000 − 200) × 0.9 */
}

/* Unfiled cross-region: ratio cut by 10 points: level 3 → 0.5. (2 000 − 1 000) × 0.5 = 500. */
static void test_unfiled_ratio_cut(void **state) {
  (void)state;
  benefit_person p = person("1701");
  benefit_visit v = visit("390", "2101", 3);
  v.area = AREA_UNFILED;
  accum a = {0};
  benefit_line l[1] = {line("A", 200000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.pool_prop_selfpay, 5000);
  assert_int_equal(r.pay[PAYER_HIFP], 50000);
}

/* Personal account then family sharing, on an outpatient visit of 1 500 with
 * nothing from the pool (deductible 1 000 not met beyond 500 → pool 300). */
static void test_account_and_family(void **state) {
  (void)state;
  benefit_person p = person("11");
  p.acct_balc = 50000;
  p.family_balc = 100000;
  benefit_visit v = visit("310", "11", 1);
  v.acct_used = true;
  accum a = {0};
  benefit_line l[1] = {line("A", 150000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.pay[PAYER_HIFP], 30000);           /* (1 500 − 1 000) × 0.6 */
  assert_int_equal(r.pay[PAYER_ACCT], 50000);
  assert_int_equal(r.pay[PAYER_ACCT_MULAID], 70000);
  assert_int_equal(r.psn_cash_pay, 0);
  assert_int_equal(r.balc, 0);
  assert_int_equal(r.psn_part_amt, 120000);
}

/* Chronic disease with a monthly cap; an unregistered disease is refused. */
static void test_chronic_monthly_cap(void **state) {
  (void)state;
  benefit_person p = person("1701");
  p.n_dise = 1;
  strcpy(p.dise[0], "I10");
  benefit_visit v = visit("390", "14", 1);
  strcpy(v.dise_codg, "I10");
  accum a = {0};
  int b = policy_bucket_find(P, "chr_I10");
  accum_add(&a, b, 3, 8000); /* 80 of this month's 100 used */
  benefit_line l[1] = {line("A", 10000)};
  benefit_result r;
  assert_int_equal(settle(&p, &a, &v, l, 1, &r), 0);
  assert_int_equal(r.pay[PAYER_HIFP], 2000);
  assert_int_equal(accum_get(&r.delta, b, 3), 2000);
  p.n_dise = 0;
  yb_err e = {0};
  benefit_line_out lo[1];
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 1, lo, &r, &e), YB_EPOLICY);
  assert_string_equal(e.field, "visit.dise_codg");
}

static void test_refusals(void **state) {
  (void)state;
  benefit_person p = person("11");
  benefit_visit v = visit("310", "2101", 3);
  accum a = {0};
  benefit_line l[1] = {line("A", 10000)};
  benefit_line_out lo[1];
  benefit_result r;
  yb_err e = {0};
  strcpy(v.med_type, "77");
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 1, lo, &r, &e), YB_EUNKNOWN_CODE);
  assert_string_equal(e.field, "visit.med_type");
  strcpy(v.med_type, "2101");
  l[0].cnt = -10000;
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 1, lo, &r, &e), YB_ERANGE);
  assert_string_equal(e.field, "feedetail[0].cnt");
  l[0] = line("A", 10000);
  l[0].sumamt = 10002;
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 1, lo, &r, &e), YB_EMISMATCH);
  assert_string_equal(e.field, "feedetail[0].det_item_fee_sumamt");
  l[0] = line("A", 10000);
  l[0].item = NULL;
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 1, lo, &r, &e), YB_EUNKNOWN_CODE);
  assert_string_equal(e.field, "feedetail[0].med_list_codg");
  benefit_line two[2] = {line("A", 10000), line("A", 10000)};
  strcpy(two[1].feedetl_sn, two[0].feedetl_sn);
  benefit_line_out lo2[2];
  assert_int_equal(benefit_settle(P, &p, &a, &v, two, 2, lo2, &r, &e), YB_ECONFLICT);
  assert_string_equal(e.field, "feedetail[1].feedetl_sn");
  l[0] = line("A", 10000);
  p.psn_no[0] = 0;
  assert_int_equal(benefit_settle(P, &p, &a, &v, l, 1, lo, &r, &e), YB_EMISSING);
  assert_string_equal(e.field, "person.psn_no");
  assert_int_equal(r.fund_pay_sumamt, 0); /* no settlement on refusal */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inpatient_employee_second_admission),
      cmocka_unit_test(test_hsi_2304_example), cmocka_unit_test(test_trace_text_edges),
      cmocka_unit_test(test_outpatient_year_deductible_and_cap),
      cmocka_unit_test(test_line_split),
      cmocka_unit_test(test_restrictions),
      cmocka_unit_test(test_pool_cap_then_large_amount),
      cmocka_unit_test(test_critical_illness_marginal),
      cmocka_unit_test(test_special_group_assistance),
      cmocka_unit_test(test_waiting_period),
      cmocka_unit_test(test_unfiled_ratio_cut),
      cmocka_unit_test(test_account_and_family),
      cmocka_unit_test(test_chronic_monthly_cap),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
