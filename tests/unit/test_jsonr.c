/* test_jsonr.c — the fast parser accepts only what json_loadb accepts, as the same tree (same
 * key order, types, values), declines the rest, and jsonr_loadb then gives jansson's error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsonr.h"

/* Whenever the fast path accepts, jansson accepts the same tree. Returns 1 if fast accepted. */
static int agree(const char *s, size_t n, size_t flags) {
  json_error_t je;
  json_t *f = jsonr_fast(s, n, flags), *j = json_loadb(s, n, flags, &je);
  int took = f != NULL;
  if (f) {
    if (!j) fprintf(stderr, "fast took what jansson refuses (%s): %.*s\n", je.text, (int)n, s);
    assert_non_null(j);
    char *a = json_dumps(f, JSON_COMPACT | JSON_ENCODE_ANY), *b = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (strcmp(a, b) || !json_equal(f, j)) fprintf(stderr, "fast: %s\njansson: %s\n", a, b);
    assert_string_equal(a, b);
    assert_true(json_equal(f, j));
    free(a), free(b);
  }
  json_decref(f), json_decref(j);
  return took;
}

static const char *const docs[] = {
    "{\"infno\":\"2201\",\"msgid\":\"H41150000001202403150930000000001\",\"mdtrtarea_admvs\":\"411500\","
    "\"insuplc_admdvs\":\"\",\"opter_type\":\"1\",\"input\":{\"data\":{\"psn_no\":\"41150000000000000001\","
    "\"begntime\":\"2024-03-15 09:30:00\",\"dr_name\":\"医生\",\"dept_name\":\"内科\"}}}",
    "{\"feedetail\":[{\"feedetl_sn\":\"1\",\"det_item_fee_sumamt\":37.00,\"cnt\":2,\"pric\":18.5,"
    "\"hosp_appr_flag\":0},{\"cnt\":-1,\"pric\":0.000001,\"x\":null,\"t\":true,\"f\":false}]}",
    " \t\r\n{ \"a\" : [ 1 , -2 , 3.25 , -0 , -0.0 , 0 , 123456789012345678 ] , \"b\" : { } , \"c\" : [ ] } \n",
    "{\"esc\":\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u4e2d\\u001f\",\"dup\":1,\"k\":2,\"dup\":3}",
    "[\"𝄞 é 中\",{\"\":\"\"},[[[]]]]",
    /* declined (exponents, surrogates, NUL, big numbers) but valid: jansson's tree */
    "{\"e\":1e5}", "{\"e\":1.5E-3}", "{\"s\":\"\\ud834\\udd1e\"}", "{\"n\":\"a\\u0000b\"}",
    "{\"big\":1234567890123456789}", "{\"big\":-9223372036854775808}", "{\"big\":99999999999999999999}",
    /* invalid */
    "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[01]", "[1.]", "[.5]", "[-]", "[+1]",
    "{\"a\":1}x", "{\"a\":1}{}", "\"str\"", "42", "true", "{'a':1}", "{\"a\":tru}", "{\"a\":nul}",
    "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
    "{\"a\":\"\\udc00\"}", "{\"a\":\"unterminated}", "[1 2]", "{\"a\" 1}", "\xef\xbb\xbf{}", "{\"a\":[}",
};

static void test_docs(void **state) {
  (void)state;
  int took = 0;
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    took += agree(docs[i], strlen(docs[i]), 0);
    agree(docs[i], strlen(docs[i]), JSON_ALLOW_NUL);
  }
  assert_int_equal(took, 5); /* the five plain documents take the fast path */
  /* a NUL byte inside the buffer, and the loader's result with errors */
  agree("{\"a\":1}\0", 8, 0);
  json_error_t je;
  json_t *v = jsonr_loadb("{\"a\":", 5, 0, &je);
  assert_null(v);
  assert_true(strlen(je.text) > 0);
  v = jsonr_loadb("{\"e\":1e5}", 9, 0, &je);
  assert_true(json_is_real(json_object_get(v, "e")));
  json_decref(v);
}

/* Random single-byte edits of valid documents never make the fast path disagree. */
static void test_mutations(void **state) {
  (void)state;
  static const char alphabet[] = "{}[]:,\"\\ -.0123456789eEtrufalsn\x01\x7f\x80\xc3\xa9\xe4";
  unsigned seed = 12345;
  char buf[1024];
  for (int it = 0; it < 60000; it++) {
    const char *d = docs[it % 5];
    size_t n = strlen(d);
    memcpy(buf, d, n);
    int edits = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 3;
    for (int k = 0; k < edits; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % n;
      seed = seed * 1103515245u + 12345u;
      char c = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
      int op = (int)((seed >> 4) % 3);
      if (op == 0) buf[at] = c;                                  /* replace */
      else if (op == 1 && n > 1) memmove(buf + at, buf + at + 1, n - at - 1), n--; /* delete */
      else if (n + 1 < sizeof buf) memmove(buf + at + 1, buf + at, n - at), buf[at] = c, n++; /* insert */
    }
    agree(buf, n, 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_docs), cmocka_unit_test(test_mutations)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
