/* store_sqlite_gen.c — area GEN on SQLite: the generator's bulk inserts as prepared
 * statements (fee lines carry their seq and setl_id directly, so a line is one insert),
 * and table gen_run, one row per generator run. */
#include <stdio.h>
#include <stdlib.h>

#include "store_gen.h"
#include "store_sqlite.h"

static const char *const gen_migrations[] = {
    /* 1: runs; labels looked up by visit */
    "CREATE TABLE IF NOT EXISTS gen_run(id INTEGER PRIMARY KEY, at TEXT NOT NULL, seed INTEGER NOT NULL,"
    " params TEXT NOT NULL, stats TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS fraud_label_visit ON fraud_label(mdtrt_id);",
};

#define GEN_SQL(X)                                                                                  \
  X(FEE, "INSERT INTO fee VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,nullif(?18,''),?19,?20)") \
  X(LABEL, "INSERT INTO fraud_label(kind,psn_no,fixmedins_code,mdtrt_id,setl_id,feedetl_sn,note) VALUES(?1,?2,?3,?4,?5,?6,?7)") \
  X(DOCTOR, "INSERT OR REPLACE INTO doctor VALUES(?1,?2,?3,?4,?5,?6)")                               \
  X(GEO, "INSERT OR REPLACE INTO institution_geo VALUES(?1,?2,?3,?4)")                               \
  X(CHECKIN, "INSERT OR IGNORE INTO dialysis_checkin VALUES(?1,?2,?3)")                              \
  X(RUN, "INSERT INTO gen_run(at,seed,params,stats) VALUES(strftime('%Y-%m-%d %H:%M:%S','now'),?1,?2,?3)") \
  X(RUNS, "SELECT count(*) FROM gen_run")                                                             \
  X(CONSOLE_ITEM, "INSERT INTO console_item VALUES(?1,?2,?3,?4)"                                      \
                  " ON CONFLICT DO UPDATE SET lines=lines+excluded.lines, sumamt=sumamt+excluded.sumamt") \
  X(CONSOLE_MONTH, "INSERT INTO console_month VALUES(?1,?2,?3,?4,?5,0,?6,?7,?8,?9) ON CONFLICT DO UPDATE"   \
                   " SET n=n+excluded.n, medfee=medfee+excluded.medfee, fund=fund+excluded.fund,"     \
                   " acct=acct+excluded.acct, cash=cash+excluded.cash")                                \
  X(CONSOLE_DISE, "INSERT INTO console_dise VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT DO UPDATE SET"            \
                  " n=n+excluded.n, fund=fund+excluded.fund, medfee=medfee+excluded.medfee,"          \
                  " dise_name=CASE WHEN dise_name='' THEN excluded.dise_name ELSE dise_name END")

enum {
#define GEN_ENUM(name, sql) GS_##name,
  GEN_SQL(GEN_ENUM)
#undef GEN_ENUM
  GS_COUNT
};
static const char *const gen_sql[] = {
#define GEN_TEXT(name, sql) sql,
    GEN_SQL(GEN_TEXT)
#undef GEN_TEXT
};

const store_area store_area_gen = {STORE_AREA_GEN, "gen", gen_migrations,
                                   (int)(sizeof gen_migrations / sizeof gen_migrations[0]), gen_sql, GS_COUNT};

#define GPREP(var, id)                                              \
  sqlite3_stmt *var = store_sqlite_stmt(c, &store_area_gen, GS_##id, e); \
  if (!var) return YB_ESTORE

/* The job's (empty) transaction is ended for the switch and opened again: journal_mode can only
 * change outside a transaction, and leaving WAL needs this to be the database's only connection
 * (otherwise SQLite keeps WAL and so does the generator, only slower). */
int store_gen_journal(store_conn *c, int bulk, yb_err *e) {
  int rc = store_sqlite_exec(c, "RELEASE job; COMMIT;", e);
  if (!rc) /* refused while another connection has the database open: stay in WAL */
    store_sqlite_exec(c, bulk ? "PRAGMA journal_mode=MEMORY;" : "PRAGMA journal_mode=WAL;", NULL);
  if (!rc) rc = store_sqlite_exec(c, bulk ? "PRAGMA foreign_keys=OFF;" : "PRAGMA foreign_keys=ON;", e);
  if (!rc) rc = store_sqlite_exec(c, bulk ? "PRAGMA synchronous=OFF;" : "PRAGMA synchronous=FULL;", e);
  int rc2 = store_sqlite_exec(c, "BEGIN IMMEDIATE; SAVEPOINT job;", rc ? NULL : e);
  return rc ? rc : rc2;
}

int store_gen_bulk(store_conn *c, yb_err *e) {
  int rc = store_sqlite_exec(c, "PRAGMA cache_size=-131072; RELEASE job;", e);
  if (!rc) store_console_hold(c, 1); /* the chunk adds its console sums itself (gen_console.c) */
  return rc;
}

int store_gen_bulk_end(store_conn *c, int failed, yb_err *e) {
  store_console_hold(c, 0);
  /* on failure the whole transaction goes, with every console delta pending in it, and an empty
   * one takes its place for the caller */
  if (failed) store_console_reset(c);
  return store_sqlite_exec(c, failed ? "ROLLBACK; BEGIN IMMEDIATE; SAVEPOINT job;" : "SAVEPOINT job;", e);
}

int store_gen_console_month(store_conn *c, const char *month, const char *insutype, const char *fixmedins_code,
                            const char *kind, const int64_t v[5], yb_err *e) {
  GPREP(s, CONSOLE_MONTH);
  store_sqlite_bt(s, 1, month);
  store_sqlite_bt(s, 2, insutype);
  store_sqlite_bt(s, 3, fixmedins_code);
  store_sqlite_bt(s, 4, kind);
  for (int i = 0; i < 5; i++) store_sqlite_bi(s, 5 + i, v[i]);
  return store_sqlite_done(c, s, e, "console_month");
}

int store_gen_console_dise(store_conn *c, const char *year, const char *dise_codg, const char *dise_name, int64_t n,
                           int64_t fund, int64_t medfee, yb_err *e) {
  GPREP(s, CONSOLE_DISE);
  store_sqlite_bt(s, 1, year);
  store_sqlite_bt(s, 2, dise_codg);
  store_sqlite_bt(s, 3, dise_name);
  store_sqlite_bi(s, 4, n);
  store_sqlite_bi(s, 5, fund);
  store_sqlite_bi(s, 6, medfee);
  return store_sqlite_done(c, s, e, "console_dise");
}

int store_gen_console_item(store_conn *c, const char *year, const char *med_list_codg, int64_t lines,
                           int64_t sumamt, yb_err *e) {
  GPREP(s, CONSOLE_ITEM);
  store_sqlite_bt(s, 1, year);
  store_sqlite_bt(s, 2, med_list_codg);
  store_sqlite_bi(s, 3, lines);
  store_sqlite_bi(s, 4, sumamt);
  return store_sqlite_done(c, s, e, "console_item");
}

int store_gen_fee_put(store_conn *c, const store_gen_fee *f, int seq, yb_err *e) {
  GPREP(s, FEE);
  store_sqlite_bt(s, 1, f->mdtrt_id);
  store_sqlite_bt(s, 2, f->feedetl_sn);
  store_sqlite_bi(s, 3, seq);
  store_sqlite_bt(s, 4, "");
  store_sqlite_bt(s, 5, f->psn_no);
  store_sqlite_bt(s, 6, f->fixmedins_code);
  store_sqlite_bt(s, 7, f->chrg_bchno);
  store_sqlite_bt(s, 8, f->med_type);
  store_sqlite_bt(s, 9, f->med_list_codg);
  store_sqlite_bt(s, 10, f->medins_list_codg);
  store_sqlite_bt(s, 11, f->fee_ocur_time);
  store_sqlite_bt(s, 12, f->dise_codg);
  store_sqlite_bi(s, 13, f->cnt);
  store_sqlite_bi(s, 14, f->pric);
  store_sqlite_bi(s, 15, f->sumamt);
  store_sqlite_bi(s, 16, f->hosp_appr_flag);
  store_sqlite_bi(s, 17, f->state);
  store_sqlite_bt(s, 18, f->setl_id);
  store_sqlite_bind_packed(s, 19, f->body);
  store_sqlite_bind_packed(s, 20, f->result);
  int rc = store_sqlite_done(c, s, e, "fee");
  /* a line inserted settled counts in the console's items (nothing while a bulk chunk holds them) */
  if (!rc) rc = store_console_on_fee_insert(c, f->setl_id, f->med_list_codg, f->fee_ocur_time, f->cnt, f->sumamt, e);
  return rc;
}

int store_gen_label_put(store_conn *c, const char *kind, const char *psn_no, const char *fixmedins_code,
                        const char *mdtrt_id, const char *setl_id, const char *feedetl_sn,
                        const char *note, yb_err *e) {
  GPREP(s, LABEL);
  store_sqlite_bt(s, 1, kind);
  store_sqlite_bt(s, 2, psn_no);
  store_sqlite_bt(s, 3, fixmedins_code);
  store_sqlite_bt(s, 4, mdtrt_id);
  store_sqlite_bt(s, 5, setl_id);
  store_sqlite_bt(s, 6, feedetl_sn);
  store_sqlite_bt(s, 7, note);
  return store_sqlite_done(c, s, e, "fraud_label");
}

int store_gen_doctor_put(store_conn *c, const char *dr_code, const char *fixmedins_code, const char *name,
                         const char *dept, const char *begndate, const char *enddate, yb_err *e) {
  GPREP(s, DOCTOR);
  store_sqlite_bt(s, 1, dr_code);
  store_sqlite_bt(s, 2, fixmedins_code);
  store_sqlite_bt(s, 3, name);
  store_sqlite_bt(s, 4, dept);
  store_sqlite_bt(s, 5, begndate);
  store_sqlite_bt(s, 6, enddate);
  return store_sqlite_done(c, s, e, "doctor");
}

int store_gen_geo_put(store_conn *c, const char *fixmedins_code, const char *town, int64_t lat_e6,
                      int64_t lon_e6, yb_err *e) {
  GPREP(s, GEO);
  store_sqlite_bt(s, 1, fixmedins_code);
  store_sqlite_bt(s, 2, town);
  store_sqlite_bi(s, 3, lat_e6);
  store_sqlite_bi(s, 4, lon_e6);
  return store_sqlite_done(c, s, e, "institution_geo");
}

int store_gen_checkin_put(store_conn *c, const char *psn_no, const char *fixmedins_code,
                          const char *checkin_time, yb_err *e) {
  GPREP(s, CHECKIN);
  store_sqlite_bt(s, 1, psn_no);
  store_sqlite_bt(s, 2, fixmedins_code);
  store_sqlite_bt(s, 3, checkin_time);
  return store_sqlite_done(c, s, e, "dialysis_checkin");
}

int store_gen_run_put(store_conn *c, int64_t seed, const char *params, const char *stats, yb_err *e) {
  GPREP(s, RUN);
  store_sqlite_bi(s, 1, seed);
  store_sqlite_bt(s, 2, params);
  store_sqlite_bt(s, 3, stats);
  return store_sqlite_done(c, s, e, "gen_run");
}

int store_gen_runs(store_conn *c, int64_t *n, yb_err *e) {
  GPREP(s, RUNS);
  int rc = sqlite3_step(s);
  *n = rc == SQLITE_ROW ? store_sqlite_ci(s, 0) : 0;
  store_sqlite_reset(s);
  return rc == SQLITE_ROW ? 0 : store_sqlite_err(c, e, "gen_run");
}
