/* audit_bench.c — the post-settlement rule pass on one core against SQLite running five of the
 * same rules as SQL on the same database, in one run. Prints `name: value` lines: the extract
 * brought up to date, then the run (load the period from the extract + every rule) on one core, the
 * pass over every rule, the pass over the five, the SQL time, each side's findings (they must
 * agree) and ratio = ours ÷ SQL in lines per second.
 * usage: audit-bench --db FILE [--rules-dir rules] [--repeat N] [--run-only | --live-only] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "audit_int.h"
#include "cmd.h"
#include "store_audit.h"

static int die(const yb_err *e) {
  fprintf(stderr, "audit-bench: %s: %s\n", e->field, e->msg);
  return 1;
}

static const char *const FIVE[] = {"gender_limit", "age_limit", "over_price_limit", "duplicate_charge", "split_admission"};

static int count_kind(const audit_finding *f, void *arg) {
  int64_t *n = arg;
  for (int k = 0; k < 5; k++)
    if (!strcmp(audit_rule_kind(f->rule), FIVE[k])) n[k]++;
  n[5]++;
  return 0;
}

/* The five rules as SQL, over the catalog copied into a temporary table. */
static const char *const SQL[5] = {
    "SELECT count(*) FROM fee f JOIN person p ON p.psn_no=f.psn_no JOIN cat c ON c.code=f.med_list_codg"
    " JOIN visit v ON v.mdtrt_id=f.mdtrt_id"
    " WHERE f.state=1 AND v.state<>0 AND c.gend<>'0' AND p.gend IN ('1','2') AND p.gend<>c.gend",
    "SELECT count(*) FROM fee f JOIN person p ON p.psn_no=f.psn_no JOIN cat c ON c.code=f.med_list_codg"
    " JOIN visit v ON v.mdtrt_id=f.mdtrt_id"
    " WHERE f.state=1 AND v.state<>0 AND (c.age_min>=0 OR c.age_max>=0) AND p.brdy<>'' AND ("
    "  (CAST(substr(f.fee_ocur_time,1,4) AS INT)-CAST(substr(p.brdy,1,4) AS INT)"
    "   -(substr(f.fee_ocur_time,6,5)<substr(p.brdy,6,5))) NOT BETWEEN"
    "  (CASE WHEN c.age_min>=0 THEN c.age_min ELSE 0 END) AND (CASE WHEN c.age_max>=0 THEN c.age_max ELSE 999 END))",
    "SELECT count(*) FROM fee f JOIN cat c ON c.code=f.med_list_codg JOIN institution i ON i.fixmedins_code=f.fixmedins_code"
    " JOIN visit v ON v.mdtrt_id=f.mdtrt_id"
    " WHERE f.state=1 AND v.state<>0 AND f.pric > coalesce(nullif(CASE i.hosp_lv WHEN 1 THEN c.lim1 WHEN 2 THEN c.lim2"
    " WHEN 3 THEN c.lim3 ELSE 0 END,0), nullif(c.lim0,0), 1e18)",
    "SELECT count(*) FROM fee f JOIN cat c ON c.code=f.med_list_codg JOIN visit v ON v.mdtrt_id=f.mdtrt_id"
    " WHERE f.state=1 AND v.state<>0 AND c.drug=0 AND EXISTS(SELECT 1 FROM fee g WHERE g.mdtrt_id=f.mdtrt_id"
    " AND g.state=1 AND g.med_list_codg=f.med_list_codg AND g.fee_ocur_time=f.fee_ocur_time AND g.seq<f.seq)",
    "SELECT count(*) FROM (SELECT begntime, diag, lag(endtime) OVER w AS pe, lag(diag) OVER w AS pd FROM visit"
    " WHERE kind='ipt' AND state<>0 WINDOW w AS (PARTITION BY psn_no ORDER BY begntime, mdtrt_id))"
    " WHERE pe IS NOT NULL AND pe<>'' AND pe<=begntime AND julianday(substr(begntime,1,10))-julianday(substr(pe,1,10)) <= 15"
    " AND substr(diag,1,3)=substr(pd,1,3) AND diag<>''",
};

/* ---- the live check (what 2207/2304 add): one person's history and one visit ------------------- */
static int nop(const audit_finding *f, void *arg) {
  (void)f;
  (*(int *)arg)++;
  return 0;
}
static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* n visits spread over the data set: the same work as the hook (audit_live), but reading the
 * visit's settled lines too, since the bench region is all settled. */
static int live_bench(store_conn *c, const catalog *cat, const audit_rules *rs, const audit_data *all, int n, yb_err *e) {
  double *us = calloc((size_t)n, sizeof *us);
  int m = 0, found = 0;
  size_t step = all->n_visit / (size_t)n + 1;
  for (size_t vi = 0; vi < all->n_visit && m < n; vi += step, m++) {
    const ad_visit *v = &all->visit[vi];
    const char *psn = ad_s(all, all->psn[v->psn].code), *ins = ad_s(all, all->inst[v->inst].code);
    const char *mdtrt = ad_mdtrt(all, v);
    double t0 = cmd_now();
    audit_data *d = audit_data_new(cat);
    int rc = store_audit_load_person(c, psn, ins, "2024-06-01", "9999-12-31", mdtrt, true, d, e);
    if (!rc) rc = store_audit_load_visit_lines(c, mdtrt, false, d, e);
    if (!rc) rc = audit_data_finish(d, e);
    if (!rc) rc = audit_run(rs, d, AUDIT_STAGE_DURING, mdtrt, nop, &found, e);
    audit_data_free(d);
    if (rc) return free(us), rc;
    us[m] = (cmd_now() - t0) * 1e6;
  }
  qsort(us, (size_t)m, sizeof *us, cmp_d);
  if (m)
    printf("live_checks: %d\nlive_check_us_p50: %.0f\nlive_check_us_p99: %.0f\nlive_findings: %d\n", m, us[m / 2],
           us[m * 99 / 100], found);
  free(us);
  return 0;
}

int main(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db"), *dir = cmd_opt(argc, argv, "--rules-dir");
  const char *rep = cmd_opt(argc, argv, "--repeat");
  int repeat = rep ? atoi(rep) : 3;
  if (!db) return fprintf(stderr, "usage: audit-bench --db FILE [--rules-dir rules] [--repeat N]\n"), 2;
  yb_err e = {0};
  audit_rules all, five;
  if (audit_rules_load(dir ? dir : "rules", &all, &e) || audit_rules_load(dir ? dir : "rules", &five, &e)) return die(&e);
  for (int i = 0; i < five.n; i++) {
    five.r[i].enabled = false;
    for (int k = 0; k < 5; k++)
      if (!strcmp(audit_rule_kind(&five.r[i]), FIVE[k])) five.r[i].enabled = true;
  }
  store *s;
  if (store_open(db, &s, &e)) return die(&e);
  store_conn *c = store_reader(s, &e);
  char *body = NULL;
  catalog *cat;
  if (!c || store_catalog_latest(c, &body, &e) || catalog_load_text(body, strlen(body), &cat, &e)) return die(&e);
  free(body);
  /* the extract brought up to date: once per line ever (gen and every `audit run` do it) */
  double t0 = cmd_now(), c0 = cmd_cpu();
  int64_t x_setls = 0, x_lines = 0;
  if (store_audit_extract_sync(s, cat, &x_setls, &x_lines, &e)) return die(&e);
  printf("extract_settlements: %lld\nextract_lines: %lld\nextract_sec: %.3f (cpu %.3f)\n", (long long)x_setls,
         (long long)x_lines, cmd_now() - t0, cmd_cpu() - c0);
  /* the run: load the period from the extract, index it, every rule over it; best of `repeat` */
  audit_data *d = NULL;
  double load = 1e9, load_cpu = 1e9, best_all = 1e9, cpu_all = 1e9, run = 1e9, run_cpu = 1e9;
  double best_five = 1e9, cpu_five = 1e9;
  int64_t cnt_all[6] = {0}, cnt_five[6] = {0};
  for (int r = 0; r < repeat; r++) {
    audit_data_free(d);
    d = audit_data_new(cat);
    memset(cnt_all, 0, sizeof cnt_all), memset(cnt_five, 0, sizeof cnt_five);
    t0 = cmd_now(), c0 = cmd_cpu();
    if (store_audit_load(c, "1900-01-01", "2999-12-31", 0, d, &e) || audit_data_finish(d, &e)) return die(&e);
    double l = cmd_now() - t0, lc = cmd_cpu() - c0;
    double t1 = cmd_now(), c1 = cmd_cpu();
    if (audit_run(&all, d, AUDIT_STAGE_POST, NULL, count_kind, cnt_all, &e)) return die(&e);
    double a = cmd_now() - t1, ac = cmd_cpu() - c1;
    t1 = cmd_now(), c1 = cmd_cpu();
    if (audit_run(&five, d, AUDIT_STAGE_POST, NULL, count_kind, cnt_five, &e)) return die(&e);
    double b = cmd_now() - t1, bc = cmd_cpu() - c1;
    if (l < load) load = l;
    if (lc < load_cpu) load_cpu = lc;
    if (a < best_all) best_all = a;
    if (ac < cpu_all) cpu_all = ac;
    if (l + a < run) run = l + a;
    if (lc + ac < run_cpu) run_cpu = lc + ac;
    if (b < best_five) best_five = b;
    if (bc < cpu_five) cpu_five = bc;
  }
  double n = (double)audit_data_lines(d);
  if (cmd_flag(argc, argv, "--run-only")) { /* for profiling the run alone */
    printf("lines: %.0f\nload_sec: %.3f (cpu %.3f)\nrule_pass_all_sec: %.4f (cpu %.4f)\nlines_per_sec: %.0f\n", n, load,
           load_cpu, best_all, cpu_all, n / run_cpu);
    return 0;
  }
  if (cmd_flag(argc, argv, "--live-only")) {
    for (int k = 0; k < 5; k++) live_bench(c, cat, &all, d, 2000, &e);
    return 0;
  }
  /* SQL: the same database, the catalog as a table */
  sqlite3 *q;
  if (sqlite3_open_v2(db, &q, SQLITE_OPEN_READWRITE, NULL)) return fprintf(stderr, "audit-bench: open\n"), 1;
  sqlite3_exec(q, "PRAGMA cache_size=-1000000; PRAGMA temp_store=MEMORY;"
                  "CREATE TEMP TABLE cat(code TEXT PRIMARY KEY, gend TEXT, age_min INT, age_max INT, drug INT,"
                  " lim0 INT, lim1 INT, lim2 INT, lim3 INT)", NULL, NULL, NULL);
  sqlite3_stmt *ins;
  sqlite3_prepare_v2(q, "INSERT INTO cat VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", -1, &ins, NULL);
  for (size_t i = 0; i < catalog_count(cat); i++) {
    const catalog_item *it = catalog_at(cat, i);
    char g[2] = {(char)('0' + it->gend), 0};
    bool drug = it->list_type ? it->list_type < 200 : (it->chrgitm_type >= 9 && it->chrgitm_type <= 11);
    sqlite3_bind_text(ins, 1, it->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, g, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(ins, 3, it->age_min), sqlite3_bind_int(ins, 4, it->age_max), sqlite3_bind_int(ins, 5, drug);
    for (int k = 0; k < 4; k++) sqlite3_bind_int64(ins, 6 + k, it->price_limit[k]);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  int64_t sql_cnt[5];
  double sql_s = 0, sql_cpu = 0;
  for (int k = 0; k < 5; k++) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(q, SQL[k], -1, &st, NULL)) return fprintf(stderr, "audit-bench: %s\n", sqlite3_errmsg(q)), 1;
    t0 = cmd_now();
    c0 = cmd_cpu();
    sqlite3_step(st);
    sql_cnt[k] = sqlite3_column_int64(st, 0);
    double t = cmd_now() - t0;
    sql_s += t;
    sql_cpu += cmd_cpu() - c0;
    sqlite3_finalize(st);
    printf("sql_%s_sec: %.3f\n", FIVE[k], t);
  }
  sqlite3_close(q);
  printf("live_pass: cold\n");
  if (live_bench(c, cat, &all, d, 2000, &e)) return die(&e);
  printf("live_pass: warm (the same visits again)\n");
  if (live_bench(c, cat, &all, d, 2000, &e)) return die(&e);
  int agree = 1;
  for (int k = 0; k < 5; k++) {
    printf("findings_%s: ours %lld sql %lld\n", FIVE[k], (long long)cnt_five[k], (long long)sql_cnt[k]);
    if (cnt_five[k] != sql_cnt[k]) agree = 0;
  }
  printf("lines: %.0f\nvisits: %zu\nload_sec: %.3f (cpu %.3f)\nload_lines_per_sec: %.0f\n", n, audit_data_visits(d),
         load, load_cpu, n / load_cpu);
  printf("rules_all: %d\nrule_pass_all_sec: %.4f (cpu %.4f)\nrule_pass_lines_per_sec: %.0f\nfindings_all: %lld\n", all.n,
         best_all, cpu_all, n / cpu_all, (long long)cnt_all[5]);
  /* the figure the target names: the whole run (load + every rule) on one core */
  printf("run_sec: %.3f (cpu %.3f)\nlines_per_sec_wall: %.0f\nlines_per_sec: %.0f\n", run, run_cpu, n / run,
         n / run_cpu);
  printf("rule_pass_five_sec: %.4f (cpu %.4f)\nlines_per_sec_five: %.0f\n", best_five, cpu_five,
         n / (load_cpu + cpu_five));
  printf("sql_five_sec: %.3f (cpu %.3f)\nsql_lines_per_sec: %.0f\nfindings_agree: %s\n", sql_s, sql_cpu, n / sql_cpu,
         agree ? "yes" : "no");
  /* ours = loading the period and the five rules, against SQLite running the five over its tables */
  printf("ratio: %.1f\n", sql_cpu / (load_cpu + cpu_five));
  printf("ratio_wall: %.1f\n", sql_s / (load + best_five));
  audit_data_free(d);
  catalog_free(cat);
  audit_rules_free(&all), audit_rules_free(&five);
  store_close(s);
  return agree ? 0 : 1;
}
