/* audit_case.c — what fund supervision does with confirmed findings: each institution's credit
 * score for a year (from store_audit's confirmed counts) and its grade. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_audit.h"

int audit_credit_score(const int64_t n[4]) {
  int64_t s = 1000 - 20 * n[1] - 8 * n[2] - 3 * n[3];
  return s < 0 ? 0 : (int)s;
}

const char *audit_credit_grade(int score) { return score >= 900 ? "A" : score >= 750 ? "B" : score >= 600 ? "C" : "D"; }

typedef struct credit_acc {
  audit_credit *v;
  size_t n, cap;
} credit_acc;

static int add_inst(const store_inst *in, void *arg) {
  credit_acc *a = arg;
  if (a->n == a->cap) {
    audit_credit *nv = realloc(a->v, (a->cap = a->cap ? a->cap * 2 : 256) * sizeof *nv);
    if (!nv) return YB_ENOMEM;
    a->v = nv;
  }
  memset(&a->v[a->n], 0, sizeof a->v[0]);
  snprintf(a->v[a->n++].fixmedins_code, sizeof a->v[0].fixmedins_code, "%s", in->fixmedins_code);
  return 0;
}

static int cmp_code(const void *x, const void *y) {
  return strcmp(((const audit_credit *)x)->fixmedins_code, ((const audit_credit *)y)->fixmedins_code);
}

static int add_count(const char *code, int sev, int64_t n, int64_t amt, void *arg) {
  credit_acc *a = arg;
  audit_credit key;
  snprintf(key.fixmedins_code, sizeof key.fixmedins_code, "%s", code);
  audit_credit *c = bsearch(&key, a->v, a->n, sizeof *a->v, cmp_code);
  if (!c || sev < 1 || sev > 3) return 0; /* a finding of an institution since removed */
  c->n[sev] += n;
  c->amt += amt;
  return 0;
}

int audit_credit_each(store_conn *c, int year, int (*fn)(const audit_credit *, void *), void *arg, yb_err *e) {
  credit_acc a = {0};
  int rc = store_inst_each(c, add_inst, &a, e);
  if (rc == YB_ENOMEM) rc = yb_fail(e, rc, "audit", "out of memory");
  if (!rc) {
    qsort(a.v, a.n, sizeof *a.v, cmp_code);
    rc = store_audit_confirmed_counts(c, year, add_count, &a, e);
  }
  for (size_t i = 0; i < a.n && !rc; i++) {
    a.v[i].score = audit_credit_score(a.v[i].n);
    rc = fn(&a.v[i], arg);
  }
  free(a.v);
  return rc;
}
