/* test_benefit_json.c — the texts the server stores and sends (SETLINFO amounts, SETLDETAIL,
 * FEE-RESULT rows, accumulator deltas, the trace), written straight as text by benefit_jw_*,
 * are byte for byte the dumps of benefit_json's trees: over every golden case in tests/cases,
 * over returns (negated rows), and over edge values; and jsonw_dec is jansson's real. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>

#include "benefit.h"
#include "benefit_json.h"
#include "jsonw.h"
#include "jsonx.h"

static void same_text(json_t *tree, char *text, const char *what, const char *file) {
  char *want = jsonx_dumps(tree, JSON_COMPACT);
  assert_non_null(want);
  assert_non_null(text);
  if (strcmp(want, text)) fprintf(stderr, "%s %s:\n tree: %s\n text: %s\n", file, what, want, text);
  assert_string_equal(want, text);
  free(want);
  free(text);
  json_decref(tree);
}

static void check_result(const policy *p, const benefit_result *r, const benefit_line *l,
                         const benefit_line_out *lo, int n, const char *file) {
  jsonw_buf b = {0};
  jsonw_obj o;
  jsonw_obj_open(&o, &b);
  benefit_jw_setlinfo(&o, r);
  jsonw_obj_close(&o);
  same_text(benefit_json_setlinfo(r), jsonw_take(&b), "setlinfo", file);
  benefit_jw_setldetail(&b, r);
  same_text(benefit_json_setldetail(r), jsonw_take(&b), "setldetail", file);
  benefit_jw_accum(&b, p, &r->delta);
  same_text(benefit_json_accum(p, &r->delta), jsonw_take(&b), "accum", file);
  same_text(benefit_json_trace(r), benefit_json_trace_text(r), "trace", file);
  static const char *const neg[] = {"det_item_fee_sumamt", "cnt", "fulamt_ownpay_amt", "overlmt_amt",
                                    "preselfpay_amt", "inscp_scp_amt", NULL};
  for (int i = 0; i < n; i++)
    for (int ret = 0; ret < 2; ret++) {
      json_t *t = benefit_json_fee_result(&l[i], &lo[i]);
      for (const char *const *k = neg; ret && *k; k++) { /* as api_settle.c negated a return's row */
        json_t *v = json_object_get(t, *k);
        if (json_real_value(v) != 0) json_real_set(v, -json_real_value(v));
      }
      benefit_jw_fee_result(&b, &l[i], &lo[i], ret);
      same_text(t, jsonw_take(&b), ret ? "fee result (return)" : "fee result", file);
    }
}

static int load_ref(json_t *ref, const char *dir, int is_pol, void **out, yb_err *e) {
  if (json_is_string(ref)) {
    char path[2100];
    snprintf(path, sizeof path, "%.1000s/%.1000s", dir, json_string_value(ref));
    return is_pol ? policy_load(path, (policy **)out, e) : catalog_load(path, (catalog **)out, e);
  }
  char *text = json_dumps(ref, JSON_COMPACT);
  int rc = is_pol ? policy_load_text(text, strlen(text), (policy **)out, e)
                  : catalog_load_text(text, strlen(text), (catalog **)out, e);
  free(text);
  return rc;
}

static void test_golden_cases(void **state) {
  (void)state;
  glob_t g;
  assert_int_equal(glob("tests/cases/*.json", 0, NULL, &g), 0);
  assert_true(g.gl_pathc >= 100);
  int settled = 0;
  for (size_t k = 0; k < g.gl_pathc; k++) {
    const char *file = g.gl_pathv[k];
    json_t *root = json_load_file(file, 0, NULL);
    assert_non_null(root);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", file);
    *strrchr(dir, '/') = 0;
    policy *p = NULL;
    catalog *c = NULL;
    yb_err e = {0};
    assert_int_equal(load_ref(json_object_get(root, "policy"), dir, 1, (void **)&p, &e), 0);
    assert_int_equal(load_ref(json_object_get(root, "catalog"), dir, 0, (void **)&c, &e), 0);
    benefit_person psn;
    benefit_visit v;
    accum acc;
    static benefit_line lines[BENEFIT_MAX_LINES];
    static benefit_line_out lo[BENEFIT_MAX_LINES];
    static benefit_result r;
    int n = 0;
    if (!benefit_json_person(json_object_get(root, "person"), "person", &psn, &e) &&
        !benefit_json_visit(json_object_get(root, "visit"), "visit", &v, &e) &&
        !benefit_json_accum_read(json_object_get(root, "accum"), "accum", p, &acc, &e) &&
        !benefit_json_lines(json_object_get(root, "feedetail"), "feedetail", c, lines, BENEFIT_MAX_LINES, &n, &e) &&
        !benefit_settle(p, &psn, &acc, &v, lines, n, lo, &r, &e)) {
      check_result(p, &r, lines, lo, n, file);
      settled++;
    }
    policy_free(p);
    catalog_free(c);
    json_decref(root);
  }
  globfree(&g);
  assert_true(settled >= 80); /* the refusal cases settle nothing */
}

/* Values the cases do not reach: big, negative, odd ratios and prices, a name jansson refuses. */
static void test_edges(void **state) {
  (void)state;
  benefit_result *r = calloc(1, sizeof *r);
  r->medfee_sumamt = 123456789012345LL; /* beyond printf-free digits */
  r->fulamt_ownpay_amt = -1;
  r->overlmt_selfpay = -100;
  r->preselfpay_amt = 99999999999999LL;
  r->pool_prop_selfpay = 1;
  r->pay[PAYER_HIFP] = 5;
  r->balc = -999999999999999LL;
  snprintf(r->clr_type, sizeof r->clr_type, "\xff");
  r->n_detail = 2;
  snprintf(r->detail[0].fund_pay_type, sizeof r->detail[0].fund_pay_type, "310100");
  r->detail[0].name = "统筹\xc0";
  r->detail[0].fund_payamt = 12;
  snprintf(r->detail[1].fund_pay_type, sizeof r->detail[1].fund_pay_type, "\xe4\xb8");
  r->detail[1].name = NULL;
  r->detail[1].inscp_scp_amt = 1000000000000000LL;
  benefit_line l = {0};
  benefit_line_out lo = {0};
  catalog_item it = {0};
  it.lv = 2, it.chrgitm_type = 9, it.bas_medn_flag = 1;
  l.item = &it;
  snprintf(l.feedetl_sn, sizeof l.feedetl_sn, "F\"1\\");
  l.cnt = 3;           /* 0.0003 */
  l.pric = 99;         /* below 1e-4 yuan: the exponent form */
  l.sumamt = 1;
  lo.pric_uplmt_amt = 123456789;
  lo.selfpay_prop = 10000;
  lo.inscp_scp_amt = -7;
  policy *p = NULL;
  yb_err e = {0};
  assert_int_equal(policy_load("policies/demo-county.json", &p, &e), 0);
  accum_add(&r->delta, 0, 0, 1);
  accum_add(&r->delta, 1, 3, -250);
  accum_add(&r->delta, 2, 0, 7);
  check_result(p, r, &l, &lo, 1, "edges");
  policy_free(p);
  free(r);
}

static void test_dec(void **state) {
  (void)state;
  static const long long vals[] = {0, 1, -1, 5, 10, 99, 100, 101, 12345, -12345, 99999, 100000, 1000000,
                                   123456789, 999999999999999LL, 1000000000000000LL, -1000000000000001LL,
                                   4503599627370497LL, 9223372036854775807LL};
  uint64_t x = 88172645463325252ULL;
  for (int s = 0; s <= 6; s++)
    for (int i = 0; i < 20000; i++) {
      long long v = i < (int)(sizeof vals / sizeof vals[0]) ? vals[i] : 0;
      if (i >= (int)(sizeof vals / sizeof vals[0])) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v = (long long)(x % (i % 3 ? 100000000ULL : 100000000000000000ULL)) * (x & 1 ? -1 : 1);
      }
      static const double d10[] = {1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0};
      json_t *t = json_pack("[f]", (double)v / d10[s]);
      jsonw_buf b = {0};
      jsonw_raw(&b, "[", 1);
      jsonw_dec(&b, v, s);
      jsonw_raw(&b, "]", 1);
      same_text(t, jsonw_take(&b), "dec", "jsonw_dec");
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_golden_cases),
      cmocka_unit_test(test_edges),
      cmocka_unit_test(test_dec),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
