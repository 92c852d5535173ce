/* store_sqlite_console.c — store_console.h on SQLite: the console's named read queries, and
 * three summary tables kept by triggers as settlements and fee lines are written (months by
 * scheme and institution; diseases; items), so the overview reads thousands of rows, not
 * millions. Rebuilt in full by the area's migration and by store_console_rebuild. */
#include <stdio.h>
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

static const char *const console_sql[STORE_CONSOLE_Q_N] = {
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
};

const store_area store_area_console = {
    STORE_AREA_CONSOLE, "console", console_migrations,
    (int)(sizeof console_migrations / sizeof console_migrations[0]), console_sql, STORE_CONSOLE_Q_N};

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

int store_console_rebuild(store_conn *w, yb_err *e) {
  return store_sqlite_exec(w, REBUILD_SQL REBUILD_INCOME_SQL, e);
}
