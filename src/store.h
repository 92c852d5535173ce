/* store.h — the one storage interface the rest of yibao uses (backend: store_sqlite.c).
 * Reads go through a per-thread read connection; writes go through one writer thread that
 * runs queued jobs, each inside its own SAVEPOINT, and commits a whole batch at once
 * (group commit), so many requests share one fsync and writes are serialized.
 * Every table that grows with people or visits carries psn_no (institution-side tables:
 * fixmedins_code), the key a sharded backend would distribute on. */
#ifndef YB_STORE_H
#define YB_STORE_H

#include <stdint.h>

#include "err.h"

typedef struct store store;           /* the database */
typedef struct store_conn store_conn; /* one connection, used by one thread at a time */

#define STORE_SCHEMA_VERSION 7

/* Open (creating if absent) and migrate the schema. *out is new (store_close). */
int store_open(const char *path, store **out, yb_err *e);
/* Stops the writer if running, closes every connection, frees s. */
void store_close(store *s);
/* This thread's read connection (opened on first use, owned by s). NULL on error. */
store_conn *store_reader(store *s, yb_err *e);
/* One read snapshot over several reads on a reader (BEGIN … COMMIT): the snapshot is taken at
 * the first read after begin, and the connection's page cache, which a commit elsewhere makes
 * stale, is checked once instead of per statement. 0 or YB_ESTORE. */
int store_read_begin(store_conn *c, yb_err *e);
void store_read_end(store_conn *c);
/* A connection's schema version (PRAGMA user_version). */
int store_schema_version(store_conn *c);

/* ---- writes: group commit ------------------------------------------------------------ */
typedef struct store_job store_job;
struct store_job {
  /* Runs in the writer thread inside a SAVEPOINT (or see `rerun`); a non-zero return rolls back
   * this job alone. Must not block. */
  int (*run)(store_conn *w, store_job *job);
  /* Called in the writer thread after the batch's COMMIT: commit_rc 0, or YB_ESTORE when
   * the commit failed (then nothing of the batch was written). May free the job. */
  void (*done)(store_job *job, int commit_rc);
  int rc;         /* run's return, kept for done */
  int keyed;      /* 1: the submitter tracks what the job changes (api_core.c's versions); 0: the
                   * store counts it as a write that may change anything (store_unkeyed_*) */
  int rerun;      /* 1: run may be called again for the same job, from the state it first ran in,
                   * and gives the same result (it keeps nothing of a run but its result). Such
                   * jobs run without their own SAVEPOINT; one that fails after it wrote has the
                   * batch rolled back and the jobs before it run again (store_sqlite.c) */
  store_job *next; /* queue link, owned by the store */
  uint64_t t_submit, t_run, t_commit; /* ns, CLOCK_MONOTONIC: YB_STORE_TIMING's per-job figures */
};
int store_writer_start(store *s, yb_err *e);
void store_writer_stop(store *s);
/* Queue a job (borrowed until done is called): 0, or -1 once store_writer_stop has begun (the
 * job is not queued and done is never called). Needs a started writer. */
int store_submit(store *s, store_job *job);
/* Run fn in one transaction on the writer connection and wait for its commit: through the
 * queue when the writer runs, directly otherwise (init, tests). Returns fn's code or the
 * commit's. */
int store_write(store *s, int (*fn)(store_conn *w, void *arg, yb_err *e), void *arg, yb_err *e);
/* Unkeyed jobs (store_write's included) run so far — in the writer thread only — and finished
 * (done called, so their commit is visible) — from any thread. A reader that saw finished == n
 * before reading, and a writer job that then sees run == n, know no such write came between. */
uint64_t store_unkeyed_run(store *s);
uint64_t store_unkeyed_done(store *s);
/* A batch that has run this many jobs commits between two of them once the syncer is idle, the
 * rest starting the next batch (STORE_BATCH_CUT, 32, by default; 0: never, for a test that needs
 * a queue in one batch). Call before store_writer_start. */
void store_batch_cut(store *s, int jobs);
/* Batches committed and jobs run since open (for the bench and operations). */
void store_stats(store *s, uint64_t *batches, uint64_t *jobs);
/* The writer since the store opened, and its queues now (GET /api/v1/stats). Sums of ns; the
 * three waits are summed over wait_jobs, the writes made durable by the syncer. */
typedef struct store_health {
  int running;                  /* the writer, syncer and checkpointer threads run */
  uint64_t queued, unsynced;    /* now: writes waiting for the writer; committed, for their fdatasync */
  uint64_t jobs, batches, syncs, redos, wal_restarts;
  uint64_t run_ns, commit_ns, idle_ns, sync_ns;
  uint64_t wait_queue_ns, wait_batch_ns, wait_sync_ns, wait_jobs;
  int wal_frames;               /* in the WAL after the last commit */
} store_health;
void store_health_get(store *s, store_health *out);
/* Batches rolled back and run again because a job without its own SAVEPOINT failed after it
 * wrote (store_job.rerun). */
uint64_t store_redos(store *s);

/* ---- records --------------------------------------------------------------------------- */
typedef struct store_person {
  char psn_no[32], psn_cert_type[8], certno[40], psn_name[64], gend[4], naty[4], brdy[12];
  char card_no[40], card_sn[40], ecert[72], insuplc_admdvs[8], emp_name[128], cvlserv_flag[4];
  char family_psn_no[32]; /* bound relative whose account may pay (家庭共济), or "" */
  char death_date[12];
  int64_t acct_balc;      /* personal account balance, fen */
} store_person;

typedef struct store_enroll {
  char psn_no[32];
  int year;
  char insutype[8], psn_type[8], psn_insu_stas[4], psn_insu_date[12], paus_insu_date[12];
  char wait_until[12], wait_reason[64]; /* first day benefits are paid, yyyy-MM-dd, or "" */
  int64_t ci_cap_raise;                 /* critical-illness cap raise from incentives, fen */
} store_enroll;

typedef struct store_idet {
  char psn_no[32], psn_idet_type[8], psn_type_lv[4], begntime[20], endtime[20], memo[128];
} store_idet;

typedef struct store_dise { /* 两病 / 门诊慢特病 registration */
  char psn_no[32], dise_codg[16], dise_name[64], kind[16], begndate[12], enddate[12];
} store_dise;

typedef struct store_filing { /* 异地就医备案: where the person may be treated as filed */
  char psn_no[32], filing_type[12], admvs[8], begndate[12], enddate[12];
} store_filing;

typedef struct store_inst {
  char fixmedins_code[32], fixmedins_name[128], hosp_lv_code[4], medins_type[16], admdvs[8];
  char secret[80], sign_scheme[8], access_key[64]; /* scheme: hmac (default), tif, api */
  int hosp_lv;                                      /* 0 unrated/village/pharmacy … 3 */
} store_inst;

#define STORE_MAX_DIAG 8
typedef struct store_visit {
  char mdtrt_id[32], psn_no[32], fixmedins_code[32], kind[4]; /* kind "otp" / "ipt" */
  char insutype[8], med_type[8], ipt_otp_no[32], begntime[20], endtime[20];
  char dise_codg[32], dise_name[128];
  int n_diag;
  char diag[STORE_MAX_DIAG][24];
  int state;                  /* STORE_VISIT_* */
  const char *info;           /* JSON of the visit's inputs; borrowed (insert) / owned by a get's caller */
} store_visit;
enum { STORE_VISIT_CANCELLED = 0, STORE_VISIT_OPEN = 1, STORE_VISIT_DISCHARGED = 2 };

typedef struct store_fee {
  char mdtrt_id[32], feedetl_sn[32], init_feedetl_sn[32], psn_no[32], fixmedins_code[32];
  char chrg_bchno[32], med_type[8], med_list_codg[64], medins_list_codg[160], fee_ocur_time[20];
  char dise_codg[32], setl_id[32];
  int64_t cnt, pric, sumamt; /* 1e-4 units, micro-yuan, fen */
  int hosp_appr_flag, state; /* state 1 valid, 0 cancelled */
  const char *body, *result; /* JSON: the uploaded row, its FEE-RESULT; borrowed */
} store_fee;

typedef struct store_setl {
  char setl_id[32], mdtrt_id[32], psn_no[32], fixmedins_code[32], infno[8], msgid[72];
  char insutype[8], med_type[8], clr_type[4], setl_time[20], chrg_bchno[32];
  char orig_setl_id[32];  /* for a reversal row: the settlement it reverses */
  char family_psn_no[32]; /* whose account paid acct_mulaid_pay */
  int year, refd_setl_flag, state; /* state 1 valid, 0 cancelled (for originals) */
  int64_t medfee_sumamt, fund_pay_sumamt, acct_pay, acct_mulaid_pay, psn_cash_pay;
  /* JSON texts: borrowed on insert; malloc'd by store_setl_get (store_setl_free). */
  char *setlinfo, *setldetail, *trace, *accum_delta;
} store_setl;

typedef struct store_totals {
  int64_t medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, cnt;
} store_totals;

/* Gets return 0, YB_ENOT_FOUND, or YB_ESTORE (e filled). */
int store_person_get(store_conn *c, const char *psn_no, store_person *out, yb_err *e);
/* By credential: 01 e-voucher token, 02 ID number, 03 social-security card number. */
int store_person_find(store_conn *c, const char *cert_type, const char *cert_no, store_person *out,
                      yb_err *e);
int store_person_put(store_conn *c, const store_person *p, yb_err *e);
/* Add delta fen to an account; YB_ECONFLICT if the balance would go negative. */
int store_acct_add(store_conn *c, const char *psn_no, int64_t delta, yb_err *e);

int store_enroll_put(store_conn *c, const store_enroll *r, yb_err *e);
int store_enroll_get(store_conn *c, const char *psn_no, int year, const char *insutype,
                     store_enroll *out, yb_err *e);
/* Every enrollment of a person for `year` (0 = the latest year held), in insutype order. */
int store_enroll_each(store_conn *c, const char *psn_no, int year,
                      int (*fn)(const store_enroll *, void *), void *arg, yb_err *e);

int store_idet_put(store_conn *c, const store_idet *r, yb_err *e);
int store_idet_each(store_conn *c, const char *psn_no, int (*fn)(const store_idet *, void *),
                    void *arg, yb_err *e);
int store_dise_put(store_conn *c, const store_dise *r, yb_err *e);
int store_dise_each(store_conn *c, const char *psn_no, int (*fn)(const store_dise *, void *),
                    void *arg, yb_err *e);
int store_filing_put(store_conn *c, const store_filing *r, yb_err *e);
int store_filing_each(store_conn *c, const char *psn_no, int (*fn)(const store_filing *, void *),
                      void *arg, yb_err *e);

int store_inst_put(store_conn *c, const store_inst *r, yb_err *e);
int store_inst_get(store_conn *c, const char *code, store_inst *out, yb_err *e);
int store_inst_each(store_conn *c, int (*fn)(const store_inst *, void *), void *arg, yb_err *e);

/* Versioned documents: policies by (region, year, version); catalogs by version. */
int store_policy_put(store_conn *c, const char *region, int year, const char *version,
                     const char *body, yb_err *e);
int store_policy_each(store_conn *c,
                      int (*fn)(const char *region, int year, const char *version,
                                const char *body, void *), void *arg, yb_err *e);
int store_catalog_put(store_conn *c, const char *version, const char *body, yb_err *e);
/* Newest catalog's body, malloc'd into *body (caller frees). */
int store_catalog_latest(store_conn *c, char **body, yb_err *e);

int store_meta_set(store_conn *c, const char *key, const char *value, yb_err *e);
int store_meta_get(store_conn *c, const char *key, char *out, size_t cap, yb_err *e);
/* Next value of a named sequence (rolls back with the job). */
int store_seq_next(store_conn *c, const char *name, int64_t *out, yb_err *e);

/* A new visit: YB_ECONFLICT when its mdtrt_id exists (a plain INSERT: OR REPLACE, with foreign
 * keys on, cost ~13 K instructions more a visit for the delete it might have to do). */
int store_visit_put(store_conn *c, const store_visit *v, yb_err *e);
/* Update med_type, endtime, dise_codg/name, diag, state, and info when v->info is not NULL. */
int store_visit_update(store_conn *c, const store_visit *v, yb_err *e);
/* The same and insutype, ipt_otp_no and begntime too (2403); the person, institution and kind stay. */
int store_visit_amend(store_conn *c, const store_visit *v, yb_err *e);
/* out->info is malloc'd (free it) when want_info, else NULL. */
int store_visit_get(store_conn *c, const char *mdtrt_id, store_visit *out, int want_info, yb_err *e);
int store_visit_find_otp(store_conn *c, const char *fixmedins_code, const char *ipt_otp_no,
                         store_visit *out, yb_err *e);
/* Visits of a person whose begntime lies in [begn, end] (text compare, yyyy-MM-dd HH:mm:ss). */
int store_visit_each(store_conn *c, const char *psn_no, const char *begn, const char *end,
                     int (*fn)(const store_visit *, void *), void *arg, yb_err *e);

int store_fee_put(store_conn *c, const store_fee *f, yb_err *e); /* YB_ECONFLICT if the sn exists */
/* the highest seq of the visit's lines, cancelled ones included; 0: no line was ever stored */
int store_fee_last_seq(store_conn *c, const char *mdtrt_id, int64_t *seq, yb_err *e);
/* an outpatient batch's valid lines in one row: how many, how many settled, the least and the
 * greatest dise_codg (equal when they all carry one) */
typedef struct store_fee_batch {
  int64_t lines, settled;
  char dise_min[32], dise_max[32];
} store_fee_batch;
int store_fee_batch_get(store_conn *c, const char *mdtrt_id, const char *chrg_bchno, store_fee_batch *out,
                        yb_err *e);
int store_fee_get(store_conn *c, const char *mdtrt_id, const char *feedetl_sn, store_fee *out,
                  yb_err *e);
enum {
  STORE_FEE_ALL = 0,
  STORE_FEE_VALID = 1,
  STORE_FEE_UNSETTLED = 3,
  STORE_FEE_RETURNS = 4, /* cnt < 0 */
  STORE_FEE_NO_TEXT = 8  /* body and result given as "" */
};
/* Lines of a visit (chrg_bchno NULL = every batch), by upload order. In these loops (and in
 * store_visit_each, store_setl_each_inst) the row's texts are borrowed until the callback
 * returns, from a per-thread buffer (they are stored packed: store_sqlite_pack.c), so a callback
 * must not start another loop of the same kind; it may get single rows (store_*_get). */
int store_fee_each(store_conn *c, const char *mdtrt_id, const char *chrg_bchno, int flags,
                   int (*fn)(const store_fee *, void *), void *arg, yb_err *e);
int store_fee_each_setl(store_conn *c, const char *setl_id, int (*fn)(const store_fee *, void *),
                        void *arg, yb_err *e);
/* A person's valid lines of med_type in [begn, end] across institutions (5205). */
int store_fee_each_psn(store_conn *c, const char *psn_no, const char *med_type, const char *begn,
                       const char *end, int (*fn)(const store_fee *, void *), void *arg, yb_err *e);
/* Mark one line cancelled (state 0); YB_ECONFLICT if settled or already cancelled. */
int store_fee_cancel(store_conn *c, const char *mdtrt_id, const char *feedetl_sn, yb_err *e);
/* Move a cancelled line out of the way of a new upload of its feedetl_sn: into fee_void, with
 * `now` as when it was replaced. YB_ECONFLICT unless the line exists and is cancelled. */
int store_fee_void(store_conn *c, const char *mdtrt_id, const char *feedetl_sn, const char *now, yb_err *e);

/* A file of the national interface's exchange: an institution's 9101 upload or a 3202 result. */
typedef struct store_file {
  char file_qury_no[40], fixmedins_code[32], filename[208], kind[8]; /* kind "upload" / "result" */
  char created_at[20], dld_endtime[20];
  uint8_t *body; /* borrowed on put; malloc'd (NUL-terminated) by get */
  size_t len;
} store_file;
int store_file_put(store_conn *c, const store_file *f, yb_err *e);
/* 0, YB_ENOT_FOUND or YB_ESTORE; out->body is the caller's to free. */
int store_file_get(store_conn *c, const char *file_qury_no, store_file *out, yb_err *e);
/* Set (setl_id) or clear (NULL, from_setl_id given) the settlement of lines. */
int store_fee_settle(store_conn *c, const char *mdtrt_id, const char *feedetl_sn,
                     const char *setl_id, yb_err *e);
/* Settle every valid unsettled line of a visit (of batch chrg_bchno; NULL = every batch) in one
 * statement; *n receives how many. `read`: those very lines (n_read, from store_fee_each with
 * STORE_FEE_UNSETTLED in the same job), whose console sums then need no second read; or NULL. */
int store_fee_settle_all(store_conn *c, const char *mdtrt_id, const char *chrg_bchno,
                         const char *setl_id, const store_fee *read, int n_read, int64_t *n, yb_err *e);
int store_fee_unsettle(store_conn *c, const char *setl_id, yb_err *e);

int store_setl_put(store_conn *c, const store_setl *s, yb_err *e);
int store_setl_get(store_conn *c, const char *setl_id, store_setl *out, yb_err *e);
void store_setl_free(store_setl *s);
/* Mark an original settlement cancelled; YB_ECONFLICT if it was not valid. */
int store_setl_cancel(store_conn *c, const char *setl_id, yb_err *e);
int store_setl_detail_put(store_conn *c, const char *setl_id, const char *psn_no, int seq,
                          const char *fund_pay_type, const char *name, int64_t inscp,
                          int64_t crt_payb_lmt, int64_t payamt, yb_err *e);
/* Valid settlements of a visit (to refuse cancelling a visit that has them). */
int store_setl_count_visit(store_conn *c, const char *mdtrt_id, int64_t *n, yb_err *e);
/* Totals of an institution's settlement rows with setl_time in [begn, end]; insutype / clr_type
 * "" = any; refd -1 any, 0 originals only, 1 reversals only. */
int store_setl_totals(store_conn *c, const char *fixmedins_code, const char *insutype,
                      const char *clr_type, const char *begn, const char *end, int refd,
                      store_totals *out, yb_err *e);
int store_setl_each_inst(store_conn *c, const char *fixmedins_code, const char *begn,
                         const char *end, int (*fn)(const store_setl *, void *), void *arg,
                         yb_err *e);

/* Yearly accumulators by bucket name and period (0 year, 1–12 month). */
int store_accum_each(store_conn *c, const char *psn_no, int year,
                     int (*fn)(const char *bucket, int period, int64_t value, void *), void *arg,
                     yb_err *e);
int store_accum_set(store_conn *c, const char *psn_no, int year, const char *bucket, int period,
                    int64_t value, yb_err *e);

/* Message log: the stored reply of a write (msgid is unique per institution). *infno,
 * *req_hash, *response are malloc'd (caller frees) on 0. */
int store_msg_get(store_conn *c, const char *fixmedins_code, const char *msgid, char **infno,
                  char **req_hash, char **psn_no, char **response, yb_err *e);
int store_msg_put(store_conn *c, const char *fixmedins_code, const char *msgid, const char *infno,
                  const char *req_hash, const char *psn_no, const char *response, yb_err *e);

int store_signin_put(store_conn *c, const char *sign_no, const char *fixmedins_code,
                     const char *opter_no, const char *mac, const char *ip, const char *sign_time,
                     yb_err *e);
/* Active sign-in of an operator at an institution, signed in on `day` (yyyy-MM-dd). */
int store_signin_find(store_conn *c, const char *fixmedins_code, const char *opter_no,
                      const char *day, char *sign_no, size_t cap, yb_err *e);
/* Sign out every active sign-in of that operator (JX: one terminal signs out all). */
int store_signin_out(store_conn *c, const char *fixmedins_code, const char *opter_no,
                     const char *sign_time, yb_err *e);
int store_signin_each_active(store_conn *c,
                             int (*fn)(const char *sign_no, const char *fixmedins_code,
                                       const char *opter_no, void *), void *arg, yb_err *e);

/* Append to the write log (append-only: the schema refuses UPDATE and DELETE). */
int store_log(store_conn *c, const char *fixmedins_code, const char *opter, const char *infno,
              const char *msgid, const char *psn_no, const char *what, yb_err *e);

#endif
