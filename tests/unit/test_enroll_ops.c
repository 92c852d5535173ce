/* test_enroll_ops.c — the enrollment operations against a real store: what each writes, that a
 * refused one writes nothing (its transaction rolls back), the all-or-nothing death import,
 * transfers, refunds, recomputation and the CSV export of a listing. Policy: demo-county.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "enroll_ops.h"
#include "store_enroll.h"
#include "testdb.h"

static char dbpath[64];
static store *st;
static policy *pol;

static const policy *pick(void *ctx, const char *region, int year) {
  (void)ctx;
  return !strcmp(region, pol->region) && year == pol->year ? pol : NULL;
}

static enroll_env env = {.policy_for = pick, .who = "test", .region = "411500", .today = "2024-12-01"};

typedef struct run_arg {
  const enroll_op *op;
  json_t *in, *out;
} run_arg;

static int run_tx(store_conn *w, void *arg, yb_err *e) {
  run_arg *a = arg;
  return a->op->fn(&env, w, a->in, &a->out, e);
}

/* Run operation `name` on JSON text; returns its code, *out (may be NULL) the reply. */
static int run(const char *name, const char *json, json_t **out, yb_err *e) {
  run_arg a = {.op = enroll_op_find(name), .in = json_loads(json, 0, NULL)};
  assert_non_null(a.op);
  assert_non_null(a.in);
  int rc = a.op->writes ? store_write(st, run_tx, &a, e) : a.op->fn(&env, store_reader(st, e), a.in, &a.out, e);
  json_decref(a.in);
  if (out) *out = a.out;
  else json_decref(a.out);
  return rc;
}

static size_t log_count(const char *psn_no) {
  json_t *rows;
  yb_err e;
  assert_int_equal(store_enr_query(store_reader(st, &e), STORE_ENR_Q_LOG, psn_no, 0, &rows, &e), 0);
  size_t n = json_array_size(rows);
  json_decref(rows);
  return n;
}

static store_enroll get_en(const char *psn_no, int year, const char *insutype) {
  store_enroll en;
  yb_err e;
  assert_int_equal(store_enroll_get(store_reader(st, &e), psn_no, year, insutype, &en, &e), 0);
  return en;
}

static int setup(void **state) {
  (void)state;
  testdb_path(dbpath, sizeof dbpath, "enroll");
  yb_err e;
  if (store_open(dbpath, &st, &e) || policy_load("policies/demo-county.json", &pol, &e)) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  store_close(st);
  policy_free(pol);
  testdb_remove(dbpath);
  return 0;
}

static void test_enroll_payback_transfer(void **state) {
  (void)state;
  yb_err e;
  json_t *o;
  assert_int_equal(run("person.create", "{\"psn_no\":\"P1\",\"certno\":\"411500199001010033\",\"psn_name\":\"甲\","
                       "\"gend\":\"1\",\"brdy\":\"1990-01-01\",\"address\":\"一村\"}", NULL, &e), 0);
  assert_int_equal(run("enroll", "{\"psn_no\":\"P1\",\"year\":2020,\"insutype\":\"390\",\"psn_type\":\"1701\","
                       "\"pay_date\":\"2019-10-01\"}", NULL, &e), 0);
  /* late (2024-03-10, after the period) and broken 2021–2023: 3 + 3 = 6 months from the payment day */
  assert_int_equal(run("enroll", "{\"psn_no\":\"P1\",\"year\":2024,\"insutype\":\"390\",\"psn_type\":\"1701\","
                       "\"pay_date\":\"2024-03-10\"}", &o, &e), 0);
  json_decref(o);
  store_enroll en = get_en("P1", 2024, "390");
  assert_string_equal(en.wait_until, "2024-09-10");
  assert_string_equal(en.psn_insu_date, "2024-03-10");
  size_t logs = log_count("P1");
  /* refusals: each leaves the log and the enrollment as they were */
  assert_int_equal(run("payback", "{\"psn_no\":\"P1\",\"year\":2024,\"years\":[2019]}", NULL, &e), YB_EINVAL);
  assert_string_equal(e.field, "years[0]");
  assert_int_equal(run("payback", "{\"psn_no\":\"P1\",\"year\":2024,\"years\":[2023,2023]}", NULL, &e), YB_EINVAL);
  assert_int_equal(run("payback", "{\"psn_no\":\"P1\",\"year\":2024,\"years\":\"2023\"}", NULL, &e), YB_EMISSING);
  assert_int_equal(run("enroll", "{\"psn_no\":\"P1\",\"year\":2024,\"insutype\":\"310\",\"psn_type\":\"11\","
                       "\"pay_date\":\"2024-05-01\"}", NULL, &e), YB_ECONFLICT);
  assert_int_equal(run("enroll", "{\"psn_no\":\"P1\",\"year\":2024,\"insutype\":\"390\",\"psn_type\":\"9999\"}",
                       NULL, &e), YB_EUNKNOWN_CODE);
  assert_int_equal(run("enroll", "{\"psn_no\":\"P1\",\"year\":2025,\"insutype\":\"390\",\"psn_type\":\"1701\","
                       "\"pay_date\":\"2025-01-05\"}", NULL, &e), YB_EINVAL); /* after today */
  assert_string_equal(e.field, "pay_date");
  assert_int_equal(log_count("P1"), logs);
  assert_string_equal(get_en("P1", 2024, "390").wait_until, "2024-09-10");
  /* 2023 paid back: 3 + 2 = 5 months → 2024-08-10; a second payback of 2023 is refused */
  assert_int_equal(run("payback", "{\"psn_no\":\"P1\",\"year\":2024,\"years\":[2023],\"pay_date\":\"2024-04-01\"}",
                       NULL, &e), 0);
  assert_string_equal(get_en("P1", 2024, "390").wait_until, "2024-08-10");
  assert_int_equal(run("payback", "{\"psn_no\":\"P1\",\"year\":2024,\"years\":[2023]}", NULL, &e), YB_ECONFLICT);
  /* employed from 1 August: the resident enrollment pauses, the employee one starts that day */
  assert_int_equal(run("transfer", "{\"psn_no\":\"P1\",\"year\":2024,\"to_insutype\":\"310\",\"psn_type\":\"11\","
                       "\"date\":\"2024-08-01\"}", NULL, &e), 0);
  en = get_en("P1", 2024, "390");
  assert_string_equal(en.psn_insu_stas, "2");
  assert_string_equal(en.paus_insu_date, "2024-08-01");
  assert_string_equal(get_en("P1", 2024, "310").psn_insu_stas, "1");
  /* a month's contribution on base 5000.00: employee 100.00 → allocated 100.00 */
  assert_int_equal(run("employee.contribution", "{\"psn_no\":\"P1\",\"month\":\"2024-08\",\"base\":5000}", &o, &e), 0);
  json_decref(o);
  assert_int_equal(run("employee.contribution", "{\"psn_no\":\"P1\",\"month\":\"2024-08\",\"base\":5000}", NULL, &e),
                   YB_ECONFLICT);
  assert_int_equal(run("employee.contribution", "{\"psn_no\":\"P1\",\"month\":\"2025-01\",\"base\":5000}", NULL, &e),
                   YB_EINVAL);
  store_person p;
  assert_int_equal(store_person_get(store_reader(st, &e), "P1", &p, &e), 0);
  assert_int_equal(p.acct_balc, 10000);
  /* show: the computation is explained, and the history kept */
  assert_int_equal(run("show", "{\"psn_no\":\"P1\",\"year\":2024}", &o, &e), 0);
  json_t *w = json_object_get(json_array_get(json_object_get(o, "benefit_periods"), 1), "waiting");
  assert_string_equal(json_string_value(json_object_get(w, "kind")), "repaired");
  assert_true(json_is_true(json_object_get(w, "late")));
  json_decref(o);
}

static void test_death_import_all_or_nothing(void **state) {
  (void)state;
  yb_err e;
  json_t *o;
  assert_int_equal(run("person.create", "{\"psn_no\":\"P2\",\"certno\":\"411500198001010034\",\"psn_name\":\"乙\","
                       "\"gend\":\"1\",\"brdy\":\"1980-01-01\"}", NULL, &e), 0);
  assert_int_equal(run("enroll", "{\"psn_no\":\"P2\",\"year\":2025,\"insutype\":\"390\",\"psn_type\":\"1701\","
                       "\"pay_date\":\"2024-10-01\"}", NULL, &e), 0);
  assert_int_equal(run("death.import", "{\"csv\":\"P2,2024-11-03\\nP404,2024-01-01\\n\"}", NULL, &e), YB_ENOT_FOUND);
  assert_string_equal(e.field, "csv line 2");
  store_person p;
  assert_int_equal(store_person_get(store_reader(st, &e), "P2", &p, &e), 0);
  assert_string_equal(p.death_date, "");
  assert_string_equal(get_en("P2", 2025, "390").psn_insu_stas, "1");
  assert_int_equal(run("death.import", "{\"csv\":\"certno,death_date\\n411500198001010034,2024/11/3\\n\"}", &o, &e), 0);
  assert_int_equal(json_integer_value(json_object_get(o, "recorded")), 1);
  json_decref(o);
  assert_string_equal(get_en("P2", 2025, "390").psn_insu_stas, "4");
  int64_t refunded;
  assert_int_equal(store_enr_contrib_sum(store_reader(st, &e), "P2", 2025, "390", "refund", &refunded, NULL, &e), 0);
  assert_int_equal(refunded, -40000); /* the 2025 individual part, 400.00 */
  /* a dead person cannot be enrolled for a later year */
  assert_int_equal(run("enroll", "{\"psn_no\":\"P2\",\"year\":2025,\"insutype\":\"390\",\"psn_type\":\"1701\","
                       "\"pay_date\":\"2024-10-02\"}", NULL, &e), YB_EINVAL);
  /* recompute 2024's resident enrollments: P1 only */
  assert_int_equal(run("recompute", "{\"year\":2024}", &o, &e), 0);
  assert_int_equal(json_integer_value(json_object_get(o, "enrollments")), 1);
  assert_int_equal(json_integer_value(json_object_get(o, "changed")), 0);
  json_decref(o);
}


static int put_double(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_enroll en = {.psn_no = "R4", .year = 2024, .insutype = "310", .psn_type = "11", .psn_insu_stas = "1",
                     .psn_insu_date = "2024-06-01"};
  return store_enroll_put(w, &en, e);
}

/* A relative's contribution paid from an employee's account goes back to that account on refund. */
static void test_family_contribution_refund(void **state) {
  (void)state;
  yb_err e;
  json_t *o;
  assert_int_equal(run("person.create", "{\"psn_no\":\"H4\",\"certno\":\"411500198501010035\",\"psn_name\":\"父\","
                       "\"gend\":\"1\",\"brdy\":\"1985-01-01\"}", NULL, &e), 0);
  assert_int_equal(run("person.create", "{\"psn_no\":\"R4\",\"certno\":\"411500201001010036\",\"psn_name\":\"子\","
                       "\"gend\":\"1\",\"brdy\":\"2010-01-01\"}", NULL, &e), 0);
  assert_int_equal(run("enroll", "{\"psn_no\":\"H4\",\"year\":2024,\"insutype\":\"310\",\"psn_type\":\"11\","
                       "\"pay_date\":\"2024-01-02\"}", NULL, &e), 0);
  /* base 20 000.00 × 2 % = 400.00 allocated */
  assert_int_equal(run("employee.contribution", "{\"psn_no\":\"H4\",\"month\":\"2024-01\",\"base\":20000}", NULL, &e), 0);
  assert_int_equal(run("family.bind", "{\"holder_psn_no\":\"H4\",\"psn_no\":\"R4\",\"relation\":\"child\","
                       "\"begndate\":\"2024-01-10\"}", NULL, &e), 0);
  assert_int_equal(run("family.pay_contribution", "{\"holder_psn_no\":\"H4\",\"psn_no\":\"R4\",\"year\":2024,"
                       "\"psn_type\":\"1402\",\"pay_date\":\"2024-01-15\"}", &o, &e), 0);
  json_decref(o);
  store_person h;
  assert_int_equal(store_person_get(store_reader(st, &e), "H4", &h, &e), 0);
  assert_int_equal(h.acct_balc, 0);
  /* not a double enrollment yet: refused, nothing written */
  size_t logs = log_count("H4");
  assert_int_equal(run("refund", "{\"psn_no\":\"R4\",\"year\":2024,\"insutype\":\"390\",\"reason\":\"double\"}",
                       NULL, &e), YB_EINVAL); /* no other enrollment yet */
  assert_int_equal(log_count("H4"), logs);
  assert_int_equal(store_write(st, put_double, NULL, &e), 0); /* enrolled as an employee elsewhere */
  assert_int_equal(run("refund", "{\"psn_no\":\"R4\",\"year\":2024,\"insutype\":\"390\",\"reason\":\"double\"}",
                       &o, &e), 0);
  json_t *to = json_array_get(json_object_get(o, "to"), 0);
  assert_string_equal(json_string_value(json_object_get(to, "payer")), "acct:H4");
  json_decref(o);
  assert_int_equal(store_person_get(store_reader(st, &e), "H4", &h, &e), 0);
  assert_int_equal(h.acct_balc, 40000);
  assert_string_equal(get_en("R4", 2024, "390").psn_insu_stas, "4");
  assert_int_equal(run("refund", "{\"psn_no\":\"R4\",\"year\":2024,\"insutype\":\"390\",\"reason\":\"double\"}",
                       NULL, &e), YB_ECONFLICT);
  /* the holder dies: the relative no longer shares his account */
  store_person r;
  assert_int_equal(store_person_get(store_reader(st, &e), "R4", &r, &e), 0);
  assert_string_equal(r.family_psn_no, "H4");
  assert_int_equal(run("person.death", "{\"psn_no\":\"H4\",\"death_date\":\"2024-10-01\"}", NULL, &e), 0);
  assert_int_equal(store_person_get(store_reader(st, &e), "R4", &r, &e), 0);
  assert_string_equal(r.family_psn_no, "");
  int64_t open_bindings;
  assert_int_equal(store_enr_family_count(store_reader(st, &e), "H4", &open_bindings, &e), 0);
  assert_int_equal(open_bindings, 0);
}

static void test_csv_export(void **state) {
  (void)state;
  json_t *rows = json_loads("[{\"psn_no\":\"P1\",\"name\":\"甲, \\\"乙\\\"\",\"amount_fen\":12345,\"n\":2}]", 0, NULL);
  enroll_json_yuan(rows);
  char *csv = enroll_rows_csv(rows);
  assert_string_equal(csv, "psn_no,name,n,amount\nP1,\"甲, \"\"乙\"\"\",2,123.45\n");
  free(csv);
  json_decref(rows);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_enroll_payback_transfer),
      cmocka_unit_test(test_death_import_all_or_nothing),
      cmocka_unit_test(test_family_contribution_refund),
      cmocka_unit_test(test_csv_export),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
