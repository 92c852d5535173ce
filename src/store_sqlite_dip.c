/* store_sqlite_dip.c — the DIP area's tables and statements (store_dip.h): catalogue versions,
 * groups, case scores, special-review approvals, advances, deductions, clearings, statements;
 * and the inpatient history read from the core tables visit, settlement and institution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_dip.h"
#include "store_sqlite.h"

/* IF NOT EXISTS: a database migrated back by hand (tests drop schema_area) keeps its DIP tables. */
static const char *const dip_migrations[] = {
    "CREATE TABLE IF NOT EXISTS dip_catalog(version TEXT PRIMARY KEY, year INTEGER NOT NULL, built_at TEXT NOT NULL,"
    " n_cases INTEGER NOT NULL, overall_mean INTEGER NOT NULL, diag_len INTEGER NOT NULL,"
    " core_threshold INTEGER NOT NULL, lf0 INTEGER NOT NULL, lf1 INTEGER NOT NULL, lf2 INTEGER NOT NULL,"
    " lf3 INTEGER NOT NULL, params TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS dip_catalog_year ON dip_catalog(year);"
    "CREATE TABLE IF NOT EXISTS dip_group(version TEXT NOT NULL REFERENCES dip_catalog, code TEXT NOT NULL, kind INTEGER NOT NULL,"
    " n_cases INTEGER NOT NULL, n1 INTEGER NOT NULL, n2 INTEGER NOT NULL, n3 INTEGER NOT NULL, u1 INTEGER NOT NULL,"
    " u2 INTEGER NOT NULL, u3 INTEGER NOT NULL, m1 INTEGER NOT NULL, m2 INTEGER NOT NULL, m3 INTEGER NOT NULL,"
    " mean INTEGER NOT NULL, rw4 INTEGER NOT NULL, PRIMARY KEY(version, code)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dip_case(mdtrt_id TEXT PRIMARY KEY, year INTEGER NOT NULL, fixmedins_code TEXT NOT NULL,"
    " version TEXT NOT NULL, diag TEXT NOT NULL, procs TEXT NOT NULL, cost INTEGER NOT NULL, level INTEGER NOT NULL,"
    " grp TEXT NOT NULL, rw4 INTEGER NOT NULL, kind INTEGER NOT NULL, fold INTEGER NOT NULL,"
    " special_req INTEGER NOT NULL, special_refused INTEGER NOT NULL, ratio_bp INTEGER NOT NULL,"
    " factor_bp INTEGER NOT NULL, base4 INTEGER NOT NULL, score4 INTEGER NOT NULL, trace TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS dip_case_inst ON dip_case(year, fixmedins_code, mdtrt_id);"
    "CREATE TABLE IF NOT EXISTS dip_special(mdtrt_id TEXT PRIMARY KEY, approved_by TEXT NOT NULL, note TEXT NOT NULL,"
    " at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS dip_advance(year INTEGER NOT NULL, month INTEGER NOT NULL, fixmedins_code TEXT NOT NULL,"
    " fund_settled INTEGER NOT NULL, share_bp INTEGER NOT NULL, amount INTEGER NOT NULL,"
    " PRIMARY KEY(year, fixmedins_code, month)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS dip_deduction(id INTEGER PRIMARY KEY, year INTEGER NOT NULL, fixmedins_code TEXT NOT NULL,"
    " amount INTEGER NOT NULL, source TEXT NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS dip_deduction_year ON dip_deduction(year, fixmedins_code);"
    "CREATE TABLE IF NOT EXISTS dip_clearing(year INTEGER PRIMARY KEY, version TEXT NOT NULL, at TEXT NOT NULL,"
    " budget INTEGER NOT NULL, total_score4 INTEGER NOT NULL, pv_e6 INTEGER NOT NULL, fund_pv_e6 INTEGER NOT NULL,"
    " remainder_fen INTEGER NOT NULL, body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS dip_statement(year INTEGER NOT NULL, fixmedins_code TEXT NOT NULL, json TEXT NOT NULL,"
    " csv TEXT NOT NULL, PRIMARY KEY(year, fixmedins_code)) WITHOUT ROWID;",
};

#define NOW "strftime('%Y-%m-%d %H:%M:%S','now')"
/* Procedures as 2402 / the generator leave them in visit.info (packed: store_sqlite_pack.c). */
#define PROCS_SQL                                                                               \
  "(SELECT CASE WHEN json_valid(i) THEN coalesce(json_extract(i,'$.oprn_oprt_code'),"          \
  " json_extract(i,'$.discharge.dscginfo.oprn_oprt_code'),"                                     \
  " (SELECT group_concat(json_extract(value,'$.oprn_oprt_code')) FROM json_each(i,'$.oprninfo')),"  \
  " (SELECT group_concat(json_extract(value,'$.oprn_oprt_code')) FROM json_each(i,'$.discharge.oprninfo')),"\
  " '') ELSE '' END FROM (SELECT unpack(v.info) AS i))"
#define HIST_SQL                                                                                              \
  "SELECT v.mdtrt_id, max(s.fixmedins_code), CASE WHEN v.dise_codg<>'' THEN v.dise_codg"                     \
  " WHEN instr(v.diag,',')>0 THEN substr(v.diag,1,instr(v.diag,',')-1) ELSE v.diag END,"                     \
  " " PROCS_SQL ", sum(s.medfee_sumamt), max(s.year), coalesce(max(i.hosp_lv),0),"                           \
  " (SELECT count(*) FROM dip_special sp WHERE sp.mdtrt_id=v.mdtrt_id)"                                      \
  " FROM settlement s JOIN visit v ON v.mdtrt_id=s.mdtrt_id"                                                  \
  " LEFT JOIN institution i ON i.fixmedins_code=s.fixmedins_code"                                             \
  " WHERE s.refd_setl_flag=0 AND s.state=1 AND v.kind='ipt' AND v.state=2 "

enum {
  Q_HIST, Q_CASE_ONE, Q_VER_COUNT, Q_CAT_PUT, Q_GROUP_PUT, Q_CAT_GET, Q_CAT_NEWEST, Q_GROUPS, Q_GROUP_COUNT,
  Q_CASES_CLEAR, Q_CASE_PUT, Q_CASE_EACH, Q_CASE_EACH_INST, Q_TOTALS, Q_SPECIAL_PUT, Q_FUND_MONTHS, Q_ADV_CLEAR,
  Q_ADV_PUT, Q_DED_ADD, Q_DED_EACH, Q_CLR_PUT, Q_STMT_PUT, Q_STMT_GET, Q_CLR_GET, Q_CASE_GET, Q_CAT_LIST, Q_ADV_EACH, Q_CASE_DEL, Q_COUNT
};

static const char *const dip_sql[Q_COUNT] = {
    [Q_HIST] = HIST_SQL "AND s.year BETWEEN ?1 AND ?2 GROUP BY v.mdtrt_id ORDER BY v.mdtrt_id",
    [Q_CASE_ONE] = HIST_SQL "AND v.mdtrt_id=?1 GROUP BY v.mdtrt_id",
    [Q_VER_COUNT] = "SELECT count(*) FROM dip_catalog WHERE year=?1",
    [Q_CAT_PUT] = "INSERT INTO dip_catalog VALUES(?1,?2," NOW ",?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    [Q_GROUP_PUT] = "INSERT INTO dip_group VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
    [Q_CAT_GET] = "SELECT version,year,n_cases,overall_mean,diag_len,core_threshold,lf0,lf1,lf2,lf3 FROM dip_catalog"
                  " WHERE version=?1",
    [Q_CAT_NEWEST] = "SELECT version FROM dip_catalog WHERE year=?1 ORDER BY built_at DESC, rowid DESC LIMIT 1",
    [Q_GROUPS] = "SELECT code,kind,n_cases,n1,n2,n3,u1,u2,u3,m1,m2,m3,mean,rw4 FROM dip_group WHERE version=?1",
    [Q_GROUP_COUNT] = "SELECT count(*) FROM dip_group WHERE version=?1",
    [Q_CASES_CLEAR] = "DELETE FROM dip_case WHERE year=?1",
    [Q_CASE_DEL] = "DELETE FROM dip_case WHERE mdtrt_id=?1",
    [Q_CASE_PUT] = "INSERT OR REPLACE INTO dip_case VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                   "?18,?19)",
    [Q_CASE_EACH] = "SELECT mdtrt_id,fixmedins_code,diag,procs,grp,'',level,kind,fold,special_req,special_refused,"
                    "cost,ratio_bp,factor_bp,base4,score4,rw4 FROM dip_case WHERE year=?1"
                    " ORDER BY fixmedins_code, mdtrt_id",
    [Q_CASE_EACH_INST] = "SELECT mdtrt_id,fixmedins_code,diag,procs,grp,'',level,kind,fold,special_req,"
                         "special_refused,cost,ratio_bp,factor_bp,base4,score4,rw4 FROM dip_case"
                         " WHERE year=?1 AND fixmedins_code=?2 ORDER BY mdtrt_id",
    [Q_TOTALS] = "SELECT fixmedins_code, count(*), sum(score4) FROM dip_case WHERE year=?1 GROUP BY fixmedins_code",
    [Q_SPECIAL_PUT] = "INSERT INTO dip_special VALUES(?1,?2,?3," NOW ") ON CONFLICT DO UPDATE SET"
                      " approved_by=excluded.approved_by, note=excluded.note, at=excluded.at",
    [Q_FUND_MONTHS] = "SELECT s.fixmedins_code, CAST(substr(s.setl_time,6,2) AS INTEGER), sum(s.fund_pay_sumamt)"
                      " FROM settlement s JOIN visit v ON v.mdtrt_id=s.mdtrt_id"
                      " WHERE v.kind='ipt' AND s.setl_time >= ?1 AND s.setl_time < ?2 GROUP BY 1, 2",
    [Q_ADV_CLEAR] = "DELETE FROM dip_advance WHERE year=?1",
    [Q_ADV_PUT] = "INSERT INTO dip_advance VALUES(?1,?2,?3,?4,?5,?6)",
    [Q_DED_ADD] = "INSERT INTO dip_deduction(year,fixmedins_code,amount,source,note,at) VALUES(?1,?2,?3,?4,?5," NOW ")",
    [Q_DED_EACH] = "SELECT fixmedins_code, sum(amount) FROM dip_deduction WHERE year=?1 GROUP BY 1",
    [Q_CLR_PUT] = "INSERT OR REPLACE INTO dip_clearing VALUES(?1,?2," NOW ",?3,?4,?5,?6,?7,?8)",
    [Q_STMT_PUT] = "INSERT OR REPLACE INTO dip_statement VALUES(?1,?2,?3,?4)",
    [Q_STMT_GET] = "SELECT json, csv FROM dip_statement WHERE year=?1 AND fixmedins_code=?2",
    [Q_ADV_EACH] = "SELECT fixmedins_code, month, fund_settled, share_bp, amount FROM dip_advance WHERE year=?1"
                   " AND (?2=0 OR month=?2) ORDER BY fixmedins_code, month",
    [Q_CLR_GET] = "SELECT body FROM dip_clearing WHERE year=?1",
    [Q_CASE_GET] = "SELECT mdtrt_id,fixmedins_code,diag,procs,grp,trace,level,kind,fold,special_req,special_refused,"
                   "cost,ratio_bp,factor_bp,base4,score4,rw4,year,version FROM dip_case WHERE mdtrt_id=?1",
    [Q_CAT_LIST] = "SELECT c.version, c.year, c.built_at, c.n_cases, (SELECT count(*) FROM dip_group g"
                   " WHERE g.version=c.version) FROM dip_catalog c WHERE ?1=0 OR c.year=?1 ORDER BY c.year, c.rowid",
};

const store_area store_area_dip = {
    .id = STORE_AREA_DIP,
    .name = "dip",
    .migrations = dip_migrations,
    .n_migrations = (int)(sizeof dip_migrations / sizeof dip_migrations[0]),
    .sql = dip_sql,
    .n_sql = Q_COUNT,
};

#define A (&store_area_dip)
#define bt store_sqlite_bt
#define bi store_sqlite_bi
#define ci store_sqlite_ci
#define cs store_sqlite_cs

static sqlite3_stmt *st(store_conn *c, int id, yb_err *e) { return store_sqlite_stmt(c, A, id, e); }

/* Step a query to its end, calling row(s, arg) per row; a non-zero return stops and is returned. */
static int each(store_conn *c, sqlite3_stmt *s, int (*row)(sqlite3_stmt *, void *), void *arg, yb_err *e,
                const char *what) {
  int rc, r = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    if ((r = row(s, arg))) break;
  if (!r && rc != SQLITE_DONE) r = store_sqlite_err(c, e, what);
  store_sqlite_reset(s);
  return r;
}

static void hist_case(sqlite3_stmt *s, dip_case *k) {
  memset(k, 0, sizeof *k);
  store_sqlite_ct(s, 0, k->id, sizeof k->id);
  store_sqlite_ct(s, 1, k->inst, sizeof k->inst);
  store_sqlite_ct(s, 2, k->diag, sizeof k->diag);
  store_sqlite_ct(s, 3, k->procs, sizeof k->procs);
  k->cost = ci(s, 4);
  k->year = (int32_t)ci(s, 5);
  k->level = (int8_t)ci(s, 6);
  k->special = ci(s, 7) > 0;
}

typedef struct hist_ctx {
  int (*fn)(const dip_case *, void *);
  void *arg;
} hist_ctx;

static int hist_row(sqlite3_stmt *s, void *arg) {
  hist_ctx *h = arg;
  dip_case k;
  hist_case(s, &k);
  return h->fn(&k, h->arg);
}

int store_dip_history_each(store_conn *c, int from, int to, int (*fn)(const dip_case *, void *), void *arg,
                           yb_err *e) {
  sqlite3_stmt *s = st(c, Q_HIST, e);
  if (!s) return e->code;
  bi(s, 1, from), bi(s, 2, to);
  hist_ctx h = {fn, arg};
  return each(c, s, hist_row, &h, e, "dip history");
}

int store_dip_case_load(store_conn *c, const char *mdtrt_id, dip_case *out, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CASE_ONE, e);
  if (!s) return e->code;
  bt(s, 1, mdtrt_id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) hist_case(s, out);
  int r = rc == SQLITE_ROW ? 0
          : rc == SQLITE_DONE
              ? yb_fail(e, YB_ENOT_FOUND, "mdtrt_id", "%s is not a discharged, settled inpatient stay", mdtrt_id)
              : store_sqlite_err(c, e, "dip case");
  store_sqlite_reset(s);
  return r;
}

static int count_of(store_conn *c, int id, const char *t, int64_t v, int64_t *n, yb_err *e) {
  sqlite3_stmt *s = st(c, id, e);
  if (!s) return e->code;
  if (t) bt(s, 1, t);
  else bi(s, 1, v);
  int rc = sqlite3_step(s);
  *n = rc == SQLITE_ROW ? ci(s, 0) : 0;
  store_sqlite_reset(s);
  return rc == SQLITE_ROW ? 0 : store_sqlite_err(c, e, "dip count");
}

int store_dip_version_next(store_conn *c, int year, char *out, size_t cap, yb_err *e) {
  int64_t n;
  int rc = count_of(c, Q_VER_COUNT, NULL, year, &n, e);
  if (!rc) snprintf(out, cap, "%d-v%lld", year, (long long)n + 1);
  return rc;
}

int store_dip_catalog_put(store_conn *c, const char *version, const dip_catalog *cat, const char *params, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CAT_PUT, e);
  if (!s) return e->code;
  bt(s, 1, version), bi(s, 2, cat->year), bi(s, 3, cat->n_cases), bi(s, 4, cat->overall_mean);
  bi(s, 5, cat->diag_len), bi(s, 6, cat->core_threshold);
  for (int l = 0; l < DIP_LEVELS; l++) bi(s, 7 + l, cat->level_factor_bp[l]);
  bt(s, 11, params);
  int rc = store_sqlite_done(c, s, e, "dip_catalog");
  for (int64_t g = 0; g < cat->n_groups && !rc; g++) {
    const dip_group *x = &cat->groups[g];
    if (!(s = st(c, Q_GROUP_PUT, e))) return e->code;
    bt(s, 1, version), bt(s, 2, x->code), bi(s, 3, x->kind), bi(s, 4, x->n_cases);
    for (int y = 0; y < 3; y++) bi(s, 5 + y, x->n_year[y]), bi(s, 8 + y, x->n_used[y]), bi(s, 11 + y, x->mean_year[y]);
    bi(s, 14, x->mean), bi(s, 15, x->rw4);
    rc = store_sqlite_done(c, s, e, "dip_group");
  }
  return rc;
}

int store_dip_catalog_get(store_conn *c, const char *version, int year, dip_catalog **out, char *version_out,
                          size_t cap, yb_err *e) {
  char ver[64];
  *out = NULL;
  sqlite3_stmt *s;
  int rc;
  if (version && *version) {
    snprintf(ver, sizeof ver, "%s", version);
  } else {
    if (!(s = st(c, Q_CAT_NEWEST, e))) return e->code;
    bi(s, 1, year);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) store_sqlite_ct(s, 0, ver, sizeof ver);
    store_sqlite_reset(s);
    if (rc != SQLITE_ROW)
      return rc == SQLITE_DONE ? yb_fail(e, YB_ENOT_FOUND, "year", "no DIP catalogue for %d: run `yibao dip build`", year)
                               : store_sqlite_err(c, e, "dip_catalog");
  }
  int64_t n;
  if ((rc = count_of(c, Q_GROUP_COUNT, ver, 0, &n, e))) return rc;
  if (!(s = st(c, Q_CAT_GET, e))) return e->code;
  bt(s, 1, ver);
  if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
    store_sqlite_reset(s);
    return rc == SQLITE_DONE ? yb_fail(e, YB_ENOT_FOUND, "version", "no DIP catalogue %s", ver)
                             : store_sqlite_err(c, e, "dip_catalog");
  }
  dip_catalog *cat = dip_catalog_new(n);
  if (!cat) return store_sqlite_reset(s), yb_fail(e, YB_ENOMEM, "", "out of memory");
  cat->year = (int32_t)ci(s, 1), cat->n_cases = ci(s, 2), cat->overall_mean = ci(s, 3);
  cat->diag_len = (int32_t)ci(s, 4), cat->core_threshold = (int32_t)ci(s, 5);
  for (int l = 0; l < DIP_LEVELS; l++) cat->level_factor_bp[l] = (int32_t)ci(s, 6 + l);
  store_sqlite_reset(s);
  if (!(s = st(c, Q_GROUPS, e))) return dip_catalog_free(cat), e->code;
  bt(s, 1, ver);
  int64_t g = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && g < n) {
    dip_group *x = &cat->groups[g++];
    store_sqlite_ct(s, 0, x->code, sizeof x->code);
    x->kind = (int)ci(s, 1), x->n_cases = ci(s, 2);
    for (int y = 0; y < 3; y++) x->n_year[y] = ci(s, 3 + y), x->n_used[y] = ci(s, 6 + y), x->mean_year[y] = ci(s, 9 + y);
    x->mean = ci(s, 12), x->rw4 = ci(s, 13);
  }
  store_sqlite_reset(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return dip_catalog_free(cat), store_sqlite_err(c, e, "dip_group");
  cat->n_groups = g;
  if ((rc = dip_catalog_index(cat, e))) return dip_catalog_free(cat), rc;
  if (version_out) snprintf(version_out, cap, "%s", ver);
  *out = cat;
  return 0;
}

static int exec_year(store_conn *c, int id, int year, yb_err *e) {
  sqlite3_stmt *s = st(c, id, e);
  if (!s) return e->code;
  bi(s, 1, year);
  return store_sqlite_done(c, s, e, "dip");
}

int store_dip_cases_clear(store_conn *c, int year, yb_err *e) { return exec_year(c, Q_CASES_CLEAR, year, e); }

int store_dip_case_put(store_conn *c, const dip_case *k, const dip_score *x, const dip_group *g, const char *version,
                       const char *trace, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CASE_PUT, e);
  if (!s) return e->code;
  bt(s, 1, k->id), bi(s, 2, k->year), bt(s, 3, k->inst), bt(s, 4, version), bt(s, 5, k->diag), bt(s, 6, k->procs);
  bi(s, 7, k->cost), bi(s, 8, k->level), bt(s, 9, g->code), bi(s, 10, g->rw4), bi(s, 11, x->kind), bi(s, 12, x->fold);
  bi(s, 13, k->special), bi(s, 14, x->special_refused), bi(s, 15, x->ratio_bp), bi(s, 16, x->factor_bp);
  bi(s, 17, x->base4), bi(s, 18, x->score4), bt(s, 19, trace);
  return store_sqlite_done(c, s, e, "dip_case");
}

int store_dip_case_del(store_conn *c, const char *mdtrt_id, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CASE_DEL, e);
  if (!s) return e->code;
  bt(s, 1, mdtrt_id);
  return store_sqlite_done(c, s, e, "dip_case");
}

int store_dip_catalog_newest(store_conn *c, int year, char *out, size_t cap, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CAT_NEWEST, e);
  if (!s) return e->code;
  bi(s, 1, year);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) store_sqlite_ct(s, 0, out, cap);
  store_sqlite_reset(s);
  if (rc == SQLITE_ROW) return 0;
  return rc == SQLITE_DONE ? yb_fail(e, YB_ENOT_FOUND, "year", "no DIP catalogue for %d", year)
                           : store_sqlite_err(c, e, "dip_catalog");
}

typedef struct case_ctx {
  int (*fn)(const store_dip_case_row *, void *);
  void *arg;
} case_ctx;

static int case_row(sqlite3_stmt *s, void *arg) {
  case_ctx *h = arg;
  store_dip_case_row r = {
      .mdtrt_id = cs(s, 0), .fixmedins_code = cs(s, 1), .diag = cs(s, 2), .procs = cs(s, 3), .group = cs(s, 4),
      .trace = cs(s, 5), .level = (int)ci(s, 6), .kind = (int)ci(s, 7), .fold = (int)ci(s, 8),
      .special_req = (int)ci(s, 9), .special_refused = (int)ci(s, 10), .cost = ci(s, 11), .ratio_bp = ci(s, 12),
      .factor_bp = ci(s, 13), .base4 = ci(s, 14), .score4 = ci(s, 15), .rw4 = ci(s, 16)};
  return h->fn(&r, h->arg);
}

int store_dip_case_each(store_conn *c, int year, const char *inst, int (*fn)(const store_dip_case_row *, void *),
                        void *arg, yb_err *e) {
  sqlite3_stmt *s = st(c, inst ? Q_CASE_EACH_INST : Q_CASE_EACH, e);
  if (!s) return e->code;
  bi(s, 1, year);
  if (inst) bt(s, 2, inst);
  case_ctx h = {fn, arg};
  return each(c, s, case_row, &h, e, "dip_case");
}

typedef struct tot_ctx {
  int (*fn)(const char *, int64_t, int64_t, void *);
  void *arg;
} tot_ctx;

static int tot_row(sqlite3_stmt *s, void *arg) {
  tot_ctx *t = arg;
  return t->fn(cs(s, 0), ci(s, 1), ci(s, 2), t->arg);
}

int store_dip_score_totals(store_conn *c, int year, int (*fn)(const char *, int64_t, int64_t, void *), void *arg,
                           yb_err *e) {
  sqlite3_stmt *s = st(c, Q_TOTALS, e);
  if (!s) return e->code;
  bi(s, 1, year);
  tot_ctx t = {fn, arg};
  return each(c, s, tot_row, &t, e, "dip totals");
}

int store_dip_special_put(store_conn *c, const char *mdtrt_id, const char *who, const char *note, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_SPECIAL_PUT, e);
  if (!s) return e->code;
  bt(s, 1, mdtrt_id), bt(s, 2, who), bt(s, 3, note ? note : "");
  return store_sqlite_done(c, s, e, "dip_special");
}

typedef struct fund_ctx {
  int (*fn)(const char *, int, int64_t, void *);
  void *arg;
} fund_ctx;

static int fund_row(sqlite3_stmt *s, void *arg) {
  fund_ctx *f = arg;
  return f->fn(cs(s, 0), (int)ci(s, 1), ci(s, 2), f->arg);
}

int store_dip_fund_months(store_conn *c, int year, int (*fn)(const char *, int, int64_t, void *), void *arg,
                          yb_err *e) {
  sqlite3_stmt *s = st(c, Q_FUND_MONTHS, e);
  if (!s) return e->code;
  char from[24], to[24];
  snprintf(from, sizeof from, "%04d-01-01", year);
  snprintf(to, sizeof to, "%04d-01-01", year + 1);
  bt(s, 1, from), bt(s, 2, to);
  fund_ctx f = {fn, arg};
  int rc = each(c, s, fund_row, &f, e, "dip fund months");
  return rc;
}

int store_dip_advances_clear(store_conn *c, int year, yb_err *e) { return exec_year(c, Q_ADV_CLEAR, year, e); }

int store_dip_advance_put(store_conn *c, int year, int month, const char *inst, int64_t fund, int32_t share_bp,
                          int64_t amount, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_ADV_PUT, e);
  if (!s) return e->code;
  bi(s, 1, year), bi(s, 2, month), bt(s, 3, inst), bi(s, 4, fund), bi(s, 5, share_bp), bi(s, 6, amount);
  return store_sqlite_done(c, s, e, "dip_advance");
}

int store_dip_deduction_add(store_conn *c, int year, const char *inst, int64_t amount, const char *source,
                            const char *note, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_DED_ADD, e);
  if (!s) return e->code;
  bi(s, 1, year), bt(s, 2, inst), bi(s, 3, amount), bt(s, 4, source ? source : ""), bt(s, 5, note ? note : "");
  return store_sqlite_done(c, s, e, "dip_deduction");
}

typedef struct ded_ctx {
  int (*fn)(const char *, int64_t, void *);
  void *arg;
} ded_ctx;

static int ded_row(sqlite3_stmt *s, void *arg) {
  ded_ctx *d = arg;
  return d->fn(cs(s, 0), ci(s, 1), d->arg);
}

int store_dip_deductions_each(store_conn *c, int year, int (*fn)(const char *, int64_t, void *), void *arg,
                              yb_err *e) {
  sqlite3_stmt *s = st(c, Q_DED_EACH, e);
  if (!s) return e->code;
  bi(s, 1, year);
  ded_ctx d = {fn, arg};
  return each(c, s, ded_row, &d, e, "dip_deduction");
}

int store_dip_clearing_put(store_conn *c, int year, const char *version, const dip_clearing *k, const char *body,
                           yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CLR_PUT, e);
  if (!s) return e->code;
  bi(s, 1, year), bt(s, 2, version), bi(s, 3, k->budget), bi(s, 4, k->total_score4), bi(s, 5, k->pv_e6);
  bi(s, 6, k->fund_pv_e6), bi(s, 7, k->remainder_fen), bt(s, 8, body);
  return store_sqlite_done(c, s, e, "dip_clearing");
}

int store_dip_statement_put(store_conn *c, int year, const char *inst, const char *json, const char *csv, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_STMT_PUT, e);
  if (!s) return e->code;
  bi(s, 1, year), bt(s, 2, inst), bt(s, 3, json), bt(s, 4, csv);
  return store_sqlite_done(c, s, e, "dip_statement");
}

int store_dip_statement_get(store_conn *c, int year, const char *inst, char **json, char **csv, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_STMT_GET, e);
  if (!s) return e->code;
  bi(s, 1, year), bt(s, 2, inst);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    if (json) *json = store_sqlite_cdup(s, 0);
    if (csv) *csv = store_sqlite_cdup(s, 1);
  }
  store_sqlite_reset(s);
  if (rc == SQLITE_ROW) return 0;
  return rc == SQLITE_DONE ? yb_fail(e, YB_ENOT_FOUND, "fixmedins_code", "no %d statement for %s", year, inst)
                           : store_sqlite_err(c, e, "dip_statement");
}

int store_dip_clearing_get(store_conn *c, int year, char **body, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CLR_GET, e);
  if (!s) return e->code;
  bi(s, 1, year);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) *body = store_sqlite_cdup(s, 0);
  store_sqlite_reset(s);
  if (rc == SQLITE_ROW) return 0;
  return rc == SQLITE_DONE ? yb_fail(e, YB_ENOT_FOUND, "year", "no DIP clearing for %d: run `yibao dip clear`", year)
                           : store_sqlite_err(c, e, "dip_clearing");
}

int store_dip_case_get(store_conn *c, const char *mdtrt_id, int (*fn)(const store_dip_case_row *, int year,
                                                                          const char *version, void *),
                       void *arg, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CASE_GET, e);
  if (!s) return e->code;
  bt(s, 1, mdtrt_id);
  int rc = sqlite3_step(s), r;
  if (rc == SQLITE_ROW) {
    store_dip_case_row x = {
        .mdtrt_id = cs(s, 0), .fixmedins_code = cs(s, 1), .diag = cs(s, 2), .procs = cs(s, 3), .group = cs(s, 4),
        .trace = cs(s, 5), .level = (int)ci(s, 6), .kind = (int)ci(s, 7), .fold = (int)ci(s, 8),
        .special_req = (int)ci(s, 9), .special_refused = (int)ci(s, 10), .cost = ci(s, 11), .ratio_bp = ci(s, 12),
        .factor_bp = ci(s, 13), .base4 = ci(s, 14), .score4 = ci(s, 15), .rw4 = ci(s, 16)};
    r = fn(&x, (int)ci(s, 17), cs(s, 18), arg);
  } else {
    r = rc == SQLITE_DONE ? yb_fail(e, YB_ENOT_FOUND, "mdtrt_id", "%s has no DIP score", mdtrt_id)
                          : store_sqlite_err(c, e, "dip_case");
  }
  store_sqlite_reset(s);
  return r;
}

typedef struct list_ctx {
  int (*fn)(const char *, int, const char *, int64_t, int64_t, void *);
  void *arg;
} list_ctx;

static int list_row(sqlite3_stmt *s, void *arg) {
  list_ctx *l = arg;
  return l->fn(cs(s, 0), (int)ci(s, 1), cs(s, 2), ci(s, 3), ci(s, 4), l->arg);
}

int store_dip_catalogs_each(store_conn *c, int year,
                            int (*fn)(const char *version, int year, const char *built_at, int64_t n_cases,
                                      int64_t n_groups, void *),
                            void *arg, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_CAT_LIST, e);
  if (!s) return e->code;
  bi(s, 1, year);
  list_ctx l = {fn, arg};
  return each(c, s, list_row, &l, e, "dip_catalog");
}

typedef struct adv_ctx {
  int (*fn)(const char *, int, int64_t, int32_t, int64_t, void *);
  void *arg;
} adv_ctx;

static int adv_row(sqlite3_stmt *s, void *arg) {
  adv_ctx *a = arg;
  return a->fn(cs(s, 0), (int)ci(s, 1), ci(s, 2), (int32_t)ci(s, 3), ci(s, 4), a->arg);
}

int store_dip_advances_each(store_conn *c, int year, int month,
                            int (*fn)(const char *inst, int month, int64_t fund, int32_t share_bp, int64_t amount,
                                      void *),
                            void *arg, yb_err *e) {
  sqlite3_stmt *s = st(c, Q_ADV_EACH, e);
  if (!s) return e->code;
  bi(s, 1, year), bi(s, 2, month);
  adv_ctx a = {fn, arg};
  return each(c, s, adv_row, &a, e, "dip_advance");
}
