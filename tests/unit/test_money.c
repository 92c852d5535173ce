/* test_money.c — exact amounts: rounding, parsing every client format, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "money.h"

static void test_mul_bp_half_up(void **state) {
  (void)state;
  assert_int_equal(money_mul_bp(4970000, 7000), 3479000);  /* (50000-300)×70% = 34790.00 */
  assert_int_equal(money_mul_bp(5830, 6000), 3498);        /* 58.30 × 0.6 = 34.98 */
  assert_int_equal(money_mul_bp(5, 5000), 3);              /* 0.025 → 0.03 half-up */
  assert_int_equal(money_mul_bp(3, 5000), 2);              /* 0.015 → 0.02 */
  assert_int_equal(money_mul_bp(1, 4999), 0);              /* 0.004999 → 0.00 */
  assert_int_equal(money_mul_bp(-5, 5000), -3);            /* symmetric for reversals */
  assert_int_equal(money_mul_bp(0, 9000), 0);
  assert_int_equal(money_mul_bp(INT64_C(999999999999999999), 10000), INT64_C(999999999999999999));
}

static void test_line_fen(void **state) {
  (void)state;
  assert_int_equal(money_line_fen(20000, 18500000), 3700); /* 2 × 18.50 = 37.00 */
  assert_int_equal(money_line_fen(3333, 1000000), 33);     /* 0.3333 × 1.00 = 0.3333 → 0.33 */
  assert_int_equal(money_line_fen(5000, 1000000), 50);
  assert_int_equal(money_line_fen(10000, 5), 0);           /* 0.000005 yuan */
  assert_int_equal(money_line_fen(10000, 5000), 1);        /* 0.005 → 0.01 */
}

static void test_parse(void **state) {
  (void)state;
  int64_t v;
  assert_int_equal(money_parse("12.0000", 2, &v), 0);
  assert_int_equal(v, 1200);
  assert_int_equal(money_parse("34.98", 2, &v), 0);
  assert_int_equal(v, 3498);
  assert_int_equal(money_parse("-0.5", 2, &v), 0);
  assert_int_equal(v, -50);
  assert_int_equal(money_parse("7", 2, &v), 0);
  assert_int_equal(v, 700);
  assert_int_equal(money_parse("18.500000", 6, &v), 0);
  assert_int_equal(v, 18500000);
  assert_int_equal(money_parse(".5", 2, &v), 0);
  assert_int_equal(v, 50);
  assert_int_not_equal(money_parse("12.345", 2, &v), 0); /* extra precision is refused */
  assert_int_not_equal(money_parse("1e2", 2, &v), 0);
  assert_int_not_equal(money_parse("", 2, &v), 0);
  assert_int_not_equal(money_parse("-", 2, &v), 0);
  assert_int_not_equal(money_parse("1.2.3", 2, &v), 0);
  assert_int_not_equal(money_parse("abc", 2, &v), 0);
  assert_int_not_equal(money_parse("99999999999999999999", 2, &v), 0);
}

static void test_from_double(void **state) {
  (void)state;
  int64_t v;
  assert_int_equal(money_from_double(34.98, 2, &v), 0);
  assert_int_equal(v, 3498);
  assert_int_equal(money_from_double(0.1 + 0.2, 2, &v), 0);
  assert_int_equal(v, 30);
  assert_int_equal(money_from_double(8650.0, 2, &v), 0);
  assert_int_equal(v, 865000);
  assert_int_equal(money_from_double(0.85, 4, &v), 0);
  assert_int_equal(v, 8500);
  assert_int_not_equal(money_from_double(12.345, 2, &v), 0);
  assert_int_not_equal(money_from_double(1e300, 2, &v), 0);
}

static void test_format(void **state) {
  (void)state;
  char b[32];
  assert_string_equal(money_fen_str(3498, b), "34.98");
  assert_string_equal(money_fen_str(-50, b), "-0.50");
  assert_string_equal(money_fen_str(0, b), "0.00");
  assert_string_equal(money_fen_str(3479000, b), "34790.00");
  assert_string_equal(money_bp_str(6000, b), "0.6");
  assert_string_equal(money_bp_str(8500, b), "0.85");
  assert_string_equal(money_bp_str(10000, b), "1.0");
  assert_string_equal(money_bp_str(5, b), "0.0005");
}

static void test_add_overflow(void **state) {
  (void)state;
  int64_t s;
  assert_int_equal(money_add(1, 2, &s), 0);
  assert_int_equal(s, 3);
  assert_int_equal(money_add(MONEY_FEN_MAX, 1, &s), -1);
  assert_int_equal(money_add(INT64_MAX, 1, &s), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mul_bp_half_up), cmocka_unit_test(test_line_fen),
      cmocka_unit_test(test_parse),          cmocka_unit_test(test_from_double),
      cmocka_unit_test(test_format),         cmocka_unit_test(test_add_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
