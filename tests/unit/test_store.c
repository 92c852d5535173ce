/* test_store.c — the SQLite store: schema and migrations, records, group commit where a failing
 * job rolls back alone, durability across reopen, the append-only write log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_sqlite.h"
#include "store_sqlite_cache.h"
#include "testdb.h"

static char dbpath[64];

static int setup(void **state) {
  (void)state;
  testdb_path(dbpath, sizeof dbpath, "store");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_remove(dbpath);
  return 0;
}

static void person(store_person *p, const char *no, int64_t acct) {
  memset(p, 0, sizeof *p);
  snprintf(p->psn_no, sizeof p->psn_no, "%s", no);
  strcpy(p->psn_cert_type, "01");
  snprintf(p->certno, sizeof p->certno, "ID%s", no);
  strcpy(p->psn_name, "测试");
  strcpy(p->gend, "1");
  strcpy(p->brdy, "1980-01-01");
  strcpy(p->insuplc_admdvs, "411500");
  strcpy(p->cvlserv_flag, "0");
  p->acct_balc = acct;
}

/* P1's open outpatient visit at H1. */
static void visit(store_visit *v, const char *mdtrt_id, const char *otp_no, const char *begn) {
  memset(v, 0, sizeof *v);
  snprintf(v->mdtrt_id, sizeof v->mdtrt_id, "%s", mdtrt_id);
  strcpy(v->psn_no, "P1");
  strcpy(v->fixmedins_code, "H1");
  strcpy(v->kind, "otp");
  strcpy(v->insutype, "390");
  snprintf(v->ipt_otp_no, sizeof v->ipt_otp_no, "%s", otp_no);
  snprintf(v->begntime, sizeof v->begntime, "%s", begn);
  v->state = STORE_VISIT_OPEN;
}

static int seed(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_person p;
  person(&p, "P1", 10000);
  int rc = store_person_put(w, &p, e);
  if (!rc) rc = store_meta_set(w, "region", "411500", e);
  store_inst in = {0};
  strcpy(in.fixmedins_code, "H1");
  strcpy(in.fixmedins_name, "医院");
  strcpy(in.hosp_lv_code, "02");
  strcpy(in.medins_type, "hospital");
  strcpy(in.admdvs, "411500");
  strcpy(in.secret, "s");
  in.hosp_lv = 3;
  if (!rc) rc = store_inst_put(w, &in, e);
  store_visit v;
  visit(&v, "V1", "MZ1", "2024-03-15 09:00:00");
  strcpy(v.med_type, "11");
  v.n_diag = 2;
  strcpy(v.diag[0], "I10");
  strcpy(v.diag[1], "E11.9");
  if (!rc) rc = store_visit_put(w, &v, e);
  return rc;
}

/* The test database opened, seeded and its writer thread running. */
static store *seeded_running(void) {
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  assert_int_equal(store_writer_start(s, &e), 0);
  return s;
}

static void test_schema_and_records(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *r = store_reader(s, &e);
  assert_non_null(r);
  assert_int_equal(store_schema_version(r), STORE_SCHEMA_VERSION);
  store_person p;
  assert_int_equal(store_person_get(r, "P1", &p, &e), 0);
  assert_int_equal(p.acct_balc, 10000);
  assert_int_equal(store_person_get(r, "P9", &p, &e), YB_ENOT_FOUND);
  assert_int_equal(store_person_find(r, "02", "IDP1", &p, &e), 0);
  store_visit v;
  assert_int_equal(store_visit_get(r, "V1", &v, 1, &e), 0);
  assert_int_equal(v.n_diag, 2);
  assert_string_equal(v.diag[1], "E11.9");
  assert_string_equal(v.info, "{}");
  free((char *)v.info);
  assert_int_equal(store_visit_find_otp(r, "H1", "MZ1", &v, &e), 0);
  char region[8];
  assert_int_equal(store_meta_get(r, "region", region, sizeof region, &e), 0);
  assert_string_equal(region, "411500");
  store_close(s);
  /* reopen: the data is there, the migration does not run twice */
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  r = store_reader(s, &e);
  assert_int_equal(store_person_get(r, "P1", &p, &e), 0);
  assert_int_equal(store_schema_version(r), STORE_SCHEMA_VERSION);
  store_close(s);
}

static void fee(store_fee *f, const char *sn) {
  memset(f, 0, sizeof *f);
  strcpy(f->mdtrt_id, "V1");
  snprintf(f->feedetl_sn, sizeof f->feedetl_sn, "%s", sn);
  strcpy(f->psn_no, "P1");
  strcpy(f->fixmedins_code, "H1");
  strcpy(f->chrg_bchno, "B1");
  strcpy(f->med_list_codg, "X");
  strcpy(f->fee_ocur_time, "2024-03-15 09:10:00");
  f->cnt = 10000;
  f->pric = 1000000;
  f->sumamt = 100;
}

typedef struct job {
  store_job j;
  int n, fail, done_rc, finished;
  int64_t id;  /* from sequence T */
  int64_t bal; /* P1's balance as the job read it (through the writer's cache) */
  pthread_mutex_t *mu;
  pthread_cond_t *cv;
} job;

/* Each job writes a fee line and an accumulator; fail 1: fails after writing, 2: before. */
static int job_run(store_conn *w, store_job *sj) {
  job *x = (job *)sj;
  yb_err e = {0};
  if (x->fail == 2) return YB_ENOT_FOUND; /* refused before any write */
  store_fee f;
  char sn[16];
  snprintf(sn, sizeof sn, "%d", x->n);
  fee(&f, sn);
  store_person p;
  int rc = store_person_get(w, "P1", &p, &e);
  x->bal = p.acct_balc;
  if (!rc) rc = store_fee_put(w, &f, &e);
  if (!rc) rc = store_accum_set(w, "P1", 2024, "pool", x->n, x->n, &e);
  if (!rc) rc = store_acct_add(w, "P1", -1, &e);
  if (!rc) rc = store_seq_next(w, "T", &x->id, &e);
  if (!rc && x->fail) { /* reads its own payment (into the writer's cache), then fails */
    if (!(rc = store_person_get(w, "P1", &p, &e))) rc = YB_EINVAL;
  }
  return rc;
}

static void job_done(store_job *sj, int commit_rc) {
  job *x = (job *)sj;
  pthread_mutex_lock(x->mu);
  x->done_rc = commit_rc;
  x->finished = 1;
  pthread_cond_broadcast(x->cv);
  pthread_mutex_unlock(x->mu);
}

static int count_fee(const store_fee *f, void *arg) {
  (void)f;
  (*(int *)arg)++;
  return 0;
}

static int seq_after(store_conn *w, void *arg, yb_err *e) { return store_seq_next(w, "T", arg, e); }

static int big_put(store_conn *w, void *arg, yb_err *e) { return store_catalog_put(w, "big", arg, e); }

/* The writer's WAL frames are held and written in 64 KiB pieces before the commit is published
 * (store_sqlite_wal.c): a 600 KB transaction, then every commit of a running writer, reads back
 * whole from another connection at once. */
static void test_wal_writes(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  size_t n = 600000;
  char *body = malloc(n + 1);
  for (size_t i = 0; i < n; i++) body[i] = (char)('a' + (i * 7 + i / 4096) % 26);
  body[n] = 0;
  assert_int_equal(store_write(s, big_put, body, &e), 0);
  store_conn *r = store_reader(s, &e);
  char *got = NULL;
  assert_int_equal(store_catalog_latest(r, &got, &e), 0);
  assert_string_equal(got, body);
  free(got);
  assert_int_equal(store_writer_start(s, &e), 0);
  for (int k = 0; k < 20; k++) {
    body[k] = 'Z';
    assert_int_equal(store_write(s, big_put, body, &e), 0);
    assert_int_equal(store_catalog_latest(r, &got, &e), 0);
    assert_string_equal(got, body);
    free(got);
  }
  store_close(s);
  assert_int_equal(store_open(dbpath, &s, &e), 0); /* and after a restart */
  r = store_reader(s, &e);
  assert_int_equal(store_catalog_latest(r, &got, &e), 0);
  assert_string_equal(got, body);
  free(got);
  free(body);
  store_close(s);
}

/* The batch's jobs, with or without store_job.rerun: in SAVEPOINTs, or bare with a redo of the
 * batch when one fails after writing. Every 7th job fails after its writes, every 11th before
 * any (YB_ENOT_FOUND, nothing to undo): the same rows, amounts and ids either way. */
static void group_commit(int rerun) {
  yb_err e = {0};
  store *s = seeded_running();
  enum { N = 200 };
  static job jobs[N];
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  for (int i = 0; i < N; i++) {
    jobs[i] = (job){.n = i + 1, .fail = (i % 7 == 3) ? 1 : (i % 11 == 5) ? 2 : 0, .mu = &mu, .cv = &cv};
    jobs[i].j.run = job_run;
    jobs[i].j.rerun = rerun;
    jobs[i].j.done = job_done;
    store_submit(s, &jobs[i].j);
  }
  pthread_mutex_lock(&mu);
  for (int i = 0; i < N; i++)
    while (!jobs[i].finished) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  int failed = 0;
  for (int i = 0; i < N; i++) {
    assert_int_equal(jobs[i].done_rc, 0);
    assert_int_equal(jobs[i].j.rc, jobs[i].fail == 1 ? YB_EINVAL : jobs[i].fail ? YB_ENOT_FOUND : 0);
    failed += jobs[i].fail != 0;
  }
  uint64_t batches, njobs;
  store_stats(s, &batches, &njobs);
  assert_int_equal(njobs, N + 1); /* and the seed */
  assert_true(batches <= N);
  store_conn *r = store_reader(s, &e);
  int lines = 0;
  assert_int_equal(store_fee_each(r, "V1", NULL, STORE_FEE_ALL, count_fee, &lines, &e), 0);
  assert_int_equal(lines, N - failed); /* each failing job rolled back alone */
  store_person p;
  assert_int_equal(store_person_get(r, "P1", &p, &e), 0);
  assert_int_equal(p.acct_balc, 10000 - (N - failed));
  store_fee f;
  assert_int_equal(store_fee_get(r, "V1", "4", &f, &e), YB_ENOT_FOUND); /* job 4 failed */
  /* the sequence, counted in memory per batch: a failed job's id is given again, none twice */
  int64_t want = 0;
  for (int i = 0; i < N; i++)
    if (!jobs[i].fail) assert_int_equal(jobs[i].id, ++want);
  /* each job read the balance the ones before it left: a failed job's payment, rolled back (or
   * its batch redone), never showed through the cache */
  int64_t bal = 10000;
  for (int i = 0; i < N; i++)
    if (!jobs[i].fail) assert_int_equal(jobs[i].bal, bal--);
  int64_t next = 0;
  assert_int_equal(store_write(s, seq_after, &next, &e), 0);
  assert_int_equal(next, want + 1); /* the row holds the last id committed */
  /* bare jobs: a failure after writing redid its batch (at least once in 200 jobs); jobs in
   * SAVEPOINTs never redo */
  if (rerun)
    assert_true(store_redos(s) >= 1);
  else
    assert_int_equal(store_redos(s), 0);
  store_writer_stop(s);
  store_close(s);
}

static void test_group_commit(void **state) {
  (void)state;
  group_commit(0);
}

static void test_group_commit_bare(void **state) {
  (void)state;
  group_commit(1);
}

static int accum_sum(const char *b, int period, int64_t v, void *arg) {
  (void)b, (void)period;
  *(int64_t *)arg += v;
  return 0;
}

static int lifecycle(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_fee f;
  fee(&f, "1");
  int rc = store_fee_put(w, &f, e);
  if (rc) return rc;
  assert_int_equal(store_fee_put(w, &f, e), YB_ECONFLICT); /* the same line twice */
  store_visit v1;
  assert_int_equal(store_visit_get(w, "V1", &v1, 0, e), 0);
  assert_int_equal(store_visit_put(w, &v1, e), YB_ECONFLICT); /* a visit is never replaced */
  store_setl st = {0};
  strcpy(st.setl_id, "S1");
  strcpy(st.mdtrt_id, "V1");
  strcpy(st.psn_no, "P1");
  strcpy(st.fixmedins_code, "H1");
  strcpy(st.infno, "2207");
  strcpy(st.msgid, "M1");
  strcpy(st.insutype, "390");
  strcpy(st.med_type, "11");
  strcpy(st.clr_type, "11");
  strcpy(st.setl_time, "2024-03-15 10:00:00");
  st.year = 2024;
  st.state = 1;
  st.medfee_sumamt = 100;
  if ((rc = store_setl_put(w, &st, e))) return rc;
  if ((rc = store_fee_settle(w, "V1", "1", "S1", e))) return rc;
  assert_int_equal(store_fee_settle(w, "V1", "1", "S1", e), YB_ECONFLICT);
  int64_t n_settled = -1; /* every line is settled now: the batch form finds none */
  if ((rc = store_fee_settle_all(w, "V1", NULL, "S1", NULL, 0, &n_settled, e))) return rc;
  assert_int_equal(n_settled, 0);
  assert_int_equal(store_fee_cancel(w, "V1", "1", e), YB_ECONFLICT); /* settled */
  if ((rc = store_setl_cancel(w, "S1", e))) return rc;
  assert_int_equal(store_setl_cancel(w, "S1", e), YB_ECONFLICT); /* twice */
  if ((rc = store_fee_unsettle(w, "S1", e))) return rc;
  if ((rc = store_fee_cancel(w, "V1", "1", e))) return rc;
  assert_int_equal(store_acct_add(w, "P1", -20000, e), YB_ECONFLICT); /* never below zero */
  if ((rc = store_msg_put(w, "H1", "M1", "2207", "h", "P1", "{\"infcode\":0}", e))) return rc;
  assert_int_equal(store_msg_put(w, "H1", "M1", "2207", "h", "P1", "{}", e), YB_ECONFLICT);
  /* the key by time (schema 7): "H1" + "M1" and a bare "M1" share an mkey, not a msgid */
  if ((rc = store_msg_put(w, "H1", "H1M1", "2201", "h", "P1", "{\"infcode\":1}", e))) return rc;
  if ((rc = store_msg_put(w, "H2", "H1M1", "2201", "h", "P1", "{\"infcode\":2}", e))) return rc;
  assert_int_equal(store_msg_put(w, "H1", "H1M1", "2201", "h", "P1", "{}", e), YB_ECONFLICT);
  if ((rc = store_accum_set(w, "P1", 2024, "pool", 0, 500, e))) return rc;
  if ((rc = store_accum_set(w, "P1", 2024, "pool", 0, 700, e))) return rc;
  int64_t a, b;
  if ((rc = store_seq_next(w, "JS", &a, e)) || (rc = store_seq_next(w, "JS", &b, e))) return rc;
  assert_int_equal(b, a + 1);
  return store_log(w, "H1", "OP", "2207", "M1", "P1", "test", e);
}

static void test_lifecycle_and_log(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  assert_int_equal(store_write(s, lifecycle, NULL, &e), 0);
  store_conn *r = store_reader(s, &e);
  char *infno, *hash, *psn, *resp;
  assert_int_equal(store_msg_get(r, "H1", "M1", &infno, &hash, &psn, &resp, &e), 0);
  assert_string_equal(resp, "{\"infcode\":0}");
  free(infno), free(hash), free(psn), free(resp);
  assert_int_equal(store_msg_get(r, "H2", "M1", &infno, &hash, &psn, &resp, &e), YB_ENOT_FOUND);
  static const char *const keyed[][3] = {{"H1", "H1M1", "{\"infcode\":1}"}, {"H2", "H1M1", "{\"infcode\":2}"}};
  for (int i = 0; i < 2; i++) {
    assert_int_equal(store_msg_get(r, keyed[i][0], keyed[i][1], &infno, &hash, &psn, &resp, &e), 0);
    assert_string_equal(resp, keyed[i][2]);
    free(infno), free(hash), free(psn), free(resp);
  }
  assert_int_equal(store_msg_get(r, "H2", "H2M1", &infno, &hash, &psn, &resp, &e), YB_ENOT_FOUND);
  int64_t sum = 0;
  assert_int_equal(store_accum_each(r, "P1", 2024, accum_sum, &sum, &e), 0);
  assert_int_equal(sum, 700);
  store_setl st;
  assert_int_equal(store_setl_get(r, "S1", &st, &e), 0);
  assert_int_equal(st.state, 0);
  store_setl_free(&st);
  store_close(s);
  /* the write log refuses UPDATE and DELETE */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  assert_int_not_equal(sqlite3_exec(db, "UPDATE write_log SET what='x'", NULL, NULL, NULL), SQLITE_OK);
  assert_int_not_equal(sqlite3_exec(db, "DELETE FROM write_log", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_stmt *q;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM write_log", -1, &q, NULL);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 1);
  sqlite3_finalize(q);
  /* the rows' times, formatted in C, read as SQLite's own strftime('%Y-%m-%d %H:%M:%f','now') */
  sqlite3_prepare_v2(db, "SELECT w.at, m.created_at, abs(julianday(w.at) - julianday('now')) * 86400,"
                         " w.at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9]'"
                         " FROM write_log w, msglog m", -1, &q, NULL);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(strlen((const char *)sqlite3_column_text(q, 0)), 23);
  assert_int_equal(strlen((const char *)sqlite3_column_text(q, 1)), 23);
  assert_true(sqlite3_column_double(q, 2) < 60); /* UTC, as 'now' */
  assert_int_equal(sqlite3_column_int(q, 3), 1);
  sqlite3_finalize(q);
  /* foreign keys hold: a visit of an unknown person is refused */
  assert_int_not_equal(sqlite3_exec(db, "PRAGMA foreign_keys=ON; INSERT INTO visit(mdtrt_id,psn_no,"
                                        "fixmedins_code,kind,insutype,med_type,ipt_otp_no,begntime,state)"
                                        " VALUES('V9','NOBODY','H1','otp','390','11','x','2024',1)",
                                    NULL, NULL, NULL),
                       SQLITE_OK);
  sqlite3_close(db);
}

/* A database at schema 1 is migrated to the current schema when opened. */
static void test_migration(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_close(s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  /* back to a version-1 database: every table later migrations or areas made goes */
  static const char *const v1[] = {"meta", "seq", "person", "enrollment", "person_idet",
                                   "person_dise", "person_filing", "institution", "catalog",
                                   "policy", "visit", "fee", "settlement", "setl_detail", "accum",
                                   "msglog", "signin", "write_log"};
  for (int more = 1; more;) {
    more = 0;
    sqlite3_stmt *t;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table'", -1, &t, NULL);
    char drop[200] = "";
    while (!drop[0] && sqlite3_step(t) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(t, 0);
      int keep = 0;
      for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++) keep |= !strcmp(name, v1[i]);
      if (!keep) snprintf(drop, sizeof drop, "DROP TABLE %s", name);
    }
    sqlite3_finalize(t);
    if (drop[0]) {
      assert_int_equal(sqlite3_exec(db, drop, NULL, NULL, NULL), SQLITE_OK);
      more = 1;
    }
  }
  /* msglog as schema 1 made it (WITHOUT ROWID), with its row */
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE m1 AS SELECT * FROM msglog; DROP TABLE msglog;"
                                    "CREATE TABLE msglog(fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL,"
                                    " infno TEXT NOT NULL, req_hash TEXT NOT NULL, psn_no TEXT NOT NULL DEFAULT '',"
                                    " response TEXT NOT NULL, created_at TEXT NOT NULL,"
                                    " PRIMARY KEY(fixmedins_code, msgid)) WITHOUT ROWID;"
                                    "INSERT INTO msglog SELECT fixmedins_code, msgid, infno, req_hash, psn_no, response, created_at"
                                    " FROM m1; DROP TABLE m1;"
                                    "INSERT OR REPLACE INTO msglog VALUES('H1','M1','2207','h','P1','{\"infcode\":0}','t');"
                                    "INSERT INTO msglog VALUES('H1','H1202401010000000001','2201','h','P1','{}','t');",
                   NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "CREATE INDEX fee_psn ON fee(psn_no, fee_ocur_time);"
                                    "CREATE INDEX setl_psn ON settlement(psn_no, year);"
                                    "PRAGMA user_version=1;", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  store_conn *r = store_reader(s, &e);
  assert_int_equal(store_schema_version(r), STORE_SCHEMA_VERSION);
  store_person p;
  assert_int_equal(store_person_get(r, "P1", &p, &e), 0); /* the data survived */
  char *infno = NULL, *hash = NULL, *psn = NULL, *resp = NULL; /* … and the stored reply (schema 4) */
  assert_int_equal(store_msg_get(r, "H1", "M1", &infno, &hash, &psn, &resp, &e), 0);
  assert_string_equal(infno, "2207");
  assert_string_equal(resp, "{\"infcode\":0}");
  free(infno), free(hash), free(psn), free(resp);
  /* a national-format msgid's key, made by the migration's SQL, is the one the C lookup computes */
  assert_int_equal(store_msg_get(r, "H1", "H1202401010000000001", &infno, &hash, &psn, &resp, &e), 0);
  assert_string_equal(infno, "2201");
  free(infno), free(hash), free(psn), free(resp);
  store_close(s);
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  sqlite3_stmt *q;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('fee_psn','setl_psn')", -1, &q, NULL);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 0);
  sqlite3_finalize(q);
  /* schema 7: keyed by time, the stored row's mkey the msgid after its institution code */
  sqlite3_prepare_v2(db, "SELECT group_concat(mkey, ' ') FROM (SELECT mkey FROM msglog WHERE fixmedins_code='H1'"
                     " ORDER BY msgid)", -1, &q, NULL);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "202401010000000001 M1");
  sqlite3_finalize(q);
  sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name='msglog' AND sql LIKE '%WITHOUT ROWID%'"
                     " AND sql LIKE '%PRIMARY KEY(mkey, fixmedins_code, msgid)%'", -1, &q, NULL);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(q, 0), 1);
  sqlite3_finalize(q);
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL); /* the key's columns first (schema 7) */
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  /* a database newer than the binary is refused */
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99;", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(store_open(dbpath, &s, &e), YB_ESTORE);
}

/* ---- the writer's cache (store_sqlite_cache.c): what a job reads is what the database holds */
typedef struct cache_probe {
  int64_t acct;      /* P1's balance as read */
  int state, n_idet; /* V1's state, P1's identities */
  char psn_type[8], dise_name[128];
  int enroll_rc;
} cache_probe;

static int count_idet(const store_idet *r, void *arg) {
  (void)r;
  ++*(int *)arg;
  return 0;
}

static int probe(store_conn *w, void *arg, yb_err *e) {
  cache_probe *p = arg;
  store_person ps;
  store_visit v;
  store_enroll en;
  int rc = store_person_get(w, "P1", &ps, e);
  if (!rc) rc = store_visit_get(w, "V1", &v, 0, e);
  if (rc) return rc;
  p->acct = ps.acct_balc;
  p->state = v.state;
  snprintf(p->dise_name, sizeof p->dise_name, "%s", v.dise_name);
  p->n_idet = 0;
  if ((rc = store_idet_each(w, "P1", count_idet, &p->n_idet, e))) return rc;
  p->enroll_rc = store_enroll_get(w, "P1", 2024, "390", &en, e);
  yb_err_clear(e);
  snprintf(p->psn_type, sizeof p->psn_type, "%s", p->enroll_rc ? "" : en.psn_type);
  return 0;
}

static cache_probe probed(store *s) {
  cache_probe p = {0};
  yb_err e = {0};
  assert_int_equal(store_write(s, probe, &p, &e), 0);
  return p;
}

static int raw_sql(store_conn *w, void *arg, yb_err *e) { return store_sqlite_exec(w, arg, e); }

/* Raises the balance, reads it (into the cache), then fails: the job is rolled back. */
static int raise_then_fail(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_person p;
  int rc = store_acct_add(w, "P1", 10, e);
  if (!rc) rc = store_person_get(w, "P1", &p, e);
  if (rc) return rc;
  assert_int_equal(p.acct_balc, 15);
  return yb_fail(e, YB_EINVAL, "test", "fails after it wrote");
}

static int add_rows(store_conn *w, void *arg, yb_err *e) {
  int from = ((int *)arg)[0], to = ((int *)arg)[1], rc = 0;
  for (int i = from; i < to && !rc; i++) {
    store_idet r = {0};
    strcpy(r.psn_no, "P1");
    strcpy(r.psn_idet_type, "01");
    snprintf(r.begntime, sizeof r.begntime, "2024-01-%02d", i + 1);
    rc = store_idet_put(w, &r, e);
  }
  if (!rc && from == 0) {
    store_enroll en = {0};
    strcpy(en.psn_no, "P1");
    en.year = 2024;
    strcpy(en.insutype, "390");
    strcpy(en.psn_type, "11");
    rc = store_enroll_put(w, &en, e);
  }
  return rc;
}

static void test_writer_cache(void **state) {
  (void)state;
  yb_err e = {0};
  store *s = seeded_running();
  cache_probe p = probed(s);
  assert_int_equal(p.acct, 10000);
  assert_int_equal(p.state, STORE_VISIT_OPEN);
  assert_int_equal(p.n_idet, 0);
  assert_int_equal(p.enroll_rc, YB_ENOT_FOUND);
  p = probed(s); /* the same, from the cache */
  assert_int_equal(p.acct, 10000);
  /* changes by any statement on the writer's connection */
  assert_int_equal(store_write(s, raw_sql, "UPDATE person SET acct_balc=5 WHERE psn_no='P1';"
                                           "UPDATE visit SET state=2, dise_name='高血压' WHERE mdtrt_id='V1'", &e), 0);
  p = probed(s);
  assert_int_equal(p.acct, 5);
  assert_int_equal(p.state, 2);
  assert_string_equal(p.dise_name, "高血压");
  /* a job that wrote, read what it wrote, and failed: rolled back, and so is what it read */
  assert_int_equal(store_write(s, raise_then_fail, NULL, &e), YB_EINVAL);
  yb_err_clear(&e);
  assert_int_equal(probed(s).acct, 5);
  /* rows added to a list, past what the cache keeps of one, and an enrollment */
  int first[2] = {0, 1}, more[2] = {1, STORE_CACHE_ROWS + 3};
  assert_int_equal(store_write(s, add_rows, first, &e), 0);
  p = probed(s);
  assert_int_equal(p.n_idet, 1);
  assert_int_equal(p.enroll_rc, 0);
  assert_string_equal(p.psn_type, "11");
  assert_int_equal(store_write(s, add_rows, more, &e), 0);
  assert_int_equal(probed(s).n_idet, STORE_CACHE_ROWS + 3);
  assert_int_equal(probed(s).n_idet, STORE_CACHE_ROWS + 3);
  /* another connection's commit (another process, say): the next batch reads it */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_exec(db, "UPDATE person SET acct_balc=77 WHERE psn_no='P1';"
                                    "UPDATE enrollment SET psn_type='21' WHERE psn_no='P1'", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  p = probed(s);
  assert_int_equal(p.acct, 77);
  assert_string_equal(p.psn_type, "21");
  store_writer_stop(s);
  store_close(s);
}

/* A visit written by a job, read by a later job (from the cache), equals the row read back. */
static int visit_put_v2(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_visit v;
  visit(&v, "V2", "MZ2", "2024-03-16 09:00:00");
  v.n_diag = 3;
  strcpy(v.diag[0], "I10");
  strcpy(v.diag[1], "");
  strcpy(v.diag[2], "E11.9");
  v.info = "{\"a\":1}";
  return store_visit_put(w, &v, e);
}

static int visit_touch_v2(store_conn *w, void *arg, yb_err *e) {
  store_visit v;
  int rc = store_visit_get(w, "V2", &v, 0, e);
  if (rc) return rc;
  strcpy(v.med_type, "11");
  strcpy(v.dise_name, "糖尿病");
  v.state = STORE_VISIT_DISCHARGED;
  v.info = arg; /* NULL: the stored info stays */
  return store_visit_update(w, &v, e);
}

typedef struct visit_pair {
  store_visit v;
  char info[64];
} visit_pair;

static int visit_read_v2(store_conn *w, void *arg, yb_err *e) {
  visit_pair *p = arg;
  int rc = store_visit_get(w, "V2", &p->v, 1, e);
  if (rc) return rc;
  snprintf(p->info, sizeof p->info, "%s", p->v.info);
  free((char *)p->v.info);
  p->v.info = NULL;
  return 0;
}

static void same_as_db(store *s) {
  yb_err e = {0};
  visit_pair in_job = {0}, db = {0};
  assert_int_equal(store_write(s, visit_read_v2, &in_job, &e), 0); /* in a batch: the cache */
  store_conn *r = store_reader(s, &e);
  assert_non_null(r);
  assert_int_equal(visit_read_v2(r, &db, &e), 0);
  assert_memory_equal(&in_job.v, &db.v, sizeof in_job.v);
  assert_string_equal(in_job.info, db.info);
}

static void test_writer_cache_visits(void **state) {
  (void)state;
  yb_err e = {0};
  store *s = seeded_running();
  assert_int_equal(store_write(s, visit_put_v2, NULL, &e), 0);
  same_as_db(s);
  assert_int_equal(store_write(s, visit_touch_v2, NULL, &e), 0);
  same_as_db(s);
  assert_int_equal(store_write(s, visit_touch_v2, "{\"b\":2}", &e), 0);
  same_as_db(s);
  store_writer_stop(s);
  store_close(s);
}

/* A visit's lines are numbered in upload order across calls, a rolled-back call's numbers given
 * again (the writer remembers the last one between lines: store_cache_fee_seq). */
typedef struct fee_call {
  const char *sns;
  int fail;
} fee_call;

static int put_lines(store_conn *w, void *arg, yb_err *e) {
  const fee_call *fc = arg;
  char sns[64];
  snprintf(sns, sizeof sns, "%s", fc->sns);
  for (char *save = NULL, *t = strtok_r(sns, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    store_fee f;
    fee(&f, t);
    int rc = store_fee_put(w, &f, e);
    if (rc) return rc;
  }
  return fc->fail ? yb_fail(e, YB_EINVAL, "test", "fails after its lines") : 0;
}

static void test_fee_seq(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  fee_call before = {"a", 0}; /* before the writer runs: no cache, max(seq) each line */
  assert_int_equal(store_write(s, put_lines, &before, &e), 0);
  assert_int_equal(store_writer_start(s, &e), 0);
  fee_call calls[] = {{"b,c,d", 0}, {"e,f", 0}, {"x,y", 1}, {"g", 0}, {"h,i", 0}};
  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
    assert_int_equal(store_write(s, put_lines, &calls[i], &e), calls[i].fail ? YB_EINVAL : 0);
    yb_err_clear(&e);
  }
  store_writer_stop(s);
  store_close(s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(feedetl_sn || seq, ' ') FROM (SELECT * FROM fee WHERE mdtrt_id='V1' ORDER BY seq)", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "a1 b2 c3 d4 e5 f6 g7 h8 i9");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

/* What an upload asks of the stored lines before it writes: the visit's last seq (0 before its
 * first line, so the per-line lookups can be skipped), and a batch in one row. */
static int batch_checks(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  int64_t seq = -1;
  store_fee_batch b;
  assert_int_equal(store_fee_last_seq(w, "V1", &seq, e), 0);
  assert_int_equal(seq, 0);
  assert_int_equal(store_fee_batch_get(w, "V1", "B1", &b, e), 0);
  assert_int_equal(b.lines, 0);
  assert_string_equal(b.dise_min, "");
  const char *dise[] = {"I10", "E11", "I10"};
  for (int i = 0; i < 3; i++) {
    store_fee f;
    char sn[16];
    snprintf(sn, sizeof sn, "s%d", i);
    fee(&f, sn);
    strcpy(f.dise_codg, dise[i]);
    if (i == 2) strcpy(f.chrg_bchno, "B2");
    int rc = store_fee_put(w, &f, e);
    if (rc) return rc;
  }
  assert_int_equal(store_fee_last_seq(w, "V1", &seq, e), 0);
  assert_int_equal(seq, 3);
  assert_int_equal(store_fee_batch_get(w, "V1", "B1", &b, e), 0);
  assert_int_equal(b.lines, 2);
  assert_int_equal(b.settled, 0);
  assert_string_equal(b.dise_min, "E11"); /* two codes in B1: least and greatest differ */
  assert_string_equal(b.dise_max, "I10");
  assert_int_equal(store_fee_cancel(w, "V1", "s1", e), 0); /* a cancelled line is not the batch's */
  assert_int_equal(store_fee_batch_get(w, "V1", "B1", &b, e), 0);
  assert_int_equal(b.lines, 1);
  assert_string_equal(b.dise_min, "I10");
  assert_string_equal(b.dise_max, "I10");
  assert_int_equal(store_fee_last_seq(w, "V1", &seq, e), 0);
  assert_int_equal(seq, 3); /* cancelled lines keep their numbers */
  return 0;
}

static void test_fee_batch(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  assert_int_equal(store_writer_start(s, &e), 0);
  assert_int_equal(store_write(s, batch_checks, NULL, &e), 0);
  store_writer_stop(s);
  /* once stopping, the queue takes nothing: a job queued then would never be answered */
  store_job late = {0};
  assert_int_equal(store_submit(s, &late), -1);
  store_close(s);
}


/* Packed texts (store_sqlite_pack.c): long texts are stored as BLOBs far smaller than they are
 * and read back byte for byte; short ones, and rows written before packing (TEXT), read as they
 * are; a damaged value reads as "" or fails with a message, never as garbage. */
static const char *PACK_BODY = "{\"feedetl_sn\":\"p1\",\"mdtrt_id\":\"V1\",\"psn_no\":\"P1\",\"chrg_bchno\":\"B1\","
                               "\"fee_ocur_time\":\"2024-03-15 09:10:00\",\"med_list_codg\":\"X\",\"cnt\":\"1\"}";
static const char *PACK_RESULT = "{\"feedetl_sn\":\"p1\",\"det_item_fee_sumamt\":1.0,\"cnt\":1.0,\"pric\":1.0,"
                                 "\"memo\":\"乙类药品，个人先行自付 10%\"}";

static int pack_rows(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_fee f;
  fee(&f, "p1");
  f.body = PACK_BODY;
  f.result = PACK_RESULT;
  int rc = store_fee_put(w, &f, e);
  fee(&f, "p2");
  f.body = "{\"cnt\":\"1\"}"; /* short: stays TEXT */
  f.result = "{}";
  if (!rc) rc = store_fee_put(w, &f, e);
  if (!rc) rc = store_msg_put(w, "H1", "MP", "2204", "h", "P1", PACK_RESULT, e);
  return rc;
}

static int pack_read(const store_fee *f, void *arg) {
  char *out = arg;
  strcat(out, f->feedetl_sn);
  strcat(out, "=");
  strcat(out, f->body);
  strcat(out, "|");
  strcat(out, f->result);
  strcat(out, ";");
  return 0;
}

static void test_packed_texts(void **state) {
  (void)state;
  const char *dict;
  size_t n = store_pack_dict(&dict);
  uint32_t h = 2166136261u; /* FNV-1a: dictionary 1 must never change (its rows need it) */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)dict[i]) * 16777619u;
  assert_int_equal(n, 7332);
  assert_int_equal(h, 0x1a0d80edu);
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  assert_int_equal(store_write(s, pack_rows, NULL, &e), 0);
  store_conn *r = store_reader(s, &e);
  char got[2048] = "", want[2048];
  assert_int_equal(store_fee_each(r, "V1", NULL, 0, pack_read, got, &e), 0);
  snprintf(want, sizeof want, "p1=%s|%s;p2={\"cnt\":\"1\"}|{};", PACK_BODY, PACK_RESULT);
  assert_string_equal(got, want);
  char *infno, *hash, *psn, *resp;
  assert_int_equal(store_msg_get(r, "H1", "MP", &infno, &hash, &psn, &resp, &e), 0);
  assert_string_equal(resp, PACK_RESULT);
  free(infno), free(hash), free(psn), free(resp);
  store_close(s);

  sqlite3 *db;
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT feedetl_sn, typeof(body), length(body), typeof(result) FROM fee"
                                          " WHERE mdtrt_id='V1' ORDER BY seq", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 1), "blob");
  assert_true(sqlite3_column_int(q, 2) < (int)strlen(PACK_BODY) * 2 / 3); /* 67 of 135 bytes */
  assert_string_equal((const char *)sqlite3_column_text(q, 3), "blob");
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 1), "text");
  sqlite3_finalize(q);
  /* a row as an earlier version wrote it (TEXT), and damaged packed values */
  assert_int_equal(sqlite3_exec(db, "UPDATE fee SET body='{\"old\":1}' WHERE feedetl_sn='p2';"
                                    "UPDATE fee SET result=x'0105000000ffff' WHERE feedetl_sn='p1';"
                                    "UPDATE msglog SET response=x'01ff' WHERE msgid='MP';", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  r = store_reader(s, &e);
  got[0] = 0;
  assert_int_equal(store_fee_each(r, "V1", NULL, 0, pack_read, got, &e), 0);
  snprintf(want, sizeof want, "p1=%s|;p2={\"old\":1}|{};", PACK_BODY);
  assert_string_equal(got, want);
  assert_int_equal(store_msg_get(r, "H1", "MP", &infno, &hash, &psn, &resp, &e), YB_ESTORE);
  assert_non_null(strstr(e.msg, "cannot be read"));
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_schema_and_records, setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_commit_bare, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lifecycle_and_log, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wal_writes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_cache, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_cache_visits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fee_seq, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fee_batch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_packed_texts, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
