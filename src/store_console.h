/* store_console.h — the console's read queries and the summary tables that keep its pages fast
 * on a county of a million persons (backend: store_sqlite_console.c, area CONSOLE). The store
 * keeps the summary tables as settlements and settled fee lines are written (their deltas summed
 * in C and upserted once at each commit; the contributions' income by a trigger) and rebuilds
 * them in full with store_console_rebuild (`yibao console refresh`, the area's first migration). */
#ifndef YB_STORE_CONSOLE_H
#define YB_STORE_CONSOLE_H

#include <stdint.h>

#include "store.h"

/* The named queries; each one's parameters and columns are listed in store_sqlite_console.c. */
typedef enum store_console_q {
  STORE_CONSOLE_YEARS,         /* () → year — years that have settlements, newest first */
  STORE_CONSOLE_MONTH_SCHEME,  /* (year) → month insutype kind n nrev medfee fund acct cash */
  STORE_CONSOLE_LEVELS,        /* (year) → hosp_lv medins_type institutions settling n fund medfee */
  STORE_CONSOLE_DISE_TOP,      /* (year, limit) → dise_codg dise_name n fund medfee */
  STORE_CONSOLE_DRUG_TOP,      /* (year, limit) → med_list_codg lines sumamt */
  STORE_CONSOLE_INST_LIST,     /* (year) → code name hosp_lv medins_type admdvs n fund medfee last_month */
  STORE_CONSOLE_INST_MONTHS,   /* (code) → month insutype kind n nrev medfee fund acct cash */
  STORE_CONSOLE_INST_RECENT,   /* (code, month_from) → code month fund — months ≥ month_from */
  STORE_CONSOLE_INST_SETLS,    /* (code, begn, end, limit, offset) → SETL columns (below) */
  STORE_CONSOLE_PSN_FIND,      /* (text, limit) → psn_no psn_name gend brdy certno insuplc_admdvs */
  STORE_CONSOLE_PSN_ENROLL,    /* (psn_no) → year insutype psn_type stas insu_date paus_date wait_until wait_reason ci_cap_raise */
  STORE_CONSOLE_PSN_ACCUM,     /* (psn_no) → year bucket period value */
  STORE_CONSOLE_PSN_SETLS,     /* (psn_no, limit) → SETL columns */
  STORE_CONSOLE_COUNTS,        /* () → persons */
  STORE_CONSOLE_INCOME,        /* (year) → month insutype kind n amount — contributions (fen) */
  STORE_CONSOLE_Q_N
} store_console_q;

/* SETL columns: setl_id mdtrt_id psn_no psn_name fixmedins_code fixmedins_name insutype med_type
 * setl_time refd_setl_flag state medfee fund acct cash kind dise_codg orig_setl_id */

#define STORE_CONSOLE_MAX_COLS 20
typedef struct store_console_row {
  int n;
  const char *s[STORE_CONSOLE_MAX_COLS]; /* every column as text ("" for NULL); borrowed */
  int64_t i[STORE_CONSOLE_MAX_COLS];     /* every column as an integer (0 for NULL or text) */
} store_console_row;

typedef struct store_console_arg {
  const char *s; /* text parameter, or NULL for an integer */
  int64_t i;
} store_console_arg;

/* Run query q with its parameters; fn gets each row (borrowed, valid during the call) and may
 * stop the walk by returning non-zero (that value is returned). */
int store_console_each(store_conn *c, store_console_q q, const store_console_arg *args, int nargs,
                       int (*fn)(const store_console_row *, void *), void *arg, yb_err *e);
/* Rebuild every summary table from the core tables (in transaction w); the sums the store holds
 * for the transaction so far are then in the tables, and only later writes add theirs. */
int store_console_rebuild(store_conn *w, yb_err *e);

#endif
