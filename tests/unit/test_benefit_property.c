/* test_benefit_property.c — 100 000+ random visits per policy: DOMAIN.md's identities hold,
 * nothing is negative, no payer passes its cap, and settle-then-reverse restores the
 * accumulators exactly. Runs on the fixture policy and on every policy in policies/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>

#include "benefit.h"
#include "engine_fixture.h"
#include "simvisit.h"

#define VISITS 100000

static struct policy_ctx ctx_of(const policy *p, const simvisit *s) {
  const char *idet[BENEFIT_MAX_IDET];
  for (int i = 0; i < s->psn.n_idet; i++) idet[i] = s->psn.idet[i];
  bool special;
  return (struct policy_ctx){.psn_class_bit = 1u << policy_class_of(p, s->psn.psn_type),
                             .groups = policy_groups_of(p, idet, s->psn.n_idet, &special),
                             .hosp_lv = s->visit.hosp_lv, .area = s->visit.area, .xprov = s->visit.xprov,
                             .cvlserv = s->psn.cvlserv_flag, .nth = (int)accum_get(&s->acc, 0, 0) + 1,
                             .age = benefit_age(s->psn.brdy, s->visit.date), .n_dise = s->psn.n_dise,
                             .dise = s->psn.dise};
}

/* A payment cap's bucket may not pass the cap through this settlement. */
static int cap_ok(const policy_cap *c, const struct policy_ctx *x, const simvisit *s, const benefit_result *r,
                  int64_t raise) {
  if (c->kind != CAP_PAYMENT || c->rows.n == 0 || c->bucket < 0) return 1;
  int period = c->period == CAP_PERIOD_MONTH ? s->visit.date / 100 % 100 : 0;
  int64_t d = accum_get(&r->delta, c->bucket, period);
  if (d <= 0) return 1;
  const policy_row *row = policy_match(&c->rows, x);
  if (!row || row->no_cap) return 1;
  int64_t before = accum_get(&s->acc, c->bucket, period);
  return before + d <= row->amount + raise;
}

static void check_policy(const policy *p, const catalog *c, uint64_t seed) {
  uint64_t st = seed;
  static simvisit s;
  benefit_line_out lo[64];
  benefit_result r, r2;
  yb_err e = {0};
  int settled = 0;
  for (int i = 0; i < VISITS; i++) {
    assert_int_equal(simvisit_make(p, c, &st, 1 + (int)(simvisit_rand(&st) % 12), &s), 0);
    int rc = benefit_settle(p, &s.psn, &s.acc, &s.visit, s.lines, s.n, lo, &r, &e);
    if (rc != 0) {
      /* a refusal must name its field and leave no settlement behind */
      assert_true(e.field[0] != 0);
      assert_int_equal(r.fund_pay_sumamt, 0);
      continue;
    }
    settled++;
    int64_t fund = 0, sum_lines = 0;
    for (int k = PAYER_HIFP; k <= PAYER_OTH; k++) {
      assert_true(r.pay[k] >= 0);
      fund += r.pay[k];
    }
    for (int k = 0; k < s.n; k++) sum_lines += s.lines[k].sumamt;
    assert_int_equal(fund, r.fund_pay_sumamt);
    assert_int_equal(r.medfee_sumamt, sum_lines);
    assert_int_equal(r.psn_part_amt, r.pay[PAYER_ACCT] + r.pay[PAYER_ACCT_MULAID] + r.psn_cash_pay);
    assert_int_equal(r.medfee_sumamt, r.fund_pay_sumamt + r.psn_part_amt + r.hosp_part_amt);
    assert_int_equal(r.medfee_sumamt, r.fulamt_ownpay_amt + r.overlmt_selfpay + r.preselfpay_amt + r.inscp_scp_amt);
    assert_true(r.psn_cash_pay >= 0 && r.psn_part_amt >= 0 && r.act_pay_dedc >= 0);
    assert_true(r.pay[PAYER_ACCT] >= 0 && r.pay[PAYER_ACCT] <= (s.psn.acct_balc > 0 ? s.psn.acct_balc : 0));
    assert_true(r.pay[PAYER_ACCT_MULAID] >= 0 && r.pay[PAYER_ACCT_MULAID] <= s.psn.family_balc);
    if (r.waiting) assert_int_equal(r.fund_pay_sumamt, 0);
    /* the pool pays only in-scope money; all funds together never pass the in-scope
     * and self-pay-first amounts plus what a layer covering out-of-scope may take */
    assert_true(r.pay[PAYER_HIFP] <= r.inscp_scp_amt);
    /* caps */
    struct policy_ctx x = ctx_of(p, &s);
    const policy_scheme *sc = policy_scheme_find(p, s.visit.insutype);
    for (int b = 0; b < sc->n_benefits; b++) {
      assert_true(cap_ok(&sc->benefits[b].pool.cap, &x, &s, &r, 0));
      for (int d = 0; d < sc->benefits[b].n_diseases; d++)
        assert_true(cap_ok(&sc->benefits[b].diseases[d].pool.cap, &x, &s, &r, 0));
    }
    for (int l = 0; l < sc->n_layers; l++)
      assert_true(cap_ok(&sc->layers[l].cap, &x, &s, &r, sc->layers[l].incentive_ceiling ? s.psn.ci_cap_raise : 0));
    /* settle then reverse restores the accumulators exactly */
    accum a = s.acc;
    assert_int_equal(accum_apply(&a, &r.delta, +1), 0);
    assert_int_equal(accum_apply(&a, &r.delta, -1), 0);
    accum_compact(&a);
    accum orig = s.acc;
    accum_compact(&orig);
    assert_true(accum_equal(&a, &orig));
    /* pure: the same inputs give the same settlement */
    assert_int_equal(benefit_settle(p, &s.psn, &s.acc, &s.visit, s.lines, s.n, lo, &r2, &e), 0);
    assert_int_equal(memcmp(r.pay, r2.pay, sizeof r.pay), 0);
    assert_int_equal(r.psn_cash_pay, r2.psn_cash_pay);
  }
  /* most drawn visits must settle, or the test proves little */
  assert_true(settled > VISITS / 2);
  printf("  %d of %d random visits settled, all invariants held\n", settled, VISITS);
}

static void test_fixture_policy(void **state) {
  (void)state;
  policy *p;
  catalog *c;
  yb_err e = {0};
  assert_int_equal(policy_load_text(FIXTURE_POLICY, sizeof FIXTURE_POLICY - 1, &p, &e), 0);
  assert_int_equal(catalog_load_text(FIXTURE_CATALOG, sizeof FIXTURE_CATALOG - 1, &c, &e), 0);
  check_policy(p, c, 42);
  policy_free(p);
  catalog_free(c);
}

static void test_shipped_policies(void **state) {
  (void)state;
  glob_t g;
  catalog *c = NULL;
  yb_err e = {0};
  if (glob("policies/*.json", 0, NULL, &g) != 0) skip();
  assert_int_equal(catalog_load("policies/catalog-demo.json", &c, &e), 0);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    if (strstr(g.gl_pathv[i], "catalog")) continue;
    policy *p;
    if (policy_load(g.gl_pathv[i], &p, &e) != 0) fail_msg("%s: %s: %s", g.gl_pathv[i], e.field, e.msg);
    printf("  %s\n", g.gl_pathv[i]);
    check_policy(p, c, 7 + i);
    policy_free(p);
  }
  catalog_free(c);
  globfree(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture_policy),
      cmocka_unit_test(test_shipped_policies),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
