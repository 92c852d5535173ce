/* store_dip.h — storage of the DIP area (store_sqlite_dip.c): catalogue versions and groups,
 * case scores, monthly advances, audit deductions, clearings and institution statements, and
 * the reading of the inpatient history from the core tables visit and settlement. */
#ifndef YB_STORE_DIP_H
#define YB_STORE_DIP_H

#include <stdint.h>

#include "dip.h"
#include "store.h"

/* Discharged inpatient stays whose valid original settlements fall in years [from, to]: one
 * case per stay (mdtrt_id), cost = Σ medfee_sumamt, year = the settlements' latest year, the
 * main diagnosis visit.dise_codg (else the first of visit.diag), procedures from visit.info
 * (oprn_oprt_code at the top, in discharge.dscginfo, or oprninfo[] lists), level from
 * institution.hosp_lv, special = approved in dip_special. Ordered by mdtrt_id. */
int store_dip_history_each(store_conn *c, int from, int to, int (*fn)(const dip_case *, void *), void *arg,
                           yb_err *e);
/* One stay as a case (YB_ENOT_FOUND if it is not a settled inpatient stay). */
int store_dip_case_load(store_conn *c, const char *mdtrt_id, dip_case *out, yb_err *e);

/* Catalogue versions: "<year>-v<n>", n counting from 1 per year. */
int store_dip_version_next(store_conn *c, int year, char *out, size_t cap, yb_err *e);
int store_dip_catalog_put(store_conn *c, const char *version, const dip_catalog *cat, const char *params,
                          yb_err *e);
/* version NULL or "": the newest for `year`. *out is new; version_out receives the version. */
int store_dip_catalog_get(store_conn *c, const char *version, int year, dip_catalog **out, char *version_out,
                          size_t cap, yb_err *e);

/* The newest catalogue version of `year` (YB_ENOT_FOUND if none), without loading it. */
int store_dip_catalog_newest(store_conn *c, int year, char *out, size_t cap, yb_err *e);
/* Remove one stay's score (its settlement was cancelled). */
int store_dip_case_del(store_conn *c, const char *mdtrt_id, yb_err *e);

/* Case scores: replace the year's rows (clear first), then one per case with its trace. */
int store_dip_cases_clear(store_conn *c, int year, yb_err *e);
int store_dip_case_put(store_conn *c, const dip_case *k, const dip_score *s, const dip_group *g, const char *version,
                       const char *trace, yb_err *e);
typedef struct store_dip_case_row {
  const char *mdtrt_id, *fixmedins_code, *diag, *procs, *group, *trace;
  int level, kind, fold, special_req, special_refused;
  int64_t cost, ratio_bp, factor_bp, base4, score4, rw4;
} store_dip_case_row;
/* A year's scored cases by institution then mdtrt_id (inst NULL = all); trace "" (see
 * store_dip_case_get for one stay's trace). */
int store_dip_case_each(store_conn *c, int year, const char *inst, int (*fn)(const store_dip_case_row *, void *),
                        void *arg, yb_err *e);
/* Per institution: cases and Σ score. */
int store_dip_score_totals(store_conn *c, int year,
                           int (*fn)(const char *inst, int64_t n, int64_t score4, void *), void *arg, yb_err *e);

/* Approve a stay for special review (特例单议); the limit is applied when scoring. */
int store_dip_special_put(store_conn *c, const char *mdtrt_id, const char *who, const char *note, yb_err *e);

/* Settled fund per institution and month (1–12) of inpatient stays, originals minus reversals. */
int store_dip_fund_months(store_conn *c, int year, int (*fn)(const char *inst, int month, int64_t fund, void *),
                          void *arg, yb_err *e);
int store_dip_advances_clear(store_conn *c, int year, yb_err *e);
int store_dip_advance_put(store_conn *c, int year, int month, const char *inst, int64_t fund, int32_t share_bp,
                          int64_t amount, yb_err *e);

/* The stored advances of a year (month 0: every month), by institution and month. */
int store_dip_advances_each(store_conn *c, int year, int month,
                            int (*fn)(const char *inst, int month, int64_t fund, int32_t share_bp, int64_t amount,
                                      void *),
                            void *arg, yb_err *e);

/* Audit deductions (扣款) the audit area, or a clerk, files against an institution's year. */
int store_dip_deduction_add(store_conn *c, int year, const char *inst, int64_t amount, const char *source,
                            const char *note, yb_err *e);
int store_dip_deductions_each(store_conn *c, int year, int (*fn)(const char *inst, int64_t amount, void *), void *arg,
                              yb_err *e);

/* The year's clearing (replaced) and its statements. */
int store_dip_clearing_put(store_conn *c, int year, const char *version, const dip_clearing *k, const char *body,
                           yb_err *e);
int store_dip_statement_put(store_conn *c, int year, const char *inst, const char *json, const char *csv, yb_err *e);
/* *json / *csv malloc'd (either may be NULL to skip). */
int store_dip_statement_get(store_conn *c, int year, const char *inst, char **json, char **csv, yb_err *e);

/* The year's clearing summary (JSON, malloc'd). */
int store_dip_clearing_get(store_conn *c, int year, char **body, yb_err *e);
/* One stay's stored score (YB_ENOT_FOUND if never scored). */
int store_dip_case_get(store_conn *c, const char *mdtrt_id,
                       int (*fn)(const store_dip_case_row *, int year, const char *version, void *), void *arg,
                       yb_err *e);
/* Catalogue versions (year 0: all), oldest first. */
int store_dip_catalogs_each(store_conn *c, int year,
                            int (*fn)(const char *version, int year, const char *built_at, int64_t n_cases,
                                      int64_t n_groups, void *),
                            void *arg, yb_err *e);

#endif
