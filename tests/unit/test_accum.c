/* test_accum.c — accumulators: add, get by period, apply and reverse exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "accum.h"

static void test_add_get_reverse(void **state) {
  (void)state;
  accum a = {0}, d = {0}, orig;
  accum_add(&a, 1, 0, 500);
  accum_add(&a, 2, 3, 70);
  orig = a;
  accum_add(&d, 1, 0, 120);
  accum_add(&d, 2, 3, 30);
  accum_add(&d, 2, 4, 10);
  accum_add(&d, 0, 0, 1);
  assert_int_equal(accum_apply(&a, &d, +1), 0);
  assert_int_equal(accum_get(&a, 1, 0), 620);
  assert_int_equal(accum_get(&a, 2, 3), 100);
  assert_int_equal(accum_get(&a, 2, 4), 10);
  assert_int_equal(accum_get(&a, 2, 5), 0);
  assert_int_equal(accum_get(&a, 0, 0), 1);
  assert_int_equal(accum_apply(&a, &d, -1), 0);
  accum_compact(&a);
  assert_true(accum_equal(&a, &orig));
  assert_int_equal(a.n, 2);
}

static void test_full(void **state) {
  (void)state;
  accum a = {0};
  for (int i = 0; i < ACCUM_MAX; i++) assert_int_equal(accum_add(&a, i, 0, 1), 0);
  assert_int_equal(accum_add(&a, ACCUM_MAX, 0, 1), -1);
  assert_int_equal(accum_add(&a, 3, 0, 1), 0); /* existing entry still updates */
  assert_int_equal(accum_get(&a, 3, 0), 2);
  assert_int_equal(accum_add(&a, ACCUM_MAX + 1, 0, 0), 0); /* zero delta never needs room */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_add_get_reverse), cmocka_unit_test(test_full)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
