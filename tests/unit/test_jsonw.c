/* test_jsonw.c — jsonw_dumps gives json_dumps' exact bytes: amounts, odd reals, escapes, UTF-8,
 * key order and sorting, precisions, refusals; and the appenders build the same text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsonw.h"

/* Both dumps of v under flags are equal (or both NULL). */
static void same(json_t *v, size_t flags) {
  char *a = json_dumps(v, flags), *b = jsonw_dumps(v, flags);
  if (!a || !b) {
    assert_null(a);
    assert_null(b);
    return;
  }
  if (strcmp(a, b)) fprintf(stderr, "jansson: %s\njsonw:   %s\n", a, b);
  assert_string_equal(a, b);
  free(a), free(b);
}

static const size_t flag_sets[] = {
    JSON_COMPACT, JSON_COMPACT | JSON_REAL_PRECISION(15), JSON_COMPACT | JSON_SORT_KEYS,
    JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15), 0, JSON_REAL_PRECISION(10),
};

static void all_flags(json_t *v) {
  for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) same(v, flag_sets[i]);
  json_decref(v);
}

static void test_amounts(void **state) {
  (void)state;
  json_t *a = json_array();
  /* whole cents across the range, both signs, the binary-fraction ones and the others */
  for (int64_t k = -100000; k <= 100000; k += 7) json_array_append_new(a, json_real((double)k / 100.0));
  static const int64_t big[] = {999999999999LL, 1000000000000LL, 9999999999999LL, 123456789012345LL,
                                -999999999999LL, 1, 5, 10, 25, 50, 99, 100, 101, 3498, 4700};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
    json_array_append_new(a, json_real((double)big[i] / 100.0));
    json_array_append_new(a, json_real((double)big[i]));
  }
  /* micro-yuan prices, quantities at 1e-4, ratios in basis points */
  for (int64_t k = 1; k < 2000000; k = k * 3 + 1) json_array_append_new(a, json_real((double)k / 1e6));
  for (int64_t k = 1; k < 200000; k = k * 7 + 3) json_array_append_new(a, json_real((double)k / 1e4));
  all_flags(a);
}

static void test_odd_reals(void **state) {
  (void)state;
  static const double v[] = {0.0,    -0.0,  0.1 + 0.2, 1e15,   1e16,  1e22,  1e-5,  1.5e-7,
                             -2e-300, 1e300, 123456789.123456789, 0.1, 2.0 / 3, 1e15 - 1, 1e14 + 0.5,
                             3.0e-4, 99999999999.99, 0.005, 4.35, 1.005, -0.015};
  json_t *a = json_array();
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) json_array_append_new(a, json_real(v[i]));
  all_flags(a);
}

static void test_strings(void **state) {
  (void)state;
  json_t *o = json_object();
  json_object_set_new(o, "plain", json_string("abc"));
  json_object_set_new(o, "esc", json_string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f end"));
  json_object_set_new(o, "中文", json_string("急性上呼吸道感染 𝄞 é"));
  json_object_set_new(o, "3-byte edges", json_string("\xe0\xa0\x80 \xe1\x80\x80 \xec\xbf\xbf \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf"));
  json_object_set_new(o, "nul", json_stringn("a\0b", 3));
  json_object_set_new(o, "empty", json_string(""));
  json_object_set_new(o, "k\"ey", json_true());
  all_flags(o);
  /* invalid UTF-8 (only _nocheck can make it): both refuse */
  static const char *const bad[] = {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe4\xb8", "a\x80",
                                    "\xe1\x80", "\xe5\x80\x41", "\xef\xbf", "\xe0\x80\x80", "\xe9\xc0\x80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *x = json_pack("[o]", json_string_nocheck(bad[i]));
    same(x, JSON_COMPACT);
    json_decref(x);
  }
}

static void test_shapes(void **state) {
  (void)state;
  json_t *o = json_pack("{s:i,s:I,s:b,s:n,s:{},s:[],s:[i,[],{s:f}],s:s}", "z", 1, "a", (json_int_t)-9007199254740993LL,
                        "m", 0, "n", "e", "arr", "nest", 7, "x", 2.5, "last", "v");
  json_object_set_new(o, "b", json_integer(INT64_MIN));
  all_flags(o);
  /* many keys: sorted beyond the small stack array */
  json_t *big = json_object();
  for (int i = 0; i < 100; i++) {
    char k[16];
    snprintf(k, sizeof k, "k%d", (i * 37) % 100);
    json_object_set_new(big, k, json_integer(i));
  }
  all_flags(big);
  /* roots: scalars need JSON_ENCODE_ANY; indents fall back to jansson */
  json_t *s = json_string("x");
  same(s, JSON_COMPACT);
  same(s, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(s);
  json_t *r = json_pack("{s:[i,i]}", "a", 1, 2);
  same(r, JSON_INDENT(2));
  same(r, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref(r);
}

/* Sorted keys: the insertion sort of small objects and qsort of large ones, nested; and strings
 * long enough for the eight-byte scan, with an escape or a multibyte letter at every offset. */
static void test_sorted_and_long(void **state) {
  (void)state;
  for (int n = 1; n <= 70; n += 3) {
    json_t *o = json_object();
    unsigned x = 7u * (unsigned)n;
    for (int i = 0; i < n; i++) {
      char k[32];
      x = x * 1103515245u + 12345u;
      snprintf(k, sizeof k, "k%u_%d", (x >> 16) % 1000, i);
      json_object_set_new(o, k, i % 3 ? json_integer(i) : json_pack("{s:i,s:s,s:f}", "b", i, "a", k, "c", i / 7.0));
    }
    for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) same(o, flag_sets[f]);
    json_decref(o);
  }
  static const char *const odd[] = {"\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xe4\xb8\xad", "/", "~"};
  for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
    for (int at = 0; at < 40; at++) {
      char t[64];
      memset(t, 'a' + at % 26, sizeof t);
      size_t l = strlen(odd[k]);
      memcpy(t + at, odd[k], l);
      t[at + l + 17] = 0;
      json_t *a = json_pack("[s]", t);
      same(a, JSON_COMPACT);
      json_decref(a);
    }
}

static void test_appenders(void **state) {
  (void)state;
  json_t *out = json_pack("{s:f,s:s}", "amt", 34.98, "name", "张\"三");
  jsonw_buf b = {0};
  jsonw_raw(&b, "{\"k\":", 5);
  jsonw_str(&b, "a\nb");
  jsonw_raw(&b, ",\"output\":", 10);
  jsonw_value(&b, out, JSON_COMPACT | JSON_REAL_PRECISION(15));
  jsonw_raw(&b, "}", 1);
  char *t = jsonw_take(&b);
  json_t *whole = json_pack("{s:s,s:O}", "k", "a\nb", "output", out);
  char *want = json_dumps(whole, JSON_COMPACT | JSON_REAL_PRECISION(15));
  assert_string_equal(t, want);
  free(t), free(want);
  json_decref(whole);
  json_decref(out);
  /* a failure empties the buffer and yields NULL */
  jsonw_str(&b, "\xff");
  assert_null(jsonw_take(&b));
  assert_null(b.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amounts), cmocka_unit_test(test_odd_reals), cmocka_unit_test(test_strings),
      cmocka_unit_test(test_shapes),  cmocka_unit_test(test_appenders), cmocka_unit_test(test_sorted_and_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
