/* store_audit.h — the audit area's storage (store_sqlite_audit.c): loading a period (or one
 * person's history) into the engine's compact records, findings of audit runs, cases with their
 * logged state changes, recoveries, and the per-institution deductions year-end clearing takes. */
#ifndef YB_STORE_AUDIT_H
#define YB_STORE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "store.h"

/* ---- loading ------------------------------------------------------------------------------- */
/* Fill d with persons, institutions (and their geo), doctors, dialysis check-ins, and from the
 * audit extract the settled visits beginning in [from - lookback_days, to] (those from `from` on
 * are in scope, the earlier ones history) with their settlements and the settled lines from
 * `from` on; settlements cancelled since are left out. Dates are yyyy-MM-dd. Reads the extract
 * as it stands: call store_audit_extract_sync first. Does not call audit_data_finish. */
int store_audit_load(store_conn *c, const char *from, const char *to, int lookback_days, audit_data *d,
                     yb_err *e);
/* Bring the audit extract up to date: pack the settlements added since the last sync, with their
 * visits and settled fee lines, into segments, and record the settlements cancelled since. Runs
 * in transactions of 5 000 settlements (a running server's writes wait for one at a time, not
 * for the whole). A mark that no longer names the same settlement row (a copy whose row ids
 * changed) rebuilds the extract. Each settlement's lines are stored in the order the loader
 * indexes them by with catalog cat (NULL: as read). *setls and *lines (NULL ok) get how many were
 * packed. */
int store_audit_extract_sync(store *s, const catalog *cat, int64_t *setls, int64_t *lines, yb_err *e);
/* Rewrite the extract in (person, begin) order now (a sync does it by itself once enough
 * settlements are out of that order: a real region's arrive in time order). *setls: how many. */
int store_audit_extract_compact(store *s, int64_t *setls, yb_err *e);
/* One person for pre/during checks: the person, institution `inst` (the institutions of history
 * visits are added bare: no live rule reads them), and the visits beginning in [since, until] as history, plus visit
 * mdtrt_id in scope (with_current) or left out (the caller adds it, from a request). The current
 * visit's lines are added by the caller (store_audit_load_visit_lines, or from the request). */
int store_audit_load_person(store_conn *c, const char *psn_no, const char *inst, const char *since,
                            const char *until, const char *mdtrt_id, bool with_current, audit_data *d, yb_err *e);
/* Add the valid lines of one visit: the unsettled ones (the batch a settlement is about to take),
 * or all of them; a stay's returns netted into the lines they return (docs/audit.md). */
int store_audit_load_visit_lines(store_conn *c, const char *mdtrt_id, bool unsettled_only, audit_data *d, yb_err *e);

/* ---- ground truth (generator labels) -------------------------------------------------------- */
typedef struct store_audit_label {
  const char *kind, *psn_no, *fixmedins_code, *mdtrt_id, *setl_id, *feedetl_sn, *note;
} store_audit_label;
int store_audit_labels(store_conn *c, int (*fn)(const store_audit_label *, void *), void *arg, yb_err *e);

/* ---- findings ------------------------------------------------------------------------------ */
typedef struct store_audit_finding {
  int64_t finding_id, run_id, case_id; /* case_id 0 = none */
  char rule_id[24], kind[32], fixmedins_code[32], psn_no[32], mdtrt_id[32], setl_id[32], feedetl_sn[32];
  char occur_date[12], state[12], evid[256], stage[8];
  int sev_deg, level;
  int64_t vola_amt; /* fen */
} store_audit_finding;

/* A new run of `stage` over [from, to]; *run_id its id. */
int store_audit_run_new(store_conn *c, const char *stage, const char *from, const char *to, const char *rules,
                        const char *at, int64_t *run_id, yb_err *e);
int store_audit_run_done(store_conn *c, int64_t run_id, int64_t lines, int64_t findings, yb_err *e);
/* Insert a finding (state "flagged"); a finding of the same rule on the same visit and line
 * already held is kept and *added is 0 (re-running a period adds nothing twice). */
int store_audit_finding_put(store_conn *c, const store_audit_finding *f, int *added, yb_err *e);

typedef struct store_audit_filter {
  const char *fixmedins_code, *rule_id, *kind, *state, *psn_no, *from, *to; /* NULL or "" = any */
  int64_t case_id;                                                          /* 0 = any */
  int64_t limit, offset;                                                    /* limit 0 = 100 */
} store_audit_filter;
int store_audit_finding_each(store_conn *c, const store_audit_filter *q,
                             int (*fn)(const store_audit_finding *, void *), void *arg, yb_err *e);
int store_audit_finding_get(store_conn *c, int64_t id, store_audit_finding *out, yb_err *e);

/* ---- cases ---------------------------------------------------------------------------------- */
/* States: open → review → confirmed | dismissed; confirmed cases take recoveries. */
typedef struct store_audit_case {
  int64_t case_id;
  char fixmedins_code[32], state[12], title[128], reason[256], opened_by[64], opened_at[20], updated_at[20];
  int year;
  int64_t n_findings, amt_flagged, amt_confirmed, amt_recovered; /* fen */
} store_audit_case;

/* Open a case over findings (all flagged, of one institution); logs event "open". */
int store_audit_case_open(store_conn *c, const int64_t *finding_ids, int n, const char *title, const char *who,
                          const char *at, int64_t *case_id, yb_err *e);
/* review / confirm / dismiss with a reason (confirm: amount in fen, -1 = the flagged amount). */
int store_audit_case_move(store_conn *c, int64_t case_id, const char *action, const char *reason, int64_t amount,
                          const char *who, const char *at, yb_err *e);
/* Record money recovered from the institution for a confirmed case. */
int store_audit_case_recover(store_conn *c, int64_t case_id, int64_t amount, const char *note, const char *who,
                             const char *at, yb_err *e);
int store_audit_case_get(store_conn *c, int64_t case_id, store_audit_case *out, yb_err *e);
int store_audit_case_each(store_conn *c, const char *fixmedins_code, const char *state,
                          int (*fn)(const store_audit_case *, void *), void *arg, yb_err *e);
typedef struct store_audit_event {
  int64_t event_id, case_id, amount;
  char at[20], who[64], action[16], note[256];
} store_audit_event;
int store_audit_event_each(store_conn *c, int64_t case_id, int (*fn)(const store_audit_event *, void *), void *arg,
                           yb_err *e);

/* ---- year-end: deductions and credit ---------------------------------------------------------- */
/* For each institution with confirmed cases of `year`: confirmed fen, recovered fen, and the
 * deduction clearing takes (confirmed − recovered), in institution-code order. */
int store_audit_deductions(store_conn *c, int year,
                           int (*fn)(const char *fixmedins_code, int64_t confirmed, int64_t recovered,
                                     int64_t deductible, void *), void *arg, yb_err *e);
/* Confirmed findings of `year` per institution and severity, for the credit score. */
int store_audit_confirmed_counts(store_conn *c, int year,
                                 int (*fn)(const char *fixmedins_code, int sev_deg, int64_t n, int64_t amt, void *),
                                 void *arg, yb_err *e);
/* Confirmed findings of `year` per rule: the negative list of common violations. */
int store_audit_negative_list(store_conn *c, int year,
                              int (*fn)(const char *rule_id, const char *kind, const char *fixmedins_code, int64_t n,
                                        int64_t amt, void *), void *arg, yb_err *e);

/* ---- credit over the store (audit_case.c) ------------------------------------------------------ */
typedef struct audit_credit {
  char fixmedins_code[32];
  int score;
  int64_t n[4]; /* confirmed findings by sev_deg 1..3 */
  int64_t amt;  /* their amount, fen */
} audit_credit;
/* Every institution's credit for `year`, in code order. */
int audit_credit_each(store_conn *c, int year, int (*fn)(const audit_credit *, void *), void *arg, yb_err *e);

#endif
