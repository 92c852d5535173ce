/* enroll_filing.c — cross-region filing operations (异地就医备案, enroll_ops.h): file with a
 * type, region and validity dates checked against the policy's filing types; cancel; each change
 * kept in the filing history. The settlement path reads person_filing on the visit date. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "enroll_ops.h"
#include "jsonx.h"
#include "money.h"
#include "store_enroll.h"

#define S(k, req, buf) jsonx_get_str(in, "", k, req, buf, sizeof buf, e)

/* ---- filings -------------------------------------------------------------------------------------- */

typedef struct filing_ctx {
  const char *admvs;
  int32_t b, en;
  store_filing hit;
  int n;
} filing_ctx;
static int filing_overlap(const store_filing *f, void *arg) {
  filing_ctx *x = arg;
  int32_t b = enroll__dnum(f->begndate), en = enroll__dnum(f->enddate);
  if (strcmp(f->admvs, x->admvs)) return 0;
  bool overlap = (!en || en >= x->b) && (!x->en || x->en >= b);
  if (overlap && !x->n++) x->hit = *f;
  return 0;
}

int enroll__op_filing_add(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  store_filing f;
  store_person p;
  memset(&f, 0, sizeof f);
  int32_t b, en = 0;
  int rc;
  if ((rc = S("psn_no", true, f.psn_no)) || (rc = S("filing_type", true, f.filing_type)) || (rc = S("admvs", true, f.admvs)) ||
      (rc = enroll__get_date(in, "begndate", 1, &b, f.begndate, e)) || (rc = enroll__get_date(in, "enddate", 0, &en, f.enddate, e)) ||
      (rc = enroll__person(c, f.psn_no, "psn_no", &p, e)))
    return rc;
  if (strlen(f.admvs) != 6) return yb_fail(e, YB_EINVAL, "admvs", "must be a 6-digit region code");
  if (!strcmp(f.admvs, p.insuplc_admdvs)) return yb_fail(e, YB_EINVAL, "admvs", "%s is the person's own insured region", f.admvs);
  if (en && en < b) return yb_fail(e, YB_EINVAL, "enddate", "ends before it begins");
  if (enroll__dead_by(&p, b)) return yb_fail(e, YB_EINVAL, "psn_no", "%s died on %s", f.psn_no, p.death_date);
  const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, b / 10000);
  const enroll_filing_type *t = NULL;
  for (int i = 0; pol && i < pol->enrollment->n_filing; i++)
    if (!strcmp(pol->enrollment->filing[i].name, f.filing_type)) t = &pol->enrollment->filing[i];
  if (!t) return yb_fail(e, YB_EUNKNOWN_CODE, "filing_type", "'%s' is not a filing type of the policy (enrollment.filing)", f.filing_type);
  if (t->max_months) {
    int32_t last = enroll_add_months(b, t->max_months);
    if (!en) en = last, enroll__date_str(en, f.enddate);
    if (en > last)
      return yb_fail(e, YB_ERANGE, "enddate", "a %s filing lasts at most %d months (until %04d-%02d-%02d)", f.filing_type,
                     t->max_months, last / 10000, last / 100 % 100, last % 100);
  }
  filing_ctx x = {.admvs = f.admvs, .b = b, .en = en};
  if ((rc = store_filing_each(c, f.psn_no, filing_overlap, &x, e)) < 0) return rc;
  if (x.n)
    return yb_fail(e, YB_ECONFLICT, "begndate", "overlaps the %s filing for %s from %s%s%s", x.hit.filing_type, f.admvs,
                   x.hit.begndate, x.hit.enddate[0] ? " to " : "", x.hit.enddate);
  if ((rc = store_filing_put(c, &f, e)) || (rc = store_enr_filing_log(c, f.psn_no, "add", &f, e)) ||
      (rc = enroll__log(env, c, f.psn_no, "filing.add", in, e)))
    return rc;
  *out = json_pack("{s:s,s:s,s:s,s:s,s:s}", "psn_no", f.psn_no, "filing_type", f.filing_type, "admvs", f.admvs,
                   "begndate", f.begndate, "enddate", f.enddate);
  return 0;
}

typedef struct filing_get {
  const char *admvs, *begn;
  store_filing f;
  int found;
} filing_get;
static int filing_pick(const store_filing *f, void *arg) {
  filing_get *g = arg;
  if (!strcmp(f->admvs, g->admvs) && !strcmp(f->begndate, g->begn)) g->f = *f, g->found = 1;
  return 0;
}

int enroll__op_filing_cancel(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32], admvs[8], bd[12], dd[12];
  int32_t b, d = 0;
  int rc;
  store_person p;
  if ((rc = S("psn_no", true, psn_no)) || (rc = S("admvs", true, admvs)) || (rc = enroll__get_date(in, "begndate", 1, &b, bd, e)) ||
      (rc = enroll__get_date(in, "date", 0, &d, dd, e)) || (rc = enroll__person(c, psn_no, "psn_no", &p, e)))
    return rc;
  if (!d) d = enroll_today(env), snprintf(dd, sizeof dd, "%s", env->today);
  filing_get g = {.admvs = admvs, .begn = bd};
  if ((rc = store_filing_each(c, psn_no, filing_pick, &g, e)) < 0) return rc;
  if (!g.found) return yb_fail(e, YB_ENOT_FOUND, "begndate", "%s has no filing for %s beginning %s", psn_no, admvs, bd);
  int32_t en = enroll__dnum(g.f.enddate);
  if (en && en < d) return yb_fail(e, YB_ECONFLICT, "date", "the filing already ended on %s", g.f.enddate);
  if (d < b) return yb_fail(e, YB_EINVAL, "date", "cancellation %s is before the filing begins (%s)", dd, bd);
  int32_t last = d; /* the last day the filing covers */
  char lt[12];
  enroll__date_str(last, lt);
  if ((rc = store_enr_filing_end(c, psn_no, admvs, bd, lt, e))) return rc;
  snprintf(g.f.enddate, sizeof g.f.enddate, "%s", lt);
  if ((rc = store_enr_filing_log(c, psn_no, "cancel", &g.f, e)) || (rc = enroll__log(env, c, psn_no, "filing.cancel", in, e)))
    return rc;
  *out = json_pack("{s:s,s:s,s:s,s:s}", "psn_no", psn_no, "admvs", admvs, "begndate", bd, "enddate", lt);
  return 0;
}
