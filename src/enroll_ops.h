/* enroll_ops.h — the enrollment operations the agency runs (一人一档, enrollment, paybacks,
 * refunds, transfers, employee contributions, family sharing, filings, monitoring), one table
 * from name to handler, each taking a JSON object and giving one back. The admin API
 * (api_enroll.c) and the CLI (cmd_enroll.c) both dispatch through it, so a rule lives once.
 * Writes run inside the caller's store_write transaction: a refused request returns an error
 * before or instead of committing, so nothing changes. */
#ifndef YB_ENROLL_OPS_H
#define YB_ENROLL_OPS_H

#include <jansson.h>

#include "enroll.h"
#include "err.h"
#include "policy.h"
#include "store.h"

typedef struct enroll_env {
  /* Policy of a region for a year (the latest loaded version), or NULL. Borrowed. */
  const policy *(*policy_for)(void *ctx, const char *region, int year);
  void *ctx;
  const char *who;        /* user name for the change log */
  const char *region;     /* the serving region (default insured region of new persons) */
  char today[11];         /* yyyy-MM-dd */
} enroll_env;

typedef int (*enroll_op_fn)(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);

typedef struct enroll_op {
  const char *name;       /* "enroll", "payback", "family.bind" … */
  enroll_op_fn fn;
  int writes;             /* needs the writer connection and a transaction */
  const char *help;
} enroll_op;

const enroll_op *enroll_op_find(const char *name);
const enroll_op *enroll_op_table(int *n);

/* ---- shared by enroll_ops.c and enroll_view.c ---------------------------------------------- */
/* The policy for region and year, else the nearest earlier year (up to 10 years back). */
const policy *enroll_policy_near(const enroll_env *env, const char *region, int year);
/* Today as yyyymmdd. */
int32_t enroll_today(const enroll_env *env);
/* The person's active idet codes on date → groups of p; *exempt set to the first exempt code's
 * group name (or class, for psn_type) when any is exempt from waiting periods. */
uint32_t enroll_groups_on(store_conn *c, const policy *p, const char *psn_no, const char *psn_type,
                          int32_t date, char *exempt, size_t cap, yb_err *e);
/* Recompute and store the waiting period and incentive of an enrollment; fills the outputs
 * (either may be NULL). */
int enroll_recompute(const enroll_env *env, store_conn *c, const char *psn_no, int year,
                     const char *insutype, enroll_wait_out *wait, enroll_incentive_out *inc, yb_err *e);
/* Compute them without storing (for show). */
int enroll_compute(const enroll_env *env, store_conn *c, const store_enroll *en, enroll_wait_out *wait,
                   enroll_incentive_out *inc, yb_err *e);
json_t *enroll_wait_json(const enroll_wait_out *w);
json_t *enroll_incentive_json(const enroll_incentive_out *o);
/* Replace every "x_fen" integer member of the objects of rows (recursively) by "x" in yuan. */
void enroll_json_yuan(json_t *v);
/* A listing (array of flat objects) as CSV text with a header line; caller frees. */
char *enroll_rows_csv(json_t *rows);

/* enroll_view.c: the read operations (find, show, statement, monitor.*) */
int enroll_op_find_person(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_show(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_statement(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_monitor_broken(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_monitor_household(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_monitor_high_cost(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);

#endif
