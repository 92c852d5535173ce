/* store_gen.h — the generator's bulk writes (area GEN, store_sqlite_gen.c): fee lines with
 * their settlement already known, labels, doctors, coordinates, dialysis check-ins, and a
 * record of each run. Called inside store_write transactions. */
#ifndef YB_STORE_GEN_H
#define YB_STORE_GEN_H

#include <stdint.h>

#include "store.h"

/* Bulk mode inside a store_write transaction: a larger page cache, and the job's savepoint
 * released so that pages are not also copied to a sub-journal (which SQLite keeps as an
 * in-memory list it walks from the start: quadratic on a big job). The whole transaction
 * still commits or rolls back as one: store_gen_bulk_end re-opens the savepoint before the
 * job returns, after rolling the whole transaction back when `failed`.
 * The console's sums that the store keeps as settlements and settled lines are written
 * (store_sqlite_console.c: a visit lookup per settlement and a delta per line) are held for the
 * transaction: the caller adds what they would have added, summed over the chunk, with the three
 * functions below (refd_setl_flag is 0 on every generated settlement); store_gen_bulk_end ends
 * the hold. */
int store_gen_bulk(store_conn *c, yb_err *e);
int store_gen_bulk_end(store_conn *c, int failed, yb_err *e);
/* console_item(year, med_list_codg) += `lines` settled fee lines with cnt > 0, `sumamt` fen. */
int store_gen_console_item(store_conn *c, const char *year, const char *med_list_codg, int64_t lines,
                           int64_t sumamt, yb_err *e);
/* console_month(month, insutype, fixmedins_code, kind) += v: settlements, medfee, fund, acct
 * (both account parts), cash (fen). */
int store_gen_console_month(store_conn *c, const char *month, const char *insutype, const char *fixmedins_code,
                            const char *kind, const int64_t v[5], yb_err *e);
/* console_dise(year, dise_codg) += n settlements, fund, medfee; dise_name kept once not ''. */
int store_gen_console_dise(store_conn *c, const char *year, const char *dise_codg, const char *dise_name, int64_t n,
                           int64_t fund, int64_t medfee, yb_err *e);
/* From inside a job that has written nothing: `bulk` switches the database to an in-memory
 * rollback journal without syncs and without foreign-key checks (pages are written once, into
 * the database file; a failed chunk still rolls back, but a crash of the machine mid-run can
 * leave the file unusable, so the generator's database is a fresh one); !bulk switches back
 * to WAL with full syncs and foreign keys. */
int store_gen_journal(store_conn *c, int bulk, yb_err *e);
/* A fee line as the generator has it (borrowed strings; "" where store_fee has an empty field). */
typedef struct store_gen_fee {
  const char *mdtrt_id, *feedetl_sn, *psn_no, *fixmedins_code, *chrg_bchno, *med_type, *med_list_codg,
      *medins_list_codg, *fee_ocur_time, *dise_codg, *setl_id, *body, *result;
  int64_t cnt, pric, sumamt; /* 1e-4 units, micro-yuan, fen */
  int hosp_appr_flag, state;
} store_gen_fee;
/* A fee line with explicit upload order `seq` and settlement f->setl_id ("" = unsettled). */
int store_gen_fee_put(store_conn *c, const store_gen_fee *f, int seq, yb_err *e);
int store_gen_label_put(store_conn *c, const char *kind, const char *psn_no, const char *fixmedins_code,
                        const char *mdtrt_id, const char *setl_id, const char *feedetl_sn,
                        const char *note, yb_err *e);
int store_gen_doctor_put(store_conn *c, const char *dr_code, const char *fixmedins_code, const char *name,
                         const char *dept, const char *begndate, const char *enddate, yb_err *e);
int store_gen_geo_put(store_conn *c, const char *fixmedins_code, const char *town, int64_t lat_e6,
                      int64_t lon_e6, yb_err *e);
int store_gen_checkin_put(store_conn *c, const char *psn_no, const char *fixmedins_code,
                          const char *checkin_time, yb_err *e);
/* Record a run (its parameters and results as JSON texts). */
int store_gen_run_put(store_conn *c, int64_t seed, const char *params, const char *stats, yb_err *e);
/* Number of runs recorded (0 = no generated region in this database). */
int store_gen_runs(store_conn *c, int64_t *n, yb_err *e);

#endif
