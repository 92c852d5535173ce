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

/* ---- internal to the enrollment operations (enroll_ops.c, enroll_family.c, enroll_filing.c) ---- */
const char *enroll__date_str(int32_t d, char *b);       /* yyyymmdd → text, "" for 0 */
int32_t enroll__dnum(const char *s);                    /* text → yyyymmdd, 0 if empty/invalid */
/* A date input (any accepted format) into yyyymmdd and normalized text; 0 when absent and optional. */
int enroll__get_date(json_t *in, const char *key, int required, int32_t *d, char *text, yb_err *e);
int enroll__get_year(json_t *in, const char *key, int *year, yb_err *e);
/* The person, or YB_ENOT_FOUND naming `field`. */
int enroll__person(store_conn *c, const char *psn_no, const char *field, store_person *p, yb_err *e);
bool enroll__dead_by(const store_person *p, int32_t date);
/* Append the operation's input to the person's change log. */
int enroll__log(const enroll_env *env, store_conn *c, const char *psn_no, const char *action, json_t *in,
                yb_err *e);
typedef struct enroll__req {
  char psn_no[32], insutype[8], psn_type[8], payer[40], pay_text[12];
  int year;
  int32_t pay;
} enroll__req;
int enroll__read_req(const enroll_env *env, json_t *in, enroll__req *q, const char *psn_key, yb_err *e);
/* Check and write one enrollment (split filled, *out the reply). */
int enroll__do_enroll(const enroll_env *env, store_conn *c, const enroll__req *q, json_t *in, enroll_split *split,
                      json_t **out, yb_err *e);
int enroll__op_employee_contribution(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll__op_family_bind(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll__op_family_unbind(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll__op_family_pay(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll__op_filing_add(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll__op_filing_cancel(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);

/* enroll_view.c: the read operations (find, show, statement, monitor.*) */
int enroll_op_find_person(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_show(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_statement(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_monitor_broken(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_monitor_household(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);
int enroll_op_monitor_high_cost(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e);

#endif
