/* test_enroll.c — waiting periods and incentives (enroll.c), table-driven. Every expected value
 * is worked out by hand in the row's comment from the rules of docs/enrollment.md with the
 * parameters of base_policy(): fixed 3 months, +1 per broken year, −1 per year paid back,
 * at least 6 months after a break of 4 years or more; continuity raise 1000 per continuous
 * year after 4, zero-claim raise 1000 per year, ceiling 20 % of the original cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "account.h"
#include "enroll.h"

static enroll_policy base_policy(void) {
  enroll_policy ep;
  memset(&ep, 0, sizeof ep);
  ep.has_period = true;
  ep.from_md = 901; /* 1 Sep – 31 Dec of the year before */
  ep.to_md = 1231;
  ep.n_wait_schemes = 1;
  strcpy(ep.wait_schemes[0], "390");
  ep.n_counted = 2;
  strcpy(ep.counted[0], "390");
  strcpy(ep.counted[1], "310");
  ep.fixed_months = 3;
  ep.per_broken_year = 1;
  ep.repair_per_year = 1;
  ep.floor_after_years = 4;
  ep.floor_months = 6;
  ep.n_inc_schemes = 1;
  strcpy(ep.inc_schemes[0], "390");
  strcpy(ep.inc_layer, "hifmi");
  ep.continuity_after = 4;
  ep.continuity_amount = 100000;
  ep.zero_claim_amount = 100000;
  ep.ceiling = 2000;
  ep.break_resets_zero = true;
  return ep;
}

/* Covered 2010 … 2024−broken, then `broken` uncovered years up to 2024, the most recent
 * `repaired` of them paid back. */
static enroll_hist history(int broken, int repaired) {
  enroll_hist h;
  memset(&h, 0, sizeof h);
  for (int y = 2010; y <= 2024 - broken; y++) enroll_hist_at(&h, y)->covered = true;
  for (int k = 0; k < repaired; k++) enroll_hist_at(&h, 2024 - k)->paid_back = true;
  return h;
}

typedef struct wait_row {
  int broken, repaired;
  const char *exempt;
  int32_t pay;      /* payment date */
  int months, kind; /* expected */
  int32_t until;
} wait_row;

static const wait_row wait_rows[] = {
    /* on time (paid 2024-11-15, in the period): coverage starts 2025-01-01 */
    {0, 0, NULL, 20241115, 0, WAIT_NONE, 0},                 /* no break, on time: none */
    {1, 0, NULL, 20241115, 4, WAIT_VARIABLE, 20250501},      /* 3 + 1 = 4 → 1 May */
    {1, 1, NULL, 20241115, 3, WAIT_REPAIRED, 20250401},      /* 3 + (1 − 1) = 3 */
    {2, 0, NULL, 20241115, 5, WAIT_VARIABLE, 20250601},      /* 3 + 2 = 5 */
    {2, 1, NULL, 20241115, 4, WAIT_REPAIRED, 20250501},      /* 3 + (2 − 1) = 4 */
    {2, 2, NULL, 20241115, 3, WAIT_REPAIRED, 20250401},      /* 3 + 0 = 3: the fixed part stays */
    {3, 0, NULL, 20241115, 6, WAIT_VARIABLE, 20250701},      /* 3 + 3 = 6 */
    {3, 1, NULL, 20241115, 5, WAIT_REPAIRED, 20250601},      /* 3 + 2 = 5 */
    {3, 2, NULL, 20241115, 4, WAIT_REPAIRED, 20250501},      /* 3 + 1 = 4 */
    {3, 3, NULL, 20241115, 3, WAIT_REPAIRED, 20250401},      /* 3 + 0 = 3 (under 4 years: no floor) */
    {4, 0, NULL, 20241115, 7, WAIT_VARIABLE, 20250801},      /* 3 + 4 = 7 (DOMAIN.md: 4 years wait 7) */
    {4, 1, NULL, 20241115, 6, WAIT_REPAIRED, 20250701},      /* 3 + 3 = 6 (DOMAIN.md: or 6 after repair) */
    {4, 2, NULL, 20241115, 6, WAIT_FLOOR, 20250701},         /* 3 + 2 = 5 < floor 6 → 6 */
    {4, 4, NULL, 20241115, 6, WAIT_FLOOR, 20250701},         /* 3 + 0 = 3 < 6 → 6 */
    {5, 0, NULL, 20241115, 8, WAIT_VARIABLE, 20250901},      /* 3 + 5 = 8 */
    {5, 2, NULL, 20241115, 6, WAIT_REPAIRED, 20250701},      /* 3 + 3 = 6, exactly the floor */
    {5, 3, NULL, 20241115, 6, WAIT_FLOOR, 20250701},         /* 3 + 2 = 5 → 6 */
    {5, 5, NULL, 20241115, 6, WAIT_FLOOR, 20250701},         /* 3 → 6 */
    {6, 0, NULL, 20241115, 9, WAIT_VARIABLE, 20251001},      /* 3 + 6 = 9 */
    {6, 3, NULL, 20241115, 6, WAIT_REPAIRED, 20250701},      /* 3 + 3 = 6 */
    {6, 6, NULL, 20241115, 6, WAIT_FLOOR, 20250701},         /* 3 → 6 */
    /* exemptions: whatever the break, no waiting period */
    {0, 0, "newborn", 20250310, 0, WAIT_EXEMPT, 0},
    {3, 0, "tekun", 20241115, 0, WAIT_EXEMPT, 0},
    {6, 2, "dibao", 20250601, 0, WAIT_EXEMPT, 0},
    /* late (paid 2025-03-10, after the period): coverage starts on the payment day */
    {0, 0, NULL, 20250310, 3, WAIT_FIXED, 20250610},         /* fixed 3 from 10 Mar */
    {2, 0, NULL, 20250310, 5, WAIT_VARIABLE, 20250810},      /* 3 + 2 = 5 from 10 Mar */
    {4, 3, NULL, 20250310, 6, WAIT_FLOOR, 20250910},         /* 3 + 1 = 4 → 6 from 10 Mar */
    {0, 0, NULL, 20251130, 3, WAIT_FIXED, 20260228},         /* 30 Nov + 3 months: clamped to 28 Feb */
    {0, 0, NULL, 20240830, 3, WAIT_FIXED, 20250401},         /* paid before the period opens: late, from 1 Jan */
};

static void test_waiting_table(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  for (size_t i = 0; i < sizeof wait_rows / sizeof wait_rows[0]; i++) {
    const wait_row *w = &wait_rows[i];
    enroll_hist h = history(w->broken, w->repaired);
    enroll_wait_out o;
    enroll_wait(&ep, "390", 2025, w->pay, &h, w->exempt, &o);
    if (o.months != w->months || o.kind != w->kind || o.until != w->until)
      fail_msg("row %zu (broken %d, repaired %d, %s, paid %d): months %d kind %d until %d; want %d %d %d (%s)", i,
               w->broken, w->repaired, w->exempt ? w->exempt : "-", w->pay, o.months, o.kind, o.until, w->months,
               w->kind, w->until, o.why);
    assert_int_equal(o.broken_years, w->broken);
    assert_int_equal(o.repaired_years, w->repaired);
  }
}

static void test_waiting_other_cases(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  enroll_hist none;
  memset(&none, 0, sizeof none);
  enroll_wait_out o;
  enroll_wait(&ep, "390", 2025, 20241115, &none, NULL, &o); /* first enrollment, on time */
  assert_int_equal(o.months, 0);
  enroll_wait(&ep, "390", 2025, 20250420, &none, NULL, &o); /* first enrollment, late: fixed only */
  assert_int_equal(o.months, 3);
  assert_int_equal(o.until, 20250720);
  enroll_hist h = history(3, 0);
  enroll_wait(&ep, "310", 2025, 20250420, &h, NULL, &o);    /* employee scheme: none */
  assert_int_equal(o.until, 0);
  ep.count_from_year = 2023; /* breaks counted from 2023: 2022 no longer counts */
  enroll_wait(&ep, "390", 2025, 20241115, &h, NULL, &o);
  assert_int_equal(o.broken_years, 2);                      /* 2023, 2024 */
  assert_int_equal(o.months, 5);
  assert_string_equal(o.reason, "断保2年补缴0年,等待5月");
  /* an unbroken history (the store marks years of any counted scheme covered): none */
  ep.count_from_year = 0;
  enroll_hist mix = history(0, 0);
  enroll_wait(&ep, "390", 2025, 20241115, &mix, NULL, &o);
  assert_int_equal(o.months, 0);
}

typedef struct inc_row {
  int from, to;            /* covered years */
  int gap;                 /* an uncovered year inside, 0 none */
  const int *zero;         /* years with no fund payment, 0-terminated */
  int used;                /* a year whose claims used the raise, 0 none */
  int64_t cap;             /* original cap, fen */
  int64_t cont, zero_part, raise; /* expected, fen */
  int capped;
} inc_row;

static const int z_none[] = {0};
static const int z_all4[] = {2021, 2022, 2023, 2024, 0};
static const int z_23_24[] = {2023, 2024, 0};
static const int z_used[] = {2020, 2021, 2022, 2024, 0};
static const int z_gap[] = {2020, 2024, 0};

static const inc_row inc_rows[] = {
    /* 2019–2024: 6 continuous years → (6 − 4) × 1000 = 2000; no zero-claim year */
    {2019, 2024, 0, z_none, 0, 40000000, 200000, 0, 200000, 0},
    /* 2021–2024: 4 years, no continuity raise yet; 4 zero-claim years × 1000 = 4000 */
    {2021, 2024, 0, z_all4, 0, 40000000, 0, 400000, 400000, 0},
    /* 2015–2024: 10 years → 6000; zero in 2023 and 2024 → 2000; 8000 */
    {2015, 2024, 0, z_23_24, 0, 40000000, 600000, 200000, 800000, 0},
    /* 2020–2024: 5 years → 1000; zero 2020–22 earned 3, the raise used in 2023 clears them,
     * 2024 zero → 1: 1000; 2000 */
    {2020, 2024, 0, z_used, 2023, 40000000, 100000, 100000, 200000, 0},
    /* 2015–2024 but 2022 missed: continuity restarts in 2023 → 2 years, none; the break clears
     * 2020's zero-claim raise; 2024 zero → 1000 */
    {2015, 2024, 2022, z_gap, 0, 40000000, 0, 100000, 100000, 0},
    /* cap 20 000: ceiling 20 % = 4000; 10 years → 6000 → capped to 4000 */
    {2015, 2024, 0, z_none, 0, 2000000, 600000, 0, 400000, 1},
    /* uncapped layer (special groups): no raise */
    {2015, 2024, 0, z_23_24, 0, 0, 600000, 200000, 0, 0},
    /* exactly at the ceiling: cap 40 000 → 8000 = 6000 + 2000, not capped */
    {2015, 2024, 0, z_23_24, 0, 4000000, 600000, 200000, 800000, 0},
};

static void test_incentive_table(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  for (size_t i = 0; i < sizeof inc_rows / sizeof inc_rows[0]; i++) {
    const inc_row *r = &inc_rows[i];
    enroll_hist h;
    memset(&h, 0, sizeof h);
    for (int y = r->from; y <= r->to; y++) {
      if (y == r->gap) continue;
      enroll_year *e = enroll_hist_at(&h, y);
      e->covered = true;
      e->fund_paid = 12345;
      e->raise_used = y == r->used;
    }
    for (const int *z = r->zero; *z; z++) enroll_hist_at(&h, *z)->fund_paid = 0;
    enroll_incentive_out o;
    enroll_incentive(&ep, "390", 2025, &h, r->cap, &o);
    if (o.continuity != r->cont || o.zero_claim != r->zero_part || o.raise != r->raise || o.capped != r->capped)
      fail_msg("row %zu: %s", i, o.why);
  }
  /* a policy where a break keeps the zero-claim part: row 5 then keeps 2020 too → 2000 */
  ep.break_resets_zero = false;
  enroll_hist h;
  memset(&h, 0, sizeof h);
  for (int y = 2015; y <= 2024; y++)
    if (y != 2022) enroll_hist_at(&h, y)->covered = true, enroll_hist_at(&h, y)->fund_paid = (y == 2020 || y == 2024) ? 0 : 1;
  enroll_incentive_out o;
  enroll_incentive(&ep, "390", 2025, &h, 40000000, &o);
  assert_int_equal(o.zero_claim, 200000);
  enroll_incentive(&ep, "310", 2025, &h, 40000000, &o); /* scheme without incentives */
  assert_int_equal(o.raise, 0);
}

static void test_contribution_split(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  ep.n_rates = 1;
  ep.rates[0] = (enroll_contrib_rate){"390", 2025, 40000, 70000};
  ep.n_assist = 2;
  ep.assist[0] = (enroll_assist_rule){.group = 0, .share = 10000}; /* tekun: all */
  ep.assist[1] = (enroll_assist_rule){.group = 1, .amount = 28000}; /* dibao: 280 */
  enroll_split s;
  yb_err e;
  assert_int_equal(enroll_contribution(&ep, "390", 2025, 0, &s, &e), 0);
  assert_int_equal(s.person, 40000);
  assert_int_equal(s.fiscal, 70000);
  assert_int_equal(enroll_contribution(&ep, "390", 2025, 1u << 0, &s, &e), 0);
  assert_int_equal(s.assistance, 40000);
  assert_int_equal(s.person, 0);
  assert_int_equal(enroll_contribution(&ep, "390", 2025, 1u << 1, &s, &e), 0);
  assert_int_equal(s.assistance, 28000);
  assert_int_equal(s.person, 12000);
  assert_int_equal(enroll_contribution(&ep, "390", 2026, 0, &s, &e), YB_EPOLICY);
  int64_t cost;
  assert_int_equal(enroll_payback_cost(&ep, "390", 2025, &cost, &e), 0);
  assert_int_equal(cost, 40000);
  ep.payback_full = true;
  assert_int_equal(enroll_payback_cost(&ep, "390", 2025, &cost, &e), 0);
  assert_int_equal(cost, 110000);
}

static void test_account_rules(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  ep.n_alloc = 2;
  ep.alloc[0] = (enroll_alloc_rule){.psn_class = 0, .age_min = -1, .age_max = -1, .of_contribution = 10000};
  ep.alloc[1] = (enroll_alloc_rule){.psn_class = 1, .age_min = -1, .age_max = -1, .monthly = 9000};
  int rule;
  /* in service, base 6000.00, own 2 % = 120.00 → all of it */
  assert_int_equal(account_allocation(&ep, 0, 40, 600000, 12000, &rule), 12000);
  assert_int_equal(rule, 0);
  assert_int_equal(account_allocation(&ep, 1, 70, 0, 0, &rule), 9000); /* retired: fixed 90.00 */
  assert_int_equal(account_allocation(&ep, 5, 30, 600000, 12000, &rule), 0);
  assert_int_equal(rule, -1);
  ep.n_relations = 1;
  strcpy(ep.relations[0], "parent");
  ep.max_relatives = 1;
  account_party h = {.psn_no = "A", .exists = true, .employee_active = true};
  account_party r = {.psn_no = "B", .exists = true};
  yb_err e;
  assert_int_equal(account_bind_check(&ep, &h, &r, "parent", &e), 0);
  assert_int_equal(account_bind_check(&ep, &h, &r, "cousin", &e), YB_EINVAL);
  assert_string_equal(e.field, "relation");
  h.employee_active = false;
  assert_int_equal(account_bind_check(&ep, &h, &r, "parent", &e), YB_EINVAL);
  h.employee_active = true;
  h.holder_relatives = 1;
  assert_int_equal(account_bind_check(&ep, &h, &r, "parent", &e), YB_ECONFLICT);
  h.holder_relatives = 0;
  strcpy(r.bound_to, "C");
  assert_int_equal(account_bind_check(&ep, &h, &r, "parent", &e), YB_ECONFLICT);
  r.bound_to[0] = 0;
  r.exists = false;
  assert_int_equal(account_bind_check(&ep, &h, &r, "parent", &e), YB_ENOT_FOUND);
}

static void test_period_and_months(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  assert_true(enroll_in_period(&ep, 2025, 20240901));
  assert_true(enroll_in_period(&ep, 2025, 20241231));
  assert_false(enroll_in_period(&ep, 2025, 20240831));
  assert_false(enroll_in_period(&ep, 2025, 20250101));
  ep.to_md = 228; /* into the coverage year */
  assert_true(enroll_in_period(&ep, 2025, 20250228));
  assert_false(enroll_in_period(&ep, 2025, 20250301));
  assert_int_equal(enroll_add_months(20240131, 1), 20240229);
  assert_int_equal(enroll_add_months(20241115, 2), 20250115);
}


static void test_policy_section(void **state) {
  (void)state;
  policy *p = NULL;
  yb_err e;
  assert_int_equal(policy_load("policies/demo-county.json", &p, &e), 0);
  const enroll_policy *ep = p->enrollment;
  assert_non_null(ep);
  assert_int_equal(ep->fixed_months, 3);
  assert_int_equal(ep->floor_months, 6);
  assert_int_equal(ep->ceiling, 2000);
  enroll_split s;
  assert_int_equal(enroll_contribution(ep, "390", 2024, 0, &s, &e), 0);
  assert_int_equal(s.individual, 40000);
  assert_int_equal(s.fiscal, 67000);
  /* the hifmi cap of an ordinary resident is 400 000; special groups are uncapped */
  assert_int_equal(enroll_original_cap(p, ep, "390", policy_class_of(p, "1701"), 0), 40000000);
  bool special;
  const char *tk[] = {"2304"};
  uint32_t g = policy_groups_of(p, tk, 1, &special);
  assert_int_equal(enroll_original_cap(p, ep, "390", policy_class_of(p, "1701"), g), 0);
  policy_free(p);
  /* problems are named by their JSON path, all of them */
  assert_int_not_equal(policy_load("tests/unit/fixtures/policy_enroll_bad.json", &p, &e), 0);
  assert_string_equal(e.field, "enrollment.concentrated_period.from");
  char *buf = NULL;
  size_t len = 0;
  FILE *rep = open_memstream(&buf, &len);
  assert_int_equal(policy_check("tests/unit/fixtures/policy_enroll_bad.json", rep), 3);
  fclose(rep);
  assert_non_null(strstr(buf, "enrollment.waiting.fixed_months: must be an integer in [0, 24]"));
  assert_non_null(strstr(buf, "enrollment.contributions[0].insutype: not a scheme of this policy"));
  free(buf);
}

/* Seed 003: a year counts as broken when the gap passed 3 months. */
static void test_gap_months(void **state) {
  (void)state;
  enroll_policy ep = base_policy();
  ep.max_gap_months = 3;
  enroll_hist h;
  memset(&h, 0, sizeof h);
  enroll_hist_cover(&h, 2021, 1, 12);  /* full */
  enroll_hist_cover(&h, 2022, 1, 6);   /* employee until June: 6 months uncovered > 3 → broken */
  enroll_hist_cover(&h, 2023, 1, 8);   /* resident until August … */
  enroll_hist_cover(&h, 2023, 9, 12);  /* … then employee from September: whole year */
  enroll_hist_cover(&h, 2024, 4, 12);  /* from April: 3 months uncovered, not more → covered */
  enroll_hist_finish(&ep, &h);
  assert_true(enroll_hist_get(&h, 2021)->covered);
  assert_false(enroll_hist_get(&h, 2022)->covered);
  assert_true(enroll_hist_get(&h, 2023)->covered);
  assert_true(enroll_hist_get(&h, 2024)->covered);
  enroll_wait_out o; /* 2025: covered 2023–2024, no break */
  enroll_wait(&ep, "390", 2025, 20241115, &h, NULL, &o);
  assert_int_equal(o.broken_years, 0);
  enroll_incentive_out inc; /* the 2022 gap reset continuity: 2023, 2024 → 2 years */
  enroll_incentive(&ep, "390", 2025, &h, 40000000, &inc);
  assert_int_equal(inc.continuous_years, 2);
  ep.max_gap_months = 0; /* any enrollment covers its year */
  enroll_hist_finish(&ep, &h);
  assert_true(enroll_hist_get(&h, 2022)->covered);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_waiting_table),     cmocka_unit_test(test_waiting_other_cases),
      cmocka_unit_test(test_incentive_table),   cmocka_unit_test(test_contribution_split),
      cmocka_unit_test(test_account_rules),     cmocka_unit_test(test_period_and_months),
      cmocka_unit_test(test_policy_section),
      cmocka_unit_test(test_gap_months),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
