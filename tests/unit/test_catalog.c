/* test_catalog.c — the item catalog: every field read exactly, O(1) lookup over many
 * items, and each bad entry refused naming its JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define FIXTURE "tests/unit/fixtures/catalog_small.json"

static void test_load_fields(void **state) {
  (void)state;
  catalog *c;
  yb_err e;
  char buf[512];
  if (catalog_load(FIXTURE, &c, &e) != 0) fail_msg("%s", yb_err_text(&e, buf, sizeof buf));
  assert_int_equal(catalog_count(c), 5);

  const catalog_item *a = catalog_find(c, "XA10BAE021A001010100000");
  assert_non_null(a);
  assert_string_equal(a->name, "二甲双胍片");
  assert_int_equal(a->lv, CATALOG_LV_A);
  assert_int_equal(a->chrgitm_type, 9);
  assert_int_equal(a->list_type, 101);
  assert_int_equal(a->selfpay_bp, 0);
  assert_int_equal(a->price_limit[0], 350000); /* 0.35 yuan in micro-yuan */
  assert_int_equal(a->price_limit[2], 0);
  assert_true(a->bas_medn_flag);
  assert_false(a->hi_nego_drug_flag);
  assert_string_equal(a->ingredient, "MET");
  assert_int_equal(a->max_days, 30);
  assert_int_equal(a->age_min, -1);
  assert_int_equal(a->age_max, -1);
  assert_int_equal(a->gend, 0);
  assert_int_equal(a->scope, CATALOG_SCOPE_ANY);

  const catalog_item *b = catalog_find(c, "XC09AAE052A001010100000");
  assert_int_equal(b->lv, CATALOG_LV_B);
  assert_int_equal(b->selfpay_bp, 1000);
  assert_int_equal(b->price_limit[0], 2500000);
  assert_int_equal(b->price_limit[1], 0);
  assert_int_equal(b->price_limit[3], 2800000);
  assert_true(b->hi_nego_drug_flag);
  assert_true(b->lmt_used_flag);
  assert_int_equal(b->n_ind, 2);
  assert_string_equal(b->indications[1], "I11");

  const catalog_item *s = catalog_find(c, "001102000010000");
  assert_int_equal(s->lv, CATALOG_LV_A);
  assert_int_equal(s->chrgitm_type, 5);
  assert_int_equal(s->list_type, 201);
  assert_int_equal(s->price_limit[0], 0);
  assert_int_equal(s->price_limit[2], 12500000);
  assert_int_equal(s->hosp_lv_min, 1);
  assert_int_equal(s->scope, CATALOG_SCOPE_OUTPATIENT);

  const catalog_item *k = catalog_find(c, "C1234");
  assert_int_equal(k->lv, CATALOG_LV_B);
  assert_int_equal(k->selfpay_bp, 500);
  assert_int_equal(k->age_min, 0);
  assert_int_equal(k->age_max, 14);
  assert_int_equal(k->gend, 2);
  assert_true(k->chld_medc_flag);
  assert_false(k->list_sp_item_flag);
  assert_int_equal(k->scope, CATALOG_SCOPE_INPATIENT);

  const catalog_item *z = catalog_find(c, "Z999");
  assert_int_equal(z->lv, CATALOG_LV_C);
  assert_true(z->acct_excluded);

  assert_null(catalog_find(c, "Z99"));
  assert_null(catalog_find(c, ""));
  assert_ptr_equal(catalog_at(c, 4), z);
  assert_null(catalog_at(c, 5));
  catalog_free(c);
}

static void test_many_items(void **state) {
  (void)state;
  enum { N = 50000 };
  catalog_item *items = calloc(N, sizeof *items);
  assert_non_null(items);
  for (int i = 0; i < N; i++) {
    snprintf(items[i].code, sizeof items[i].code, "X%07d", i * 7);
    items[i].lv = (uint8_t)(1 + i % 3);
    items[i].max_days = i;
  }
  catalog *c;
  yb_err e;
  assert_int_equal(catalog_from_items(items, N, &c, &e), 0);
  free(items); /* copied */
  assert_int_equal(catalog_count(c), N);
  for (int i = 0; i < N; i++) {
    char code[16];
    snprintf(code, sizeof code, "X%07d", i * 7);
    const catalog_item *it = catalog_find(c, code);
    assert_non_null(it);
    assert_int_equal(it->max_days, i);
    assert_ptr_equal(it, catalog_at(c, (size_t)i));
    snprintf(code, sizeof code, "X%07d", i * 7 + 1);
    assert_null(catalog_find(c, code));
  }
  catalog_free(c);

  assert_int_equal(catalog_from_items(NULL, 0, &c, &e), 0);
  assert_int_equal(catalog_count(c), 0);
  assert_null(catalog_find(c, "X"));
  catalog_free(c);
}

static void test_from_items_errors(void **state) {
  (void)state;
  catalog_item items[3];
  memset(items, 0, sizeof items);
  strcpy(items[0].code, "A");
  strcpy(items[1].code, "B");
  strcpy(items[2].code, "A");
  items[0].lv = items[1].lv = items[2].lv = CATALOG_LV_A;
  catalog *c = (catalog *)1;
  yb_err e;
  assert_int_equal(catalog_from_items(items, 3, &c, &e), YB_EINVAL);
  assert_null(c);
  assert_string_equal(e.field, "items[2].code");
  assert_non_null(strstr(e.msg, "items[0]"));
  strcpy(items[2].code, "C");
  items[1].lv = 0;
  assert_int_equal(catalog_from_items(items, 3, &c, &e), YB_EINVAL);
  assert_string_equal(e.field, "items[1]");
  items[1].lv = CATALOG_LV_B;
  items[0].code[0] = 0;
  assert_int_equal(catalog_from_items(items, 3, &c, &e), YB_EINVAL);
  assert_string_equal(e.field, "items[0]");
}

/* One bad entry per case, placed as the second item after a good one. */
static const struct bad_item {
  const char *item, *field;
  int code;
} bad_items[] = {
    {"{\"code\": \"A1\", \"name\": \"dup\", \"lv\": \"01\", \"chrgitm_type\": \"09\"}", "items[1].code", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"04\", \"chrgitm_type\": \"09\"}", "items[1].lv", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"B\", \"chrgitm_type\": \"09\"}", "items[1].lv", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": 2.5, \"chrgitm_type\": \"09\"}", "items[1].lv", YB_ETYPE},
    {"{\"code\": \"B\", \"name\": \"n\", \"chrgitm_type\": \"09\"}", "items[1].lv", YB_EMISSING},
    {"{\"code\": \"B\", \"lv\": \"01\", \"chrgitm_type\": \"09\"}", "items[1].name", YB_EMISSING},
    {"{\"code\": \"\", \"name\": \"n\", \"lv\": \"01\", \"chrgitm_type\": \"09\"}", "items[1].code", YB_EMISSING},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"01\"}", "items[1].chrgitm_type", YB_EMISSING},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"01\", \"chrgitm_type\": \"15\"}", "items[1].chrgitm_type", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"01\", \"chrgitm_type\": \"09\", \"colour\": 1}", "items[1].colour",
     YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"01\", \"chrgitm_type\": \"09\", \"selfpay_prop\": 0.1}",
     "items[1].selfpay_prop", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"selfpay_prop\": 1.2}",
     "items[1].selfpay_prop", YB_ERANGE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"price_limit\": 1.1234567}",
     "items[1].price_limit", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"price_limit\": {\"4\": 1}}",
     "items[1].price_limit.4", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"price_limit\": -1}",
     "items[1].price_limit", YB_ERANGE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"gend\": \"3\"}", "items[1].gend",
     YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"age_min\": 18, \"age_max\": 6}",
     "items[1].age_max", YB_ERANGE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"hosp_lv_min\": 4}",
     "items[1].hosp_lv_min", YB_ERANGE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"scope\": \"ward\"}", "items[1].scope",
     YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"lmt_used\": \"yes\"}",
     "items[1].lmt_used", YB_ETYPE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"indications\": \"I10\"}",
     "items[1].indications", YB_ETYPE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"indications\": [\"I10\", \"\"]}",
     "items[1].indications[1]", YB_EINVAL},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"max_days\": -1}", "items[1].max_days",
     YB_ERANGE},
    {"{\"code\": \"B\", \"name\": \"n\", \"lv\": \"02\", \"chrgitm_type\": \"09\", \"ingredient\": \"ABCDEFGHIJKLMNOPQ\"}",
     "items[1].ingredient", YB_ERANGE},
    {"[1]", "items[1]", YB_ETYPE},
};

static void test_bad_items(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_items / sizeof bad_items[0]; i++) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"format\": \"yibao-catalog/1\", \"items\": [{\"code\": \"A1\", \"name\": \"ok\", \"lv\": \"01\", "
             "\"chrgitm_type\": \"09\"}, %s]}",
             bad_items[i].item);
    catalog *c = (catalog *)1;
    yb_err e;
    yb_err_clear(&e);
    int rc = catalog_load_text(text, strlen(text), &c, &e);
    if (rc != bad_items[i].code || strcmp(e.field, bad_items[i].field) != 0)
      fail_msg("case %zu: got %d at '%s' (%s), want %d at '%s'", i, rc, e.field, e.msg, bad_items[i].code,
               bad_items[i].field);
    assert_null(c);
    assert_true(e.msg[0] != 0);
  }
}

static void test_file_errors(void **state) {
  (void)state;
  catalog *c;
  yb_err e;
  const char *t1 = "{\"format\": \"yibao-catalog/2\", \"items\": []}";
  assert_int_equal(catalog_load_text(t1, strlen(t1), &c, &e), YB_EINVAL);
  assert_string_equal(e.field, "format");
  const char *t2 = "{\"format\": \"yibao-catalog/1\"}";
  assert_int_equal(catalog_load_text(t2, strlen(t2), &c, &e), YB_EMISSING);
  assert_string_equal(e.field, "items");
  const char *t3 = "{\"format\": \"yibao-catalog/1\", \"items\": [], \"extra\": 1}";
  assert_int_equal(catalog_load_text(t3, strlen(t3), &c, &e), YB_EINVAL);
  assert_string_equal(e.field, "extra");
  const char *t4 = "{\"format\": \"yibao-catalog/1\", \"items\": [";
  assert_int_equal(catalog_load_text(t4, strlen(t4), &c, &e), YB_EPARSE);
  assert_int_equal(catalog_load("tests/unit/fixtures/no-such-file.json", &c, &e), YB_EIO);
  assert_null(c);
  const char *t5 = "{\"format\": \"yibao-catalog/1\", \"items\": [], \"note\": \"empty\"}";
  assert_int_equal(catalog_load_text(t5, strlen(t5), &c, &e), 0);
  assert_int_equal(catalog_count(c), 0);
  catalog_free(c);
}

static void test_long_name_cut_on_a_character(void **state) {
  (void)state;
  char text[1024], name[400] = "";
  for (int i = 0; i < 40; i++) strcat(name, "药"); /* 120 bytes of 3-byte characters */
  snprintf(text, sizeof text,
           "{\"format\": \"yibao-catalog/1\", \"items\": [{\"code\": \"A\", \"name\": \"%s\", \"lv\": 1, "
           "\"chrgitm_type\": 9}]}",
           name);
  catalog *c;
  yb_err e;
  assert_int_equal(catalog_load_text(text, strlen(text), &c, &e), 0);
  const catalog_item *it = catalog_find(c, "A");
  assert_int_equal(strlen(it->name), 93); /* 31 whole characters fit in 95 bytes */
  assert_int_equal(strncmp(it->name, name, 93), 0);
  catalog_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_fields),      cmocka_unit_test(test_many_items),
      cmocka_unit_test(test_from_items_errors), cmocka_unit_test(test_bad_items),
      cmocka_unit_test(test_file_errors),      cmocka_unit_test(test_long_name_cut_on_a_character),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
