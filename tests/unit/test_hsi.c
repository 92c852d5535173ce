/* test_hsi.c — the envelope as real clients send it, replies, the three signing schemes
 * (vectors computed independently with Python's hmac/hashlib), and the nonce cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "hsi.h"

#define ENV_HEAD                                                                               \
  "\"msgid\":\"H41150000001202403150930120001\",\"mdtrtarea_admvs\":\"411500\","            \
  "\"insuplc_admdvs\":\"\",\"opter_type\":1,\"opter\":\"OP1\",\"fixmedins_code\":\"H41150000001\""

static int parse(const char *body, const char *path_infno, hsi_env *env, yb_err *e) {
  json_t *root = NULL, *input = NULL;
  int rc = hsi_parse(body, strlen(body), path_infno, &root, env, &input, e);
  if (!rc) assert_true(json_is_object(input));
  json_decref(root);
  return rc;
}

static void test_parse_variants(void **state) {
  (void)state;
  hsi_env env;
  yb_err e = {0};
  assert_int_equal(parse("{\"infno\":\"2203A\"," ENV_HEAD ",\"input\":{\"mdtrtinfo\":{}}}", "", &env, &e), 0);
  assert_string_equal(env.infno, "2203A");
  assert_string_equal(env.opter_type, "1");
  /* CRLF indentation, input as a JSON string, extra keys */
  assert_int_equal(parse("{\r\n  \"infno\": \"1101\",\r\n  " ENV_HEAD ",\r\n  \"hisVer\": 3,\r\n"
                         "  \"input\": \"{\\\"data\\\":{\\\"a\\\":1}}\"\r\n}", "", &env, &e), 0);
  /* infno only in the path */
  assert_int_equal(parse("{" ENV_HEAD ",\"input\":{}}", "2207", &env, &e), 0);
  assert_string_equal(env.infno, "2207");
}

static void test_parse_refusals(void **state) {
  (void)state;
  hsi_env env;
  yb_err e = {0};
  assert_int_equal(parse("{\"infno\":", "", &env, &e), YB_EPARSE);
  assert_string_equal(e.field, "body");
  assert_int_equal(parse("[]", "", &env, &e), YB_ETYPE);
  assert_int_equal(parse("{\"infno\":\"1101\"," ENV_HEAD ",\"input\":{}}", "2207", &env, &e), YB_EINVAL);
  assert_string_equal(e.field, "infno");
  assert_int_equal(parse("{\"infno\":\"1101\"," ENV_HEAD "}", "", &env, &e), YB_EMISSING);
  assert_string_equal(e.field, "input");
  assert_int_equal(parse("{\"infno\":\"1101\"," ENV_HEAD ",\"input\":[1]}", "", &env, &e), YB_ETYPE);
  assert_int_equal(parse("{\"infno\":\"1101\"," ENV_HEAD ",\"input\":\"nope\"}", "", &env, &e), YB_EPARSE);
  assert_string_equal(e.field, "input");
  assert_int_equal(parse("{\"infno\":\"1101\",\"msgid\":\"M 1\",\"mdtrtarea_admvs\":\"411500\","
                         "\"opter_type\":\"1\",\"opter\":\"a\",\"fixmedins_code\":\"H\",\"input\":{}}",
                         "", &env, &e), YB_EINVAL);
  assert_string_equal(e.field, "msgid");
  assert_int_equal(parse("{\"infno\":\"1101\",\"msgid\":\"M1\",\"mdtrtarea_admvs\":\"4115\","
                         "\"opter_type\":\"1\",\"opter\":\"a\",\"fixmedins_code\":\"H\",\"input\":{}}",
                         "", &env, &e), YB_EINVAL);
  assert_string_equal(e.field, "mdtrtarea_admvs");
  assert_int_equal(parse("{\"infno\":\"1101\",\"msgid\":\"M1\",\"mdtrtarea_admvs\":\"411500\","
                         "\"opter_type\":\"9\",\"opter\":\"a\",\"fixmedins_code\":\"H\",\"input\":{}}",
                         "", &env, &e), YB_EUNKNOWN_CODE);
  assert_string_equal(e.field, "opter_type");
  char deep[200] = "";
  for (int i = 0; i < 20; i++) strcat(deep, "[");
  for (int i = 0; i < 20; i++) strcat(deep, "]");
  assert_int_equal(parse(deep, "", &env, &e), YB_ELIMIT);
  assert_string_equal(e.field, "body");
  assert_non_null(strstr(e.msg, "deeper than 16"));
  /* the limit is exact: 16 levels parse (and fail on the envelope), 17 do not; in input too */
  char body[400], lv[64];
  for (int d = 15; d <= 17; d++) {
    int inner = d - 1; /* the body object is level 1 */
    memset(lv, '[', (size_t)inner), lv[inner] = 0;
    snprintf(body, sizeof body, "{\"infno\":\"1101\",\"x\":%s", lv);
    for (int i = 0; i < inner; i++) strcat(body, "]");
    strcat(body, "}");
    yb_err_clear(&e);
    assert_int_equal(parse(body, "", &env, &e), d <= 16 ? YB_EMISSING : YB_ELIMIT);
    assert_string_equal(e.field, d <= 16 ? "msgid" : "body");
  }
  snprintf(body, sizeof body, "{\"infno\":\"1101\",\"msgid\":\"M1\",\"mdtrtarea_admvs\":\"411500\",\"opter_type\":1,"
           "\"opter\":\"a\",\"fixmedins_code\":\"H\",\"input\":\"{\\\"a\\\":%s%s}\"}",
           "[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]");
  yb_err_clear(&e);
  assert_int_equal(parse(body, "", &env, &e), YB_ELIMIT);
  assert_string_equal(e.field, "input");
  assert_int_equal(hsi_json_depth("{\"a\":\"[[[[\"}", 11), 1); /* brackets in strings do not count */
}

/* SHA-256 on the cached digest: FIPS 180-2 vectors, and many lengths against SHA256() itself. */
static void test_sha256(void **state) {
  (void)state;
  char out[65];
  hsi_sha256_hex("abc", 3, out);
  assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  hsi_sha256_hex("", 0, out);
  assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  char buf[300];
  for (size_t n = 0; n < sizeof buf; n++) {
    buf[n] = (char)('a' + n % 26);
    unsigned char d[32];
    char want[65];
    SHA256((const unsigned char *)buf, n + 1, d);
    for (int i = 0; i < 32; i++) snprintf(want + 2 * i, 3, "%02x", d[i]);
    hsi_sha256_hex(buf, n + 1, out);
    assert_string_equal(out, want);
  }
}

static void test_reply_shape(void **state) {
  (void)state;
  json_t *out = json_pack("{s:f}", "hifp_pay", 34.98);
  char *t = hsi_reply("411500", 7, "20240315093012310", 0, "", out);
  json_t *j = json_loads(t, 0, NULL);
  assert_int_equal(json_integer_value(json_object_get(j, "infcode")), 0);
  assert_string_equal(json_string_value(json_object_get(j, "inf_refmsgid")), "411500202403150930120000000007");
  assert_int_equal(strlen(json_string_value(json_object_get(j, "respond_time"))), 17);
  assert_non_null(strstr(t, "34.98"));
  json_decref(j);
  free(t);
  t = hsi_reply("411500", 8, "20240315093012310", -1, "input.data.psn_no: required", NULL);
  j = json_loads(t, 0, NULL);
  assert_int_equal(json_integer_value(json_object_get(j, "infcode")), -1);
  assert_true(json_is_object(json_object_get(j, "output")));
  json_decref(j);
  json_decref(out);
  free(t);
  t = hsi_gateway_reply(401, "签名不一致!");
  assert_string_equal(t, "{\"code\":401,\"message\":\"签名不一致!\"}");
  free(t);
}

static void test_sign_vectors(void **state) {
  (void)state;
  char sig[160];
  hsi_sign_hmac("secret", "1700000000", "abc", "{\"a\":1}", 7, sig);
  assert_string_equal(sig, "44909f3aade33d9ad924c3a62d014fe9989b96548cb0aa7800c17903c4690c33");
  /* keys of one block and longer (hashed first), from Python's hmac too */
  char key[101];
  memset(key, 'k', 100), key[100] = 0;
  hsi_sign_hmac(key, "1700000000", "abc", "{\"a\":1}", 7, sig);
  assert_string_equal(sig, "67eb7428f4242d7f6e758e0653665589369971ccd6d33a535055a0b9f8342867");
  key[64] = 0;
  hsi_sign_hmac(key, "1700000000", "abc", "{\"a\":1}", 7, sig);
  assert_string_equal(sig, "fa7a9149d83b3e3ed4e64dee162727ec9aa0599b82a45af88a4ffa01f757416d");
  hsi_sign_tif("secret", "1700000000", "abc", sig);
  assert_string_equal(sig, "fdc48fe9d788109715ef6992d91898144cf86682942883a8ceec4dfebddb3d0f");
  hsi_sign_api("SK", "AK", "2207", "1710466212000", "1.0.0", sig);
  assert_string_equal(sig, "+PNn7lpjgINL41WtBfm1KKL6DrM=");
}

static void test_verify(void **state) {
  (void)state;
  hsi_auth a;
  memset(&a, 0, sizeof a);
  const char *who;
  assert_int_equal(hsi_auth_scheme(&a, &who), -1);
  strcpy(a.yb_code, "H1");
  strcpy(a.yb_ts, "1700000000");
  strcpy(a.yb_nonce, "abc");
  assert_int_equal(hsi_auth_scheme(&a, &who), -1); /* incomplete */
  hsi_sign_hmac("secret", a.yb_ts, a.yb_nonce, "{\"a\":1}", 7, a.yb_sig);
  assert_int_equal(hsi_auth_scheme(&a, &who), HSI_SCHEME_HMAC);
  assert_string_equal(who, "H1");
  assert_null(hsi_verify(&a, HSI_SCHEME_HMAC, "secret", "{\"a\":1}", 7, 1700000100));
  for (char *p = a.yb_sig; *p; p++) *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p); /* upper hex */
  assert_null(hsi_verify(&a, HSI_SCHEME_HMAC, "secret", "{\"a\":1}", 7, 1700000100));
  assert_string_equal(hsi_verify(&a, HSI_SCHEME_HMAC, "secret", "{\"a\":2}", 7, 1700000100), "签名不一致!");
  assert_string_equal(hsi_verify(&a, HSI_SCHEME_HMAC, "other", "{\"a\":1}", 7, 1700000100), "签名不一致!");
  assert_string_equal(hsi_verify(&a, HSI_SCHEME_HMAC, "secret", "{\"a\":1}", 7, 1700000000 + 301),
                      "签名时间戳超时!");
  strcpy(a.yb_ts, "17e8");
  assert_string_equal(hsi_verify(&a, HSI_SCHEME_HMAC, "secret", "{\"a\":1}", 7, 1700000000), "签名时间戳超时!");
  hsi_auth t;
  memset(&t, 0, sizeof t);
  strcpy(t.api_ak, "AK");
  strcpy(t.api_name, "2207");
  strcpy(t.api_version, "1.0.0");
  strcpy(t.api_ts, "1710466212000");
  strcpy(t.api_sig, "+PNn7lpjgINL41WtBfm1KKL6DrM=");
  assert_int_equal(hsi_auth_scheme(&t, &who), HSI_SCHEME_API);
  assert_null(hsi_verify(&t, HSI_SCHEME_API, "SK", "", 0, 1710466212 + 1700)); /* 30 minutes */
  assert_non_null(hsi_verify(&t, HSI_SCHEME_API, "SK", "", 0, 1710466212 + 1900));
}

static void test_nonces(void **state) {
  (void)state;
  hsi_nonces *n = hsi_nonces_new();
  assert_int_equal(hsi_nonce_seen(n, "H1", "a", 1000, 100), 0);
  assert_int_equal(hsi_nonce_seen(n, "H1", "a", 1000, 100), 1);
  assert_int_equal(hsi_nonce_seen(n, "H2", "a", 1000, 100), 0); /* per institution */
  assert_int_equal(hsi_nonce_seen(n, "H1", "a", 3000, 1001), 0); /* expired: the timestamp window refuses it anyway */
  char k[32];
  for (int i = 0; i < 100000; i++) { /* grows and prunes */
    snprintf(k, sizeof k, "n%d", i);
    assert_int_equal(hsi_nonce_seen(n, "H1", k, 5000 + i / 1000, 2000 + i / 1000), 0);
  }
  assert_int_equal(hsi_nonce_seen(n, "H1", "n99999", 9000, 2099), 1);
  for (int i = 0; i < 100000; i += 997) { /* each generation filled four tables: all are looked in */
    snprintf(k, sizeof k, "n%d", i);
    assert_int_equal(hsi_nonce_seen(n, "H1", k, 9000, 2099), 1);
  }
  hsi_nonces_free(n);
}

/* A nonce lives while its timestamp would still be accepted: timestamp + window + 1 s. */
static void test_nonce_until(void **state) {
  (void)state;
  hsi_auth a;
  memset(&a, 0, sizeof a);
  strcpy(a.yb_ts, "1000");
  assert_int_equal(hsi_nonce_until(&a, HSI_SCHEME_HMAC, 1100), 1000 + HSI_TS_WINDOW + 1);
  strcpy(a.tif_ts, "1200");
  assert_int_equal(hsi_nonce_until(&a, HSI_SCHEME_TIF, 1100), 1200 + HSI_TS_WINDOW + 1);
  strcpy(a.api_ts, "1000999"); /* milliseconds */
  assert_int_equal(hsi_nonce_until(&a, HSI_SCHEME_API, 1100), 1000 + HSI_TS_WINDOW_API + 1);
  strcpy(a.yb_ts, "x"); /* not verified: the longest life, as before */
  assert_int_equal(hsi_nonce_until(&a, HSI_SCHEME_HMAC, 1100), 1100 + 2 * HSI_TS_WINDOW);
}

/* Nonces living an hour (scheme api) beside ones living ten minutes, over two simulated hours
 * at 50 a second: every new one accepted, every live one refused, across the generations the
 * table drops as they expire. */
static void test_nonces_over_time(void **state) {
  (void)state;
  hsi_nonces *n = hsi_nonces_new();
  assert_non_null(n);
  char k[32];
  for (int64_t t = 100000; t < 100000 + 7200; t++)
    for (int j = 0; j < 50; j++) {
      snprintf(k, sizeof k, "%lld-%d", (long long)t, j);
      int64_t life = j % 5 ? 2 * HSI_TS_WINDOW : 2 * HSI_TS_WINDOW_API;
      assert_int_equal(hsi_nonce_seen(n, "H1", k, t + life, t), 0);
      if (j == 7 && t >= 100000 + 590) { /* a ten-minute one from 590 s ago: still live */
        snprintf(k, sizeof k, "%lld-%d", (long long)(t - 590), 1);
        assert_int_equal(hsi_nonce_seen(n, "H1", k, t + 600, t), 1);
      }
      if (j == 9 && t >= 100000 + 3590) { /* an hour-long one from 3 590 s ago: still live */
        snprintf(k, sizeof k, "%lld-%d", (long long)(t - 3590), 0);
        assert_int_equal(hsi_nonce_seen(n, "H1", k, t + 600, t), 1);
      }
      if (j == 11 && t >= 100000 + 610) { /* a ten-minute one from 610 s ago: expired */
        snprintf(k, sizeof k, "%lld-%d", (long long)(t - 610), 2);
        assert_int_equal(hsi_nonce_seen(n, "H1", k, t + 600, t), 0);
      }
    }
  hsi_nonces_free(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_variants), cmocka_unit_test(test_parse_refusals),
      cmocka_unit_test(test_reply_shape),   cmocka_unit_test(test_sha256),   cmocka_unit_test(test_sign_vectors),
      cmocka_unit_test(test_verify),        cmocka_unit_test(test_nonces), cmocka_unit_test(test_nonces_over_time), cmocka_unit_test(test_nonce_until),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
