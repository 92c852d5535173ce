/* store_sqlite_enroll.c — SQLite tables and statements of the enrollment area (store_enroll.h):
 * contributions, history, households, family bindings, account ledger, filing history and the
 * change log. Listings for the console and the monitoring lists are fixed statements turned
 * into JSON rows here, so the domain code never sees SQL. */
#include <stdlib.h>
#include <string.h>

#include "store_enroll.h"
#include "store_sqlite.h"

static const char *const enr_migrations[] = {
    /* 1 (IF NOT EXISTS: a database whose schema_area was rebuilt keeps these tables) */
    "CREATE TABLE IF NOT EXISTS enr_contrib(id INTEGER PRIMARY KEY, psn_no TEXT NOT NULL, year INTEGER NOT NULL,"
    " insutype TEXT NOT NULL, kind TEXT NOT NULL CHECK(kind IN ('contribution','payback','refund','employee')),"
    " month TEXT NOT NULL DEFAULT '', individual_fen INTEGER NOT NULL DEFAULT 0, fiscal_fen INTEGER NOT NULL DEFAULT 0,"
    " assistance_fen INTEGER NOT NULL DEFAULT 0, person_fen INTEGER NOT NULL DEFAULT 0,"
    " employer_fen INTEGER NOT NULL DEFAULT 0, base_fen INTEGER NOT NULL DEFAULT 0, payer TEXT NOT NULL,"
    " paid_date TEXT NOT NULL, memo TEXT NOT NULL DEFAULT '', at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS enr_contrib_psn ON enr_contrib(psn_no, year);"
    "CREATE TABLE IF NOT EXISTS enr_hist(id INTEGER PRIMARY KEY, psn_no TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,"
    " begndate TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS enr_hist_psn ON enr_hist(psn_no);"
    "CREATE TABLE IF NOT EXISTS enr_household(hh_no TEXT NOT NULL, psn_no TEXT NOT NULL, relation TEXT NOT NULL,"
    " PRIMARY KEY(hh_no, psn_no)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS enr_household_psn ON enr_household(psn_no);"
    "CREATE TABLE IF NOT EXISTS enr_family(holder TEXT NOT NULL, relative TEXT NOT NULL, relation TEXT NOT NULL,"
    " begndate TEXT NOT NULL, enddate TEXT NOT NULL DEFAULT '', PRIMARY KEY(relative, begndate)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS enr_family_holder ON enr_family(holder);"
    "CREATE TABLE IF NOT EXISTS enr_ledger(id INTEGER PRIMARY KEY, psn_no TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,"
    " amount_fen INTEGER NOT NULL, balance_fen INTEGER NOT NULL, ref TEXT NOT NULL DEFAULT '', memo TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS enr_ledger_psn ON enr_ledger(psn_no);"
    "CREATE TABLE IF NOT EXISTS enr_filing_log(id INTEGER PRIMARY KEY, psn_no TEXT NOT NULL, action TEXT NOT NULL,"
    " filing_type TEXT NOT NULL, admvs TEXT NOT NULL, begndate TEXT NOT NULL, enddate TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS enr_filing_log_psn ON enr_filing_log(psn_no);"
    "CREATE TABLE IF NOT EXISTS enr_log(id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, psn_no TEXT NOT NULL,"
    " action TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS enr_log_psn ON enr_log(psn_no);"
    "CREATE TRIGGER IF NOT EXISTS enr_log_no_update BEFORE UPDATE ON enr_log BEGIN SELECT RAISE(ABORT, 'enr_log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS enr_log_no_delete BEFORE DELETE ON enr_log BEGIN SELECT RAISE(ABORT, 'enr_log is append-only'); END;",
};

#define NOW "strftime('%Y-%m-%d %H:%M:%S','now')"
#define ENR_SQL(X)                                                                                      \
  X(CONTRIB_ADD, "INSERT INTO enr_contrib(psn_no,year,insutype,kind,month,individual_fen,fiscal_fen,"   \
                 "assistance_fen,person_fen,employer_fen,base_fen,payer,paid_date,memo,at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14," NOW ")") \
  X(CONTRIB_SUM, "SELECT coalesce(sum(person_fen),0), count(*) FROM enr_contrib WHERE psn_no=?1 AND year=?2 AND (?3='' OR insutype=?3) AND kind=?4") \
  X(PAID_DATE, "SELECT coalesce(min(paid_date),'') FROM enr_contrib WHERE psn_no=?1 AND year=?2 AND insutype=?3 AND kind='contribution'") \
  X(PAID_BACK, "SELECT DISTINCT year FROM enr_contrib WHERE psn_no=?1 AND kind='payback' ORDER BY year")  \
  X(HIST_ADD, "INSERT INTO enr_hist(psn_no,kind,value,begndate,at) VALUES(?1,?2,?3,?4," NOW ")")          \
  X(HH_PUT, "INSERT OR REPLACE INTO enr_household VALUES(?1,?2,?3)")                                    \
  X(FAM_PUT, "INSERT INTO enr_family VALUES(?1,?2,?3,?4,'')")                                           \
  X(FAM_END, "UPDATE enr_family SET enddate=?2 WHERE relative=?1 AND enddate=''")                       \
  X(FAM_COUNT, "SELECT count(*) FROM enr_family WHERE holder=?1 AND enddate=''")                        \
  X(FAM_GET, "SELECT relation FROM enr_family WHERE holder=?1 AND relative=?2 AND enddate=''")          \
  X(LEDGER_ADD, "INSERT INTO enr_ledger(psn_no,at,kind,amount_fen,balance_fen,ref,memo) VALUES(?1," NOW ",?2,?3,(SELECT acct_balc FROM person WHERE psn_no=?1),?4,?5)") \
  X(FILING_LOG, "INSERT INTO enr_filing_log(psn_no,action,filing_type,admvs,begndate,enddate,at) VALUES(?1,?2,?3,?4,?5,?6," NOW ")") \
  X(FILING_END, "UPDATE person_filing SET enddate=?4 WHERE psn_no=?1 AND admvs=?2 AND begndate=?3")     \
  X(LOG_ADD, "INSERT INTO enr_log(at,who,psn_no,action,detail) VALUES(" NOW ",?1,?2,?3,?4)")           \
  X(YEARS, "SELECT * FROM enrollment WHERE psn_no=?1 ORDER BY year, insutype")                         \
  X(FUND, "SELECT s.year, sum(s.fund_pay_sumamt) FROM visit v JOIN settlement s ON s.mdtrt_id=v.mdtrt_id" \
          " WHERE v.psn_no=?1 AND s.state=1 AND s.refd_setl_flag=0 GROUP BY s.year ORDER BY s.year")  \
  X(ENROLLED, "SELECT psn_no FROM enrollment WHERE year=?1 AND insutype=?2 AND psn_no>?3 ORDER BY psn_no LIMIT ?4")

/* Listings: ?1 text, ?2 integer. */
static const char *const enr_queries[STORE_ENR_Q_COUNT] = {
    [STORE_ENR_Q_CONTRIBS] = "SELECT year,insutype,kind,month,individual_fen,fiscal_fen,assistance_fen,person_fen,"
                             "employer_fen,base_fen,payer,paid_date,memo,at FROM enr_contrib WHERE psn_no=?1 AND ?2=?2 ORDER BY id",
    [STORE_ENR_Q_HIST] = "SELECT kind,value,begndate,at FROM enr_hist WHERE psn_no=?1 AND ?2=?2 ORDER BY id",
    [STORE_ENR_Q_LEDGER] = "SELECT at,kind,amount_fen,balance_fen,ref,memo FROM enr_ledger WHERE psn_no=?1 AND ?2=?2 ORDER BY id",
    [STORE_ENR_Q_FILINGS] = "SELECT filing_type,admvs,begndate,enddate FROM person_filing WHERE psn_no=?1 AND ?2=?2 ORDER BY begndate",
    [STORE_ENR_Q_FILING_LOG] = "SELECT action,filing_type,admvs,begndate,enddate,at FROM enr_filing_log WHERE psn_no=?1 AND ?2=?2 ORDER BY id",
    [STORE_ENR_Q_LOG] = "SELECT at,who,action,detail FROM enr_log WHERE psn_no=?1 AND ?2=?2 ORDER BY id",
    [STORE_ENR_Q_FAMILY] = "SELECT holder,relative,relation,begndate,enddate FROM enr_family WHERE (holder=?1 OR relative=?1) AND ?2=?2 ORDER BY begndate",
    [STORE_ENR_Q_HOUSEHOLD] = "SELECT h.hh_no,h.psn_no,h.relation,p.psn_name FROM enr_household h JOIN person p USING(psn_no)"
                              " WHERE h.hh_no IN (SELECT hh_no FROM enr_household WHERE psn_no=?1) AND ?2=?2 ORDER BY h.hh_no,h.psn_no",
    [STORE_ENR_Q_ENROLLMENTS] = "SELECT year,insutype,psn_type,psn_insu_stas,psn_insu_date,paus_insu_date,wait_until,wait_reason,"
                                "ci_cap_raise AS ci_cap_raise_fen FROM enrollment WHERE psn_no=?1 AND ?2=?2 ORDER BY year,insutype",
    [STORE_ENR_Q_ACCT_SETL] =
        "SELECT s.setl_id,s.setl_time,v.psn_no,s.refd_setl_flag,"
        " CASE WHEN v.psn_no=?1 THEN s.acct_pay ELSE 0 END AS acct_pay_fen,"
        " CASE WHEN s.family_psn_no=?1 THEN s.acct_mulaid_pay ELSE 0 END AS acct_mulaid_pay_fen"
        " FROM visit v JOIN settlement s ON s.mdtrt_id=v.mdtrt_id"
        " WHERE (v.psn_no=?1 OR v.psn_no IN (SELECT relative FROM enr_family WHERE holder=?1)"
        "  OR v.psn_no IN (SELECT psn_no FROM person WHERE family_psn_no=?1))"
        " AND ((v.psn_no=?1 AND s.acct_pay<>0) OR (s.family_psn_no=?1 AND s.acct_mulaid_pay<>0)) AND ?2=?2"
        " ORDER BY s.setl_time, s.setl_id",
    [STORE_ENR_Q_FIND_NAME] = "SELECT psn_no FROM person WHERE psn_name=substr(?1,1,instr(?1,char(9))-1)"
                              " AND brdy=substr(?1,instr(?1,char(9))+1) AND ?2=?2 ORDER BY psn_no",
    [STORE_ENR_Q_BROKEN] =
        "SELECT p.psn_no,p.psn_name,p.certno,e.last_year,e.insutype,?2-e.last_year AS years_missing FROM"
        " (SELECT psn_no,max(year) AS last_year,(SELECT insutype FROM enrollment x WHERE x.psn_no=enrollment.psn_no"
        "   ORDER BY year DESC LIMIT 1) AS insutype FROM enrollment WHERE year<?2 GROUP BY psn_no) e"
        " JOIN person p USING(psn_no)"
        " WHERE NOT EXISTS (SELECT 1 FROM enrollment y WHERE y.psn_no=e.psn_no AND y.year=?2)"
        " AND (p.death_date='' OR p.death_date>=printf('%04d-01-01',?2)) AND ?1=?1 ORDER BY p.psn_no",
    [STORE_ENR_Q_HH_UNENROLLED] =
        "SELECT h.hh_no,h.psn_no,h.relation,p.psn_name,p.certno FROM enr_household h JOIN person p USING(psn_no)"
        " WHERE NOT EXISTS (SELECT 1 FROM enrollment y WHERE y.psn_no=h.psn_no AND y.year=?2 AND y.psn_insu_stas='1')"
        " AND (p.death_date='' OR p.death_date>=printf('%04d-01-01',?2)) AND ?1=?1 ORDER BY h.hh_no,h.psn_no",
    [STORE_ENR_Q_SELF_BURDEN] =
        "SELECT s.psn_no,p.psn_name,p.certno,sum(s.medfee_sumamt-s.fund_pay_sumamt) AS self_burden_fen,"
        " sum(s.medfee_sumamt) AS medfee_fen,count(*) AS settlements FROM settlement s JOIN person p USING(psn_no)"
        " WHERE s.year=?2 AND s.state=1 AND s.refd_setl_flag=0 AND ?1=?1 GROUP BY s.psn_no ORDER BY s.psn_no",
};

enum {
#define E_ENUM(name, sql) Q_##name,
  ENR_SQL(E_ENUM)
#undef E_ENUM
  Q_LIST0
};
static const char *const enr_sql[] = {
#define E_TEXT(name, sql) sql,
    ENR_SQL(E_TEXT)
#undef E_TEXT
    enr_queries[0], enr_queries[1], enr_queries[2], enr_queries[3], enr_queries[4], enr_queries[5],
    enr_queries[6], enr_queries[7], enr_queries[8], enr_queries[9], enr_queries[10], enr_queries[11],
    enr_queries[12], enr_queries[13],
};
_Static_assert(STORE_ENR_Q_COUNT == 14, "list every query in enr_sql");

const store_area store_area_enroll = {
    .id = STORE_AREA_ENROLL,
    .name = "enroll",
    .migrations = enr_migrations,
    .n_migrations = (int)(sizeof enr_migrations / sizeof enr_migrations[0]),
    .sql = enr_sql,
    .n_sql = (int)(sizeof enr_sql / sizeof enr_sql[0]),
};

#define PREP(s, id)                                                          \
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_enroll, Q_##id, e);    \
  if (!s) return YB_ESTORE

#define bt store_sqlite_bt
#define bi store_sqlite_bi

int store_enr_contrib_add(store_conn *c, const store_enr_contrib *r, yb_err *e) {
  PREP(s, CONTRIB_ADD);
  bt(s, 1, r->psn_no);
  bi(s, 2, r->year);
  bt(s, 3, r->insutype);
  bt(s, 4, r->kind);
  bt(s, 5, r->month);
  const int64_t v[] = {r->individual, r->fiscal, r->assistance, r->person, r->employer, r->base};
  for (int i = 0; i < 6; i++) bi(s, 6 + i, v[i]);
  bt(s, 12, r->payer[0] ? r->payer : "self");
  bt(s, 13, r->paid_date);
  bt(s, 14, r->memo);
  return store_sqlite_done(c, s, e, "enr_contrib");
}

int store_enr_contrib_sum(store_conn *c, const char *psn_no, int year, const char *insutype,
                          const char *kind, int64_t *person, int64_t *count, yb_err *e) {
  PREP(s, CONTRIB_SUM);
  bt(s, 1, psn_no);
  bi(s, 2, year);
  bt(s, 3, insutype);
  bt(s, 4, kind);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    store_sqlite_reset(s);
    return store_sqlite_err(c, e, "enr_contrib");
  }
  *person = store_sqlite_ci(s, 0);
  if (count) *count = store_sqlite_ci(s, 1);
  store_sqlite_reset(s);
  return 0;
}

/* Step a statement, handing each row to fn; fn's non-zero return stops (and is returned). */
static int each_row(store_conn *c, sqlite3_stmt *s, int (*fn)(sqlite3_stmt *, void *), void *arg, yb_err *e,
                    const char *what) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int r = fn(s, arg);
    if (r) {
      store_sqlite_reset(s);
      return r;
    }
  }
  store_sqlite_reset(s);
  return rc == SQLITE_DONE ? 0 : store_sqlite_err(c, e, what);
}

typedef struct year_cb {
  int (*fn)(int, void *);
  int (*fn2)(int, int64_t, void *);
  int (*fn_en)(const store_enroll *, void *);
  int (*fn_psn)(const char *, void *);
  void *arg;
} year_cb;

static int row_year(sqlite3_stmt *s, void *a) {
  year_cb *y = a;
  return y->fn((int)store_sqlite_ci(s, 0), y->arg);
}
static int row_fund(sqlite3_stmt *s, void *a) {
  year_cb *y = a;
  return y->fn2((int)store_sqlite_ci(s, 0), store_sqlite_ci(s, 1), y->arg);
}
static int row_psn(sqlite3_stmt *s, void *a) {
  year_cb *y = a;
  return y->fn_psn(store_sqlite_cs(s, 0), y->arg);
}
static int row_enroll(sqlite3_stmt *s, void *a) {
  year_cb *y = a;
  store_enroll r;
  memset(&r, 0, sizeof r);
  store_sqlite_ct(s, 0, r.psn_no, sizeof r.psn_no);
  r.year = (int)store_sqlite_ci(s, 1);
  store_sqlite_ct(s, 2, r.insutype, sizeof r.insutype);
  store_sqlite_ct(s, 3, r.psn_type, sizeof r.psn_type);
  store_sqlite_ct(s, 4, r.psn_insu_stas, sizeof r.psn_insu_stas);
  store_sqlite_ct(s, 5, r.psn_insu_date, sizeof r.psn_insu_date);
  store_sqlite_ct(s, 6, r.paus_insu_date, sizeof r.paus_insu_date);
  store_sqlite_ct(s, 7, r.wait_until, sizeof r.wait_until);
  store_sqlite_ct(s, 8, r.wait_reason, sizeof r.wait_reason);
  r.ci_cap_raise = store_sqlite_ci(s, 9);
  return y->fn_en(&r, y->arg);
}

int store_enr_paid_date(store_conn *c, const char *psn_no, int year, const char *insutype, char *out,
                        size_t cap, yb_err *e) {
  PREP(s, PAID_DATE);
  bt(s, 1, psn_no);
  bi(s, 2, year);
  bt(s, 3, insutype);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) store_sqlite_ct(s, 0, out, cap);
  store_sqlite_reset(s);
  return rc == SQLITE_ROW ? 0 : store_sqlite_err(c, e, "enr_contrib");
}

int store_enr_paid_back_each(store_conn *c, const char *psn_no, int (*fn)(int year, void *), void *arg,
                             yb_err *e) {
  PREP(s, PAID_BACK);
  bt(s, 1, psn_no);
  year_cb y = {.fn = fn, .arg = arg};
  return each_row(c, s, row_year, &y, e, "enr_contrib");
}

int store_enr_years_each(store_conn *c, const char *psn_no, int (*fn)(const store_enroll *, void *),
                         void *arg, yb_err *e) {
  PREP(s, YEARS);
  bt(s, 1, psn_no);
  year_cb y = {.fn_en = fn, .arg = arg};
  return each_row(c, s, row_enroll, &y, e, "enrollment");
}

int store_enr_fund_each(store_conn *c, const char *psn_no, int (*fn)(int year, int64_t fund, void *),
                        void *arg, yb_err *e) {
  PREP(s, FUND);
  bt(s, 1, psn_no);
  year_cb y = {.fn2 = fn, .arg = arg};
  return each_row(c, s, row_fund, &y, e, "settlement");
}

int store_enr_enrolled_each(store_conn *c, int year, const char *insutype, const char *after, int limit,
                            int (*fn)(const char *psn_no, void *), void *arg, yb_err *e) {
  PREP(s, ENROLLED);
  bi(s, 1, year);
  bt(s, 2, insutype);
  bt(s, 3, after ? after : "");
  bi(s, 4, limit > 0 ? limit : -1);
  year_cb y = {.fn_psn = fn, .arg = arg};
  return each_row(c, s, row_psn, &y, e, "enrollment");
}

int store_enr_hist_add(store_conn *c, const char *psn_no, const char *kind, const char *value,
                       const char *begndate, yb_err *e) {
  PREP(s, HIST_ADD);
  bt(s, 1, psn_no);
  bt(s, 2, kind);
  bt(s, 3, value);
  bt(s, 4, begndate);
  return store_sqlite_done(c, s, e, "enr_hist");
}

int store_enr_household_put(store_conn *c, const char *hh_no, const char *psn_no, const char *relation,
                            yb_err *e) {
  PREP(s, HH_PUT);
  bt(s, 1, hh_no);
  bt(s, 2, psn_no);
  bt(s, 3, relation);
  return store_sqlite_done(c, s, e, "enr_household");
}

int store_enr_family_put(store_conn *c, const char *holder, const char *relative, const char *relation,
                         const char *begndate, yb_err *e) {
  PREP(s, FAM_PUT);
  bt(s, 1, holder);
  bt(s, 2, relative);
  bt(s, 3, relation);
  bt(s, 4, begndate);
  return store_sqlite_done(c, s, e, "enr_family");
}

int store_enr_family_end(store_conn *c, const char *relative, const char *enddate, yb_err *e) {
  PREP(s, FAM_END);
  bt(s, 1, relative);
  bt(s, 2, enddate);
  int rc = store_sqlite_done(c, s, e, "enr_family");
  if (!rc && sqlite3_changes(store_sqlite_db(c)) == 0)
    return yb_fail(e, YB_ENOT_FOUND, "psn_no", "%s has no open family-sharing binding", relative);
  return rc;
}

static int one_int(store_conn *c, sqlite3_stmt *s, int64_t *n, yb_err *e, const char *what) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    store_sqlite_reset(s);
    return store_sqlite_err(c, e, what);
  }
  *n = store_sqlite_ci(s, 0);
  store_sqlite_reset(s);
  return 0;
}

int store_enr_family_count(store_conn *c, const char *holder, int64_t *n, yb_err *e) {
  PREP(s, FAM_COUNT);
  bt(s, 1, holder);
  return one_int(c, s, n, e, "enr_family");
}

int store_enr_family_get(store_conn *c, const char *holder, const char *relative, char *rel, size_t cap,
                         yb_err *e) {
  PREP(s, FAM_GET);
  bt(s, 1, holder);
  bt(s, 2, relative);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) store_sqlite_ct(s, 0, rel, cap);
  store_sqlite_reset(s);
  if (rc == SQLITE_ROW) return 0;
  if (rc == SQLITE_DONE)
    return yb_fail(e, YB_ENOT_FOUND, "psn_no", "%s is not bound to the account of %s (家庭共济)", relative, holder);
  return store_sqlite_err(c, e, "enr_family");
}

int store_enr_ledger_add(store_conn *c, const char *psn_no, const char *kind, int64_t delta,
                         const char *ref, const char *memo, yb_err *e) {
  int rc = store_acct_add(c, psn_no, delta, e);
  if (rc) return rc;
  PREP(s, LEDGER_ADD);
  bt(s, 1, psn_no);
  bt(s, 2, kind);
  bi(s, 3, delta);
  bt(s, 4, ref ? ref : "");
  bt(s, 5, memo ? memo : "");
  return store_sqlite_done(c, s, e, "enr_ledger");
}

int store_enr_filing_log(store_conn *c, const char *psn_no, const char *action, const store_filing *f,
                         yb_err *e) {
  PREP(s, FILING_LOG);
  const char *t[] = {psn_no, action, f->filing_type, f->admvs, f->begndate, f->enddate};
  for (int i = 0; i < 6; i++) bt(s, i + 1, t[i]);
  return store_sqlite_done(c, s, e, "enr_filing_log");
}

int store_enr_filing_end(store_conn *c, const char *psn_no, const char *admvs, const char *begndate,
                         const char *enddate, yb_err *e) {
  PREP(s, FILING_END);
  bt(s, 1, psn_no);
  bt(s, 2, admvs);
  bt(s, 3, begndate);
  bt(s, 4, enddate);
  int rc = store_sqlite_done(c, s, e, "person_filing");
  if (!rc && sqlite3_changes(store_sqlite_db(c)) == 0)
    return yb_fail(e, YB_ENOT_FOUND, "begndate", "%s has no filing for %s beginning %s", psn_no, admvs, begndate);
  return rc;
}

int store_enr_log(store_conn *c, const char *who, const char *psn_no, const char *action,
                  const char *detail, yb_err *e) {
  PREP(s, LOG_ADD);
  bt(s, 1, who);
  bt(s, 2, psn_no);
  bt(s, 3, action);
  bt(s, 4, detail);
  return store_sqlite_done(c, s, e, "enr_log");
}

int store_enr_query(store_conn *c, int q, const char *a, int64_t n, json_t **out, yb_err *e) {
  *out = NULL;
  if (q < 0 || q >= STORE_ENR_Q_COUNT) return yb_fail(e, YB_EINVAL, "query", "no listing %d", q);
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_enroll, Q_LIST0 + q, e);
  if (!s) return YB_ESTORE;
  bt(s, 1, a ? a : "");
  bi(s, 2, n);
  json_t *rows = json_array();
  int rc, cols = sqlite3_column_count(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *o = json_object();
    for (int i = 0; i < cols; i++) {
      const char *name = sqlite3_column_name(s, i);
      json_object_set_new(o, name, sqlite3_column_type(s, i) == SQLITE_INTEGER
                                       ? json_integer(sqlite3_column_int64(s, i))
                                       : json_string(store_sqlite_cs(s, i)));
    }
    json_array_append_new(rows, o);
  }
  store_sqlite_reset(s);
  if (rc != SQLITE_DONE) {
    json_decref(rows);
    return store_sqlite_err(c, e, "listing");
  }
  *out = rows;
  return 0;
}
