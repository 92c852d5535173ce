/* store_enroll.h — the enrollment area's storage (store_sqlite_enroll.c, area ENROLL):
 * contributions, paybacks and refunds; address / category / scheme history; households;
 * family-sharing bindings; the personal account ledger; the filing history; an append-only
 * change log. The core tables (person, enrollment, person_filing) stay in store.h.
 * Every function returns 0 or a negative YB_E… with e filled. */
#ifndef YB_STORE_ENROLL_H
#define YB_STORE_ENROLL_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

typedef struct store_enr_contrib {
  char psn_no[32];
  int year;
  char insutype[8];
  char kind[16];      /* contribution, payback, refund, employee */
  char month[8];      /* employee rows: yyyy-MM */
  int64_t individual, fiscal, assistance, person, employer, base; /* fen */
  char payer[40];     /* self, acct:PSN_NO (family sharing), assist:GROUP */
  char paid_date[12];
  char memo[128];
} store_enr_contrib;

int store_enr_contrib_add(store_conn *c, const store_enr_contrib *r, yb_err *e);
/* Sum of `person` and count of rows of a kind for (psn_no, year, insutype; "" = any scheme). */
int store_enr_contrib_sum(store_conn *c, const char *psn_no, int year, const char *insutype,
                          const char *kind, int64_t *person, int64_t *count, yb_err *e);
/* Earliest payment date of the contribution for (psn_no, year, insutype) into out ("" if none). */
int store_enr_paid_date(store_conn *c, const char *psn_no, int year, const char *insutype, char *out,
                        size_t cap, yb_err *e);
/* Years a person paid back (for any scheme). */
int store_enr_paid_back_each(store_conn *c, const char *psn_no, int (*fn)(int year, void *), void *arg,
                             yb_err *e);

/* History of an attribute: kind address, category, scheme, death, name … */
int store_enr_hist_add(store_conn *c, const char *psn_no, const char *kind, const char *value,
                       const char *begndate, yb_err *e);
int store_enr_household_put(store_conn *c, const char *hh_no, const char *psn_no, const char *relation,
                            yb_err *e);
int store_enr_family_put(store_conn *c, const char *holder, const char *relative, const char *relation,
                         const char *begndate, yb_err *e);
/* End the relative's open binding on enddate; YB_ENOT_FOUND when none is open. */
int store_enr_family_end(store_conn *c, const char *relative, const char *enddate, yb_err *e);
int store_enr_family_count(store_conn *c, const char *holder, int64_t *n, yb_err *e);
/* The relation of relative's open binding to holder into rel (cap bytes); YB_ENOT_FOUND if none. */
int store_enr_family_get(store_conn *c, const char *holder, const char *relative, char *rel, size_t cap,
                         yb_err *e);

/* Move delta fen into (or out of) a personal account with a ledger row; YB_ECONFLICT when the
 * balance would go negative. */
int store_enr_ledger_add(store_conn *c, const char *psn_no, const char *kind, int64_t delta,
                         const char *ref, const char *memo, yb_err *e);

int store_enr_filing_log(store_conn *c, const char *psn_no, const char *action, const store_filing *f,
                         yb_err *e);
/* Set a filing's end date (cancellation); YB_ENOT_FOUND if there is no such filing. */
int store_enr_filing_end(store_conn *c, const char *psn_no, const char *admvs, const char *begndate,
                         const char *enddate, yb_err *e);

/* Append to the change log (append-only: the schema refuses UPDATE and DELETE). */
int store_enr_log(store_conn *c, const char *who, const char *psn_no, const char *action,
                  const char *detail, yb_err *e);

/* Every enrollment row of a person, by year then insutype. */
int store_enr_years_each(store_conn *c, const char *psn_no, int (*fn)(const store_enroll *, void *),
                         void *arg, yb_err *e);
/* Fund paid per settlement year for a person (valid settlements, all schemes). */
int store_enr_fund_each(store_conn *c, const char *psn_no, int (*fn)(int year, int64_t fund, void *),
                        void *arg, yb_err *e);
/* Persons enrolled in (year, insutype), by psn_no, after `after` ("" = from the start), at most
 * limit (0 = all). */
int store_enr_enrolled_each(store_conn *c, int year, const char *insutype, const char *after, int limit,
                            int (*fn)(const char *psn_no, void *), void *arg, yb_err *e);

/* Ready-made listings as a JSON array of objects keyed by column name (new reference in *out):
 * amounts are fen integers (columns ending in _fen). a = text parameter, n = integer one. */
enum {
  STORE_ENR_Q_CONTRIBS,       /* a psn_no */
  STORE_ENR_Q_HIST,           /* a psn_no */
  STORE_ENR_Q_LEDGER,         /* a psn_no */
  STORE_ENR_Q_FILINGS,        /* a psn_no: person_filing rows */
  STORE_ENR_Q_FILING_LOG,     /* a psn_no */
  STORE_ENR_Q_LOG,            /* a psn_no */
  STORE_ENR_Q_FAMILY,         /* a psn_no: bindings as holder or relative */
  STORE_ENR_Q_HOUSEHOLD,      /* a psn_no: members of the person's households */
  STORE_ENR_Q_ENROLLMENTS,    /* a psn_no */
  STORE_ENR_Q_ACCT_SETL,      /* a psn_no: settlements the account paid (own or as relative) */
  STORE_ENR_Q_FIND_NAME,      /* a "name\tyyyy-MM-dd" */
  STORE_ENR_Q_BROKEN,         /* n year: alive persons enrolled before, not in year */
  STORE_ENR_Q_HH_UNENROLLED,  /* n year: household members not enrolled in year */
  STORE_ENR_Q_SELF_BURDEN,    /* n year: per person, yearly self-burden of valid settlements */
  STORE_ENR_Q_COUNT
};
int store_enr_query(store_conn *c, int q, const char *a, int64_t n, json_t **out, yb_err *e);

#endif
