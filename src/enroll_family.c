/* enroll_family.c — the account side of the enrollment operations (enroll_ops.h): a month's
 * employee contribution and its personal-account allocation, and family sharing (家庭共济):
 * binding a close relative, unbinding, paying a bound relative's resident contribution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "enroll_ops.h"
#include "jsonx.h"
#include "money.h"
#include "store_enroll.h"

#define S(k, req, buf) jsonx_get_str(in, "", k, req, buf, sizeof buf, e)

int enroll__op_employee_contribution(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], month[8];
  int64_t base;
  int rc;
  store_person p;
  if ((rc = S("psn_no", true, psn_no)) || (rc = S("month", true, month)) ||
      (rc = jsonx_get_dec(in, "", "base", true, MONEY_SCALE_FEN, &base, e)) || (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  int y, m;
  char tail;
  if (sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12)
    return yb_fail(e, YB_EINVAL, "month", "must be yyyy-MM");
  if (y * 100 + m > enroll_today(env) / 100) return yb_fail(e, YB_EINVAL, "month", "%s is a future month", month);
  if (base <= 0) return yb_fail(e, YB_ERANGE, "base", "the wage base must be positive");
  store_enroll en;
  rc = store_enroll_get(c, psn_no, y, "310", &en, e);
  if (rc == YB_ENOT_FOUND || (!rc && strcmp(en.psn_insu_stas, "1")))
    return yb_fail(e, YB_ENOT_FOUND, "month", "%s has no active employee enrollment (310) in %d", psn_no, y);
  if (rc) return rc;
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, y);
  if (!pol) return yb_fail(e, YB_EPOLICY, "month", "no policy with an enrollment section for region %s", p.insuplc_admdvs);
  int64_t n = 0;
  json_t *rows;
  if ((rc = store_enr_query(c, STORE_ENR_Q_CONTRIBS, psn_no, 0, &rows, e))) return rc;
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) n += !strcmp(json_string_value(json_object_get(r, "month")), month) &&
                                      !strcmp(json_string_value(json_object_get(r, "kind")), "employee");
  json_decref(rows);
  if (n) return yb_fail(e, YB_ECONFLICT, "month", "the contribution of %s for %s is already recorded", psn_no, month);
  const enroll_policy *ep = pol->enrollment;
  store_enr_contrib k;
  memset(&k, 0, sizeof k);
  snprintf(k.psn_no, sizeof k.psn_no, "%s", psn_no);
  k.year = y;
  strcpy(k.insutype, "310");
  strcpy(k.kind, "employee");
  snprintf(k.month, sizeof k.month, "%s", month);
  k.base = base;
  k.employer = money_mul_bp(base, ep->employer_rate);
  k.person = money_mul_bp(base, ep->employee_rate);
  strcpy(k.payer, "employer");
  snprintf(k.paid_date, sizeof k.paid_date, "%s", env->today);
  int32_t brdy = enroll__dnum(p.brdy);
  int age = brdy ? (y * 10000 + m * 100 + 1 - brdy) / 10000 : 0;
  int rule;
  int64_t alloc = account_allocation(ep, policy_class_of(pol, en.psn_type), age, base, k.person, &rule);
  char memo[64];
  snprintf(memo, sizeof memo, "划入 %s (enrollment.employee.allocation[%d])", month, rule);
  if ((rc = store_enr_contrib_add(c, &k, e)) ||
      (alloc && (rc = store_enr_ledger_add(c, psn_no, "allocation", alloc, month, memo, e))) ||
      (rc = enroll__log(env, c, psn_no, "employee.contribution", in, e)))
    return rc;
  json_t *o = json_pack("{s:s,s:s,s:i}", "psn_no", psn_no, "month", month, "rule", rule);
  json_object_set_new(o, "employer", jsonx_money(k.employer));
  json_object_set_new(o, "employee", jsonx_money(k.person));
  json_object_set_new(o, "allocation", jsonx_money(alloc));
  *out = o;
  return 0;
}

/* ---- family sharing ------------------------------------------------------------------------------ */

static int party(store_conn *c, const char *psn_no, int year, account_party *a, yb_err *e) {
  memset(a, 0, sizeof *a);
  snprintf(a->psn_no, sizeof a->psn_no, "%s", psn_no);
  store_person p;
  int rc = store_person_get(c, psn_no, &p, e);
  if (rc == YB_ENOT_FOUND) return 0;
  if (rc) return rc;
  a->exists = true;
  a->dead = p.death_date[0] != 0;
  snprintf(a->bound_to, sizeof a->bound_to, "%s", p.family_psn_no);
  store_enroll en;
  rc = store_enroll_get(c, psn_no, year, "310", &en, e);
  if (rc && rc != YB_ENOT_FOUND) return rc;
  a->employee_active = !rc && !strcmp(en.psn_insu_stas, "1");
  int64_t n = 0;
  if ((rc = store_enr_family_count(c, psn_no, &n, e))) return rc;
  a->holder_relatives = (int)n;
  return 0;
}

int enroll__op_family_bind(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char holder[32], rel_no[32], relation[16], bd[12];
  int32_t b = 0;
  int rc;
  if ((rc = S("holder_psn_no", true, holder)) || (rc = S("psn_no", true, rel_no)) || (rc = S("relation", true, relation)) ||
      (rc = enroll__get_date(in, "begndate", 0, &b, bd, e)))
    return rc;
  if (!b) b = enroll_today(env), snprintf(bd, sizeof bd, "%s", env->today);
  account_party h, r;
  if ((rc = party(c, holder, b / 10000, &h, e)) || (rc = party(c, rel_no, b / 10000, &r, e))) return rc;
  store_person hp;
  if ((rc = enroll__person(c, holder, "holder_psn_no", &hp, e))) return rc;
  const policy *pol = enroll_policy_near(env, hp.insuplc_admdvs, b / 10000);
  if (!pol) return yb_fail(e, YB_EPOLICY, "holder_psn_no", "no policy with an enrollment section for region %s", hp.insuplc_admdvs);
  if ((rc = account_bind_check(pol->enrollment, &h, &r, relation, e))) return rc;
  store_person rp;
  if ((rc = enroll__person(c, rel_no, "psn_no", &rp, e))) return rc;
  snprintf(rp.family_psn_no, sizeof rp.family_psn_no, "%s", holder);
  char v[64];
  snprintf(v, sizeof v, "%s of %s", relation, holder);
  if ((rc = store_person_put(c, &rp, e)) || (rc = store_enr_family_put(c, holder, rel_no, relation, bd, e)) ||
      (rc = store_enr_hist_add(c, rel_no, "family", v, bd, e)) || (rc = enroll__log(env, c, rel_no, "family.bind", in, e)) ||
      (rc = enroll__log(env, c, holder, "family.bind", in, e)))
    return rc;
  *out = json_pack("{s:s,s:s,s:s,s:s}", "holder_psn_no", holder, "psn_no", rel_no, "relation", relation, "begndate", bd);
  return 0;
}

int enroll__op_family_unbind(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char rel_no[32], ed[12];
  int32_t d = 0;
  store_person rp;
  int rc;
  if ((rc = S("psn_no", true, rel_no)) || (rc = enroll__get_date(in, "enddate", 0, &d, ed, e)) ||
      (rc = enroll__person(c, rel_no, "psn_no", &rp, e)))
    return rc;
  if (!d) snprintf(ed, sizeof ed, "%s", env->today);
  if (!rp.family_psn_no[0]) return yb_fail(e, YB_ENOT_FOUND, "psn_no", "%s shares no account", rel_no);
  rc = store_enr_family_end(c, rel_no, ed, e);
  if (rc && rc != YB_ENOT_FOUND) return rc; /* bindings made before this area existed have no row */
  char holder[32];
  snprintf(holder, sizeof holder, "%s", rp.family_psn_no);
  rp.family_psn_no[0] = 0;
  if ((rc = store_person_put(c, &rp, e)) || (rc = store_enr_hist_add(c, rel_no, "family", "unbound", ed, e)) ||
      (rc = enroll__log(env, c, rel_no, "family.unbind", in, e)))
    return rc;
  *out = json_pack("{s:s,s:s,s:s}", "psn_no", rel_no, "holder_psn_no", holder, "enddate", ed);
  return 0;
}

int enroll__op_family_pay(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  enroll__req q;
  char holder[32];
  int rc;
  if (!json_object_get(in, "insutype")) json_object_set_new(in, "insutype", json_string("390")); /* a resident's */
  if ((rc = S("holder_psn_no", true, holder)) || (rc = enroll__read_req(env, in, &q, "psn_no", e))) return rc;
  store_person hp, rp;
  if ((rc = enroll__person(c, holder, "holder_psn_no", &hp, e)) || (rc = enroll__person(c, q.psn_no, "psn_no", &rp, e))) return rc;
  const policy *pol = enroll_policy_near(env, hp.insuplc_admdvs, q.year);
  if (!pol || !pol->enrollment->pay_contribution)
    return yb_fail(e, YB_EPOLICY, "holder_psn_no", "the policy does not let a personal account pay a relative's contribution");
  if (strcmp(rp.family_psn_no, holder))
    return yb_fail(e, YB_EINVAL, "psn_no", "%s is not bound to the account of %s (家庭共济): bind first", q.psn_no, holder);
  snprintf(q.payer, sizeof q.payer, "acct:%s", holder);
  enroll_split s;
  if ((rc = enroll__do_enroll(env, c, &q, in, &s, out, e))) return rc;
  if (s.person > hp.acct_balc) {
    char a[32], b[32];
    json_decref(*out);
    *out = NULL;
    return yb_fail(e, YB_ECONFLICT, "holder_psn_no", "the account of %s holds %s, less than the contribution %s", holder,
                   money_fen_str(hp.acct_balc, a), money_fen_str(s.person, b));
  }
  char ref[48];
  snprintf(ref, sizeof ref, "%s %d", q.psn_no, q.year);
  if (s.person && (rc = store_enr_ledger_add(c, holder, "family_contribution", -s.person, ref, "代缴亲属居民医保", e))) {
    json_decref(*out);
    *out = NULL;
    return rc;
  }
  json_object_set_new(*out, "paid_by", json_string(holder));
  return enroll__log(env, c, holder, "family.pay_contribution", in, e);
}
