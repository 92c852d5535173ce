/* enroll_ops.c — the write operations of the enrollment side (enroll_ops.h): persons and their
 * history, enrollment with the contribution split, paybacks, refunds, transfers, employee
 * contributions and account allocation, family sharing, filings, recomputation. Each checks its
 * input before its first write where it can; every one runs inside one store_write transaction,
 * whose rollback on a non-zero return undoes the rest. The rules are in enroll.c and account.c. */
#include "enroll_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "jsonx.h"
#include "money.h"
#include "store_enroll.h"

#define S(k, req, buf) jsonx_get_str(in, "", k, req, buf, sizeof buf, e)

const char *enroll__date_str(int32_t d, char *b) { return d ? jsonx_date_str(d, b) : strcpy(b, ""); }

/* A yyyy-MM-dd input into yyyymmdd (and its normalized text); 0 when absent and not required. */
int enroll__get_date(json_t *in, const char *key, int required, int32_t *d, char *text, yb_err *e) {
  int32_t v = 0;
  int rc = jsonx_get_date(in, "", key, required, &v, NULL, e);
  if (rc) return rc;
  *d = v;
  if (text) enroll__date_str(v, text);
  return 0;
}

int enroll__get_year(json_t *in, const char *key, int *year, yb_err *e) {
  int64_t y = 0;
  int rc = jsonx_get_int(in, "", key, true, &y, e);
  if (rc) return rc;
  if (y < 2000 || y > 2199) return yb_fail(e, YB_ERANGE, key, "year %lld is out of range", (long long)y);
  *year = (int)y;
  return 0;
}

int enroll__person(store_conn *c, const char *psn_no, const char *field, store_person *p, yb_err *e) {
  int rc = store_person_get(c, psn_no, p, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, field, "no person %s in the registry (一人一档)", psn_no);
  return rc;
}

int32_t enroll__dnum(const char *s) {
  int32_t d = 0;
  return s && *s && !jsonx_parse_date(s, &d, NULL) ? d : 0;
}

bool enroll__dead_by(const store_person *p, int32_t date) {
  int32_t d = enroll__dnum(p->death_date);
  return d && d <= date;
}

static int logf_(const enroll_env *env, store_conn *c, const char *psn_no, const char *action, json_t *detail,
                 yb_err *e) {
  char *t = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
  int rc = store_enr_log(c, env->who ? env->who : "", psn_no, action, t ? t : "{}", e);
  free(t);
  return rc;
}

int enroll__log(const enroll_env *env, store_conn *c, const char *psn_no, const char *action, json_t *in,
                  yb_err *e) {
  return logf_(env, c, psn_no, action, in, e);
}

/* ---- shared helpers -------------------------------------------------------------------------- */

const policy *enroll_policy_near(const enroll_env *env, const char *region, int year) {
  for (int y = year; y > year - 10; y--) {
    const policy *p = env->policy_for(env->ctx, region, y);
    if (p && p->enrollment) return p;
  }
  for (int y = year + 1; y <= year + 10; y++) { /* a region whose first policy year is later */
    const policy *p = env->policy_for(env->ctx, region, y);
    if (p && p->enrollment) return p;
  }
  return NULL;
}

int32_t enroll_today(const enroll_env *env) { return enroll__dnum(env->today); }

typedef struct idet_ctx {
  const policy *p;
  int32_t date;
  const char *codes[16];
  int n;
  char store[16][8];
} idet_ctx;

static int idet_add(const store_idet *d, void *arg) {
  idet_ctx *x = arg;
  int32_t b = enroll__dnum(d->begntime), en = enroll__dnum(d->endtime);
  if ((b && b > x->date) || (en && en < x->date) || x->n >= 16) return 0;
  snprintf(x->store[x->n], sizeof x->store[0], "%s", d->psn_idet_type);
  x->codes[x->n] = x->store[x->n];
  x->n++;
  return 0;
}

uint32_t enroll_groups_on(store_conn *c, const policy *p, const char *psn_no, const char *psn_type,
                          int32_t date, char *exempt, size_t cap, yb_err *e) {
  idet_ctx x = {.p = p, .date = date};
  if (exempt) exempt[0] = 0;
  if (store_idet_each(c, psn_no, idet_add, &x, e) < 0) return 0;
  uint32_t g = policy_groups_of(p, x.codes, x.n, NULL);
  for (int i = 0; exempt && !exempt[0] && i < p->n_psn_types; i++)
    if (psn_type && !strcmp(p->psn_types[i].code, psn_type) && p->psn_types[i].exempt_wait && p->psn_types[i].id >= 0)
      snprintf(exempt, cap, "%s", p->classes[p->psn_types[i].id]);
  for (int k = 0; exempt && !exempt[0] && k < x.n; k++)
    for (int i = 0; i < p->n_idet_types; i++)
      if (!strcmp(p->idet_types[i].code, x.codes[k]) && p->idet_types[i].exempt_wait && p->idet_types[i].id >= 0)
        snprintf(exempt, cap, "%s", p->groups[p->idet_types[i].id]);
  return g;
}

typedef struct hist_ctx {
  const enroll_policy *ep;
  enroll_hist h;
  int skip_year;
} hist_ctx;

static int hist_year(const store_enroll *r, void *arg) {
  hist_ctx *x = arg;
  bool counted = !x->ep->n_counted || enroll_scheme_in(x->ep->counted, x->ep->n_counted, r->insutype);
  if (!counted || r->year == x->skip_year || !strcmp(r->psn_insu_stas, "4")) return 0;
  /* the months the row covers: from its start (or January) to its pause (or December) */
  int32_t b = enroll__dnum(r->psn_insu_date), p = enroll__dnum(r->paus_insu_date);
  int from = b / 10000 == r->year ? b / 100 % 100 : 1;
  int to = p / 10000 == r->year ? p / 100 % 100 : 12;
  enroll_hist_cover(&x->h, r->year, from, to);
  return 0;
}
static int hist_paid_back(int year, void *arg) {
  hist_ctx *x = arg;
  enroll_year *y = enroll_hist_at(&x->h, year);
  if (y && !y->covered) y->paid_back = true;
  return 0;
}
static int hist_fund(int year, int64_t fund, void *arg) {
  hist_ctx *x = arg;
  enroll_year *y = enroll_hist_get(&x->h, year) ? enroll_hist_at(&x->h, year) : NULL;
  if (y) y->fund_paid = fund;
  return 0;
}

typedef struct accum_ctx {
  const char *bucket;
  int64_t v;
} accum_ctx;
static int accum_pick(const char *bucket, int period, int64_t value, void *arg) {
  accum_ctx *a = arg;
  if (period == 0 && !strcmp(bucket, a->bucket)) a->v += value;
  return 0;
}

/* The incentive layer's cap bucket name in policy p, or NULL. */
static const char *inc_bucket(const policy *p, const char *insutype) {
  const policy_scheme *s = policy_scheme_find(p, insutype);
  for (int i = 0; s && i < s->n_layers; i++)
    if (!strcmp(s->layers[i].name, p->enrollment->inc_layer) && s->layers[i].cap.bucket >= 0)
      return p->buckets[s->layers[i].cap.bucket];
  return NULL;
}

int enroll_compute(const enroll_env *env, store_conn *c, const store_enroll *en, enroll_wait_out *wait,
                   enroll_incentive_out *inc, yb_err *e) {
  store_person p;
  int rc = enroll__person(c, en->psn_no, "psn_no", &p, e);
  if (rc) return rc;
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, en->year);
  if (!pol) return yb_fail(e, YB_EPOLICY, "year", "no policy with an enrollment section for region %s near %d",
                           p.insuplc_admdvs, en->year);
  const enroll_policy *ep = pol->enrollment;
  hist_ctx x = {.ep = ep, .skip_year = en->year};
  if ((rc = store_enr_years_each(c, en->psn_no, hist_year, &x, e)) < 0) return rc;
  enroll_hist_finish(ep, &x.h);
  if ((rc = store_enr_paid_back_each(c, en->psn_no, hist_paid_back, &x, e)) < 0 ||
      (rc = store_enr_fund_each(c, en->psn_no, hist_fund, &x, e)) < 0)
    return rc;
  char paid[12] = "";
  if ((rc = store_enr_paid_date(c, en->psn_no, en->year, en->insutype, paid, sizeof paid, e))) return rc;
  /* no contribution on record (histories loaded in bulk): taken as paid in the concentrated
   * period, or on the coverage date when there is none */
  int32_t pay = enroll__dnum(paid);
  if (!pay) pay = ep->has_period ? (en->year - 1) * 10000 + ep->from_md : enroll__dnum(en->psn_insu_date);
  if (!pay) pay = en->year * 10000 + 101;
  char exempt[32];
  uint32_t groups = enroll_groups_on(c, pol, en->psn_no, en->psn_type, pay, exempt, sizeof exempt, e);
  if (wait) enroll_wait(ep, en->insutype, en->year, pay, &x.h, exempt, wait);
  if (!inc) return 0;
  int cls = policy_class_of(pol, en->psn_type);
  int64_t cap = enroll_original_cap(pol, ep, en->insutype, cls, groups);
  /* a year whose critical-illness payments went past the original cap used the raise */
  for (int i = 0; i < x.h.n; i++) {
    enroll_year *y = &x.h.y[i];
    if (!y->covered || y->fund_paid <= 0 || y->year >= en->year) continue;
    const policy *py = enroll_policy_near(env, p.insuplc_admdvs, y->year);
    const char *b = py ? inc_bucket(py, en->insutype) : NULL;
    if (!b) continue;
    accum_ctx a = {.bucket = b};
    if ((rc = store_accum_each(c, en->psn_no, y->year, accum_pick, &a, e)) < 0) return rc;
    int64_t ycap = enroll_original_cap(py, py->enrollment, en->insutype, cls, groups);
    y->raise_used = ycap > 0 && a.v > ycap;
  }
  enroll_incentive(ep, en->insutype, en->year, &x.h, cap, inc);
  return 0;
}

int enroll_recompute(const enroll_env *env, store_conn *c, const char *psn_no, int year,
                     const char *insutype, enroll_wait_out *wait, enroll_incentive_out *inc, yb_err *e) {
  store_enroll en;
  enroll_wait_out w;
  enroll_incentive_out o;
  int rc = store_enroll_get(c, psn_no, year, insutype, &en, e);
  if (rc == YB_ENOT_FOUND)
    return yb_fail(e, rc, "year", "%s is not enrolled in %s for %d", psn_no, insutype, year);
  if (rc || (rc = enroll_compute(env, c, &en, &w, &o, e))) return rc;
  char d[12];
  store_enroll old = en;
  snprintf(en.wait_until, sizeof en.wait_until, "%s", enroll__date_str(w.until, d));
  snprintf(en.wait_reason, sizeof en.wait_reason, "%s", w.until ? w.reason : "");
  en.ci_cap_raise = o.raise;
  bool same = !strcmp(old.wait_until, en.wait_until) && !strcmp(old.wait_reason, en.wait_reason) &&
              old.ci_cap_raise == en.ci_cap_raise;
  if (!same && (rc = store_enroll_put(c, &en, e))) return rc;
  if (wait) *wait = w;
  if (inc) *inc = o;
  return 0;
}

static const char *const wait_kinds[] = {"none", "fixed", "variable", "repaired", "floor", "exempt"};

json_t *enroll_wait_json(const enroll_wait_out *w) {
  char a[12], b[12];
  return json_pack("{s:s,s:b,s:i,s:i,s:i,s:i,s:i,s:b,s:s,s:s,s:s,s:s}", "kind", wait_kinds[w->kind], "late",
                   w->late, "broken_years", w->broken_years, "repaired_years", w->repaired_years,
                   "fixed_months", w->fixed_months, "variable_months", w->variable_months, "months", w->months,
                   "floor_applied", w->floor_applied, "start", enroll__date_str(w->start, a), "wait_until",
                   enroll__date_str(w->until, b), "reason", w->reason, "why", w->why);
}

json_t *enroll_incentive_json(const enroll_incentive_out *o) {
  json_t *j = json_pack("{s:i,s:i,s:b,s:s}", "continuous_years", o->continuous_years, "zero_claim_years",
                        o->zero_claim_years, "capped", o->capped, "why", o->why);
  json_object_set_new(j, "continuity", jsonx_money(o->continuity));
  json_object_set_new(j, "zero_claim", jsonx_money(o->zero_claim));
  json_object_set_new(j, "original_cap", jsonx_money(o->original_cap));
  json_object_set_new(j, "ceiling", jsonx_money(o->ceiling));
  json_object_set_new(j, "ci_cap_raise", jsonx_money(o->raise));
  return j;
}

/* ---- persons ----------------------------------------------------------------------------------- */

static int check_certno(const char *certno, const char *brdy, yb_err *e) {
  size_t n = strlen(certno);
  if (n != 18) return yb_fail(e, YB_EINVAL, "certno", "an ID number has 18 characters, not %zu", n);
  for (size_t i = 0; i < 18; i++)
    if (!((certno[i] >= '0' && certno[i] <= '9') || (i == 17 && (certno[i] == 'X' || certno[i] == 'x'))))
      return yb_fail(e, YB_EINVAL, "certno", "character %zu of the ID number is not a digit", i + 1);
  char b[9];
  snprintf(b, sizeof b, "%.4s%.2s%.2s", brdy, brdy + 5, brdy + 8);
  if (strncmp(certno + 6, b, 8))
    return yb_fail(e, YB_EMISMATCH, "brdy", "birth date %s does not match the ID number's %.8s", brdy, certno + 6);
  return 0;
}

static int op_person_create(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  store_person p;
  memset(&p, 0, sizeof p);
  char address[128] = "", hh_no[32] = "", relation[16] = "";
  int32_t brdy;
  int rc;
  if ((rc = S("psn_no", false, p.psn_no)) || (rc = S("certno", true, p.certno)) ||
      (rc = S("psn_name", true, p.psn_name)) || (rc = S("gend", true, p.gend)) ||
      (rc = enroll__get_date(in, "brdy", 1, &brdy, p.brdy, e)) || (rc = S("naty", false, p.naty)) ||
      (rc = S("insuplc_admdvs", false, p.insuplc_admdvs)) || (rc = S("emp_name", false, p.emp_name)) ||
      (rc = S("address", false, address)) || (rc = S("hh_no", false, hh_no)) ||
      (rc = S("relation", false, relation)) || (rc = S("psn_cert_type", false, p.psn_cert_type)))
    return rc;
  if (strcmp(p.gend, "1") && strcmp(p.gend, "2")) return yb_fail(e, YB_EINVAL, "gend", "must be 1 (male) or 2 (female)");
  if (brdy > enroll_today(env)) return yb_fail(e, YB_EINVAL, "brdy", "birth date %s is in the future", p.brdy);
  if ((rc = check_certno(p.certno, p.brdy, e))) return rc;
  if (!p.psn_cert_type[0]) strcpy(p.psn_cert_type, "01");
  if (!p.insuplc_admdvs[0]) snprintf(p.insuplc_admdvs, sizeof p.insuplc_admdvs, "%s", env->region);
  if (strlen(p.insuplc_admdvs) != 6) return yb_fail(e, YB_EINVAL, "insuplc_admdvs", "must be a 6-digit region code");
  strcpy(p.cvlserv_flag, "0");
  store_person old;
  rc = store_person_find(c, "02", p.certno, &old, e);
  if (rc == 0) return yb_fail(e, YB_ECONFLICT, "certno", "ID number already registered as %s", old.psn_no);
  if (rc != YB_ENOT_FOUND) return rc;
  if (p.psn_no[0]) {
    if ((rc = store_person_get(c, p.psn_no, &old, e)) == 0)
      return yb_fail(e, YB_ECONFLICT, "psn_no", "%s is already registered", p.psn_no);
    if (rc != YB_ENOT_FOUND) return rc;
  } else {
    int64_t n;
    if ((rc = store_seq_next(c, "enroll_psn_no", &n, e))) return rc;
    snprintf(p.psn_no, sizeof p.psn_no, "%s9%013lld", p.insuplc_admdvs, (long long)n);
  }
  if ((rc = store_person_put(c, &p, e))) return rc;
  if (address[0] && (rc = store_enr_hist_add(c, p.psn_no, "address", address, env->today, e))) return rc;
  if (hh_no[0] && (rc = store_enr_household_put(c, hh_no, p.psn_no, relation[0] ? relation : "member", e))) return rc;
  if ((rc = enroll__log(env, c, p.psn_no, "person.create", in, e))) return rc;
  *out = json_pack("{s:s,s:s,s:s}", "psn_no", p.psn_no, "psn_name", p.psn_name, "certno", p.certno);
  return 0;
}

static int op_person_update(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], address[128] = "", name[64] = "", emp[128] = "";
  store_person p;
  int rc;
  if ((rc = S("psn_no", true, psn_no)) || (rc = S("address", false, address)) || (rc = S("psn_name", false, name)) ||
      (rc = S("emp_name", false, emp)) || (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  if (!address[0] && !name[0] && !emp[0])
    return yb_fail(e, YB_EMISSING, "address", "nothing to change: give address, psn_name or emp_name");
  if (name[0]) snprintf(p.psn_name, sizeof p.psn_name, "%s", name);
  if (emp[0]) snprintf(p.emp_name, sizeof p.emp_name, "%s", emp);
  if ((rc = store_person_put(c, &p, e)) ||
      (address[0] && (rc = store_enr_hist_add(c, psn_no, "address", address, env->today, e))) ||
      (name[0] && (rc = store_enr_hist_add(c, psn_no, "name", name, env->today, e))) ||
      (emp[0] && (rc = store_enr_hist_add(c, psn_no, "employer", emp, env->today, e))) ||
      (rc = enroll__log(env, c, psn_no, "person.update", in, e)))
    return rc;
  *out = json_pack("{s:s}", "psn_no", psn_no);
  return 0;
}

static int op_person_category(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  store_idet d;
  store_person p;
  memset(&d, 0, sizeof d);
  int32_t b, en = 0;
  int rc;
  if ((rc = S("psn_no", true, d.psn_no)) || (rc = S("psn_idet_type", true, d.psn_idet_type)) ||
      (rc = enroll__get_date(in, "begndate", 1, &b, d.begntime, e)) || (rc = enroll__get_date(in, "enddate", 0, &en, d.endtime, e)) ||
      (rc = S("memo", false, d.memo)) || (rc = enroll__person(c, d.psn_no, "psn_no", &p, e)))
    return rc;
  if (en && en < b) return yb_fail(e, YB_EINVAL, "enddate", "ends before it begins");
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, b / 10000);
  bool known = false;
  for (int i = 0; pol && i < pol->n_idet_types; i++) known |= !strcmp(pol->idet_types[i].code, d.psn_idet_type);
  if (!known) return yb_fail(e, YB_EUNKNOWN_CODE, "psn_idet_type", "'%s' is not a category of the policy's idet_types", d.psn_idet_type);
  char v[64];
  snprintf(v, sizeof v, "%s%s%s", d.psn_idet_type, en ? " until " : "", d.endtime);
  if ((rc = store_idet_put(c, &d, e)) || (rc = store_enr_hist_add(c, d.psn_no, "category", v, d.begntime, e)) ||
      (rc = enroll__log(env, c, d.psn_no, "person.category", in, e)))
    return rc;
  *out = json_pack("{s:s,s:s}", "psn_no", d.psn_no, "psn_idet_type", d.psn_idet_type);
  return 0;
}

static int op_household_add(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char hh[32], psn_no[32], rel[16] = "member";
  store_person p;
  int rc;
  if ((rc = S("hh_no", true, hh)) || (rc = S("psn_no", true, psn_no)) || (rc = S("relation", false, rel)) ||
      (rc = enroll__person(c, psn_no, "psn_no", &p, e)) || (rc = store_enr_household_put(c, hh, psn_no, rel, e)) ||
      (rc = enroll__log(env, c, psn_no, "household.add", in, e)))
    return rc;
  *out = json_pack("{s:s,s:s}", "hh_no", hh, "psn_no", psn_no);
  return 0;
}

/* ---- enrollment ---------------------------------------------------------------------------------- */

typedef struct active_ctx {
  const char *except;
  store_enroll found;
  int n;
} active_ctx;
static int find_active(const store_enroll *r, void *arg) {
  active_ctx *a = arg;
  if (!strcmp(r->psn_insu_stas, "1") && (!a->except || strcmp(r->insutype, a->except))) {
    if (!a->n++) a->found = *r;
  }
  return 0;
}

/* Refuse a year the payment cannot be for: later than the next year, or the next year outside
 * its concentrated period. */
static int check_year(const enroll_policy *ep, int year, int32_t pay, yb_err *e) {
  int py = pay / 10000;
  if (year > py + 1 || (year == py + 1 && !enroll_in_period(ep, year, pay)))
    return yb_fail(e, YB_EINVAL, "year", "%d is a future year for a payment on %04d-%02d-%02d: enrollment for "
                   "a year opens in the concentrated period (%02d-%02d to %02d-%02d) before it",
                   year, py, pay / 100 % 100, pay % 100, ep->from_md / 100, ep->from_md % 100, ep->to_md / 100,
                   ep->to_md % 100);
  return 0;
}


/* Check and write one enrollment; out gets the result. Shared by enroll and family.pay_contribution. */
int enroll__do_enroll(const enroll_env *env, store_conn *c, const enroll__req *q, json_t *in, enroll_split *split,
                     json_t **out, yb_err *e) {
  store_person p;
  int rc = enroll__person(c, q->psn_no, "psn_no", &p, e);
  if (rc) return rc;
  if (q->pay > enroll_today(env)) return yb_fail(e, YB_EINVAL, "pay_date", "%s is in the future", q->pay_text);
  if (enroll__dead_by(&p, q->year * 10000 + 101))
    return yb_fail(e, YB_EINVAL, "psn_no", "%s died on %s, before %d", q->psn_no, p.death_date, q->year);
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, q->year);
  if (!pol) return yb_fail(e, YB_EPOLICY, "year", "no policy with an enrollment section for region %s near %d",
                           p.insuplc_admdvs, q->year);
  const enroll_policy *ep = pol->enrollment;
  if (!policy_scheme_find(pol, q->insutype))
    return yb_fail(e, YB_EUNKNOWN_CODE, "insutype", "scheme %s does not exist in region %s", q->insutype, p.insuplc_admdvs);
  if (policy_class_of(pol, q->psn_type) < 0)
    return yb_fail(e, YB_EUNKNOWN_CODE, "psn_type", "'%s' is not a psn_type of the policy", q->psn_type);
  if ((rc = check_year(ep, q->year, q->pay, e))) return rc;
  active_ctx a = {0};
  if ((rc = store_enroll_each(c, q->psn_no, q->year, find_active, &a, e)) < 0) return rc;
  /* store_enroll_each(year 0) means latest; a year with no row returns nothing */
  if (a.n && a.found.year == q->year)
    return yb_fail(e, YB_ECONFLICT, "year", "%s is already enrolled in %s for %d (since %s): one basic scheme a "
                   "year; use transfer to change scheme", q->psn_no, a.found.insutype, q->year, a.found.psn_insu_date);
  memset(split, 0, sizeof *split);
  split->assist_group = -1;
  char exempt[32];
  uint32_t groups = enroll_groups_on(c, pol, q->psn_no, q->psn_type, q->pay, exempt, sizeof exempt, e);
  /* a scheme with a yearly per-person contribution (residents); employees pay monthly instead */
  bool yearly = enroll_scheme_in(ep->wait_schemes, ep->n_wait_schemes, q->insutype);
  for (int i = 0; i < ep->n_rates; i++) yearly |= !strcmp(ep->rates[i].insutype, q->insutype);
  if (yearly && (rc = enroll_contribution(ep, q->insutype, q->year, groups, split, e))) return rc;
  /* the enrollment row first (the waiting period reads the payment date from the contribution) */
  store_enroll en;
  memset(&en, 0, sizeof en);
  snprintf(en.psn_no, sizeof en.psn_no, "%s", q->psn_no);
  en.year = q->year;
  snprintf(en.insutype, sizeof en.insutype, "%s", q->insutype);
  snprintf(en.psn_type, sizeof en.psn_type, "%s", q->psn_type);
  strcpy(en.psn_insu_stas, "1");
  int32_t start = enroll_in_period(ep, q->year, q->pay) || q->pay < q->year * 10000 + 101 ? q->year * 10000 + 101 : q->pay;
  enroll__date_str(start, en.psn_insu_date);
  if ((rc = store_enroll_put(c, &en, e))) return rc;
  store_enr_contrib k;
  memset(&k, 0, sizeof k);
  snprintf(k.psn_no, sizeof k.psn_no, "%s", q->psn_no);
  k.year = q->year;
  snprintf(k.insutype, sizeof k.insutype, "%s", q->insutype);
  strcpy(k.kind, "contribution");
  k.individual = split->individual;
  k.fiscal = split->fiscal;
  k.assistance = split->assistance;
  k.person = split->person;
  snprintf(k.payer, sizeof k.payer, "%s", q->payer[0] ? q->payer : "self");
  snprintf(k.paid_date, sizeof k.paid_date, "%s", q->pay_text);
  if (split->assist_group >= 0) snprintf(k.memo, sizeof k.memo, "资助参保: %s", pol->groups[split->assist_group]);
  enroll_wait_out w;
  enroll_incentive_out o;
  char v[32];
  snprintf(v, sizeof v, "%s %d", q->insutype, q->year);
  if ((rc = store_enr_contrib_add(c, &k, e)) ||
      (rc = enroll_recompute(env, c, q->psn_no, q->year, q->insutype, &w, &o, e)) ||
      (rc = store_enr_hist_add(c, q->psn_no, "scheme", v, en.psn_insu_date, e)) ||
      (rc = enroll__log(env, c, q->psn_no, "enroll", in, e)))
    return rc;
  json_t *j = json_pack("{s:s,s:i,s:s,s:s,s:s}", "psn_no", q->psn_no, "year", q->year, "insutype", q->insutype,
                        "psn_type", q->psn_type, "psn_insu_date", en.psn_insu_date);
  json_t *sp = json_object();
  json_object_set_new(sp, "individual", jsonx_money(split->individual));
  json_object_set_new(sp, "fiscal", jsonx_money(split->fiscal));
  json_object_set_new(sp, "assistance", jsonx_money(split->assistance));
  json_object_set_new(sp, "person", jsonx_money(split->person));
  if (split->assist_group >= 0) json_object_set_new(sp, "assist_group", json_string(pol->groups[split->assist_group]));
  json_object_set_new(j, "contribution", sp);
  json_object_set_new(j, "waiting", enroll_wait_json(&w));
  json_object_set_new(j, "incentive", enroll_incentive_json(&o));
  *out = j;
  return 0;
}

int enroll__read_req(const enroll_env *env, json_t *in, enroll__req *q, const char *psn_key, yb_err *e) {
  memset(q, 0, sizeof *q);
  int rc;
  if ((rc = jsonx_get_str(in, "", psn_key, true, q->psn_no, sizeof q->psn_no, e)) || (rc = enroll__get_year(in, "year", &q->year, e)) ||
      (rc = S("insutype", true, q->insutype)) ||
      (rc = S("psn_type", true, q->psn_type)) || (rc = enroll__get_date(in, "pay_date", 0, &q->pay, q->pay_text, e)))
    return rc;
  if (!q->pay) {
    q->pay = enroll_today(env);
    snprintf(q->pay_text, sizeof q->pay_text, "%s", env->today);
  }
  return 0;
}

static int op_enroll(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  enroll__req q;
  enroll_split s;
  int rc = enroll__read_req(env, in, &q, "psn_no", e);
  return rc ? rc : enroll__do_enroll(env, c, &q, in, &s, out, e);
}

static int op_payback(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], insutype[8] = "390", pay_text[12];
  int year, rc;
  int32_t pay = 0;
  store_person p;
  if ((rc = S("psn_no", true, psn_no)) || (rc = enroll__get_year(in, "year", &year, e)) || (rc = S("insutype", false, insutype)) ||
      (rc = enroll__get_date(in, "pay_date", 0, &pay, pay_text, e)) || (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  if (!pay) pay = enroll_today(env), snprintf(pay_text, sizeof pay_text, "%s", env->today);
  if (pay > enroll_today(env)) return yb_fail(e, YB_EINVAL, "pay_date", "%s is in the future", pay_text);
  json_t *years = json_object_get(in, "years");
  if (!json_is_array(years) || !json_array_size(years) || json_array_size(years) > 50)
    return yb_fail(e, YB_EMISSING, "years", "give the missed years to pay back as a list, e.g. [2022, 2023]");
  store_enroll en;
  rc = store_enroll_get(c, psn_no, year, insutype, &en, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, "year", "%s is not enrolled in %s for %d: enroll first", psn_no, insutype, year);
  if (rc) return rc;
  enroll_wait_out before;
  if ((rc = enroll_compute(env, c, &en, &before, NULL, e))) return rc;
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, year);
  int64_t cost[50], total = 0;
  int ys[50];
  size_t n = json_array_size(years);
  for (size_t i = 0; i < n; i++) {
    char f[24];
    snprintf(f, sizeof f, "years[%zu]", i);
    json_t *v = json_array_get(years, i);
    if (!json_is_integer(v)) return yb_fail(e, YB_ETYPE, f, "must be a year");
    int y = (int)json_integer_value(v);
    if (y >= year || y > pay / 10000)
      return yb_fail(e, YB_EINVAL, f, "%d is not a past year: only missed years before %d can be paid back", y, year);
    if (y < year - before.broken_years)
      return yb_fail(e, YB_EINVAL, f, "%d is not a year of the break before %d (broken %d years: %d–%d)", y, year,
                     before.broken_years, year - before.broken_years, year - 1);
    for (size_t k = 0; k < i; k++)
      if (ys[k] == y) return yb_fail(e, YB_EINVAL, f, "%d is listed twice", y);
    int64_t done, cnt;
    if ((rc = store_enr_contrib_sum(c, psn_no, y, "", "payback", &done, &cnt, e))) return rc;
    if (cnt) return yb_fail(e, YB_ECONFLICT, f, "%d was already paid back", y);
    if ((rc = enroll_payback_cost(pol->enrollment, insutype, y, &cost[i], e))) {
      snprintf(e->field, sizeof e->field, "%s", f);
      return rc;
    }
    ys[i] = y;
    total += cost[i];
  }
  for (size_t i = 0; i < n; i++) {
    store_enr_contrib k;
    memset(&k, 0, sizeof k);
    snprintf(k.psn_no, sizeof k.psn_no, "%s", psn_no);
    k.year = ys[i];
    snprintf(k.insutype, sizeof k.insutype, "%s", insutype);
    strcpy(k.kind, "payback");
    k.person = cost[i];
    strcpy(k.payer, "self");
    snprintf(k.paid_date, sizeof k.paid_date, "%s", pay_text);
    snprintf(k.memo, sizeof k.memo, "补缴 %d, repairs the waiting period of %d", ys[i], year);
    if ((rc = store_enr_contrib_add(c, &k, e))) return rc;
  }
  enroll_wait_out w;
  if ((rc = enroll_recompute(env, c, psn_no, year, insutype, &w, NULL, e)) ||
      (rc = enroll__log(env, c, psn_no, "payback", in, e)))
    return rc;
  *out = json_pack("{s:s,s:i,s:o,s:o,s:o}", "psn_no", psn_no, "year", year, "paid", jsonx_money(total), "before",
                   enroll_wait_json(&before), "waiting", enroll_wait_json(&w));
  return 0;
}

/* Terminate an enrollment and refund what the person paid for it. */
/* Terminate an enrollment and refund what was paid for it to whoever paid: the person, or the
 * relative whose account paid it (家庭共济), whose account is credited back. */
static int refund(const enroll_env *env, store_conn *c, store_enroll *en, const char *reason, json_t **out, yb_err *e) {
  json_t *rows, *row;
  size_t i;
  int rc = store_enr_query(c, STORE_ENR_Q_CONTRIBS, en->psn_no, 0, &rows, e);
  if (rc) return rc;
  struct { char payer[40]; int64_t left; } by[4];
  int n = 0;
  json_array_foreach(rows, i, row) { /* what each payer paid for this enrollment, less refunds */
    const char *kind = json_string_value(json_object_get(row, "kind"));
    const char *payer = json_string_value(json_object_get(row, "payer"));
    if (json_integer_value(json_object_get(row, "year")) != en->year ||
        strcmp(json_string_value(json_object_get(row, "insutype")), en->insutype) ||
        (strcmp(kind, "contribution") && strcmp(kind, "refund")))
      continue;
    int k = 0;
    while (k < n && strcmp(by[k].payer, payer)) k++;
    if (k == n && n < 4) snprintf(by[n].payer, sizeof by[n].payer, "%s", payer), by[n++].left = 0;
    if (k < n) by[k].left += (int64_t)json_integer_value(json_object_get(row, "person_fen"));
  }
  json_decref(rows);
  int64_t amount = 0;
  json_t *to = json_array();
  for (int k = 0; k < n && !rc; k++) {
    if (by[k].left <= 0) continue;
    store_enr_contrib r;
    memset(&r, 0, sizeof r);
    snprintf(r.psn_no, sizeof r.psn_no, "%s", en->psn_no);
    r.year = en->year;
    snprintf(r.insutype, sizeof r.insutype, "%s", en->insutype);
    strcpy(r.kind, "refund");
    r.person = -by[k].left;
    memcpy(r.payer, by[k].payer, sizeof r.payer);
    snprintf(r.paid_date, sizeof r.paid_date, "%s", env->today);
    snprintf(r.memo, sizeof r.memo, "退费: %s", reason);
    char ref[48];
    snprintf(ref, sizeof ref, "%s %d", en->psn_no, en->year);
    rc = store_enr_contrib_add(c, &r, e);
    if (!rc && !strncmp(by[k].payer, "acct:", 5))
      rc = store_enr_ledger_add(c, by[k].payer + 5, "refund", by[k].left, ref, "退还代缴的亲属居民医保", e);
    json_t *j = json_pack("{s:s}", "payer", by[k].payer);
    json_object_set_new(j, "amount", jsonx_money(by[k].left));
    json_array_append_new(to, j);
    amount += by[k].left;
  }
  strcpy(en->psn_insu_stas, "4");
  snprintf(en->paus_insu_date, sizeof en->paus_insu_date, "%s", env->today);
  if (!rc) rc = store_enroll_put(c, en, e);
  if (rc) {
    json_decref(to);
    return rc;
  }
  json_t *r = json_pack("{s:s,s:i,s:s,s:s,s:o}", "psn_no", en->psn_no, "year", en->year, "insutype", en->insutype,
                        "reason", reason, "to", to);
  json_object_set_new(r, "refunded", jsonx_money(amount));
  *out = r;
  return 0;
}

static int op_refund(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], insutype[8], reason[12];
  int year, rc;
  store_person p;
  store_enroll en;
  if ((rc = S("psn_no", true, psn_no)) || (rc = enroll__get_year(in, "year", &year, e)) || (rc = S("insutype", true, insutype)) ||
      (rc = S("reason", true, reason)) || (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  rc = store_enroll_get(c, psn_no, year, insutype, &en, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, "year", "%s is not enrolled in %s for %d", psn_no, insutype, year);
  if (rc) return rc;
  if (!strcmp(en.psn_insu_stas, "4")) return yb_fail(e, YB_ECONFLICT, "year", "the %d enrollment was already terminated", year);
  if (!strcmp(reason, "death")) {
    int32_t d = enroll__dnum(p.death_date);
    if (!d) return yb_fail(e, YB_EINVAL, "reason", "%s has no death date: import it first", psn_no);
    if (d / 10000 >= year)
      return yb_fail(e, YB_EINVAL, "year", "%s died on %s: only years after %d are refunded", psn_no, p.death_date, d / 10000);
  } else if (!strcmp(reason, "double")) {
    active_ctx a = {.except = insutype};
    if ((rc = store_enroll_each(c, psn_no, year, find_active, &a, e)) < 0) return rc;
    if (!a.n || a.found.year != year)
      return yb_fail(e, YB_EINVAL, "reason", "%s has no other enrollment in %d: not a double enrollment", psn_no, year);
  } else {
    return yb_fail(e, YB_EINVAL, "reason", "must be death or double");
  }
  if ((rc = refund(env, c, &en, reason, out, e))) return rc;
  return enroll__log(env, c, psn_no, "refund", in, e);
}

static int op_transfer(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], to[8], psn_type[8], dt[12];
  int year, rc;
  int32_t d;
  store_person p;
  if ((rc = S("psn_no", true, psn_no)) || (rc = enroll__get_year(in, "year", &year, e)) || (rc = S("to_insutype", true, to)) ||
      (rc = S("psn_type", true, psn_type)) || (rc = enroll__get_date(in, "date", 1, &d, dt, e)) ||
      (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  if (d / 10000 != year) return yb_fail(e, YB_EINVAL, "date", "%s is not in %d", dt, year);
  if (d > enroll_today(env)) return yb_fail(e, YB_EINVAL, "date", "%s is in the future", dt);
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, year);
  if (!pol || !policy_scheme_find(pol, to))
    return yb_fail(e, YB_EUNKNOWN_CODE, "to_insutype", "scheme %s does not exist in region %s", to, p.insuplc_admdvs);
  if (policy_class_of(pol, psn_type) < 0) return yb_fail(e, YB_EUNKNOWN_CODE, "psn_type", "'%s' is not a psn_type of the policy", psn_type);
  active_ctx a = {0};
  if ((rc = store_enroll_each(c, psn_no, year, find_active, &a, e)) < 0) return rc;
  if (!a.n || a.found.year != year) return yb_fail(e, YB_EINVAL, "year", "%s has no active enrollment in %d to transfer", psn_no, year);
  if (!strcmp(a.found.insutype, to)) return yb_fail(e, YB_EINVAL, "to_insutype", "already enrolled in %s", to);
  store_enroll from = a.found, en;
  strcpy(from.psn_insu_stas, "2");
  snprintf(from.paus_insu_date, sizeof from.paus_insu_date, "%s", dt);
  memset(&en, 0, sizeof en);
  snprintf(en.psn_no, sizeof en.psn_no, "%s", psn_no);
  en.year = year;
  snprintf(en.insutype, sizeof en.insutype, "%s", to);
  snprintf(en.psn_type, sizeof en.psn_type, "%s", psn_type);
  strcpy(en.psn_insu_stas, "1");
  snprintf(en.psn_insu_date, sizeof en.psn_insu_date, "%s", dt);
  char v[48];
  snprintf(v, sizeof v, "%s→%s %d", from.insutype, to, year);
  if ((rc = store_enroll_put(c, &from, e)) || (rc = store_enroll_put(c, &en, e)) ||
      (rc = store_enr_hist_add(c, psn_no, "scheme", v, dt, e)) || (rc = enroll__log(env, c, psn_no, "transfer", in, e)))
    return rc;
  *out = json_pack("{s:s,s:i,s:s,s:s,s:s}", "psn_no", psn_no, "year", year, "from", from.insutype, "to", to, "date", dt);
  return 0;
}

/* ---- death registry, recomputation ----------------------------------------------------------- */

typedef struct after_ctx {
  int year;
  store_enroll rows[16];
  int n;
} after_ctx;
static int enroll_after(const store_enroll *r, void *arg) {
  after_ctx *a = arg;
  if (r->year > a->year && strcmp(r->psn_insu_stas, "4") && a->n < 16) a->rows[a->n++] = *r;
  return 0;
}

/* One death record: set the date and refund the enrollments of later years. */
static int apply_death(const enroll_env *env, store_conn *c, store_person *p, const char *dd, json_t *refunds, yb_err *e) {
  snprintf(p->death_date, sizeof p->death_date, "%s", dd);
  int rc;
  json_t *fam, *row;
  size_t i;
  if ((rc = store_enr_query(c, STORE_ENR_Q_FAMILY, p->psn_no, 0, &fam, e))) return rc;
  /* family sharing ends with either person: the binding rows end on the death date, and the
   * relatives of a deceased holder no longer name his account */
  json_array_foreach(fam, i, row) {
    const char *holder = json_string_value(json_object_get(row, "holder"));
    const char *rel = json_string_value(json_object_get(row, "relative"));
    if (*json_string_value(json_object_get(row, "enddate"))) continue;
    rc = store_enr_family_end(c, rel, dd, e);
    store_person r;
    if (!rc && strcmp(rel, p->psn_no) && !(rc = store_person_get(c, rel, &r, e)) && !strcmp(r.family_psn_no, holder)) {
      r.family_psn_no[0] = 0;
      if (!(rc = store_person_put(c, &r, e))) rc = store_enr_hist_add(c, rel, "family", "unbound: holder died", dd, e);
    }
    if (rc) break;
  }
  json_decref(fam);
  if (rc) return rc;
  p->family_psn_no[0] = 0;
  if ((rc = store_person_put(c, p, e)) || (rc = store_enr_hist_add(c, p->psn_no, "death", dd, dd, e))) return rc;
  after_ctx a = {.year = enroll__dnum(dd) / 10000};
  if ((rc = store_enr_years_each(c, p->psn_no, enroll_after, &a, e)) < 0) return rc;
  for (int k = 0; k < a.n; k++) {
    json_t *r;
    if ((rc = refund(env, c, &a.rows[k], "death", &r, e))) return rc;
    json_array_append_new(refunds, r);
  }
  json_t *d = json_pack("{s:s}", "death_date", dd);
  rc = logf_(env, c, p->psn_no, "death", d, e);
  json_decref(d);
  return rc;
}

static int op_death(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], dd[12];
  int32_t d;
  store_person p;
  int rc;
  if ((rc = S("psn_no", true, psn_no)) || (rc = enroll__get_date(in, "death_date", 1, &d, dd, e)) ||
      (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  if (d > enroll_today(env)) return yb_fail(e, YB_EINVAL, "death_date", "%s is in the future", dd);
  if (d < enroll__dnum(p.brdy)) return yb_fail(e, YB_EINVAL, "death_date", "%s is before the birth date %s", dd, p.brdy);
  if (p.death_date[0]) return yb_fail(e, YB_ECONFLICT, "death_date", "%s already has a death date (%s)", psn_no, p.death_date);
  json_t *refunds = json_array();
  if ((rc = apply_death(env, c, &p, dd, refunds, e))) {
    json_decref(refunds);
    return rc;
  }
  *out = json_pack("{s:s,s:s,s:o}", "psn_no", psn_no, "death_date", dd, "refunds", refunds);
  return 0;
}

/* {"csv": "psn_no or certno,death_date\n…"}: every line is checked before any is applied. */
static int op_death_import(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  const char *text = json_string_value(json_object_get(in, "csv"));
  if (!text) return yb_fail(e, YB_EMISSING, "csv", "give the death registry as CSV text: psn_no or certno,death_date");
  typedef struct { store_person p; char dd[12]; } rec;
  size_t cap = 64, n = 0;
  rec *r = malloc(cap * sizeof *r);
  int rc = r ? 0 : yb_fail(e, YB_ENOMEM, "csv", "out of memory");
  int line = 0;
  for (const char *s = text; !rc && *s;) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    char buf[160], id[64], dd[32];
    line++;
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), s);
    s += len + (nl ? 1 : 0);
    buf[strcspn(buf, "\r")] = 0;
    if (!buf[0]) continue;
    char f[32];
    snprintf(f, sizeof f, "csv line %d", line);
    int32_t d;
    bool parsed = sscanf(buf, "%63[^,],%31s", id, dd) == 2 && !jsonx_parse_date(dd, &d, NULL);
    if (!parsed && line == 1) continue; /* a header line */
    if (!parsed) {
      rc = yb_fail(e, YB_EINVAL, f, "expected 'psn_no or certno,yyyy-MM-dd', got '%s'", buf);
      break;
    }
    if (n == cap && !(r = realloc(r, (cap *= 2) * sizeof *r))) { rc = yb_fail(e, YB_ENOMEM, f, "out of memory"); break; }
    rc = store_person_get(c, id, &r[n].p, e);
    if (rc == YB_ENOT_FOUND) rc = store_person_find(c, "02", id, &r[n].p, e);
    if (rc == YB_ENOT_FOUND) { rc = yb_fail(e, rc, f, "no person with psn_no or ID number %s", id); break; }
    if (rc) break;
    if (d > enroll_today(env)) { rc = yb_fail(e, YB_EINVAL, f, "death date %s is in the future", dd); break; }
    if (r[n].p.death_date[0] && strcmp(r[n].p.death_date, jsonx_date_str(d, r[n].dd))) {
      rc = yb_fail(e, YB_ECONFLICT, f, "%s already has another death date (%s)", r[n].p.psn_no, r[n].p.death_date);
      break;
    }
    jsonx_date_str(d, r[n].dd);
    if (!r[n].p.death_date[0]) n++; /* the same date again: nothing to do */
  }
  json_t *refunds = json_array();
  for (size_t i = 0; !rc && i < n; i++) rc = apply_death(env, c, &r[i].p, r[i].dd, refunds, e);
  free(r);
  if (rc) {
    json_decref(refunds);
    return rc;
  }
  *out = json_pack("{s:I,s:o}", "recorded", (json_int_t)n, "refunds", refunds);
  return 0;
}

typedef struct recompute_ctx {
  const enroll_env *env;
  store_conn *c;
  int year;
  const char *insutype;
  int n, changed, rc;
  yb_err *e;
} recompute_ctx;
static int recompute_one(const char *psn_no, void *arg) {
  recompute_ctx *x = arg;
  store_enroll before, after;
  int rc = store_enroll_get(x->c, psn_no, x->year, x->insutype, &before, x->e);
  if (!rc) rc = enroll_recompute(x->env, x->c, psn_no, x->year, x->insutype, NULL, NULL, x->e);
  if (!rc) rc = store_enroll_get(x->c, psn_no, x->year, x->insutype, &after, x->e);
  if (rc) return x->rc = rc;
  x->n++;
  x->changed += strcmp(before.wait_until, after.wait_until) || before.ci_cap_raise != after.ci_cap_raise;
  return 0;
}

typedef struct psn_list {
  char (*v)[32];
  size_t n, cap;
} psn_list;
static int collect(const char *psn_no, void *arg) {
  psn_list *l = arg;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    char (*v)[32] = realloc(l->v, cap * sizeof *v);
    if (!v) return YB_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  snprintf(l->v[l->n++], 32, "%s", psn_no);
  return 0;
}

/* Recompute a year's enrollments (after the year's claims are in, zero-claim years change), in
 * psn_no order from `after`, at most `limit` (default 2000) per call so one transaction stays
 * small: the reply's `next` is the `after` of the following call, "" when done. */
static int op_recompute(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char insutype[8] = "390", after[32] = "";
  int year, rc;
  int64_t limit = 2000;
  if ((rc = enroll__get_year(in, "year", &year, e)) || (rc = S("insutype", false, insutype)) || (rc = S("after", false, after)) ||
      (rc = jsonx_get_int(in, "", "limit", false, &limit, e)))
    return rc;
  if (limit < 1 || limit > 100000) return yb_fail(e, YB_ERANGE, "limit", "must lie in [1, 100000]");
  psn_list l = {0};
  /* collect first: recomputing rewrites the rows the listing reads */
  rc = store_enr_enrolled_each(c, year, insutype, after, (int)limit, collect, &l, e);
  if (rc == YB_ENOMEM) rc = yb_fail(e, rc, "year", "out of memory");
  recompute_ctx x = {.env = env, .c = c, .year = year, .insutype = insutype, .e = e};
  for (size_t i = 0; !rc && i < l.n; i++) rc = recompute_one(l.v[i], &x);
  json_t *d = json_pack("{s:i,s:s,s:i,s:i,s:s}", "year", year, "insutype", insutype, "enrollments", x.n, "changed",
                        x.changed, "next", !rc && l.n == (size_t)limit ? l.v[l.n - 1] : "");
  free(l.v);
  if (!rc) rc = logf_(env, c, "", "recompute", d, e);
  if (rc) {
    json_decref(d);
    return rc;
  }
  *out = d;
  return 0;
}

/* ---- the table ------------------------------------------------------------------------------------ */
static const enroll_op enroll_ops[] = {
    {"person.create", op_person_create, 1, "register a person (一人一档): certno, psn_name, gend, brdy, [address, hh_no]"},
    {"person.update", op_person_update, 1, "change address / name / employer, kept as history"},
    {"person.category", op_person_category, 1, "add a category (psn_idet_type) with begndate [enddate]"},
    {"person.death", op_death, 1, "record a death date; refunds enrollments of later years"},
    {"death.import", op_death_import, 1, "import a death registry CSV (psn_no or certno,death_date), all or nothing"},
    {"household.add", op_household_add, 1, "put a person into a household: hh_no, psn_no, relation"},
    {"enroll", op_enroll, 1, "enroll psn_no for year in insutype as psn_type, paid on pay_date"},
    {"payback", op_payback, 1, "pay back missed years (补缴) to shorten the waiting period of year"},
    {"refund", op_refund, 1, "refund and terminate an enrollment: reason death or double"},
    {"transfer", op_transfer, 1, "move this year's enrollment to another scheme from date"},
    {"employee.contribution", enroll__op_employee_contribution, 1, "record a month's employee contribution; allocates the account"},
    {"family.bind", enroll__op_family_bind, 1, "bind a close relative to an employee's account (家庭共济)"},
    {"family.unbind", enroll__op_family_unbind, 1, "end a relative's family-sharing binding"},
    {"family.pay_contribution", enroll__op_family_pay, 1, "pay a bound relative's resident contribution from the account"},
    {"filing.add", enroll__op_filing_add, 1, "file cross-region treatment (异地就医备案)"},
    {"filing.cancel", enroll__op_filing_cancel, 1, "cancel a filing: it ends on date"},
    {"recompute", op_recompute, 1, "recompute waiting periods and incentives of a year's enrollments"},
    {"person.find", enroll_op_find_person, 0, "find by psn_no, certno, or psn_name + brdy"},
    {"show", enroll_op_show, 0, "a person's record: history, waiting period and how, incentives, account"},
    {"statement", enroll_op_statement, 0, "a personal account statement"},
    {"monitor.broken", enroll_op_monitor_broken, 0, "persons enrolled before but not in year"},
    {"monitor.household", enroll_op_monitor_household, 0, "household members not enrolled in year"},
    {"monitor.high_cost", enroll_op_monitor_high_cost, 0, "persons whose self-burden in year passed their threshold"},
};

const enroll_op *enroll_op_table(int *n) {
  *n = (int)(sizeof enroll_ops / sizeof enroll_ops[0]);
  return enroll_ops;
}

const enroll_op *enroll_op_find(const char *name) {
  for (size_t i = 0; i < sizeof enroll_ops / sizeof enroll_ops[0]; i++)
    if (!strcmp(enroll_ops[i].name, name)) return &enroll_ops[i];
  return NULL;
}
