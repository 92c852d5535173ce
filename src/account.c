/* account.c — personal account allocation and the family-sharing binding rules (account.h).
 * The rows and limits are the policy's `enrollment.employee` and `enrollment.family`. */
#include "account.h"

#include <string.h>

#include "money.h"

int64_t account_allocation(const enroll_policy *ep, int psn_class, int age, int64_t base,
                           int64_t own_contribution, int *rule) {
  *rule = -1;
  for (int i = 0; i < ep->n_alloc; i++) {
    const enroll_alloc_rule *a = &ep->alloc[i];
    if ((a->psn_class >= 0 && a->psn_class != psn_class) || (a->age_min >= 0 && age < a->age_min) ||
        (a->age_max >= 0 && age > a->age_max))
      continue;
    *rule = i;
    return a->monthly + money_mul_bp(base, a->of_base) + money_mul_bp(own_contribution, a->of_contribution);
  }
  return 0;
}

int account_bind_check(const enroll_policy *ep, const account_party *h, const account_party *r,
                       const char *relation, yb_err *e) {
  if (!h->exists) return yb_fail(e, YB_ENOT_FOUND, "holder_psn_no", "no person %s", h->psn_no);
  if (!r->exists) return yb_fail(e, YB_ENOT_FOUND, "psn_no", "no person %s", r->psn_no);
  if (!strcmp(h->psn_no, r->psn_no))
    return yb_fail(e, YB_EINVAL, "holder_psn_no", "a person cannot share his own account as a relative");
  bool ok = false;
  for (int i = 0; i < ep->n_relations; i++) ok |= !strcmp(ep->relations[i], relation);
  if (!ok)
    return yb_fail(e, YB_EINVAL, "relation", "'%s' is not a close relative the policy allows "
                   "(enrollment.family.relations)", relation);
  if (h->dead) return yb_fail(e, YB_EINVAL, "holder_psn_no", "account holder %s is deceased", h->psn_no);
  if (r->dead) return yb_fail(e, YB_EINVAL, "psn_no", "relative %s is deceased", r->psn_no);
  if (!h->employee_active)
    return yb_fail(e, YB_EINVAL, "holder_psn_no", "%s is not an active employee-scheme member this year: "
                   "only an employee's personal account can be shared", h->psn_no);
  if (r->bound_to[0])
    return yb_fail(e, YB_ECONFLICT, "psn_no", "%s already shares the account of %s; unbind first", r->psn_no,
                   r->bound_to);
  if (ep->max_relatives && h->holder_relatives >= ep->max_relatives)
    return yb_fail(e, YB_ECONFLICT, "holder_psn_no", "the account of %s already shares with %d relatives, the "
                   "most the policy allows", h->psn_no, h->holder_relatives);
  return 0;
}
