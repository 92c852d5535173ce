/* test_console.c — the console's summary tables: the store fills them as settlements and fee
 * lines are written (originals minus reversals, the main diagnosis, settled lines in the paying
 * settlement's year) exactly as a full rebuild does — in one job, across the jobs of one batch
 * with some rolled back, with a rebuild among them, and outside a batch; the named queries
 * answer from them; an old database loses its triggers at open and keeps its sums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <unistd.h>

#include "store.h"
#include "store_sqlite.h"
#include "testdb.h"
#include "store_console.h"

static char dbpath[64];

static int setup(void **state) {
  (void)state;
  testdb_path(dbpath, sizeof dbpath, "console");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_remove(dbpath);
  return 0;
}

static int inst(store_conn *w, const char *code, int lv, const char *type, yb_err *e) {
  store_inst in = {0};
  snprintf(in.fixmedins_code, sizeof in.fixmedins_code, "%s", code);
  strcpy(in.fixmedins_name, "机构");
  strcpy(in.hosp_lv_code, "11");
  snprintf(in.medins_type, sizeof in.medins_type, "%s", type);
  strcpy(in.admdvs, "411500");
  strcpy(in.secret, "s");
  in.hosp_lv = lv;
  return store_inst_put(w, &in, e);
}

static int visit(store_conn *w, const char *id, const char *code, const char *kind, const char *dise,
                 const char *diag, yb_err *e) {
  store_visit v = {0};
  snprintf(v.mdtrt_id, sizeof v.mdtrt_id, "%s", id);
  strcpy(v.psn_no, "P1");
  snprintf(v.fixmedins_code, sizeof v.fixmedins_code, "%s", code);
  snprintf(v.kind, sizeof v.kind, "%s", kind);
  strcpy(v.insutype, "390");
  strcpy(v.med_type, "11");
  snprintf(v.ipt_otp_no, sizeof v.ipt_otp_no, "N%s", id);
  strcpy(v.begntime, "2024-03-15 09:00:00");
  snprintf(v.dise_codg, sizeof v.dise_codg, "%s", dise);
  v.n_diag = 1;
  snprintf(v.diag[0], sizeof v.diag[0], "%s", diag);
  v.state = STORE_VISIT_DISCHARGED;
  return store_visit_put(w, &v, e);
}

static int fee(store_conn *w, const char *visit_id, const char *sn, const char *code, int64_t fen, yb_err *e) {
  store_fee f = {0};
  snprintf(f.mdtrt_id, sizeof f.mdtrt_id, "%s", visit_id);
  snprintf(f.feedetl_sn, sizeof f.feedetl_sn, "%s", sn);
  strcpy(f.psn_no, "P1");
  strcpy(f.fixmedins_code, "H1");
  snprintf(f.med_list_codg, sizeof f.med_list_codg, "%s", code);
  strcpy(f.fee_ocur_time, "2024-03-15 09:10:00"); /* charged in 2024, settled in 2026 below */
  f.cnt = 10000;
  f.pric = fen * 10000;
  f.sumamt = fen;
  f.state = 1;
  f.body = f.result = "{}";
  return store_fee_put(w, &f, e);
}

static int setl(store_conn *w, const char *id, const char *visit_id, const char *code, const char *time, int refd,
                int64_t medfee, int64_t fund, yb_err *e) {
  store_setl s = {0};
  snprintf(s.setl_id, sizeof s.setl_id, "%s", id);
  snprintf(s.mdtrt_id, sizeof s.mdtrt_id, "%s", visit_id);
  strcpy(s.psn_no, "P1");
  snprintf(s.fixmedins_code, sizeof s.fixmedins_code, "%s", code);
  strcpy(s.infno, refd ? "2601" : "2207");
  snprintf(s.msgid, sizeof s.msgid, "M%s", id);
  strcpy(s.insutype, "390");
  strcpy(s.med_type, "11");
  strcpy(s.clr_type, "11");
  snprintf(s.setl_time, sizeof s.setl_time, "%s", time);
  s.year = 2024;
  s.refd_setl_flag = refd;
  s.state = 1;
  s.medfee_sumamt = medfee;
  s.fund_pay_sumamt = fund;
  s.psn_cash_pay = medfee - fund;
  s.setlinfo = s.setldetail = s.trace = s.accum_delta = (char *)"{}";
  return store_setl_put(w, &s, e);
}

static int seed(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_person p = {0};
  strcpy(p.psn_no, "P1");
  strcpy(p.psn_cert_type, "01");
  strcpy(p.certno, "ID1");
  strcpy(p.psn_name, "测试");
  strcpy(p.gend, "1");
  strcpy(p.brdy, "1980-01-01");
  strcpy(p.insuplc_admdvs, "411500");
  strcpy(p.cvlserv_flag, "0");
  int rc = store_person_put(w, &p, e);
  if (!rc) rc = inst(w, "H1", 3, "hospital", e);
  if (!rc) rc = inst(w, "C1", 0, "clinic", e);
  if (!rc) rc = inst(w, "C2", 0, "clinic", e); /* never settles */
  if (!rc) rc = visit(w, "V1", "H1", "ipt", "", "I63.9", e);
  if (!rc) rc = visit(w, "V2", "C1", "otp", "J06.9", "R50", e);
  if (!rc) rc = fee(w, "V1", "1", "XDRUG1", 12345, e);
  if (!rc) rc = fee(w, "V1", "2", "9901", 5000, e);
  if (!rc) rc = fee(w, "V2", "1", "XDRUG1", 950, e);
  /* V1 settled, reversed (lines unsettled), settled again; V2 settled once */
  if (!rc) rc = setl(w, "S1", "V1", "H1", "2026-01-05 10:00:00", 0, 17345, 10000, e);
  if (!rc) rc = store_fee_settle(w, "V1", "1", "S1", e);
  if (!rc) rc = store_fee_settle(w, "V1", "2", "S1", e);
  if (!rc) rc = setl(w, "R1", "V1", "H1", "2026-02-01 10:00:00", 1, -17345, -10000, e);
  if (!rc) rc = store_fee_unsettle(w, "S1", e);
  if (!rc) rc = setl(w, "S2", "V1", "H1", "2026-02-02 10:00:00", 0, 17345, 9000, e);
  if (!rc) rc = store_fee_settle(w, "V1", "1", "S2", e);
  if (!rc) rc = store_fee_settle(w, "V1", "2", "S2", e);
  if (!rc) rc = setl(w, "S3", "V2", "C1", "2026-02-03 10:00:00", 0, 950, 570, e);
  if (!rc) rc = store_fee_settle(w, "V2", "1", "S3", e);
  return rc;
}

/* Every row of a query as one text line "a|b|c;" appended to buf. */
typedef struct dump {
  char buf[2048];
} dump;
static int dump_fn(const store_console_row *row, void *arg) {
  dump *d = arg;
  for (int k = 0; k < row->n; k++)
    snprintf(d->buf + strlen(d->buf), sizeof d->buf - strlen(d->buf), "%s%s", k ? "|" : "", row->s[k]);
  snprintf(d->buf + strlen(d->buf), sizeof d->buf - strlen(d->buf), ";");
  return 0;
}
static const char *q(store_conn *c, store_console_q query, const store_console_arg *a, int n, dump *d) {
  yb_err e = {0};
  d->buf[0] = 0;
  assert_int_equal(store_console_each(c, query, a, n, dump_fn, d, &e), 0);
  return d->buf;
}

static int rebuild(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  return store_console_rebuild(w, e);
}

static void check(store_conn *c) {
  dump d;
  store_console_arg y[] = {{"2026", 0}, {NULL, 10}};
  /* January: S1; February: the reversal of S1 (−1, one reversal row, −173.45 / −100.00) with S2
   * (+1, 173.45 / 90.00) nets to 0 settlements, −10.00 fund; and S3 at the clinic */
  assert_string_equal(q(c, STORE_CONSOLE_MONTH_SCHEME, y, 1, &d),
                      "2026-01|390|ipt|1|0|17345|10000|0|7345;"
                      "2026-02|390|ipt|0|1|0|-1000|0|1000;"
                      "2026-02|390|otp|1|0|950|570|0|380;");
  /* levels: H1 settles; one clinic of two settles */
  assert_string_equal(q(c, STORE_CONSOLE_LEVELS, y, 1, &d), "3|hospital|1|1|1|9000|17345;0|clinic|2|1|1|570|950;");
  /* the main diagnosis: dise_codg, else the first diag code */
  assert_string_equal(q(c, STORE_CONSOLE_DISE_TOP, y, 2, &d), "I63.9||1|9000|17345;J06.9||1|570|950;");
  /* drugs only (X…), settled lines in the year of the paying settlement (2026, not 2024) */
  assert_string_equal(q(c, STORE_CONSOLE_DRUG_TOP, y, 2, &d), "XDRUG1|2|13295;");
  store_console_arg none[] = {{"2024", 0}, {NULL, 10}};
  assert_string_equal(q(c, STORE_CONSOLE_DRUG_TOP, none, 2, &d), "");
  assert_string_equal(q(c, STORE_CONSOLE_YEARS, NULL, 0, &d), "2026;");
  store_console_arg code[] = {{"C2", 0}};
  assert_string_equal(q(c, STORE_CONSOLE_INST_MONTHS, code, 1, &d), "");
}

static void test_sums_equal_rebuild(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *c = store_reader(s, &e);
  check(c); /* as the store's sums made them */
  assert_int_equal(store_write(s, rebuild, NULL, &e), 0);
  check(c); /* and after a full rebuild */
  store_close(s);
}

static void test_person_find(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *c = store_reader(s, &e);
  dump d;
  store_console_arg a[] = {{"测", 0}, {NULL, 50}};
  assert_string_equal(q(c, STORE_CONSOLE_PSN_FIND, a, 2, &d), "P1|测试|1|1980-01-01|ID1|411500;");
  store_console_arg b[] = {{"ID1", 0}, {NULL, 50}};
  assert_string_equal(q(c, STORE_CONSOLE_PSN_FIND, b, 2, &d), "P1|测试|1|1980-01-01|ID1|411500;");
  store_console_arg none[] = {{"王", 0}, {NULL, 50}};
  assert_string_equal(q(c, STORE_CONSOLE_PSN_FIND, none, 2, &d), "");
  assert_int_equal(store_console_each(c, STORE_CONSOLE_Q_N, NULL, 0, dump_fn, &d, &e), YB_EINVAL);
  store_close(s);
}

/* Every row of the three summary tables whose figures are not all zero, as text. */
static void tables(const char *path, char *out, size_t cap) {
  static const char *const sql[] = {
      "SELECT * FROM console_month WHERE n<>0 OR nrev<>0 OR medfee<>0 OR fund<>0 OR acct<>0 OR cash<>0 ORDER BY 1,2,3,4",
      "SELECT * FROM console_dise WHERE n<>0 OR fund<>0 OR medfee<>0 ORDER BY 1,2",
      "SELECT * FROM console_item WHERE lines<>0 OR sumamt<>0 ORDER BY 1,2"};
  sqlite3 *d = NULL;
  assert_int_equal(sqlite3_open_v2(path, &d, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  size_t n = 0;
  out[0] = 0;
  for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(d, sql[i], -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
      for (int k = 0; k < sqlite3_column_count(q); k++) {
        const char *t = (const char *)sqlite3_column_text(q, k);
        n += (size_t)snprintf(out + n, cap - n, "%s%s", k ? "|" : "", t ? t : "");
        assert_true(n < cap);
      }
      n += (size_t)snprintf(out + n, cap - n, ";");
    }
    sqlite3_finalize(q);
    n += (size_t)snprintf(out + n, cap - n, "\n");
  }
  sqlite3_close(d);
}

static int64_t q1(const char *path, const char *sql) {
  sqlite3 *d = NULL;
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_open_v2(path, &d, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(d);
  return v;
}

/* Visits W0..W(n-1) at H1 and C1 (ipt, otp), each with a drug line and a second item. */
#define NV 24
static int seed_many(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  int rc = seed(w, NULL, e);
  for (int i = 0; !rc && i < NV; i++) {
    char id[16], dise[16];
    snprintf(id, sizeof id, "W%d", i);
    snprintf(dise, sizeof dise, "K%02d", i % 3);
    rc = visit(w, id, i % 2 ? "C1" : "H1", i % 2 ? "otp" : "ipt", i % 4 ? dise : "", "R51,K00", e);
    if (!rc) rc = fee(w, id, "1", "XDRUG1", 100 + i, e);
    if (!rc) rc = fee(w, id, "2", i % 3 ? "9902" : "XDRUG2", 1000 * (i + 1), e);
  }
  return rc;
}

typedef struct tjob {
  store_job job;
  int op; /* 0 settle, 1 cancel (unsettle and a reversal row), 2 rebuild */
  int i, round, fail;
} tjob;
static atomic_int tjobs_done;

static int tjob_run(store_conn *w, store_job *job) {
  tjob *t = (tjob *)job;
  yb_err e = {0};
  char id[16], sid[16], rid[16], when[24];
  snprintf(id, sizeof id, "W%d", t->i);
  snprintf(sid, sizeof sid, "S%d.%d", t->i, t->round);
  snprintf(rid, sizeof rid, "R%d.%d", t->i, t->round);
  snprintf(when, sizeof when, "2026-%02d-10 10:00:00", 1 + (t->i + t->round) % 12);
  int rc = 0;
  int64_t n = 0, medfee = 1100 + 1001 * t->i;
  if (t->op == 0) {
    rc = setl(w, sid, id, t->i % 2 ? "C1" : "H1", when, 0, medfee, medfee / 2, &e);
    if (!rc) rc = store_fee_settle_all(w, id, NULL, sid, NULL, 0, &n, &e);
    if (!rc && n != 2) rc = YB_ECONFLICT;
  } else if (t->op == 1) {
    rc = store_fee_unsettle(w, sid, &e);
    if (!rc) rc = setl(w, rid, id, t->i % 2 ? "C1" : "H1", when, 1, -medfee, -(medfee / 2), &e);
  } else {
    rc = store_console_rebuild(w, &e);
  }
  return rc ? rc : t->fail ? YB_ECONFLICT : 0; /* a failing job has written all the same */
}
static void tjob_done(store_job *job, int commit_rc) {
  (void)job;
  assert_int_equal(commit_rc, 0);
  atomic_fetch_add(&tjobs_done, 1);
}

/* Many jobs in one batch (queued before the writer starts: it takes them all at once): settle,
 * cancel and settle again, some jobs failing after their writes, a rebuild among them and a
 * failing one. Each job in its SAVEPOINT (rolled back when it fails), or (rerun) bare: the first
 * failure after a write rolls the batch back and runs the jobs before it again. The tables equal
 * a fresh rebuild, and hand-counted totals hold. */
static void one_batch(int rerun) {
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed_many, NULL, &e), 0);
  static tjob jobs[4 * NV + 2];
  int nj = 0, settled = 0, reversed = 0;
  for (int i = 0; i < NV; i++) { /* round 0: every visit, every fifth job fails */
    jobs[nj++] = (tjob){.op = 0, .i = i, .round = 0, .fail = i % 5 == 4};
    settled += i % 5 != 4;
  }
  jobs[nj++] = (tjob){.op = 2, .fail = 1}; /* a rebuild that rolls back */
  for (int i = 0; i < NV; i += 2) {         /* even visits that settled: cancelled, then settled again */
    if (i % 5 == 4) continue;
    int cancel_fails = i == 6 || i == 20, settle_fails = i == 8 || i == 16;
    jobs[nj++] = (tjob){.op = 1, .i = i, .round = 0, .fail = cancel_fails};
    if (cancel_fails) continue; /* it stays settled */
    reversed++;
    /* a rebuild between a cancel and the next settle (not with the redo: the rebuild would hide
     * whatever was wrong in the sums before it) */
    if (i == 10 && !rerun) jobs[nj++] = (tjob){.op = 2};
    jobs[nj++] = (tjob){.op = 0, .i = i, .round = 1, .fail = settle_fails};
    settled += !settle_fails;
  }
  atomic_store(&tjobs_done, 0);
  for (int k = 0; k < nj; k++) {
    jobs[k].job.run = tjob_run;
    jobs[k].job.done = tjob_done;
    jobs[k].job.keyed = 1;
    jobs[k].job.rerun = rerun;
    store_submit(s, &jobs[k].job);
  }
  uint64_t b0, j0, b1, j1;
  store_stats(s, &b0, &j0);
  store_batch_cut(s, 0); /* the whole queue in one batch, even with the syncer idle */
  assert_int_equal(store_writer_start(s, &e), 0);
  while (atomic_load(&tjobs_done) < nj) usleep(1000);
  store_stats(s, &b1, &j1);
  assert_int_equal(b1 - b0, 1); /* all of them in one batch */
  assert_int_equal(j1 - j0, (uint64_t)nj);
  assert_int_equal(store_redos(s), rerun ? 1 : 0); /* one redo per batch at most */
  store_writer_stop(s);
  static char have[16384], want[16384];
  tables(dbpath, have, sizeof have);
  /* the seed's settlements (2 in January, 2 more and a reversal in February) and these */
  assert_int_equal(q1(dbpath, "SELECT sum(n) FROM console_month"), 2 + settled - reversed);
  assert_int_equal(q1(dbpath, "SELECT sum(nrev) FROM console_month"), 1 + reversed);
  assert_int_equal(q1(dbpath, "SELECT count(*) FROM settlement"), 4 + settled + reversed);
  assert_int_equal(q1(dbpath, "SELECT sum(lines) FROM console_item"),
                   q1(dbpath, "SELECT count(*) FROM fee WHERE setl_id IS NOT NULL AND cnt>0"));
  assert_int_equal(q1(dbpath, "SELECT sum(sumamt) FROM console_item WHERE med_list_codg='XDRUG2'"),
                   q1(dbpath, "SELECT sum(sumamt) FROM fee WHERE setl_id IS NOT NULL AND med_list_codg='XDRUG2'"));
  assert_int_equal(store_write(s, rebuild, NULL, &e), 0);
  tables(dbpath, want, sizeof want);
  assert_string_equal(have, want);
  store_close(s);
}

static void test_one_batch_with_rollbacks(void **state) {
  (void)state;
  one_batch(0);
}
static void test_one_batch_bare_with_redo(void **state) {
  (void)state;
  one_batch(1);
}

/* One more settlement of W1 (both its lines, one of them on its own). */
static int settle_more(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  int64_t n = 0;
  int rc = setl(w, "S9", "W1", "C1", "2026-03-01 08:00:00", 0, 3100, 1000, e);
  if (!rc) rc = store_fee_settle(w, "W1", "1", "S9", e);
  if (!rc) rc = store_fee_settle_all(w, "W1", NULL, "S9", NULL, 0, &n, e);
  if (!rc && n != 1) rc = YB_ECONFLICT;
  return rc;
}
static int settle_fail(store_conn *w, void *arg, yb_err *e) {
  int rc = settle_more(w, arg, e);
  return rc ? rc : yb_fail(e, YB_ECONFLICT, "test", "rolled back after its writes");
}
/* store_write through the running writer's queue, one of them failing after its writes. */
static void test_writer_running(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed_many, NULL, &e), 0);
  assert_int_equal(store_writer_start(s, &e), 0);
  assert_int_equal(store_write(s, settle_fail, NULL, &e), YB_ECONFLICT);
  assert_int_equal(store_write(s, settle_more, NULL, &e), 0);
  store_writer_stop(s);
  static char have[16384], want[16384];
  tables(dbpath, have, sizeof have);
  /* XDRUG1 in 2026: S2's line of V1, S3's of V2 and S9's of W1 (W1 was not settled before) */
  assert_int_equal(q1(dbpath, "SELECT lines FROM console_item WHERE year='2026' AND med_list_codg='XDRUG1'"), 3);
  assert_int_equal(q1(dbpath, "SELECT sumamt FROM console_item WHERE year='2026' AND med_list_codg='XDRUG1'"),
                   12345 + 950 + 101);
  assert_int_equal(q1(dbpath, "SELECT n FROM console_month WHERE month='2026-03'"), 1);
  assert_int_equal(store_write(s, rebuild, NULL, &e), 0);
  tables(dbpath, want, sizeof want);
  assert_string_equal(have, want);
  store_close(s);
}

/* An old database: its console area at version 2 with a settlement trigger still on the core
 * table (this one would refuse every settlement). The open drops it; the sums are untouched and
 * a settlement after it is counted once. */
static void test_old_db_loses_triggers(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed_many, NULL, &e), 0);
  store_close(s);
  static char before[16384], after[16384];
  tables(dbpath, before, sizeof before);
  sqlite3 *d = NULL;
  assert_int_equal(sqlite3_open(dbpath, &d), SQLITE_OK);
  assert_int_equal(sqlite3_exec(d, "UPDATE schema_area SET version=2 WHERE name='console';"
                                   "CREATE TRIGGER console_setl AFTER INSERT ON settlement BEGIN"
                                   " SELECT RAISE(ABORT, 'old trigger'); END;", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(d);
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(q1(dbpath, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'console_%'"
                              " AND name<>'console_contrib'"), 0);
  assert_int_equal(q1(dbpath, "SELECT version FROM schema_area WHERE name='console'"), 3);
  tables(dbpath, after, sizeof after);
  assert_string_equal(before, after);
  int64_t n0 = q1(dbpath, "SELECT sum(n) FROM console_month");
  assert_int_equal(store_write(s, settle_more, NULL, &e), 0);
  assert_int_equal(q1(dbpath, "SELECT sum(n) FROM console_month"), n0 + 1);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sums_equal_rebuild, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_batch_with_rollbacks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_batch_bare_with_redo, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_running, setup, teardown),
      cmocka_unit_test_setup_teardown(test_old_db_loses_triggers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_person_find, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
