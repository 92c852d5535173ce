/* benefit.c — the adjudication engine. Pure: reads the policy, the person, the
 * accumulators, the visit and its fee lines; writes only *out and line_out.
 *
 * The visit's money is kept as four "burdens" that always add up to what the funds
 * have not yet paid: in-scope self-burden (which holds the deductible), self-pay-first,
 * out-of-scope (over-limit and fully self-paid), and within the in-scope part the
 * overflow the pool's cap left. Each layer pays from the burdens the policy lets it
 * cover, so no yuan is paid twice and cash is simply what remains. */
#include "benefit.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

#define NO_LIMIT INT64_MAX

typedef struct burden {
  int64_t inscp, pre, out, overflow; /* overflow ⊆ inscp */
} burden;

typedef struct run {
  const policy *p;
  const policy_scheme *s;
  const benefit_person *psn;
  const benefit_visit *v;
  const accum *acc;
  struct policy_ctx ctx;
  benefit_result *out;
  burden b;
  int64_t excl_out, excl_inscp; /* lines the account may not pay: their out-of-scope and
                                  * self-pay-first parts, and their in-scope part */
  yb_err *e;
} run;

/* ---------- small helpers ---------- */

int benefit_age(int32_t brdy, int32_t date) {
  int age = date / 10000 - brdy / 10000;
  if (date % 10000 < brdy % 10000) age--;
  return age;
}

static void trace(run *r, int kind, int payer, const char *rule, const policy_layer *l,
                  int64_t base, int32_t ratio, int64_t amount, int64_t limit) {
  benefit_result *o = r->out;
  if (o->n_trace >= BENEFIT_MAX_TRACE) return;
  o->trace[o->n_trace++] = (benefit_step){
      .kind = (uint8_t)kind, .payer = (uint8_t)payer, .rule = rule,
      .layer = l ? l->name : NULL, .layer_zh = l ? l->fund_pay_type_name : NULL,
      .base = base, .ratio = ratio, .amount = amount, .limit = limit};
}

static int delta(run *r, int bucket, int period, int64_t d) {
  if (bucket < 0 || d == 0) return 0;
  if (accum_add(&r->out->delta, bucket, period, d) != 0)
    return yb_fail(r->e, YB_ERANGE, "accum", "too many accumulator buckets in one settlement");
  return 0;
}

/* The table's own path, from its first row's ("….rows[0]" → "…"). */
static void table_path(const policy_table *t, const char *fallback, char *buf, size_t n) {
  const char *p = t->n ? t->rows[0].path : NULL;
  if (!p) {
    snprintf(buf, n, "%s", fallback ? fallback : "policy");
    return;
  }
  size_t len = strlen(p);
  const char *cut = strstr(p, ".rows[");
  if (!cut) cut = strrchr(p, '[');
  if (cut) len = (size_t)(cut - p);
  snprintf(buf, n, "%.*s", (int)len, p);
}

/* A row that must exist: fail naming the table when none holds. */
static const policy_row *need(run *r, const policy_table *t, const char *what) {
  const policy_row *row = policy_match(t, &r->ctx);
  if (!row) {
    char path[160];
    table_path(t, what, path, sizeof path);
    yb_fail(r->e, YB_EPOLICY, path,
            "no %s row holds for psn_type %s, hosp_lv %d, area %d, admission %d, age %d", what,
            r->psn->psn_type, r->ctx.hosp_lv, r->ctx.area, r->ctx.nth, r->ctx.age);
  }
  return row;
}

static int cap_period(const policy_cap *c, const benefit_visit *v) {
  return c->period == CAP_PERIOD_MONTH ? v->date / 100 % 100 : 0;
}

/* Remaining room under a cap (NO_LIMIT when the table is empty or says no_cap). */
static int cap_room(run *r, const policy_cap *c, int64_t raise, int64_t *room, int64_t *limit,
                    const char **rule) {
  *room = NO_LIMIT;
  *limit = 0;
  *rule = NULL;
  if (c->rows.n == 0) return 0;
  const policy_row *row = need(r, &c->rows, "cap");
  if (!row) return r->e->code;
  *rule = row->path;
  if (row->no_cap) return 0;
  *limit = row->amount + raise;
  int64_t used = accum_get(r->acc, c->bucket, cap_period(c, r->v));
  *room = money_clamp0(*limit - used);
  return 0;
}

/* Deductible to apply now: the row's amount (or share of `scope` within floor/ceiling),
 * less what this year's bucket has already used. */
static int deductible(run *r, const policy_deductible *d, int64_t scope, int64_t *due,
                      int64_t *full, const char **rule) {
  *due = *full = 0;
  *rule = NULL;
  if (d->rows.n == 0) return 0;
  const policy_row *row = need(r, &d->rows, "deductible");
  if (!row) return r->e->code;
  *rule = row->path;
  int64_t amt = row->amount;
  if (row->share) {
    amt = money_max(money_mul_bp(scope, row->share), row->floor);
    if (row->ceiling) amt = money_min(amt, row->ceiling);
  }
  *full = amt;
  if (d->per == DEDUCT_PER_YEAR) amt -= accum_get(r->acc, d->bucket, 0);
  *due = money_clamp0(amt);
  return 0;
}

/* Take `amt` from the burdens `covers` allows: overflow-limited in-scope first, then
 * in-scope, self-pay-first, out-of-scope. */
static void draw(burden *b, uint8_t covers, int64_t amt) {
  int64_t t;
  if (covers & (BURDEN_INSCP | BURDEN_OVERFLOW)) {
    t = money_min(amt, b->inscp);
    b->inscp -= t;
    b->overflow -= money_min(t, b->overflow);
    amt -= t;
  }
  if (covers & BURDEN_PRE) {
    t = money_min(amt, b->pre);
    b->pre -= t;
    amt -= t;
  }
  if (covers & BURDEN_OUT) {
    t = money_min(amt, b->out);
    b->out -= t;
    amt -= t;
  }
  assert(amt == 0);
}

static int64_t available(const burden *b, uint8_t covers) {
  int64_t a = 0;
  if (covers & BURDEN_INSCP)
    a += b->inscp;
  else if (covers & BURDEN_OVERFLOW)
    a += money_min(b->overflow, b->inscp);
  if (covers & BURDEN_PRE) a += b->pre;
  if (covers & BURDEN_OUT) a += b->out;
  return a;
}

static void add_detail(run *r, const char *type, const char *name, int64_t inscp, int64_t lim,
                       int64_t pay) {
  benefit_result *o = r->out;
  for (int i = 0; i < o->n_detail; i++)
    if (strcmp(o->detail[i].fund_pay_type, type) == 0) {
      o->detail[i].fund_payamt += pay;
      o->detail[i].crt_payb_lmt_amt += lim;
      return;
    }
  if (o->n_detail >= BENEFIT_MAX_DETAIL) return;
  benefit_detail *d = &o->detail[o->n_detail++];
  snprintf(d->fund_pay_type, sizeof d->fund_pay_type, "%s", type);
  d->name = name;
  d->inscp_scp_amt = inscp;
  d->crt_payb_lmt_amt = lim;
  d->fund_payamt = pay;
}

/* ---------- per-line split ---------- */

static int restricted(const run *r, const policy_benefit *bn, const benefit_line *l) {
  const catalog_item *it = l->item;
  if (it->lv == CATALOG_LV_C) return LINE_CLASS_C;
  if (it->gend && r->psn->gend != it->gend) return LINE_GENDER;
  if ((it->age_min >= 0 && r->ctx.age < it->age_min) || (it->age_max >= 0 && r->ctx.age > it->age_max))
    return LINE_AGE;
  if (r->v->hosp_lv < it->hosp_lv_min) return LINE_LEVEL;
  if ((it->scope == CATALOG_SCOPE_INPATIENT && !bn->admission) ||
      (it->scope == CATALOG_SCOPE_OUTPATIENT && bn->admission))
    return LINE_SCOPE;
  /* HSI 2204: restricted item needs approval 1; any item refused by the hospital (2) is self-paid */
  if ((it->lmt_used_flag && l->hosp_appr_flag != 1) || l->hosp_appr_flag == 2) return LINE_NOT_APPROVED;
  if (it->n_ind && r->v->n_diag) {
    for (int i = 0; i < it->n_ind; i++)
      for (int j = 0; j < r->v->n_diag; j++)
        if (strncmp(r->v->diag[j], it->indications[i], strlen(it->indications[i])) == 0) return LINE_OK;
    return LINE_INDICATION;
  }
  return LINE_OK;
}

static int by_sn(const void *a, const void *b) {
  return strcmp((*(const benefit_line *const *)a)->feedetl_sn, (*(const benefit_line *const *)b)->feedetl_sn);
}

/* feedetl_sn is unique within a visit (HSI.md §6.10): a repeated one is refused. */
static int unique_sn(run *r, const benefit_line *lines, int n) {
  char f[64];
  if (n <= 32) { /* the usual visit: compare hashes, strings only when two agree */
    uint64_t h[32];
    for (int i = 0; i < n; i++) {
      uint64_t x = UINT64_C(1469598103934665603);
      for (const unsigned char *c = (const unsigned char *)lines[i].feedetl_sn; *c; c++)
        x = (x ^ *c) * UINT64_C(1099511628211);
      h[i] = x;
    }
    for (int i = 1; i < n; i++)
      for (int j = 0; j < i; j++)
        if (h[i] == h[j] && strcmp(lines[i].feedetl_sn, lines[j].feedetl_sn) == 0)
          return yb_fail(r->e, YB_ECONFLICT, (snprintf(f, sizeof f, "feedetail[%d].feedetl_sn", i), f),
                         "%s repeats feedetail[%d]", lines[i].feedetl_sn, j);
    return 0;
  }
  const benefit_line *sorted[BENEFIT_MAX_LINES];
  for (int i = 0; i < n; i++) sorted[i] = &lines[i];
  qsort(sorted, (size_t)n, sizeof sorted[0], by_sn);
  for (int i = 1; i < n; i++)
    if (strcmp(sorted[i]->feedetl_sn, sorted[i - 1]->feedetl_sn) == 0) {
      int at = (int)(sorted[i] > sorted[i - 1] ? sorted[i] - lines : sorted[i - 1] - lines);
      return yb_fail(r->e, YB_ECONFLICT, (snprintf(f, sizeof f, "feedetail[%d].feedetl_sn", at), f),
                     "%s repeats an earlier line", lines[at].feedetl_sn);
    }
  return 0;
}

static int split_lines(run *r, const policy_benefit *bn, const benefit_line *lines, int n,
                       benefit_line_out *lo) {
  if (unique_sn(r, lines, n) != 0) return r->e->code;
  benefit_result *o = r->out;
  __int128 pre_exact = 0; /* Σ in-limit × share, for visit-level rounding */
  int64_t inlimit_b = 0;
  char f[64];
  for (int i = 0; i < n; i++) {
    const benefit_line *l = &lines[i];
    benefit_line_out *x = &lo[i];
    memset(x, 0, sizeof *x);
    if (!l->item)
      return yb_fail(r->e, YB_EUNKNOWN_CODE, (snprintf(f, sizeof f, "feedetail[%d].med_list_codg", i), f),
                     "not in the catalog");
    if (l->cnt <= 0)
      return yb_fail(r->e, YB_ERANGE, (snprintf(f, sizeof f, "feedetail[%d].cnt", i), f),
                     "must be positive (returns are netted against the original line before settlement)");
    if (l->pric < 0)
      return yb_fail(r->e, YB_ERANGE, (snprintf(f, sizeof f, "feedetail[%d].pric", i), f), "must not be negative");
    int64_t calc = money_line_fen(l->cnt, l->pric);
    if (l->sumamt < 0 || l->sumamt - calc > 1 || calc - l->sumamt > 1) {
      char a[32], b[32];
      return yb_fail(r->e, YB_EMISMATCH,
                     (snprintf(f, sizeof f, "feedetail[%d].det_item_fee_sumamt", i), f),
                     "%s does not equal cnt × pric = %s", money_fen_str(l->sumamt, a), money_fen_str(calc, b));
    }
    const catalog_item *it = l->item;
    int64_t lim = it->price_limit[r->v->hosp_lv < 4 ? r->v->hosp_lv : 0];
    if (!lim) lim = it->price_limit[0];
    x->pric_uplmt_amt = lim;
    x->reason = (uint8_t)restricted(r, bn, l);
    if (x->reason != LINE_OK) {
      x->fulamt_ownpay_amt = l->sumamt;
    } else {
      if (lim > 0 && l->pric > lim) x->overlmt_amt = money_min(l->sumamt, money_line_fen(l->cnt, l->pric - lim));
      int64_t inlimit = l->sumamt - x->overlmt_amt;
      if (it->lv == CATALOG_LV_B) {
        x->selfpay_prop = it->selfpay_bp;
        x->preselfpay_amt = money_mul_bp(inlimit, it->selfpay_bp);
        pre_exact += (__int128)inlimit * it->selfpay_bp;
        inlimit_b += inlimit;
      }
      x->inscp_scp_amt = inlimit - x->preselfpay_amt;
    }
    if (money_add(o->medfee_sumamt, l->sumamt, &o->medfee_sumamt) != 0)
      return yb_fail(r->e, YB_EOVERFLOW, (snprintf(f, sizeof f, "feedetail[%d].det_item_fee_sumamt", i), f),
                     "visit total too large");
    o->fulamt_ownpay_amt += x->fulamt_ownpay_amt;
    o->overlmt_selfpay += x->overlmt_amt;
    o->preselfpay_amt += x->preselfpay_amt;
    o->inscp_scp_amt += x->inscp_scp_amt;
    if (it->acct_excluded) {
      r->excl_out += x->fulamt_ownpay_amt + x->overlmt_amt + x->preselfpay_amt;
      r->excl_inscp += x->inscp_scp_amt;
    }
  }
  if (r->p->preselfpay_rounding == ROUND_VISIT && inlimit_b) {
    /* one rounding on the visit's sum: move the difference between the two buckets */
    int64_t pre = money_div_round(pre_exact, MONEY_BP_ONE);
    o->inscp_scp_amt += o->preselfpay_amt - pre;
    o->preselfpay_amt = pre;
  }
  r->b = (burden){o->inscp_scp_amt, o->preselfpay_amt, o->fulamt_ownpay_amt + o->overlmt_selfpay, 0};
  trace(r, STEP_SPLIT, 0, NULL, NULL, o->medfee_sumamt, 0, o->inscp_scp_amt, 0);
  return 0;
}

/* ---------- ratio × amount, single or banded ---------- */

/* Pay on `amt` of expense sitting at [start, start+amt) of the year's cumulative axis. */
static int64_t ratio_pay(const policy_row *row, int32_t cut, int64_t start, int64_t amt, int32_t *shown) {
  if (row->n_bands == 0) {
    int32_t ratio = row->ratio > cut ? row->ratio - cut : 0;
    *shown = ratio;
    return money_mul_bp(amt, ratio);
  }
  __int128 num = 0;
  int64_t end = start + amt;
  *shown = 0;
  for (int k = 0; k < row->n_bands; k++) {
    int64_t lo = row->bands[k].from;
    int64_t hi = k + 1 < row->n_bands ? row->bands[k + 1].from : NO_LIMIT;
    int64_t a = money_max(lo, start), z = money_min(hi, end);
    if (z <= a) continue;
    int32_t ratio = row->bands[k].ratio > cut ? row->bands[k].ratio - cut : 0;
    num += (__int128)(z - a) * ratio;
    *shown = ratio;
  }
  return money_div_round(num, MONEY_BP_ONE);
}

/* ---------- the basic pooled-fund layer ---------- */

static const policy_pool *pick_pool(run *r, const policy_benefit *bn) {
  if (bn->n_diseases == 0 && !bn->needs_disease) return &bn->pool;
  const char *code = r->v->dise_codg;
  if (!code[0]) {
    yb_fail(r->e, YB_EMISSING, "visit.dise_codg", "required for %s visits", bn->category);
    return NULL;
  }
  bool registered = false;
  for (int i = 0; i < r->psn->n_dise; i++)
    if (strcmp(r->psn->dise[i], code) == 0) registered = true;
  if (bn->needs_disease && !registered) {
    yb_fail(r->e, YB_EPOLICY, "visit.dise_codg", "person %s is not registered for disease %s",
            r->psn->psn_no, code);
    return NULL;
  }
  for (int i = 0; i < bn->n_diseases; i++)
    if (strcmp(bn->diseases[i].code, code) == 0) return &bn->diseases[i].pool;
  if (bn->n_diseases) {
    yb_fail(r->e, YB_EUNKNOWN_CODE, "visit.dise_codg", "%s is not a disease listed for %s", code, bn->category);
    return NULL;
  }
  return &bn->pool;
}

static int pool_layer(run *r, const policy_pool *pl) {
  benefit_result *o = r->out;
  burden *b = &r->b;
  const policy_row *row;
  /* cross-region first self-pay moves part of the in-scope amount to self-pay-first */
  if (pl->first_selfpay.n && (row = policy_match(&pl->first_selfpay, &r->ctx)) && row->share) {
    int64_t fs = money_mul_bp(b->inscp, row->share);
    b->inscp -= fs;
    b->pre += fs;
    trace(r, STEP_FIRST_SELF, 0, row->path, NULL, b->inscp + fs, row->share, fs, 0);
  }
  int64_t scope = b->inscp;
  int64_t due, full;
  const char *rule;
  if (deductible(r, &pl->deductible, scope, &due, &full, &rule) != 0) return r->e->code;
  int64_t ded = money_min(due, scope);
  o->act_pay_dedc = ded;
  if (pl->deductible.per == DEDUCT_PER_YEAR && delta(r, pl->deductible.bucket, 0, ded)) return r->e->code;
  trace(r, STEP_DEDUCTIBLE, 0, rule, NULL, scope, 0, ded, full);

  int64_t eligible = scope - ded, room, limit;
  const char *cap_rule;
  if (cap_room(r, &pl->cap, 0, &room, &limit, &cap_rule) != 0) return r->e->code;
  int64_t enter = eligible;
  if (pl->cap.kind == CAP_EXPENSE && enter > room) {
    enter = room;
    trace(r, STEP_POOL_CAP, PAYER_HIFP, cap_rule, NULL, eligible, 0, enter, limit);
  }
  const policy_row *rr = need(r, &pl->ratio, "ratio");
  if (!rr) return r->e->code;
  const policy_row *cut = pl->ratio_cut.n ? policy_match(&pl->ratio_cut, &r->ctx) : NULL;
  int32_t shown;
  int64_t start = accum_get(r->acc, pl->band_bucket, 0) + ded;
  int64_t pay = ratio_pay(rr, cut ? cut->share : 0, start, enter, &shown);
  o->pool_prop_selfpay = shown;
  trace(r, rr->n_bands ? STEP_BAND : STEP_POOL, PAYER_HIFP, rr->path, NULL, enter, shown, pay, 0);
  if (pl->copay.n && (row = policy_match(&pl->copay, &r->ctx)) && row->amount) {
    int64_t c = money_min(row->amount, pay);
    pay -= c;
    trace(r, STEP_COPAY, 0, row->path, NULL, pay + c, 0, c, row->amount);
  }
  int64_t overflow = eligible - enter;
  if (pl->cap.kind == CAP_PAYMENT && pay > room) {
    /* the expense the capped payment no longer covers overflows to the next layer */
    int64_t covered = shown ? money_div_round((__int128)room * MONEY_BP_ONE, shown) : enter;
    overflow += money_clamp0(enter - covered);
    trace(r, STEP_POOL_CAP, PAYER_HIFP, cap_rule, NULL, pay, shown, room, limit);
    pay = room;
  }
  if (delta(r, pl->cap.bucket, cap_period(&pl->cap, r->v), pl->cap.kind == CAP_PAYMENT ? pay : enter) ||
      delta(r, pl->band_bucket, 0, scope))
    return r->e->code;
  draw(b, BURDEN_INSCP, pay);
  b->overflow = overflow; /* set after the pool's own draw: the overflow is what it left */
  o->pay[PAYER_HIFP] += pay;
  add_detail(r, r->s->fund_pay_type, r->s->fund_pay_type_name, o->inscp_scp_amt, enter, pay);
  return 0;
}

/* ---------- supplement layers ---------- */

static int layer_ratio(run *r, const policy_layer *l, int64_t avail, int64_t *pay) {
  int64_t due, full;
  const char *rule;
  if (deductible(r, &l->deductible, avail, &due, &full, &rule) != 0) return r->e->code;
  int64_t ded = money_min(due, avail);
  if (l->deductible.rows.n) {
    if (l->deductible.per == DEDUCT_PER_YEAR && delta(r, l->deductible.bucket, 0, ded)) return r->e->code;
    trace(r, STEP_LAYER_DED, l->payer, rule, l, avail, 0, ded, full);
  }
  int64_t base = avail - ded, room, limit;
  const char *cap_rule;
  if (cap_room(r, &l->cap, 0, &room, &limit, &cap_rule) != 0) return r->e->code;
  int64_t enter = base;
  if (l->cap.kind == CAP_EXPENSE) enter = money_min(base, room);
  const policy_row *rr = need(r, &l->ratio, "ratio");
  if (!rr) return r->e->code;
  int32_t shown;
  int64_t p = ratio_pay(rr, 0, 0, enter, &shown);
  trace(r, STEP_LAYER, l->payer, rr->path, l, enter, shown, p, 0);
  if (l->cap.kind == CAP_PAYMENT && p > room) {
    trace(r, STEP_LAYER_CAP, l->payer, cap_rule, l, p, shown, room, limit);
    p = room;
  }
  if (delta(r, l->cap.bucket, cap_period(&l->cap, r->v), l->cap.kind == CAP_PAYMENT ? p : enter))
    return r->e->code;
  *pay = p;
  return 0;
}

/* Entitlement on a base B: the excess over the threshold paid by bands. */
static int64_t banded_due(const policy_layer *l, const policy_row *row, int64_t B) {
  int64_t T = row->amount;
  if (B <= T) return 0;
  int64_t off = l->band_on_total ? 0 : T; /* band `from` measured from 0 (total) or from T */
  int64_t lo_axis = T - off, hi_axis = B - off;
  if (l->band_whole) {
    int32_t ratio = row->bands[0].ratio;
    for (int k = 0; k < row->n_bands; k++)
      if (row->bands[k].from <= hi_axis) ratio = row->bands[k].ratio;
    return money_mul_bp(B - T, ratio);
  }
  __int128 num = 0;
  for (int k = 0; k < row->n_bands; k++) {
    int64_t a = money_max(row->bands[k].from, lo_axis);
    int64_t z = money_min(k + 1 < row->n_bands ? row->bands[k + 1].from : NO_LIMIT, hi_axis);
    if (z > a) num += (__int128)(z - a) * row->bands[k].ratio;
  }
  return money_div_round(num, MONEY_BP_ONE);
}

static int layer_banded(run *r, const policy_layer *l, int64_t avail, int64_t *pay) {
  const burden *b = &r->b;
  int64_t contrib = 0;
  if (l->base & BURDEN_INSCP) {
    /* what is left of the in-scope burden still holds the deductible unless a layer paid it */
    int64_t in = b->inscp;
    if (!l->base_deductible) in -= money_min(in, r->out->act_pay_dedc);
    contrib += in;
  }
  if (l->base & BURDEN_PRE) contrib += b->pre;
  if (l->base & BURDEN_OUT) contrib += b->out;
  const policy_row *row = need(r, &l->banded, "threshold");
  if (!row) return r->e->code;
  int64_t room, limit, raise = 0;
  const char *cap_rule;
  if (l->incentive_ceiling && l->cap.rows.n) {
    const policy_row *cr = policy_match(&l->cap.rows, &r->ctx);
    if (cr && !cr->no_cap) raise = money_min(r->psn->ci_cap_raise, money_mul_bp(cr->amount, l->incentive_ceiling));
  }
  if (cap_room(r, &l->cap, raise, &room, &limit, &cap_rule) != 0) return r->e->code;
  int64_t before = l->per_visit ? 0 : accum_get(r->acc, l->base_bucket, 0);
  int64_t after = before + contrib;
  /* this visit pays the growth of the entitlement: over a year the payments telescope
   * to F(year's base) exactly, whatever the order of visits */
  int64_t p = money_clamp0(banded_due(l, row, after) - banded_due(l, row, before));
  int32_t shown = row->bands[0].ratio;
  for (int k = 0; k < row->n_bands; k++)
    if (row->bands[k].from <= (l->band_on_total ? after : after - row->amount)) shown = row->bands[k].ratio;
  trace(r, STEP_LAYER, l->payer, row->path, l, after, shown, p, row->amount);
  if (p > room) {
    trace(r, STEP_LAYER_CAP, l->payer, cap_rule, l, p, shown, room, limit);
    p = room;
  }
  p = money_min(p, avail);
  if ((!l->per_visit && delta(r, l->base_bucket, 0, contrib)) || delta(r, l->cap.bucket, 0, p))
    return r->e->code;
  *pay = p;
  return 0;
}

static int layer_acct(run *r, const policy_layer *l, int64_t avail) {
  benefit_result *o = r->out;
  if (!r->v->acct_used) return 0;
  /* the excluded lines' share of what the person still owes: their out-of-scope parts
   * whole, their in-scope part in proportion to the in-scope burden still unpaid */
  int64_t tot = r->out->inscp_scp_amt;
  int64_t barred = r->excl_out + (tot ? money_div_round((__int128)r->excl_inscp * r->b.inscp, tot) : 0);
  int64_t payable = avail - money_min(avail, barred);
  int64_t own = money_min(payable, money_clamp0(r->psn->acct_balc));
  if (own) {
    trace(r, STEP_ACCT, PAYER_ACCT, NULL, l, payable, 0, own, r->psn->acct_balc);
    draw(&r->b, l->covers, own);
    o->pay[PAYER_ACCT] += own;
  }
  if (l->family) {
    int64_t fam = money_min(payable - own, money_clamp0(r->psn->family_balc));
    if (fam) {
      trace(r, STEP_FAMILY, PAYER_ACCT_MULAID, NULL, l, payable - own, 0, fam, r->psn->family_balc);
      draw(&r->b, l->covers, fam);
      o->pay[PAYER_ACCT_MULAID] += fam;
    }
  }
  return 0;
}

static int supplement(run *r, const policy_layer *l, bool waiting) {
  if (l->kind != LAYER_ACCT && waiting) return 0;
  if (!policy_when_holds(&l->applies, &r->ctx)) {
    trace(r, STEP_LAYER_SKIP, l->payer, l->path, l, 0, 0, 0, 0);
    return 0;
  }
  int64_t avail = available(&r->b, l->covers), pay = 0;
  switch (l->kind) {
    case LAYER_ACCT: return layer_acct(r, l, avail);
    case LAYER_RATIO:
      if (layer_ratio(r, l, avail, &pay) != 0) return r->e->code;
      break;
    case LAYER_BANDED:
      if (layer_banded(r, l, avail, &pay) != 0) return r->e->code;
      break;
  }
  pay = money_min(pay, avail);
  draw(&r->b, l->covers, pay);
  r->out->pay[l->payer] += pay;
  if (pay)
    add_detail(r, l->fund_pay_type, l->fund_pay_type_name, r->out->inscp_scp_amt, avail, pay);
  return 0;
}

/* ---------- the visit ---------- */

static int setup(run *r, const policy_benefit **bn_out) {
  const policy *p = r->p;
  const benefit_person *psn = r->psn;
  const benefit_visit *v = r->v;
  if (!psn->psn_no[0]) return yb_fail(r->e, YB_EMISSING, "person.psn_no", "required");
  if (!(r->s = policy_scheme_find(p, v->insutype)))
    return yb_fail(r->e, YB_EUNKNOWN_CODE, "visit.insutype", "insutype %s has no scheme in policy %s %d",
                   v->insutype, p->region, p->year);
  int cat = policy_category_of(p, v->med_type);
  if (cat < 0) return yb_fail(r->e, YB_EUNKNOWN_CODE, "visit.med_type", "unknown med_type %s", v->med_type);
  const policy_benefit *bn = policy_benefit_find(r->s, cat);
  if (!bn)
    return yb_fail(r->e, YB_EUNKNOWN_CODE, "visit.med_type", "med_type %s (%s) is not covered by insutype %s",
                   v->med_type, p->categories[cat], v->insutype);
  int cls = policy_class_of(p, psn->psn_type);
  if (cls < 0) return yb_fail(r->e, YB_EUNKNOWN_CODE, "person.psn_type", "unknown psn_type %s", psn->psn_type);
  if (v->hosp_lv > 3) return yb_fail(r->e, YB_ERANGE, "visit.hosp_lv", "must be 0–3");
  if (v->area >= AREA_COUNT) return yb_fail(r->e, YB_ERANGE, "visit.area", "unknown area");
  if (v->date / 10000 != p->year)
    return yb_fail(r->e, YB_EPOLICY, "visit.date", "date %d is outside policy year %d", v->date, p->year);
  if (psn->brdy <= 0 || psn->brdy > v->date)
    return yb_fail(r->e, YB_EINVAL, "person.brdy", "birth date missing or after the visit");
  const char *idet[BENEFIT_MAX_IDET];
  for (int i = 0; i < psn->n_idet; i++) idet[i] = psn->idet[i];
  bool special = false;
  r->out->category = cat;
  r->ctx = (struct policy_ctx){
      .psn_class_bit = 1u << cls, .groups = policy_groups_of(p, idet, psn->n_idet, &special),
      .hosp_lv = v->hosp_lv, .area = v->area, .xprov = v->xprov, .cvlserv = psn->cvlserv_flag,
      .nth = 0, .age = benefit_age(psn->brdy, v->date), .n_dise = psn->n_dise, .dise = psn->dise};
  if (bn->admission) {
    r->ctx.nth = (int)accum_get(r->acc, 0, 0) + 1;
    r->out->nth = r->ctx.nth;
  }
  memcpy(r->out->clr_type, bn->admission ? "21" : strcmp(bn->category, "pharmacy") == 0 ? "41" : "11", 3);
  *bn_out = bn;
  return 0;
}

int benefit_settle(const policy *p, const benefit_person *psn, const accum *acc,
                   const benefit_visit *v, const benefit_line *lines, int n,
                   benefit_line_out *line_out, benefit_result *out, yb_err *e) {
  yb_err scratch;
  if (!e) e = &scratch;
  /* the header only: detail, trace and delta entries are written before they are counted */
  memset(out, 0, offsetof(benefit_result, detail));
  out->delta.n = 0;
  if (n < 0 || n > BENEFIT_MAX_LINES)
    return yb_fail(e, YB_ERANGE, "feedetail", "a settlement takes 0 to %d lines", BENEFIT_MAX_LINES);
  run r = {.p = p, .psn = psn, .v = v, .acc = acc, .out = out, .e = e};
  const policy_benefit *bn = NULL;
  if (setup(&r, &bn) != 0 || split_lines(&r, bn, lines, n, line_out) != 0) goto fail;
  if (bn->admission && delta(&r, 0, 0, 1)) goto fail;

  out->waiting = psn->wait_until && v->date < psn->wait_until;
  if (out->waiting) {
    trace(&r, STEP_WAITING, 0, NULL, NULL, out->inscp_scp_amt, 0, 0, psn->wait_until);
  } else {
    const policy_pool *pl = pick_pool(&r, bn);
    if (!pl) goto fail;
    if (pl->ratio.n) {
      if (pool_layer(&r, pl) != 0) goto fail;
    } else {
      trace(&r, STEP_NO_POOL, 0, bn->path, NULL, out->inscp_scp_amt, 0, 0, 0);
    }
  }
  for (int i = 0; i < bn->n_then; i++)
    if (supplement(&r, &r.s->layers[bn->then[i]], out->waiting) != 0) goto fail;

  for (int k = PAYER_HIFP; k <= PAYER_OTH; k++) out->fund_pay_sumamt += out->pay[k];
  out->hosp_part_amt = 0;
  out->psn_part_amt = out->medfee_sumamt - out->fund_pay_sumamt - out->hosp_part_amt;
  out->psn_cash_pay = out->psn_part_amt - out->pay[PAYER_ACCT] - out->pay[PAYER_ACCT_MULAID];
  out->balc = psn->acct_balc - out->pay[PAYER_ACCT];
  assert(out->psn_cash_pay == r.b.inscp + r.b.pre + r.b.out);
  assert(out->psn_cash_pay >= 0);
  trace(&r, STEP_CASH, 0, NULL, NULL, out->psn_part_amt, 0, out->psn_cash_pay, 0);
  return 0;
fail:
  {
    int code = e->code ? e->code : YB_EINVAL;
    memset(out, 0, sizeof *out);
    return code;
  }
}

/* ---------- explanation text ---------- */

static const struct {
  const char *key, *zh;
} step_names[] = {
#define BENEFIT_STEP_ROW(name, key, zh) {key, zh},
    BENEFIT_STEPS(BENEFIT_STEP_ROW)
#undef BENEFIT_STEP_ROW
};

static const char *payer_fields[PAYER_COUNT] = {
    "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "acct_pay",
    "acct_mulaid_pay"};

const char *benefit_payer_field(int payer) {
  return payer >= 0 && payer < PAYER_COUNT ? payer_fields[payer] : "";
}

const char *benefit_step_key(const benefit_step *s) {
  return s->kind < STEP_COUNT ? step_names[s->kind].key : "";
}

static const char *line_reasons[LINE_REASON_COUNT] = {
    "", "丙类或目录外项目，全自费", "限性别使用，性别不符", "限年龄使用，年龄不符", "限医疗机构等级使用",
    "限住院或门诊使用，就医类型不符", "限制使用项目未经审批", "限适应症使用，诊断不符"};

const char *benefit_line_reason_text(int reason) {
  return reason >= 0 && reason < LINE_REASON_COUNT ? line_reasons[reason] : "";
}

void benefit_step_text(const benefit_step *s, char *buf, int n) {
  char a[32], b[32], c[32], d[32];
  const char *who = s->layer_zh && s->layer_zh[0] ? s->layer_zh : (s->layer ? s->layer : "");
  size_t sz = n > 0 ? (size_t)n : 0;
  money_fen_str(s->base, a);
  money_fen_str(s->amount, b);
  money_fen_str(s->limit, c);
  money_bp_str(s->ratio, d);
  switch (s->kind) {
    case STEP_SPLIT: snprintf(buf, sz, "医疗费总额 %s 元，其中政策范围内 %s 元", a, b); break;
    case STEP_FIRST_SELF: snprintf(buf, sz, "异地就医先行自付：%s 元 × %s = %s 元", a, d, b); break;
    case STEP_DEDUCTIBLE:
      snprintf(buf, sz, "起付线 %s 元，本次实际支付起付线 %s 元（个人负担）", c, b);
      break;
    case STEP_POOL: snprintf(buf, sz, "统筹基金支付：%s 元 × %s = %s 元", a, d, b); break;
    case STEP_BAND: snprintf(buf, sz, "统筹基金分段支付：%s 元分段计算，支付 %s 元（最高段比例 %s）", a, b, d); break;
    case STEP_POOL_CAP: snprintf(buf, sz, "统筹基金最高支付限额 %s 元，本次按限额支付 %s 元", c, b); break;
    case STEP_COPAY: snprintf(buf, sz, "每次定额自付 %s 元", b); break;
    case STEP_LAYER:
      if (s->limit && s->base <= s->limit)
        snprintf(buf, sz, "%s：累计基数 %s 元未超过起付标准 %s 元，本次不支付", who, a, c);
      else if (s->limit)
        snprintf(buf, sz, "%s：累计基数 %s 元超过起付标准 %s 元，按比例 %s 支付 %s 元", who, a, c, d, b);
      else
        snprintf(buf, sz, "%s：%s 元 × %s = %s 元", who, a, d, b);
      break;
    case STEP_LAYER_DED: snprintf(buf, sz, "%s起付线 %s 元，本次计入 %s 元", who, c, b); break;
    case STEP_LAYER_CAP: snprintf(buf, sz, "%s年度限额 %s 元，本次按限额支付 %s 元", who, c, b); break;
    case STEP_LAYER_SKIP: snprintf(buf, sz, "%s：参保人不符合条件，不适用", who); break;
    case STEP_ACCT: snprintf(buf, sz, "个人账户支付 %s 元（支付前余额 %s 元）", b, c); break;
    case STEP_FAMILY: snprintf(buf, sz, "家庭共济账户支付 %s 元", b); break;
    case STEP_WAITING:
      snprintf(buf, sz, "待遇等待期内（%lld 起享受待遇），基金不予支付", (long long)s->limit);
      break;
    case STEP_NO_POOL: snprintf(buf, sz, "该医疗类别无统筹基金支付"); break;
    case STEP_CASH: snprintf(buf, sz, "个人负担 %s 元，其中现金支付 %s 元", a, b); break;
    default: snprintf(buf, sz, "%s", ""); break;
  }
}
