/* test_jsonx.c — every shape real HIS clients send: amounts as numbers, strings and
 * doubles; flags as "1" or 1; three date formats; missing and empty values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsonx.h"
#include "money.h"

static json_t *parse(const char *s) {
  json_error_t je;
  json_t *j = json_loads(s, 0, &je);
  assert_non_null(j);
  return j;
}

static void test_amount_shapes(void **state) {
  (void)state;
  json_t *j = parse("{\"a\":37.00,\"b\":\"12.0000\",\"c\":34.98,\"d\":62,\"e\":\"\",\"f\":12.345,\"g\":\"x\",\"h\":null,\"i\":true}");
  int64_t v = -1;
  yb_err e = {0};
  assert_int_equal(jsonx_get_dec(j, "input.data", "a", true, 2, &v, &e), 0);
  assert_int_equal(v, 3700);
  assert_int_equal(jsonx_get_dec(j, "input.data", "b", true, 2, &v, &e), 0);
  assert_int_equal(v, 1200);
  assert_int_equal(jsonx_get_dec(j, "input.data", "c", true, 2, &v, &e), 0);
  assert_int_equal(v, 3498);
  assert_int_equal(jsonx_get_dec(j, "input.data", "d", true, 2, &v, &e), 0);
  assert_int_equal(v, 6200);
  v = 77;
  assert_int_equal(jsonx_get_dec(j, "input.data", "e", false, 2, &v, &e), 0); /* empty = absent */
  assert_int_equal(v, 77);
  assert_int_equal(jsonx_get_dec(j, "input.data", "e", true, 2, &v, &e), YB_EMISSING);
  assert_string_equal(e.field, "input.data.e");
  assert_int_equal(jsonx_get_dec(j, "input.data", "f", true, 2, &v, &e), YB_EINVAL);
  assert_string_equal(e.field, "input.data.f");
  assert_int_equal(jsonx_get_dec(j, "input.data", "g", true, 2, &v, &e), YB_EINVAL);
  assert_int_equal(jsonx_get_dec(j, "input.data", "h", true, 2, &v, &e), YB_EMISSING);
  assert_int_equal(jsonx_get_dec(j, "input.data", "i", true, 2, &v, &e), YB_EINVAL);
  assert_int_equal(jsonx_get_dec(j, "", "zz", true, 2, &v, &e), YB_EMISSING);
  assert_string_equal(e.field, "zz");
  json_decref(j);
}

static void test_strings_and_flags(void **state) {
  (void)state;
  json_t *j = parse("{\"opter_type\":1,\"t\":\"1\",\"long\":\"abcdefghij\",\"obj\":{}}");
  char buf[8];
  int64_t v;
  yb_err e = {0};
  assert_int_equal(jsonx_get_str(j, "", "opter_type", true, buf, sizeof buf, &e), 0);
  assert_string_equal(buf, "1");
  assert_int_equal(jsonx_get_int(j, "", "t", true, &v, &e), 0);
  assert_int_equal(v, 1);
  assert_int_equal(jsonx_get_str(j, "", "long", true, buf, sizeof buf, &e), YB_ERANGE);
  assert_int_equal(jsonx_get_str(j, "", "obj", true, buf, sizeof buf, &e), YB_ETYPE);
  json_decref(j);
}

static void test_dates(void **state) {
  (void)state;
  int32_t d, s;
  assert_int_equal(jsonx_parse_date("2024-03-15 09:30:12", &d, &s), 0);
  assert_int_equal(d, 20240315);
  assert_int_equal(s, 9 * 3600 + 30 * 60 + 12);
  assert_int_equal(jsonx_parse_date("2024-03-15T09:30:12", &d, &s), 0);
  assert_int_equal(d, 20240315);
  assert_int_equal(jsonx_parse_date("2024/3/5 9:05:01", &d, &s), 0);
  assert_int_equal(d, 20240305);
  assert_int_equal(s, 9 * 3600 + 5 * 60 + 1);
  assert_int_equal(jsonx_parse_date("2024-03-15", &d, NULL), 0);
  assert_int_equal(jsonx_parse_date("2024-02-29", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2023-02-29", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2024-13-01", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2024-03-15 25:00:00", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("15/03/2024", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2024-03-15x", &d, NULL), 0);
  /* the fast shape and its neighbours that take the scanf reading */
  assert_int_equal(jsonx_parse_date("2024-03-15 09:30:12.250", &d, &s), 0);
  assert_int_equal(s, 9 * 3600 + 30 * 60 + 12);
  assert_int_equal(jsonx_parse_date("2024/03/15 23:59:59", &d, &s), 0);
  assert_int_equal(d, 20240315);
  assert_int_equal(s, 86399);
  assert_int_equal(jsonx_parse_date("2024-03-15 9:30:12", &d, &s), 0);
  assert_int_equal(s, 9 * 3600 + 30 * 60 + 12);
  assert_int_not_equal(jsonx_parse_date("2024-03/15", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2024-03-15 09:30", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2024-03-15 09:60:00", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("2024-03-15T09:30:12Z", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("1899-12-31", &d, NULL), 0);
  assert_int_not_equal(jsonx_parse_date("", &d, NULL), 0);
  char b[11];
  assert_string_equal(jsonx_date_str(20240305, b), "2024-03-05");
}

static void test_money_out_exact(void **state) {
  (void)state;
  json_t *o = json_object();
  json_object_set_new(o, "a", jsonx_money(3498));
  json_object_set_new(o, "b", jsonx_money(99999999999999));
  json_object_set_new(o, "c", jsonx_ratio(8500));
  json_object_set_new(o, "d", jsonx_money(1));
  char *s = jsonx_dumps(o, JSON_COMPACT);
  assert_string_equal(s, "{\"a\":34.98,\"b\":999999999999.99,\"c\":0.85,\"d\":0.01}");
  free(s);
  json_decref(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amount_shapes), cmocka_unit_test(test_strings_and_flags),
      cmocka_unit_test(test_dates), cmocka_unit_test(test_money_out_exact)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
