/* store_sqlite_console.c — store_console.h on SQLite: the console's named read queries, and
 * three summary tables (months by scheme and institution; diseases; items) that the writer keeps
 * in C as settlements and fee lines are written (deltas summed per key, upserted once before each
 * commit), so the overview reads thousands of rows, not millions. Rebuilt in full by the area's
 * first migration and by store_console_rebuild. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_console.h"
#include "store_sqlite.h"

/* The main diagnosis of visit v: its disease code, else the first code of diag. */
#define MAIN_DISE(v) "coalesce(nullif(" v ".dise_codg,''),substr(" v ".diag,1,instr(" v ".diag||',',',')-1),'')"
#define SIGN_N "CASE WHEN new.refd_setl_flag<>0 THEN -1 ELSE 1 END"
#define SIGN_R "CASE WHEN new.refd_setl_flag<>0 THEN 1 ELSE 0 END"
#define MONTH_UPSERT                                                                          \
  " ON CONFLICT DO UPDATE SET n=n+excluded.n, nrev=nrev+excluded.nrev,"                        \
  " medfee=medfee+excluded.medfee, fund=fund+excluded.fund, acct=acct+excluded.acct,"         \
  " cash=cash+excluded.cash"
/* A fee line counts in the year of the settlement that paid it (the line's own date if that
 * settlement is not written yet, as in a bulk load). */
#define ITEM_YEAR(f) "coalesce((SELECT substr(setl_time,1,4) FROM settlement WHERE setl_id=" f ".setl_id),substr(" f ".fee_ocur_time,1,4))"
#define ITEM_UPSERT " ON CONFLICT DO UPDATE SET lines=lines+excluded.lines, sumamt=sumamt+excluded.sumamt"

/* What a contribution row brings the fund: the government's part, the assistance and the person's
 * payment of a resident's individual part, the employer's and the employee's parts; a refund row
 * carries the person's part negative. */
#define INCOME "fiscal_fen+assistance_fen+person_fen+employer_fen"

/* The full rebuild (settlement side, then income), shared by the migrations and
 * store_console_rebuild. */
#define REBUILD_SQL                                                                           \
  "DELETE FROM console_month; DELETE FROM console_dise; DELETE FROM console_item;"            \
  "INSERT INTO console_month SELECT substr(s.setl_time,1,7), s.insutype, s.fixmedins_code,"   \
  " coalesce(v.kind,''), sum(CASE WHEN s.refd_setl_flag<>0 THEN -1 ELSE 1 END),"              \
  " sum(s.refd_setl_flag<>0), sum(s.medfee_sumamt), sum(s.fund_pay_sumamt),"                  \
  " sum(s.acct_pay+s.acct_mulaid_pay), sum(s.psn_cash_pay)"                                   \
  " FROM settlement s LEFT JOIN visit v ON v.mdtrt_id=s.mdtrt_id GROUP BY 1,2,3,4;"           \
  "INSERT INTO console_dise SELECT substr(s.setl_time,1,4), " MAIN_DISE("v") ", max(v.dise_name)," \
  " sum(CASE WHEN s.refd_setl_flag<>0 THEN -1 ELSE 1 END), sum(s.fund_pay_sumamt), sum(s.medfee_sumamt)" \
  " FROM settlement s JOIN visit v ON v.mdtrt_id=s.mdtrt_id GROUP BY 1,2;"                     \
  "INSERT INTO console_item SELECT coalesce(substr(s.setl_time,1,4),substr(f.fee_ocur_time,1,4)),"     \
  " f.med_list_codg, sum(f.cnt>0), sum(f.sumamt) FROM fee f LEFT JOIN settlement s ON s.setl_id=f.setl_id" \
  " WHERE f.setl_id IS NOT NULL GROUP BY 1,2;"
#define REBUILD_INCOME_SQL                                                                    \
  "DELETE FROM console_income; INSERT INTO console_income SELECT substr(paid_date,1,7), insutype, kind," \
  " count(*), sum(" INCOME ") FROM enr_contrib GROUP BY 1,2,3;"

static const char *const console_migrations[] = {
    /* 1: the summary tables, their triggers, a name index for the person search; filled from
     * what the database already holds (IF NOT EXISTS: the triggers and the index live on core
     * tables, which outlive this area's schema_area row when a db is taken back a version) */
    "CREATE TABLE IF NOT EXISTS console_month(month TEXT NOT NULL, insutype TEXT NOT NULL,"
    " fixmedins_code TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL, nrev INTEGER NOT NULL,"
    " medfee INTEGER NOT NULL, fund INTEGER NOT NULL, acct INTEGER NOT NULL, cash INTEGER NOT NULL,"
    " PRIMARY KEY(month, insutype, fixmedins_code, kind)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS console_month_inst ON console_month(fixmedins_code, month);"
    "CREATE TABLE IF NOT EXISTS console_dise(year TEXT NOT NULL, dise_codg TEXT NOT NULL, dise_name TEXT NOT NULL,"
    " n INTEGER NOT NULL, fund INTEGER NOT NULL, medfee INTEGER NOT NULL,"
    " PRIMARY KEY(year, dise_codg)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_item(year TEXT NOT NULL, med_list_codg TEXT NOT NULL,"
    " lines INTEGER NOT NULL, sumamt INTEGER NOT NULL, PRIMARY KEY(year, med_list_codg)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS console_person_name ON person(psn_name);"
    "CREATE TRIGGER IF NOT EXISTS console_setl AFTER INSERT ON settlement BEGIN"
    " INSERT INTO console_month VALUES(substr(new.setl_time,1,7), new.insutype, new.fixmedins_code,"
    "  coalesce((SELECT kind FROM visit WHERE mdtrt_id=new.mdtrt_id),''), " SIGN_N ", " SIGN_R ","
    "  new.medfee_sumamt, new.fund_pay_sumamt, new.acct_pay+new.acct_mulaid_pay, new.psn_cash_pay)"
    MONTH_UPSERT ";"
    " INSERT INTO console_dise SELECT substr(new.setl_time,1,4), " MAIN_DISE("v") ", v.dise_name,"
    "  " SIGN_N ", new.fund_pay_sumamt, new.medfee_sumamt FROM visit v WHERE v.mdtrt_id=new.mdtrt_id"
    " ON CONFLICT DO UPDATE SET n=n+excluded.n, fund=fund+excluded.fund, medfee=medfee+excluded.medfee,"
    "  dise_name=CASE WHEN dise_name='' THEN excluded.dise_name ELSE dise_name END;"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS console_fee_settle AFTER UPDATE OF setl_id ON fee"
    " WHEN old.setl_id IS NULL AND new.setl_id IS NOT NULL BEGIN"
    " INSERT INTO console_item VALUES(" ITEM_YEAR("new") ", new.med_list_codg, new.cnt>0,"
    "  new.sumamt)" ITEM_UPSERT "; END;"
    "CREATE TRIGGER IF NOT EXISTS console_fee_unsettle AFTER UPDATE OF setl_id ON fee"
    " WHEN old.setl_id IS NOT NULL AND new.setl_id IS NULL BEGIN"
    " INSERT INTO console_item VALUES(" ITEM_YEAR("old") ", old.med_list_codg, -(old.cnt>0),"
    "  -old.sumamt)" ITEM_UPSERT "; END;"
    "CREATE TRIGGER IF NOT EXISTS console_fee_insert AFTER INSERT ON fee WHEN new.setl_id IS NOT NULL BEGIN"
    " INSERT INTO console_item VALUES(" ITEM_YEAR("new") ", new.med_list_codg, new.cnt>0,"
    "  new.sumamt)" ITEM_UPSERT "; END;" REBUILD_SQL,
    /* 2: fund income from the enrollment area's contributions (table enr_contrib: that area is
     * migrated first, areas go in id order) */
    "CREATE TABLE IF NOT EXISTS console_income(month TEXT NOT NULL, insutype TEXT NOT NULL, kind TEXT NOT NULL,"
    " n INTEGER NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY(month, insutype, kind)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS console_contrib AFTER INSERT ON enr_contrib BEGIN"
    " INSERT INTO console_income VALUES(substr(new.paid_date,1,7), new.insutype, new.kind, 1,"
    "  new.fiscal_fen+new.assistance_fen+new.person_fen+new.employer_fen)"
    " ON CONFLICT DO UPDATE SET n=n+1, amount=amount+excluded.amount; END;" REBUILD_INCOME_SQL,
    /* 3: the settlement side's triggers go: the writer adds the same deltas in C (an upsert and a
     * lookup of the settlement for every settled fee line cost ~10 % of the writer). The sums they
     * kept stay as they are. */
    "DROP TRIGGER IF EXISTS console_setl; DROP TRIGGER IF EXISTS console_fee_settle;"
    " DROP TRIGGER IF EXISTS console_fee_unsettle; DROP TRIGGER IF EXISTS console_fee_insert;",
};

#define SETL_COLS                                                                              \
  "s.setl_id, s.mdtrt_id, s.psn_no, coalesce(p.psn_name,''), s.fixmedins_code,"                \
  " coalesce(i.fixmedins_name,''), s.insutype, s.med_type, s.setl_time, s.refd_setl_flag, s.state," \
  " s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay+s.acct_mulaid_pay, s.psn_cash_pay,"          \
  " coalesce(v.kind,''), " MAIN_DISE("v") ", s.orig_setl_id"
#define SETL_JOINS                                                                             \
  " LEFT JOIN person p ON p.psn_no=s.psn_no LEFT JOIN institution i ON i.fixmedins_code=s.fixmedins_code"
#define YEAR_RANGE(col, p) col " BETWEEN " p "||'-01' AND " p "||'-12'"
#define PSN_COLS "psn_no, psn_name, gend, brdy, certno, insuplc_admdvs"

/* The writer's own statements, after the named queries (store_console_each refuses them). */
enum { CS_VISIT = STORE_CONSOLE_Q_N, CS_SETL_YEAR, CS_MONTH_ADD, CS_DISE_ADD, CS_ITEM_ADD, CS_N };

static const char *const console_sql[CS_N] = {
    [STORE_CONSOLE_YEARS] = "SELECT DISTINCT substr(month,1,4) FROM console_month UNION"
                            " SELECT DISTINCT substr(month,1,4) FROM console_income ORDER BY 1 DESC",
    [STORE_CONSOLE_INCOME] = "SELECT month, insutype, kind, n, amount FROM console_income"
                             " WHERE " YEAR_RANGE("month", "?1") " ORDER BY 1,2,3",
    [STORE_CONSOLE_MONTH_SCHEME] =
        "SELECT month, insutype, kind, sum(n), sum(nrev), sum(medfee), sum(fund), sum(acct), sum(cash)"
        " FROM console_month WHERE " YEAR_RANGE("month", "?1") " GROUP BY 1,2,3 ORDER BY 1,2,3",
    [STORE_CONSOLE_LEVELS] =
        "SELECT i.hosp_lv, i.medins_type, count(*), count(m.n), coalesce(sum(m.n),0),"
        " coalesce(sum(m.fund),0), coalesce(sum(m.medfee),0) FROM institution i LEFT JOIN"
        " (SELECT fixmedins_code, sum(n) n, sum(fund) fund, sum(medfee) medfee FROM console_month"
        "  WHERE " YEAR_RANGE("month", "?1") " GROUP BY 1 HAVING sum(n)>0) m"
        " ON m.fixmedins_code=i.fixmedins_code GROUP BY 1,2 ORDER BY 1 DESC, 2",
    [STORE_CONSOLE_DISE_TOP] = "SELECT dise_codg, dise_name, n, fund, medfee FROM console_dise"
                               " WHERE year=?1 AND n>0 ORDER BY fund DESC, n DESC, dise_codg LIMIT ?2",
    [STORE_CONSOLE_DRUG_TOP] =
        "SELECT med_list_codg, lines, sumamt FROM console_item WHERE year=?1 AND lines>0"
        " AND (med_list_codg GLOB 'X*' OR med_list_codg GLOB 'Z*') ORDER BY sumamt DESC, med_list_codg LIMIT ?2",
    [STORE_CONSOLE_INST_LIST] =
        "SELECT i.fixmedins_code, i.fixmedins_name, i.hosp_lv, i.medins_type, i.admdvs,"
        " coalesce(sum(m.n),0), coalesce(sum(m.fund),0), coalesce(sum(m.medfee),0),"
        " coalesce(max(m.month),'') FROM institution i LEFT JOIN console_month m"
        " ON m.fixmedins_code=i.fixmedins_code AND " YEAR_RANGE("m.month", "?1")
        " GROUP BY i.fixmedins_code ORDER BY 7 DESC, 1",
    [STORE_CONSOLE_INST_MONTHS] = "SELECT month, insutype, kind, n, nrev, medfee, fund, acct, cash"
                                  " FROM console_month WHERE fixmedins_code=?1 ORDER BY 1,2,3",
    [STORE_CONSOLE_INST_RECENT] = "SELECT fixmedins_code, month, sum(fund) FROM console_month"
                                  " WHERE month>=?1 GROUP BY 1,2 ORDER BY 1,2",
    [STORE_CONSOLE_INST_SETLS] =
        "SELECT " SETL_COLS " FROM settlement s" SETL_JOINS
        " LEFT JOIN visit v ON v.mdtrt_id=s.mdtrt_id WHERE s.fixmedins_code=?1"
        " AND s.setl_time BETWEEN ?2 AND ?3 ORDER BY s.setl_time DESC, s.setl_id DESC LIMIT ?4 OFFSET ?5",
    [STORE_CONSOLE_PSN_FIND] =
        "SELECT " PSN_COLS " FROM person WHERE psn_no=?1 UNION"
        " SELECT " PSN_COLS " FROM person WHERE psn_cert_type IN ('01','02','03','04','05','06','07','08','99')"
        " AND certno=?1 UNION"
        " SELECT * FROM (SELECT " PSN_COLS " FROM person WHERE psn_name>=?1 AND psn_name<?1||x'f48fbfbf'"
        " ORDER BY psn_name LIMIT ?2) LIMIT ?2",
    [STORE_CONSOLE_PSN_ENROLL] =
        "SELECT year, insutype, psn_type, psn_insu_stas, psn_insu_date, paus_insu_date, wait_until,"
        " wait_reason, ci_cap_raise FROM enrollment WHERE psn_no=?1 ORDER BY year DESC, insutype",
    [STORE_CONSOLE_PSN_ACCUM] = "SELECT year, bucket, period, value FROM accum WHERE psn_no=?1"
                                " ORDER BY year DESC, bucket, period",
    [STORE_CONSOLE_PSN_SETLS] =
        "SELECT " SETL_COLS " FROM visit v JOIN settlement s ON s.mdtrt_id=v.mdtrt_id" SETL_JOINS
        " WHERE v.psn_no=?1 ORDER BY s.setl_time DESC, s.setl_id DESC LIMIT ?2",
    /* count(*) walks the smallest index (30 ms for a million); counts that filter rows would scan
     * the table and are left to the enrollment module */
    [STORE_CONSOLE_COUNTS] = "SELECT count(*) FROM person",
    /* what a settlement's visit brings: kind, main diagnosis, disease name */
    [CS_VISIT] = "SELECT kind, " MAIN_DISE("visit") ", dise_name FROM visit WHERE mdtrt_id=?1",
    [CS_SETL_YEAR] = "SELECT substr(setl_time,1,4) FROM settlement WHERE setl_id=?1",
    [CS_MONTH_ADD] = "INSERT INTO console_month VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)" MONTH_UPSERT,
    [CS_DISE_ADD] = "INSERT INTO console_dise VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT DO UPDATE SET"
                    " n=n+excluded.n, fund=fund+excluded.fund, medfee=medfee+excluded.medfee,"
                    " dise_name=CASE WHEN dise_name='' THEN excluded.dise_name ELSE dise_name END",
    [CS_ITEM_ADD] = "INSERT INTO console_item VALUES(?1,?2,?3,?4)" ITEM_UPSERT,
};

const store_area store_area_console = {
    STORE_AREA_CONSOLE, "console", console_migrations,
    (int)(sizeof console_migrations / sizeof console_migrations[0]), console_sql, CS_N};

int store_console_each(store_conn *c, store_console_q q, const store_console_arg *args, int nargs,
                       int (*fn)(const store_console_row *, void *), void *arg, yb_err *e) {
  if ((int)q < 0 || q >= STORE_CONSOLE_Q_N) return yb_fail(e, YB_EINVAL, "query", "no such console query");
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_console, (int)q, e);
  if (!s) return YB_ESTORE;
  for (int i = 0; i < nargs; i++) {
    if (args[i].s) store_sqlite_bt(s, i + 1, args[i].s);
    else store_sqlite_bi(s, i + 1, args[i].i);
  }
  int rc, out = 0;
  store_console_row row;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int n = sqlite3_column_count(s);
    row.n = n < STORE_CONSOLE_MAX_COLS ? n : STORE_CONSOLE_MAX_COLS;
    for (int k = 0; k < row.n; k++) {
      row.i[k] = sqlite3_column_type(s, k) == SQLITE_INTEGER ? store_sqlite_ci(s, k) : 0;
      row.s[k] = store_sqlite_cs(s, k);
    }
    if ((out = fn(&row, arg))) break;
  }
  if (!out && rc != SQLITE_DONE) {
    out = store_sqlite_err(c, e, "console");
    store_sqlite_reset(s);
    return out;
  }
  store_sqlite_reset(s);
  return out;
}


/* ---- the sums kept by the writer ----------------------------------------------------------
 * Each delta is appended to a log as a trigger would have upserted it (its table, its key's
 * fields joined by NULs in a text arena, its figures); a job's SAVEPOINT keeps the log's length
 * and its rollback cuts back to it, like the writer's sequences. A flush sums the log per key (a
 * hash over the records) and upserts each key once, in the order keys first came, so that
 * console_dise keeps the first non-empty disease name as the trigger's CASE did. A rebuild in the
 * transaction makes what came before it part of the tables: the log from there on is kept. */
enum { T_MONTH, T_DISE, T_ITEM };
#define NO_NAME UINT32_MAX

typedef struct cs_rec {
  int table;     /* T_*, or -1 once summed into an earlier record of its key */
  uint32_t key;  /* arena offset of the key's fields, each NUL-terminated */
  uint32_t klen; /* bytes of those fields, NULs included */
  uint32_t name; /* console_dise: arena offset of the disease name */
  int64_t v[6];  /* month: n nrev medfee fund acct cash; dise: n fund medfee; item: lines sumamt */
} cs_rec;

struct store_console_sums {
  cs_rec *rec;
  size_t n, cap, base; /* records from base on are pending (a rebuild moves base) */
  char *arena;
  size_t alen, acap;
  size_t mark_n, mark_alen, mark_base; /* at the job's SAVEPOINT */
  int hold;
  char last_setl[32], last_year[8]; /* the last settlement written: its year, without a lookup */
  uint32_t *slot;                   /* flush's hash index (record index + 1) */
  size_t nslot;
};

static store_console_sums *sums(store_conn *c) {
  store_console_sums **p = store_sqlite_console_sums(c);
  if (!*p) *p = calloc(1, sizeof **p);
  return *p;
}

/* The first n characters of UTF-8 text t, as SQL's substr(t,1,n) (bytes returned). */
static size_t prefix_chars(const char *t, int n) {
  size_t i = 0;
  for (int k = 0; t[i] && k < n; k++)
    for (i++; ((unsigned char)t[i] & 0xc0) == 0x80; i++) {
    }
  return i;
}

static int arena_put(store_console_sums *p, const char *t, size_t len, uint32_t *off) {
  if (p->alen + len + 1 > p->acap) {
    size_t cap = p->acap ? p->acap : 4096;
    while (p->alen + len + 1 > cap) cap *= 2;
    if (cap > UINT32_MAX) return -1;
    char *a = realloc(p->arena, cap);
    if (!a) return -1;
    p->arena = a, p->acap = cap;
  }
  *off = (uint32_t)p->alen;
  memcpy(p->arena + p->alen, t, len);
  p->arena[p->alen + len] = 0;
  p->alen += len + 1;
  return 0;
}

/* Append a record: table t, key fields f[0..nf) (lengths len[], -1 for strlen), name or NULL. */
static int rec_add(store_conn *c, int t, const char *const *f, const int *len, int nf, const char *name,
                   const int64_t *v, int nv, yb_err *e) {
  store_console_sums *p = sums(c);
  if (!p) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (p->hold) return 0;
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 256;
    cs_rec *r = realloc(p->rec, cap * sizeof *r);
    if (!r) return yb_fail(e, YB_ENOMEM, "", "out of memory");
    p->rec = r, p->cap = cap;
  }
  cs_rec *r = &p->rec[p->n];
  memset(r, 0, sizeof *r);
  r->table = t, r->name = NO_NAME;
  size_t start = p->alen;
  for (int i = 0; i < nf; i++) {
    uint32_t off;
    if (arena_put(p, f[i], len[i] < 0 ? strlen(f[i]) : (size_t)len[i], &off))
      return yb_fail(e, YB_ENOMEM, "", "out of memory");
    if (!i) r->key = off;
  }
  r->klen = (uint32_t)(p->alen - start);
  if (name && arena_put(p, name, strlen(name), &r->name)) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  memcpy(r->v, v, (size_t)nv * sizeof *v);
  p->n++;
  return 0;
}

int store_console_on_setl(store_conn *c, const store_setl *s, yb_err *e) {
  store_console_sums *p = sums(c);
  if (!p) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (p->hold) return 0;
  size_t y = prefix_chars(s->setl_time, 4);
  if (strlen(s->setl_id) < sizeof p->last_setl && y < sizeof p->last_year) {
    snprintf(p->last_setl, sizeof p->last_setl, "%s", s->setl_id);
    memcpy(p->last_year, s->setl_time, y);
    p->last_year[y] = 0;
  }
  sqlite3_stmt *q = store_sqlite_stmt(c, &store_area_console, CS_VISIT, e);
  if (!q) return YB_ESTORE;
  store_sqlite_bt(q, 1, s->mdtrt_id);
  int step = sqlite3_step(q);
  if (step != SQLITE_ROW && step != SQLITE_DONE) {
    int rc = store_sqlite_err(c, e, "console: visit");
    store_sqlite_reset(q);
    return rc;
  }
  int refd = s->refd_setl_flag != 0;
  const char *kind = step == SQLITE_ROW ? store_sqlite_cs(q, 0) : "";
  const char *mf[] = {s->setl_time, s->insutype, s->fixmedins_code, kind};
  const int ml[] = {(int)prefix_chars(s->setl_time, 7), -1, -1, -1};
  const int64_t mv[6] = {refd ? -1 : 1, refd, s->medfee_sumamt, s->fund_pay_sumamt,
                         s->acct_pay + s->acct_mulaid_pay, s->psn_cash_pay};
  int rc = rec_add(c, T_MONTH, mf, ml, 4, NULL, mv, 6, e);
  if (!rc && step == SQLITE_ROW) { /* console_dise only for a settlement whose visit is there */
    const char *df[] = {s->setl_time, store_sqlite_cs(q, 1)};
    const int dl[] = {(int)y, -1};
    const int64_t dv[3] = {refd ? -1 : 1, s->fund_pay_sumamt, s->medfee_sumamt};
    rc = rec_add(c, T_DISE, df, dl, 2, store_sqlite_cs(q, 2), dv, 3, e);
  }
  store_sqlite_reset(q);
  return rc;
}

/* The year of settlement setl_id into out: 1, or 0 when it is not written (or YB_ESTORE). */
static int setl_year(store_conn *c, const char *setl_id, char *out, size_t cap, yb_err *e) {
  store_console_sums *p = sums(c);
  if (p && p->last_setl[0] && !strcmp(p->last_setl, setl_id)) {
    snprintf(out, cap, "%s", p->last_year);
    return 1;
  }
  sqlite3_stmt *q = store_sqlite_stmt(c, &store_area_console, CS_SETL_YEAR, e);
  if (!q) return YB_ESTORE;
  store_sqlite_bt(q, 1, setl_id);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) store_sqlite_ct(q, 0, out, cap);
  int rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : store_sqlite_err(c, e, "console: settlement");
  store_sqlite_reset(q);
  return rc;
}

static int item_add(store_conn *c, const char *year, int ylen, const char *code, int64_t lines, int64_t sumamt,
                    yb_err *e) {
  const char *f[] = {year, code};
  const int l[] = {ylen, -1};
  const int64_t v[2] = {lines, sumamt};
  return rec_add(c, T_ITEM, f, l, 2, NULL, v, 2, e);
}

/* A line settled (sign +1) or unsettled (-1) by setl_id into console_item: in that settlement's
 * year (looked up at the first line: *have < 0 until then), or, while it is not written, in the
 * line's own (the first ocur_len bytes of ocur; -1: all). */
static int line_add(store_conn *c, const char *setl_id, char year[16], int *have, const char *code,
                    const char *ocur, int ocur_len, int64_t lines, int64_t sumamt, int sign, yb_err *e) {
  if (*have < 0 && (*have = setl_year(c, setl_id, year, 16, e)) < 0) return *have;
  return *have ? item_add(c, year, -1, code, sign * lines, sign * sumamt, e)
               : item_add(c, ocur, ocur_len, code, sign * lines, sign * sumamt, e);
}

int store_console_on_fees(store_conn *c, sqlite3_stmt *s, const char *setl_id, int sign, int64_t *n,
                          yb_err *e) {
  char year[16];
  int have = -1, rc = 0, step;
  *n = 0;
  while ((step = sqlite3_step(s)) == SQLITE_ROW) {
    (*n)++;
    if (!rc)
      rc = line_add(c, setl_id, year, &have, store_sqlite_cs(s, 0), store_sqlite_cs(s, 3), -1, store_sqlite_ci(s, 1),
                    store_sqlite_ci(s, 2), sign, e);
  }
  if (step != SQLITE_DONE && !rc)
    rc = (step & 0xff) == SQLITE_CONSTRAINT ? yb_fail(e, YB_ECONFLICT, "", "fee: %s", sqlite3_errmsg(store_sqlite_db(c)))
                                            : store_sqlite_err(c, e, "fee");
  store_sqlite_reset(s);
  return rc;
}

int store_console_on_lines(store_conn *c, const store_fee *f, int n, const char *setl_id, int sign, yb_err *e) {
  char year[16];
  int have = -1, rc = 0;
  for (int i = 0; i < n && !rc; i++)
    rc = line_add(c, setl_id, year, &have, f[i].med_list_codg, f[i].fee_ocur_time,
                  (int)prefix_chars(f[i].fee_ocur_time, 4), f[i].cnt > 0, f[i].sumamt, sign, e);
  return rc;
}

int store_console_on_fee_insert(store_conn *c, const char *setl_id, const char *med_list_codg,
                                const char *fee_ocur_time, int64_t cnt, int64_t sumamt, yb_err *e) {
  store_console_sums *p = sums(c);
  if (!p) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (p->hold || !setl_id || !setl_id[0]) return 0;
  char year[16];
  int have = setl_year(c, setl_id, year, sizeof year, e);
  if (have < 0) return have;
  return have ? item_add(c, year, -1, med_list_codg, cnt > 0, sumamt, e)
              : item_add(c, fee_ocur_time, (int)prefix_chars(fee_ocur_time, 4), med_list_codg, cnt > 0, sumamt, e);
}

static void sums_clear(store_console_sums *p) {
  p->n = p->base = p->alen = 0;
  p->mark_n = p->mark_alen = p->mark_base = 0;
  p->last_setl[0] = 0;
}

static uint64_t rec_hash(const store_console_sums *p, const cs_rec *r) {
  uint64_t h = 1469598103934665603u ^ (uint64_t)r->table;
  for (uint32_t i = 0; i < r->klen; i++) h = (h ^ (unsigned char)p->arena[r->key + i]) * 1099511628211u;
  return h;
}

static int rec_bind_upsert(store_conn *c, store_console_sums *p, const cs_rec *r, yb_err *e) {
  static const int stmt_of[] = {[T_MONTH] = CS_MONTH_ADD, [T_DISE] = CS_DISE_ADD, [T_ITEM] = CS_ITEM_ADD};
  static const int nv_of[] = {[T_MONTH] = 6, [T_DISE] = 3, [T_ITEM] = 2};
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_console, stmt_of[r->table], e);
  if (!s) return YB_ESTORE;
  int col = 1;
  for (const char *f = p->arena + r->key; f < p->arena + r->key + r->klen; f += strlen(f) + 1)
    store_sqlite_bt(s, col++, f);
  if (r->table == T_DISE) store_sqlite_bt(s, col++, r->name == NO_NAME ? "" : p->arena + r->name);
  for (int i = 0; i < nv_of[r->table]; i++) store_sqlite_bi(s, col++, r->v[i]);
  return store_sqlite_done(c, s, e, "console");
}

int store_console_flush(store_conn *c, yb_err *e) {
  store_console_sums *p = *store_sqlite_console_sums(c);
  if (!p) return 0;
  if (p->n <= p->base) {
    sums_clear(p);
    return 0;
  }
  size_t want = 16;
  while (want < 2 * (p->n - p->base)) want *= 2;
  if (want > p->nslot) {
    uint32_t *sl = realloc(p->slot, want * sizeof *sl);
    if (!sl) {
      sums_clear(p);
      return yb_fail(e, YB_ENOMEM, "", "out of memory");
    }
    p->slot = sl, p->nslot = want;
  }
  memset(p->slot, 0, want * sizeof *p->slot);
  for (size_t i = p->base; i < p->n; i++) { /* sum each record into the first of its key */
    cs_rec *r = &p->rec[i];
    size_t j = (size_t)rec_hash(p, r) & (want - 1);
    for (; p->slot[j]; j = (j + 1) & (want - 1)) {
      cs_rec *f = &p->rec[p->slot[j] - 1];
      if (f->table == r->table && f->klen == r->klen && !memcmp(p->arena + f->key, p->arena + r->key, r->klen))
        break;
    }
    if (!p->slot[j]) {
      p->slot[j] = (uint32_t)(i + 1);
      continue;
    }
    cs_rec *f = &p->rec[p->slot[j] - 1];
    for (int k = 0; k < 6; k++) f->v[k] += r->v[k];
    if (r->name != NO_NAME && p->arena[r->name] && (f->name == NO_NAME || !p->arena[f->name])) f->name = r->name;
    r->table = -1;
  }
  int rc = 0;
  for (size_t i = p->base; i < p->n && !rc; i++) {
    const cs_rec *r = &p->rec[i];
    if (r->table < 0) continue;
    int zero = 1; /* a key whose deltas cancel out changes nothing (a trigger left a row of zeros) */
    for (int k = 0; k < 6; k++) zero &= r->v[k] == 0;
    if (!zero) rc = rec_bind_upsert(c, p, r, e);
  }
  sums_clear(p);
  return rc;
}

void store_console_mark(store_conn *c) {
  store_console_sums *p = *store_sqlite_console_sums(c);
  if (!p) return;
  p->mark_n = p->n, p->mark_alen = p->alen, p->mark_base = p->base;
}

void store_console_undo(store_conn *c) {
  store_console_sums *p = *store_sqlite_console_sums(c);
  if (!p) return;
  p->n = p->mark_n, p->alen = p->mark_alen, p->base = p->mark_base;
  p->last_setl[0] = 0; /* its settlement may be one the rollback took */
}

void store_console_reset(store_conn *c) {
  store_console_sums *p = *store_sqlite_console_sums(c);
  if (!p) return;
  sums_clear(p);
  p->hold = 0;
}

void store_console_hold(store_conn *c, int on) {
  store_console_sums *p = sums(c);
  if (p) p->hold = on;
}

void store_console_free(store_conn *c) {
  store_console_sums **p = store_sqlite_console_sums(c);
  if (!*p) return;
  free((*p)->rec), free((*p)->arena), free((*p)->slot), free(*p);
  *p = NULL;
}

/* Pending deltas before the rebuild are in the rebuilt tables: the flush skips them. */
static void sums_rebuilt(store_conn *w) {
  store_console_sums *p = *store_sqlite_console_sums(w);
  if (p) p->base = p->n;
}

int store_console_rebuild(store_conn *w, yb_err *e) {
  int rc = store_sqlite_exec(w, REBUILD_SQL REBUILD_INCOME_SQL, e);
  if (!rc) sums_rebuilt(w);
  return rc;
}
