/* account.h — the employee personal account (个人账户) rules: the monthly allocation by the
 * policy's rows, and whether a relative may be bound for family sharing (家庭共济). Pure; the
 * ledger and the binding are kept by store_enroll.h. */
#ifndef YB_ACCOUNT_H
#define YB_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "enroll.h"
#include "err.h"

/* One month's allocation for a person of class psn_class and age, with that month's wage
 * base and own contribution (fen). *rule is the row used (-1 none: allocation 0). */
int64_t account_allocation(const enroll_policy *ep, int psn_class, int age, int64_t base,
                           int64_t own_contribution, int *rule);

/* What the binding check needs to know about the two persons. */
typedef struct account_party {
  char psn_no[32];
  bool exists, dead, employee_active; /* employee_active: enrolled in 310, normal status, this year */
  char bound_to[32];                  /* the account the person is already bound to, or "" */
  int holder_relatives;               /* relatives already bound to this person's account */
} account_party;

/* 0 when `relative` may share `holder`'s account as `relation`; else YB_EINVAL / YB_ECONFLICT /
 * YB_ENOT_FOUND with the field and a message a clerk can act on. */
int account_bind_check(const enroll_policy *ep, const account_party *holder,
                       const account_party *relative, const char *relation, yb_err *e);

#endif
