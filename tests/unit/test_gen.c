/* test_gen.c — the generator on a small region: shape (schemes, special groups, age pyramid,
 * institution mix, costs by level), consistency (accumulators = sum of settlement deltas, fee
 * lines = settlement totals, every label points at real records, the cross-visit kinds labelled
 * exactly where docs/fraud-labels.md's definitions hold), and determinism (same seed, same
 * checksum; another seed, another region). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdb.h"
#include "catalog.h"
#include "cmd.h"
#include "gen.h"
#include "store.h"
#include "store_sqlite.h"
#include "store_console.h"

static char db_a[64], db_b[64], db_c[64];

static void make_region(const char *path, uint64_t seed, int64_t persons) {
  testdb_remove(path);
  char *argv[] = {"--db", (char *)path, "--policies", "policies"};
  assert_int_equal(cmd_init(4, argv), 0);
  gen_config c;
  gen_config_default(&c);
  c.persons = persons, c.institutions = 40, c.years = 2, c.seed = seed;
  c.persons_per_tx = 1000; /* several chunks, each with the store's console sums held */
  for (int k = 0; k < GEN_FRAUD_COUNT; k++) c.rate_ppm[k] = c.rate_ppm[k] * 4 > 900000 ? 900000 : c.rate_ppm[k] * 4;
  store *st = NULL;
  yb_err e = {0};
  gen_stats s;
  assert_int_equal(store_open(path, &st, &e), 0);
  int rc = gen_run(st, &c, &s, &e);
  if (rc) fprintf(stderr, "gen: %s: %s\n", e.field, e.msg);
  assert_int_equal(rc, 0);
  assert_int_equal(s.persons, persons);
  /* a second run into the same database is refused, naming the database */
  assert_int_equal(gen_run(st, &c, &s, &e), YB_ECONFLICT);
  assert_string_equal(e.field, "--db");
  store_close(st);
}

static int setup(void **state) {
  (void)state;
  testdb_path(db_a, sizeof db_a, "gen-a");
  testdb_path(db_b, sizeof db_b, "gen-b");
  testdb_path(db_c, sizeof db_c, "gen-c");
  make_region(db_a, 4, 3000);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_remove(db_a), testdb_remove(db_b), testdb_remove(db_c);
  return 0;
}

static sqlite3 *opendb(const char *p) {
  sqlite3 *d = NULL;
  assert_int_equal(sqlite3_open_v2(p, &d, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(store_sqlite_unpack_register(d), 0); /* packed texts (store_sqlite_pack.c) */
  return d;
}

static double q1(sqlite3 *d, const char *sql) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(d));
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  double v = sqlite3_column_double(s, 0);
  sqlite3_finalize(s);
  return v;
}

#define IN_RANGE(v, lo, hi)                                                            \
  do {                                                                                 \
    double v_ = (v);                                                                   \
    if (v_ < (lo) || v_ > (hi)) fail_msg("%s = %g, want [%g, %g]", #v, v_, (double)(lo), (double)(hi)); \
  } while (0)

static void test_rates(void **state) {
  (void)state;
  gen_config c;
  gen_config_default(&c);
  yb_err e = {0};
  assert_int_equal(gen_config_rates(&c, "split_admission=0.05,over_supply=0.000125", &e), 0);
  assert_int_equal(c.rate_ppm[GEN_SPLIT_ADMISSION], 50000);
  assert_int_equal(c.rate_ppm[GEN_OVER_SUPPLY], 125);
  assert_int_equal(gen_config_rates(&c, "all=0", &e), 0);
  for (int k = 0; k < GEN_FRAUD_COUNT; k++) assert_int_equal(c.rate_ppm[k], 0);
  assert_int_equal(gen_config_rates(&c, "no_such_kind=0.1", &e), YB_EUNKNOWN_CODE);
  assert_string_equal(e.field, "--fraud-rate");
  assert_int_equal(gen_config_rates(&c, "age_limit=1.5", &e), YB_ERANGE);
  assert_int_equal(gen_config_rates(&c, "age_limit", &e), YB_EINVAL);
  assert_int_equal(gen_fraud_find("unregistered_doctor"), GEN_UNREGISTERED_DOCTOR);
  assert_string_equal(gen_fraud_name(GEN_TWO_PLACES_SAME_DAY), "two_places_same_day");
}

static void test_shape(void **state) {
  (void)state;
  sqlite3 *d = opendb(db_a);
  const char *gp = "(SELECT count(*) FROM person WHERE psn_no LIKE '4115009%')";
  char sql[600];
#define SHARE(where) (snprintf(sql, sizeof sql, "SELECT 1.0*count(*)/%s FROM person WHERE psn_no LIKE '4115009%%' AND %s", gp, where), q1(d, sql))
  /* schemes: residents the majority (enrollment of the first generated year) */
  IN_RANGE(q1(d, "SELECT 1.0*sum(insutype='390')/count(*) FROM enrollment WHERE year=2023"), 0.78, 0.92);
  /* age pyramid on 2023-01-01: children 0–14 and persons 60+ (2020 census: 18 %, 19 %) */
  IN_RANGE(SHARE("brdy > '2008-01-01'"), 0.14, 0.22);
  IN_RANGE(SHARE("brdy <= '1963-01-01'"), 0.15, 0.25);
  IN_RANGE(SHARE("gend='1'"), 0.48, 0.54);
  /* special groups */
  IN_RANGE(q1(d, "SELECT 1.0*count(*)/3000 FROM person_idet WHERE psn_idet_type='2304'"), 0.001, 0.012);
  IN_RANGE(q1(d, "SELECT 1.0*count(*)/3000 FROM person_idet WHERE psn_idet_type='2303'"), 0.015, 0.045);
  IN_RANGE(q1(d, "SELECT 1.0*count(*)/3000 FROM person_idet WHERE psn_idet_type='6002'"), 0.003, 0.015);
  /* deaths (≈ 7–8 ‰ a year) and broken enrollment with a waiting period */
  IN_RANGE(q1(d, "SELECT count(*) FROM person WHERE death_date<>''"), 20, 110);
  assert_true(q1(d, "SELECT count(*) FROM enrollment WHERE wait_until<>''") >= 5);
  assert_true(q1(d, "SELECT count(*) FROM person_filing") >= 10);
  /* institutions: village clinics the majority, every one with doctors and coordinates */
  IN_RANGE(q1(d, "SELECT 1.0*sum(medins_type='clinic')/count(*) FROM institution WHERE fixmedins_code LIKE '_411500%'"), 0.5, 0.8);
  assert_int_equal(q1(d, "SELECT count(*) FROM institution i WHERE NOT EXISTS(SELECT 1 FROM doctor d WHERE d.fixmedins_code=i.fixmedins_code)"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM institution i LEFT JOIN institution_geo g USING(fixmedins_code) WHERE g.lat_e6 IS NULL"), 0);
  /* villages spread over the county: 40 km or more between the extreme latitudes */
  IN_RANGE(q1(d, "SELECT (max(lat_e6)-min(lat_e6))/9009.0 FROM institution_geo g JOIN institution i USING(fixmedins_code) WHERE medins_type='clinic'"), 35, 75);
  /* costs rise with level (yuan per visit) */
  const char *c = "SELECT avg(s.medfee_sumamt)/100.0 FROM settlement s JOIN institution i USING(fixmedins_code) WHERE ";
#define COST(where) (snprintf(sql, sizeof sql, "%s%s", c, where), q1(d, sql))
  double o0 = COST("i.hosp_lv=0 AND s.med_type='11'"), o2 = COST("i.hosp_lv=2 AND s.med_type='11'");
  double i1 = COST("i.hosp_lv=1 AND s.med_type='21'"), i2 = COST("i.hosp_lv=2 AND s.med_type='21'");
  double i3 = COST("i.hosp_lv=3 AND s.med_type='21'");
  IN_RANGE(o0, 20, 80);
  IN_RANGE(o2, 100, 400);
  IN_RANGE(i1, 800, 4000);
  IN_RANGE(i2, 2500, 9000);
  IN_RANGE(i3, 6000, 20000);
  assert_true(o0 < o2 && i1 < i2 && i2 < i3);
  IN_RANGE(q1(d, "SELECT avg(julianday(substr(endtime,1,10))-julianday(substr(begntime,1,10))) FROM visit WHERE kind='ipt'"), 5, 12);
  /* every kind of visit, winter busier than summer */
  assert_int_equal(q1(d, "SELECT count(DISTINCT med_type) FROM visit"), 5);
  assert_true(q1(d, "SELECT sum(substr(begntime,6,2)='01')-sum(substr(begntime,6,2)='06') FROM visit WHERE med_type='11'") > 0);
  sqlite3_close(d);
  /* the stored catalog: at least 5 000 items, loadable by the engine's loader */
  store *st = NULL;
  yb_err e = {0};
  char *body = NULL;
  catalog *cat = NULL;
  assert_int_equal(store_open(db_a, &st, &e), 0);
  assert_int_equal(store_catalog_latest(store_reader(st, &e), &body, &e), 0);
  assert_int_equal(catalog_load_text(body, strlen(body), &cat, &e), 0);
  assert_true(catalog_count(cat) >= 5000);
  assert_non_null(catalog_find(cat, "XJ01CAD001A001010199999")); /* the demo items are kept */
  catalog_free(cat);
  free(body);
  store_close(st);
}

static void test_consistency(void **state) {
  (void)state;
  sqlite3 *d = opendb(db_a);
  /* accumulators = the sum of the settlements' deltas, both ways */
  const char *delta =
      "WITH d AS (SELECT s.psn_no p, s.year y,"
      " CASE WHEN instr(j.key,'@')>0 THEN substr(j.key,1,instr(j.key,'@')-1) ELSE j.key END b,"
      " CASE WHEN instr(j.key,'@')>0 THEN CAST(substr(j.key,instr(j.key,'@')+1) AS INT) ELSE 0 END per,"
      " sum(CASE WHEN j.key='admissions' THEN j.value ELSE CAST(round(j.value*100) AS INT) END) v"
      " FROM settlement s, json_each(s.accum_delta) j GROUP BY 1,2,3,4 HAVING v<>0)";
  char sql[1400];
  snprintf(sql, sizeof sql, "%s SELECT count(*) FROM (SELECT p,y,b,per,v FROM d EXCEPT SELECT psn_no,year,bucket,period,value FROM accum)", delta);
  assert_int_equal(q1(d, sql), 0);
  snprintf(sql, sizeof sql, "%s SELECT count(*) FROM (SELECT psn_no,year,bucket,period,value FROM accum WHERE psn_no LIKE '4115009%%' EXCEPT SELECT p,y,b,per,v FROM d)", delta);
  assert_int_equal(q1(d, sql), 0);
  assert_true(q1(d, "SELECT count(*) FROM accum") > 1000);
  /* a settlement's total is its lines'; the pay identity holds on every row */
  assert_int_equal(q1(d, "SELECT count(*) FROM settlement s WHERE medfee_sumamt <> (SELECT sum(sumamt) FROM fee f WHERE f.setl_id=s.setl_id)"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM settlement WHERE medfee_sumamt <> fund_pay_sumamt+acct_pay+acct_mulaid_pay+psn_cash_pay+CAST(round(json_extract(unpack(setlinfo),'$.hosp_part_amt')*100) AS INT)"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM fee WHERE setl_id IS NULL AND psn_no LIKE '4115009%'"), 0);
  /* every label names a real visit of that person at that institution; line labels a real line */
  assert_int_equal(q1(d, "SELECT count(*) FROM fraud_label l LEFT JOIN visit v USING(mdtrt_id) WHERE v.psn_no IS NOT l.psn_no OR v.fixmedins_code IS NOT l.fixmedins_code"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM fraud_label l LEFT JOIN settlement s USING(setl_id) WHERE s.mdtrt_id IS NOT l.mdtrt_id"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM fraud_label l LEFT JOIN fee f USING(mdtrt_id,feedetl_sn) WHERE l.feedetl_sn<>'' AND f.seq IS NULL"), 0);
  /* all 15 kinds present */
  assert_int_equal(q1(d, "SELECT count(DISTINCT kind) FROM fraud_label"), GEN_FRAUD_COUNT);
  /* cross-visit kinds: the labels are exactly the visits where the definition holds */
  static const char *const exact[][2] = {
      {"dead_person_card", "SELECT v.mdtrt_id FROM visit v JOIN person p USING(psn_no) WHERE p.death_date<>'' AND substr(v.begntime,1,10) > p.death_date"},
      {"otp_during_ipt", "SELECT o.mdtrt_id FROM visit o JOIN visit i ON i.psn_no=o.psn_no AND i.kind='ipt' AND o.kind='otp' AND o.begntime > i.begntime AND o.begntime < i.endtime"},
      {"split_admission", "SELECT mdtrt_id FROM (SELECT mdtrt_id, begntime, substr(dise_codg,1,3) d3, lag(endtime) OVER w pe, lag(substr(dise_codg,1,3)) OVER w pd FROM visit WHERE kind='ipt' WINDOW w AS (PARTITION BY psn_no ORDER BY begntime)) WHERE pe IS NOT NULL AND julianday(substr(begntime,1,10))-julianday(substr(pe,1,10)) BETWEEN 0 AND 15 AND d3=pd"},
      {"frequent_admission", "SELECT a.mdtrt_id FROM visit a JOIN visit b ON b.psn_no=a.psn_no AND b.kind='ipt' AND b.begntime<=a.begntime AND julianday(substr(a.begntime,1,10))-julianday(substr(b.begntime,1,10))<=180 WHERE a.kind='ipt' GROUP BY a.mdtrt_id HAVING count(*)>=4"},
      {"fake_admission", "SELECT v.mdtrt_id FROM visit v WHERE v.kind='ipt' AND NOT EXISTS(SELECT 1 FROM fee f WHERE f.mdtrt_id=v.mdtrt_id AND substr(f.med_list_codg,1,5) NOT IN ('99G01','99G07','99G14'))"},
      {"duplicate_charge", "SELECT f.mdtrt_id FROM fee f JOIN fee g ON g.mdtrt_id=f.mdtrt_id AND g.med_list_codg=f.med_list_codg AND g.fee_ocur_time=f.fee_ocur_time AND g.seq<f.seq WHERE substr(f.med_list_codg,1,1) NOT IN ('X','T')"},
  };
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (%s EXCEPT SELECT mdtrt_id FROM fraud_label WHERE kind='%s'))"
             " + (SELECT count(*) FROM (SELECT mdtrt_id FROM fraud_label WHERE kind='%s' EXCEPT %s))",
             exact[i][1], exact[i][0], exact[i][0], exact[i][1]);
    double diff = q1(d, sql);
    if (diff != 0) fail_msg("%s: %g visits differ between the definition and the labels", exact[i][0], diff);
  }
  /* dialysis: sessions with a check-in are exactly those without a label */
  assert_int_equal(q1(d, "SELECT count(*) FROM fee f JOIN visit v USING(mdtrt_id) WHERE f.med_list_codg='99G0590002'"
                         " AND (EXISTS(SELECT 1 FROM dialysis_checkin c WHERE c.psn_no=v.psn_no AND c.fixmedins_code=v.fixmedins_code AND substr(c.checkin_time,1,10)=substr(f.fee_ocur_time,1,10)))"
                         " = (EXISTS(SELECT 1 FROM fraud_label l WHERE l.kind='dialysis_no_checkin' AND l.mdtrt_id=f.mdtrt_id AND l.feedetl_sn=f.feedetl_sn))"), 0);
  assert_true(q1(d, "SELECT count(*) FROM fraud_label WHERE kind='dialysis_no_checkin'") > 0);
  /* doctors: every line's bilg_dr_codg is registered there, except the labelled ones */
  assert_int_equal(q1(d, "SELECT count(*) FROM fee f WHERE NOT EXISTS(SELECT 1 FROM doctor d WHERE d.dr_code=json_extract(unpack(f.body),'$.bilg_dr_codg') AND d.fixmedins_code=f.fixmedins_code)"
                         " <> EXISTS(SELECT 1 FROM fraud_label l WHERE l.kind='unregistered_doctor' AND l.mdtrt_id=f.mdtrt_id AND l.feedetl_sn=f.feedetl_sn)"), 0);
  /* foreign keys hold */
  sqlite3_stmt *s = NULL;
  assert_int_equal(sqlite3_prepare_v2(d, "PRAGMA foreign_key_check", -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_DONE);
  sqlite3_finalize(s);
  sqlite3_close(d);
}

static uint64_t checksum(const char *path) {
  sqlite3 *d = opendb(path);
  static const char *const sql[] = {
      "SELECT psn_no||certno||brdy||death_date||acct_balc FROM person ORDER BY psn_no",
      "SELECT mdtrt_id||feedetl_sn||unpack(body)||unpack(result)||setl_id FROM fee ORDER BY mdtrt_id, seq",
      "SELECT setl_id||unpack(setlinfo)||unpack(setldetail)||accum_delta FROM settlement ORDER BY setl_id",
      "SELECT kind||mdtrt_id||feedetl_sn||note FROM fraud_label ORDER BY label_id",
      "SELECT psn_no||year||bucket||period||value FROM accum ORDER BY 1"};
  uint64_t h = UINT64_C(14695981039346656037);
  for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(d, sql[i], -1, &s, NULL), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
      for (const unsigned char *t = sqlite3_column_text(s, 0); t && *t; t++) h = (h ^ *t) * UINT64_C(1099511628211);
    sqlite3_finalize(s);
  }
  sqlite3_close(d);
  return h;
}

static uint64_t console_hash(const char *path) {
  sqlite3 *d = opendb(path);
  static const char *const sql[] = {"SELECT * FROM console_item ORDER BY 1,2", "SELECT * FROM console_month ORDER BY 1,2,3,4",
                                    "SELECT * FROM console_dise ORDER BY 1,2"};
  uint64_t h = UINT64_C(14695981039346656037);
  for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(d, sql[i], -1, &s, NULL), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(s); c++)
        for (const unsigned char *t = sqlite3_column_text(s, c); t && *t; t++) h = (h ^ *t) * UINT64_C(1099511628211);
    sqlite3_finalize(s);
  }
  sqlite3_close(d);
  return h;
}

static int rebuild_tx(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  return store_console_rebuild(w, e);
}

/* gen adds the console's sums itself while the store's are held: the summary tables are what a
 * full rebuild gives, and no console trigger is left on the core tables */
static void test_console_summary(void **state) {
  (void)state;
  sqlite3 *d = opendb(db_a);
  assert_true(q1(d, "SELECT count(*) FROM console_item") > 100);
  assert_int_equal(q1(d, "SELECT sum(lines) FROM console_item"), q1(d, "SELECT count(*) FROM fee WHERE setl_id IS NOT NULL AND cnt>0"));
  assert_int_equal(q1(d, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'console_%' AND name<>'console_contrib'"), 0);
  sqlite3_close(d);
  uint64_t before = console_hash(db_a);
  store *st = NULL;
  yb_err e = {0};
  assert_int_equal(store_open(db_a, &st, &e), 0);
  assert_int_equal(store_write(st, rebuild_tx, NULL, &e), 0);
  store_close(st);
  assert_true(console_hash(db_a) == before);
}

static void exec1(const char *path, const char *sql) {
  sqlite3 *d = NULL;
  assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec(d, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
  sqlite3_close(d);
}

/* A chunk that fails (a fee line the generator will write already there) rolls back as a
 * whole; the chunks before it stay, with their console summaries; the database is back in WAL
 * and holds no run record. */
static void test_failed_chunk(void **state) {
  (void)state;
  char path[64];
  testdb_path(path, sizeof path, "gen-fail");
  char *argv[] = {"--db", path, "--policies", "policies"};
  assert_int_equal(cmd_init(4, argv), 0);
  exec1(path, "INSERT INTO fee(mdtrt_id,feedetl_sn,seq,psn_no,fixmedins_code,med_list_codg,fee_ocur_time,cnt,pric,"
              "sumamt,body,result) VALUES('411500GV0000007000','1',1,'x','y','z','t',1,1,1,'{}','{}')");
  gen_config c;
  gen_config_default(&c);
  c.persons = 3000, c.institutions = 20, c.persons_per_tx = 500;
  store *st = NULL;
  yb_err e = {0};
  gen_stats s;
  assert_int_equal(store_open(path, &st, &e), 0);
  assert_int_equal(gen_run(st, &c, &s, &e), YB_ECONFLICT);
  assert_non_null(strstr(e.msg, "fee")); /* the table that refused, in SQLite's words */
  store_close(st);
  sqlite3 *d = opendb(path);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(d, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
  sqlite3_finalize(q);
  double persons = q1(d, "SELECT count(*) FROM person");
  assert_true(persons >= 500 && persons < 3000);
  assert_int_equal(q1(d, "SELECT count(*) FROM visit WHERE mdtrt_id >= '411500GV0000007000'"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM gen_run"), 0);
  assert_int_equal(q1(d, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name IN ('console_fee_insert','console_setl')"), 0);
  assert_int_equal(q1(d, "SELECT sum(n) FROM console_month"), q1(d, "SELECT count(*) FROM settlement"));
  sqlite3_close(d);
  uint64_t before = console_hash(path);
  assert_int_equal(store_open(path, &st, &e), 0);
  assert_int_equal(store_write(st, rebuild_tx, NULL, &e), 0);
  store_close(st);
  assert_true(console_hash(path) == before);
  testdb_remove(path);
}

static void test_determinism(void **state) {
  (void)state;
  make_region(db_b, 4, 3000);
  make_region(db_c, 3, 3000);
  uint64_t a = checksum(db_a), b = checksum(db_b), c = checksum(db_c);
  assert_true(a == b);
  assert_true(a != c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rates),
      cmocka_unit_test(test_shape),
      cmocka_unit_test(test_consistency),
      cmocka_unit_test(test_console_summary),
      cmocka_unit_test(test_failed_chunk),
      cmocka_unit_test(test_determinism),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
