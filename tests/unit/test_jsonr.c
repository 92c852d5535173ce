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

/* The per-call arena: a request's tree parsed in it, changed with heap values, dumped, freed and
 * dropped, over and over; jansson text made outside it goes to free(); chunks are reused. Under
 * ASan (make asan) a free of arena memory reaching free(), or heap memory left unfreed, fails. */
static void test_arena(void **state) {
  (void)state;
  jsonr_arena_install();
  jsonr_arena_install(); /* twice is once */
  const char *doc = "{\"infno\":\"2204\",\"input\":{\"feedetail\":[{\"feedetl_sn\":\"1\",\"cnt\":1.5,"
                    "\"det_item_fee_sumamt\":\"12.30\",\"memo\":\"\\u4e2d\\n\"},{\"feedetl_sn\":\"2\",\"cnt\":2}]}}";
  char *want = NULL;
  size_t chunks = 0;
  for (int round = 0; round < 200; round++) {
    jsonr_arena a = {0};
    jsonr_arena *prev = jsonr_arena_use(&a);
    json_error_t je;
    json_t *root = jsonr_loadb(doc, strlen(doc), JSON_ALLOW_NUL, &je);
    json_t *big = json_array(); /* enough values to need more than one chunk */
    for (int i = 0; i < 1500; i++) json_array_append_new(big, json_stringn("0123456789abcdef0123456789", 26));
    assert_int_equal(jsonr_arena_use(prev), &a);
    assert_non_null(root);
    assert_non_null(a.chunks);
    /* outside the arena: heap values into the arena's tree, replaced arena values, a dump */
    json_t *in = json_object_get(root, "input");
    json_object_set_new(in, "added", json_pack("{s:s,s:[i,i]}", "k", "heap", "l", 1, 2));
    json_object_set_new(in, "feedetail", json_deep_copy(json_object_get(in, "feedetail")));
    json_array_append_new(big, json_string("heap too"));
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS); /* jansson's text: free() takes it */
    assert_non_null(text);
    if (!want) want = strdup(text);
    assert_string_equal(want, text);
    free(text);
    json_decref(big);
    json_decref(root);
    jsonr_arena_drop(&a);
    assert_null(a.chunks);
    if (round == 0) chunks = jsonr_arena_chunks();
  }
  assert_true(chunks >= 2);
  assert_int_equal(jsonr_arena_chunks(), chunks); /* every round reused the first round's chunks */
  assert_non_null(strstr(want, "\"added\":{\"k\":\"heap\""));
  free(want);
  /* a thread without an arena allocates from the heap even while others have theirs */
  json_t *h = json_string("plain");
  assert_string_equal(json_string_value(h), "plain");
  json_decref(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_docs), cmocka_unit_test(test_mutations),
                                     cmocka_unit_test(test_arena)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
