/* enroll.c — waiting periods, incentives and contribution splits (enroll.h), computed from an
 * enrollment history and the policy's `enrollment` section; the rules and their sources are
 * in docs/enrollment.md. Pure: the store layer gathers the history, this file decides. */
#include "enroll.h"

#include <stdio.h>
#include <string.h>

#include "money.h"

const enroll_year *enroll_hist_get(const enroll_hist *h, int year) {
  for (int i = 0; i < h->n; i++)
    if (h->y[i].year == year) return &h->y[i];
  return NULL;
}

enroll_year *enroll_hist_at(enroll_hist *h, int year) {
  for (int i = 0; i < h->n; i++)
    if (h->y[i].year == year) return &h->y[i];
  if (h->n >= ENROLL_MAX_YEARS) return NULL;
  enroll_year *y = &h->y[h->n++];
  memset(y, 0, sizeof *y);
  y->year = year;
  return y;
}

int enroll_hist_cover(enroll_hist *h, int year, int from, int to) {
  enroll_year *y = enroll_hist_at(h, year);
  if (!y) return -1;
  if (from < 1) from = 1;
  if (to > 12) to = 12;
  for (int m = from; m <= to; m++) y->months |= (uint16_t)(1u << (m - 1));
  return 0;
}

void enroll_hist_finish(const enroll_policy *ep, enroll_hist *h) {
  for (int i = 0; i < h->n; i++) {
    int n = __builtin_popcount(h->y[i].months);
    h->y[i].covered = n > 0 && 12 - n <= (ep->max_gap_months ? ep->max_gap_months : 11);
  }
}

bool enroll_scheme_in(const char (*list)[8], int n, const char *insutype) {
  for (int i = 0; i < n; i++)
    if (!strcmp(list[i], insutype)) return true;
  return false;
}

static bool covered(const enroll_policy *ep, const enroll_hist *h, int year) {
  const enroll_year *y = enroll_hist_get(h, year);
  return year >= ep->count_from_year && y && y->covered;
}

static int first_year(const enroll_hist *h) {
  int f = 0;
  for (int i = 0; i < h->n; i++)
    if (h->y[i].covered && (!f || h->y[i].year < f)) f = h->y[i].year;
  return f;
}

bool enroll_in_period(const enroll_policy *ep, int year, int32_t date) {
  if (!ep->has_period) return true;
  int32_t from = (year - 1) * 10000 + ep->from_md;
  int32_t to = (ep->to_md >= ep->from_md ? year - 1 : year) * 10000 + ep->to_md;
  return date >= from && date <= to;
}

static int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : d[m - 1];
}

int32_t enroll_add_months(int32_t date, int months) {
  int y = date / 10000, m = date / 100 % 100, d = date % 100;
  int t = y * 12 + (m - 1) + months;
  y = t / 12;
  m = t % 12 + 1;
  if (d > days_in_month(y, m)) d = days_in_month(y, m);
  return y * 10000 + m * 100 + d;
}

void enroll_wait(const enroll_policy *ep, const char *insutype, int year, int32_t pay_date,
                 const enroll_hist *h, const char *exempt, enroll_wait_out *o) {
  memset(o, 0, sizeof *o);
  int32_t jan1 = year * 10000 + 101;
  o->late = !enroll_in_period(ep, year, pay_date);
  o->start = o->late && pay_date > jan1 ? pay_date : jan1;
  if (!enroll_scheme_in(ep->wait_schemes, ep->n_wait_schemes, insutype)) {
    snprintf(o->why, sizeof o->why, "scheme %s has no waiting period", insutype);
    return;
  }
  /* the break: uncovered years right before `year`, back to the last covered one; a person
   * with no covered year before is a first enrollment, not a break */
  int f = first_year(h);
  if (f && f < year) {
    for (int y = year - 1; y >= f && y >= ep->count_from_year && !covered(ep, h, y); y--) {
      o->broken_years++;
      const enroll_year *r = enroll_hist_get(h, y);
      if (r && r->paid_back) o->repaired_years++;
    }
  }
  if (exempt && *exempt) {
    o->kind = WAIT_EXEMPT;
    snprintf(o->reason, sizeof o->reason, "免等待期(%s)", exempt);
    snprintf(o->why, sizeof o->why, "exempt (%s): no waiting period although broken %d years%s",
             exempt, o->broken_years, o->late ? " and enrolled late" : "");
    return;
  }
  if (!o->late && o->broken_years == 0) {
    snprintf(o->why, sizeof o->why, "enrolled in the concentrated period with no break");
    return;
  }
  o->fixed_months = ep->fixed_months;
  int var = ep->per_broken_year * o->broken_years - ep->repair_per_year * o->repaired_years;
  o->variable_months = var > 0 ? var : 0;
  o->months = o->fixed_months + o->variable_months;
  o->kind = o->broken_years == 0 ? WAIT_FIXED : o->repaired_years ? WAIT_REPAIRED : WAIT_VARIABLE;
  if (o->broken_years > 0 && ep->floor_after_years > 0 && o->broken_years >= ep->floor_after_years &&
      o->months < ep->floor_months) {
    o->months = ep->floor_months;
    o->floor_applied = true;
    o->kind = WAIT_FLOOR;
  }
  o->until = enroll_add_months(o->start, o->months);
  char until[16], start[16];
  snprintf(until, sizeof until, "%04d-%02d-%02d", o->until / 10000, o->until / 100 % 100, o->until % 100);
  snprintf(start, sizeof start, "%04d-%02d-%02d", o->start / 10000, o->start / 100 % 100, o->start % 100);
  if (o->broken_years == 0) {
    snprintf(o->reason, sizeof o->reason, "集中期外参保,等待%d月", o->months);
    snprintf(o->why, sizeof o->why, "enrolled outside the concentrated period: fixed %d months from %s, until %s",
             o->fixed_months, start, until);
  } else {
    snprintf(o->reason, sizeof o->reason, "断保%d年补缴%d年,等待%d月", o->broken_years,
             o->repaired_years, o->months);
    char fl[48] = "";
    if (o->floor_applied) snprintf(fl, sizeof fl, ", raised to the floor of %d", ep->floor_months);
    snprintf(o->why, sizeof o->why,
             "broken %d years: fixed %d + variable (%d x %d - %d repaired x %d = %d) = %d months%s from %s, until %s",
             o->broken_years, o->fixed_months, o->broken_years, ep->per_broken_year, o->repaired_years,
             ep->repair_per_year, o->variable_months, o->fixed_months + o->variable_months, fl, start, until);
  }
}

void enroll_incentive(const enroll_policy *ep, const char *insutype, int year,
                      const enroll_hist *h, int64_t original_cap, enroll_incentive_out *o) {
  memset(o, 0, sizeof *o);
  o->original_cap = original_cap;
  if (!enroll_scheme_in(ep->inc_schemes, ep->n_inc_schemes, insutype)) {
    snprintf(o->why, sizeof o->why, "scheme %s has no incentive", insutype);
    return;
  }
  /* walk the completed years in order: a break resets continuity (and, by policy, the
   * zero-claim part); a year whose claims used the raise resets the zero-claim part, then a
   * year with no fund payment earns the next year's zero-claim raise */
  int f = first_year(h);
  int run = 0, zero = 0;
  for (int y = f ? f : year; y < year; y++) {
    if (y < ep->count_from_year) continue;
    const enroll_year *r = enroll_hist_get(h, y);
    if (!r || !r->covered) {
      run = 0;
      if (ep->break_resets_zero) zero = 0;
      continue;
    }
    run++;
    if (r->raise_used) zero = 0;
    if (r->fund_paid == 0) zero++;
  }
  o->continuous_years = run;
  o->zero_claim_years = zero;
  o->continuity = run > ep->continuity_after ? (run - ep->continuity_after) * ep->continuity_amount : 0;
  o->zero_claim = zero * ep->zero_claim_amount;
  o->ceiling = money_mul_bp(original_cap, ep->ceiling);
  int64_t sum = o->continuity + o->zero_claim;
  o->raise = original_cap > 0 ? money_min(sum, o->ceiling) : 0;
  o->capped = original_cap > 0 && sum > o->ceiling;
  char a[32], b[32], c[32], d[32], t[32];
  snprintf(o->why, sizeof o->why,
           "continuous %d years (raises after %d): %s; zero-claim years %d: %s; ceiling %s of cap %s: raise %s%s",
           run, ep->continuity_after, money_fen_str(o->continuity, a), zero, money_fen_str(o->zero_claim, b),
           money_fen_str(o->ceiling, c), money_fen_str(original_cap, d),
           money_fen_str(o->raise, t), original_cap ? (o->capped ? " (capped)" : "") : " (uncapped layer: none)");
}

int64_t enroll_original_cap(const policy *p, const enroll_policy *ep, const char *insutype,
                            int psn_class, uint32_t groups) {
  const policy_scheme *s = policy_scheme_find(p, insutype);
  if (!s) return 0;
  for (int i = 0; i < s->n_layers; i++) {
    const policy_layer *l = &s->layers[i];
    if (strcmp(l->name, ep->inc_layer)) continue;
    struct policy_ctx c = {.psn_class_bit = psn_class >= 0 ? 1u << psn_class : 0, .groups = groups,
                           .hosp_lv = -1, .area = -1, .xprov = 0, .cvlserv = 0, .age = 40};
    const policy_row *r = policy_match(&l->cap.rows, &c);
    return r && !r->no_cap ? r->amount : 0;
  }
  return 0;
}

static const enroll_contrib_rate *rate_find(const enroll_policy *ep, const char *insutype, int year) {
  for (int i = 0; i < ep->n_rates; i++)
    if (ep->rates[i].year == year && !strcmp(ep->rates[i].insutype, insutype)) return &ep->rates[i];
  return NULL;
}

int enroll_contribution(const enroll_policy *ep, const char *insutype, int year, uint32_t groups,
                        enroll_split *o, yb_err *e) {
  memset(o, 0, sizeof *o);
  o->assist_group = -1;
  const enroll_contrib_rate *r = rate_find(ep, insutype, year);
  if (!r)
    return yb_fail(e, YB_EPOLICY, "year", "the policy has no contribution rate for scheme %s in %d "
                   "(enrollment.contributions)", insutype, year);
  o->individual = r->individual;
  o->fiscal = r->fiscal;
  for (int i = 0; i < ep->n_assist; i++) {
    const enroll_assist_rule *a = &ep->assist[i];
    if (!(groups & (1u << a->group))) continue;
    o->assistance = a->share ? money_mul_bp(r->individual, a->share) : money_min(a->amount, r->individual);
    o->assist_group = a->group;
    break;
  }
  o->person = o->individual - o->assistance;
  return 0;
}

int enroll_payback_cost(const enroll_policy *ep, const char *insutype, int year, int64_t *out,
                        yb_err *e) {
  const enroll_contrib_rate *r = rate_find(ep, insutype, year);
  if (!r)
    return yb_fail(e, YB_EPOLICY, "years", "the policy has no contribution rate for scheme %s in %d to "
                   "pay back (enrollment.contributions)", insutype, year);
  *out = r->individual + (ep->payback_full ? r->fiscal : 0);
  return 0;
}
