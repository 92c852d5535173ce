/* audit_types.h — the rule-type schema shared by audit.c (the evaluators and their table) and
 * audit_rules.c (loading rule files against it); not for other modules. */
#ifndef YB_AUDIT_TYPES_H
#define YB_AUDIT_TYPES_H

#include "audit_int.h"

typedef struct audit_param {
  const char *name;
  int64_t def, min, max;
  const char *unit;
} audit_param;

typedef struct audit_ctx audit_ctx;

struct audit_type {
  const char *name;   /* = fraud_label kind where the contract names one */
  int level;          /* AUDIT_LEVEL_* */
  bool live;          /* may run before / during settlement (needs no period-wide history) */
  bool pairs;         /* takes params.pairs */
  /* line rules: true on a hit, with f->vola_amt and f->evid filled */
  bool (*line)(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f);
  /* visit rules */
  bool (*visit)(const audit_ctx *x, const audit_rule *r, uint32_t v, audit_finding *f);
  int n_params;
  audit_param params[AUDIT_MAX_PARAMS];
  const char *what;
  /* line rules: whether a line of item `it` (NULL: not in the catalog) can hit at all; NULL any.
   * The pass calls a line rule only for the items it may hit, from a mask per item. */
  bool (*may)(const audit_rule *r, const ad_item *it);
};

const audit_type *audit_type_find(const char *name);

#endif
