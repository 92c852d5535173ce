/* test_policy.c — policy files: a valid one loads and every lookup answers; the row
 * matcher on each condition; each kind of mistake is refused naming its JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "money.h"
#include "policy.h"

#define FIXTURE "tests/unit/fixtures/policy_small.json"

static json_t *fixture(void) {
  json_error_t je;
  json_t *root = json_load_file(FIXTURE, 0, &je);
  if (!root) fail_msg("%s: %s", FIXTURE, je.text);
  return root;
}

/* The value at a path like "schemes.390.benefits.inpatient.then[1]" (borrowed), or NULL. */
static json_t *at(json_t *root, const char *path) {
  char buf[256], *save = NULL;
  snprintf(buf, sizeof buf, "%s", path);
  json_t *v = root;
  for (char *tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
    char *br = strchr(tok, '[');
    if (br) *br = 0;
    v = json_object_get(v, tok);
    for (; br && v; br = strchr(br + 1, '[')) v = json_array_get(v, strtoul(br + 1, NULL, 10));
  }
  return v;
}

/* Set (value = JSON text) or delete (value = NULL) the last element of path. */
static void put(json_t *root, const char *path, const char *value) {
  char parent[256];
  snprintf(parent, sizeof parent, "%s", path);
  char *dot = strrchr(parent, '.'), *br = strrchr(parent, '[');
  json_t *nv = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;
  if (value) assert_non_null(nv);
  if (br && (!dot || br > dot)) { /* array element */
    *br = 0;
    json_t *arr = at(root, parent);
    size_t i = strtoul(br + 1, NULL, 10);
    assert_true(json_is_array(arr));
    if (!nv) json_array_remove(arr, i);
    else if (i == json_array_size(arr)) json_array_append_new(arr, nv);
    else json_array_set_new(arr, i, nv);
    return;
  }
  json_t *obj = dot ? (*dot = 0, at(root, parent)) : root;
  const char *key = dot ? dot + 1 : parent;
  assert_true(json_is_object(obj));
  if (nv) json_object_set_new(obj, key, nv);
  else json_object_del(obj, key);
}

static int load_json(json_t *root, policy **p, yb_err *e) {
  char *text = json_dumps(root, 0);
  int rc = policy_load_text(text, strlen(text), p, e);
  free(text);
  return rc;
}

static policy *load_fixture(void) {
  policy *p = NULL;
  yb_err e;
  char buf[512];
  yb_err_clear(&e);
  if (policy_load(FIXTURE, &p, &e) != 0) fail_msg("%s", yb_err_text(&e, buf, sizeof buf));
  return p;
}

static const policy_benefit *benefit(const policy *p, const char *insutype, const char *category) {
  const policy_scheme *s = policy_scheme_find(p, insutype);
  assert_non_null(s);
  const char *med = NULL;
  for (int i = 0; i < p->n_med_types; i++)
    if (strcmp(p->categories[p->med_types[i].id], category) == 0) med = p->med_types[i].code;
  assert_non_null(med);
  return policy_benefit_find(s, policy_category_of(p, med));
}

static void test_load_and_lookups(void **state) {
  (void)state;
  policy *p = load_fixture();
  assert_string_equal(p->region, "411500");
  assert_string_equal(p->region_name, "示例县");
  assert_int_equal(p->year, 2025);
  assert_string_equal(p->version, "2025.1");
  assert_int_equal(p->preselfpay_rounding, ROUND_LINE);
  assert_int_equal(p->n_schemes, 2);

  assert_int_equal(p->n_classes, 4);
  assert_string_equal(p->classes[policy_class_of(p, "12")], "retired");
  assert_string_equal(p->classes[policy_class_of(p, "1401")], "newborn");
  assert_true(p->psn_types[3].exempt_wait);
  assert_int_equal(policy_class_of(p, "99"), -1);

  bool special = false;
  const char *idet[] = {"9999", "2304"};
  uint32_t g = policy_groups_of(p, idet, 2, &special);
  assert_int_equal(g, 1u << 0); /* tekun is the first group named */
  assert_true(special);
  const char *vet[] = {"2399"};
  assert_int_equal(policy_groups_of(p, vet, 1, &special), 1u << 2);
  assert_false(special);
  assert_int_equal(policy_groups_of(p, NULL, 0, NULL), 0);

  int inp = policy_category_of(p, "2101");
  assert_int_equal(inp, policy_category_of(p, "21"));
  assert_string_equal(p->categories[inp], "inpatient");
  assert_int_equal(policy_category_of(p, "99"), -1);

  const policy_scheme *s = policy_scheme_find(p, "390");
  assert_string_equal(s->name, "城乡居民基本医疗保险");
  assert_string_equal(s->fund_pay_type, "390100");
  assert_null(policy_scheme_find(p, "320"));
  const policy_benefit *b = policy_benefit_find(s, inp);
  assert_string_equal(b->category, "inpatient");
  assert_string_equal(b->path, "schemes.390.benefits.inpatient");
  assert_true(b->admission);
  assert_null(policy_benefit_find(policy_scheme_find(p, "310"), policy_category_of(p, "9901")));
  assert_null(policy_benefit_find(s, -1));
  assert_null(policy_benefit_find(s, 31));

  assert_string_equal(p->buckets[0], "admissions");
  assert_int_equal(policy_bucket_find(p, "admissions"), 0);
  assert_int_equal(policy_bucket_find(p, "pool"), b->pool.cap.bucket);
  assert_int_equal(policy_bucket_find(p, "nope"), -1);
  /* the same name in two places is the same accumulator */
  assert_int_equal(benefit(p, "310", "inpatient")->pool.cap.bucket, b->pool.cap.bucket);
  policy_free(p);
}

static void test_values(void **state) {
  (void)state;
  policy *p = load_fixture();
  const policy_benefit *b = benefit(p, "390", "inpatient");
  const policy_pool *pool = &b->pool;
  assert_true(pool->present);
  assert_int_equal(pool->deductible.per, DEDUCT_PER_VISIT);
  assert_int_equal(pool->deductible.bucket, -1);
  assert_int_equal(pool->deductible.rows.n, 4);
  assert_int_equal(pool->deductible.rows.rows[2].amount, 50000);
  assert_int_equal(pool->deductible.rows.rows[3].amount, 100000); /* "1000.00" */
  assert_string_equal(pool->deductible.rows.rows[2].path, "schemes.390.benefits.inpatient.deductible.rows[2]");
  assert_int_equal(pool->ratio.rows[0].ratio, 9000);
  assert_int_equal(pool->ratio.rows[1].ratio, 7000);
  assert_int_equal(pool->band_bucket, -1);
  assert_int_equal(pool->ratio_cut.rows[0].share, 1000);
  assert_string_equal(pool->first_selfpay.rows[0].path, "schemes.390.benefits.inpatient.first_selfpay[0]");
  assert_int_equal(pool->first_selfpay.rows[0].share, 2000);
  assert_int_equal(pool->cap.kind, CAP_PAYMENT);
  assert_int_equal(pool->cap.period, CAP_PERIOD_YEAR);
  assert_int_equal(pool->cap.rows.rows[0].amount, 20000000);
  assert_int_equal(pool->copay.n, 0);

  const policy_scheme *s = policy_scheme_find(p, "390");
  assert_int_equal(b->n_then, 3);
  assert_string_equal(s->layers[b->then[0]].name, "hifmi");
  assert_string_equal(s->layers[b->then[1]].name, "maf");
  assert_string_equal(s->layers[b->then[2]].name, "tilt");

  const policy_layer *hifmi = &s->layers[b->then[0]];
  assert_int_equal(hifmi->kind, LAYER_BANDED);
  assert_int_equal(hifmi->payer, PAYER_HIFMI);
  assert_string_equal(hifmi->fund_pay_type, "390200");
  assert_string_equal(hifmi->path, "schemes.390.layers.hifmi");
  assert_int_equal(hifmi->covers, BURDEN_INSCP);
  assert_int_equal(hifmi->base, BURDEN_INSCP);
  assert_true(hifmi->base_deductible);
  assert_int_equal(hifmi->base_bucket, policy_bucket_find(p, "hifmi_base"));
  assert_false(hifmi->per_visit || hifmi->band_whole || hifmi->band_on_total);
  assert_int_equal(hifmi->banded.rows[1].amount, 1500000);
  assert_int_equal(hifmi->banded.rows[1].n_bands, 2);
  assert_int_equal(hifmi->banded.rows[1].bands[1].from, 10000000);
  assert_int_equal(hifmi->banded.rows[1].bands[1].ratio, 7000);
  assert_true(hifmi->cap.rows.rows[0].no_cap);
  assert_int_equal(hifmi->incentive_ceiling, 2000);

  const policy_layer *maf = &s->layers[b->then[1]];
  assert_int_equal(maf->kind, LAYER_RATIO);
  assert_int_equal(maf->payer, PAYER_MAF);
  assert_int_equal(maf->applies.group_mask, 3u); /* tekun | dibao */
  assert_int_equal(maf->deductible.per, DEDUCT_PER_YEAR);
  assert_int_equal(maf->deductible.bucket, policy_bucket_find(p, "maf_ded"));
  assert_int_equal(maf->ratio.rows[0].ratio, 8000);

  const policy_layer *tilt = &s->layers[b->then[2]];
  assert_true(tilt->per_visit && tilt->band_whole && tilt->band_on_total);
  assert_int_equal(tilt->base_bucket, -1);
  assert_int_equal(tilt->covers, BURDEN_INSCP | BURDEN_PRE);

  const policy_benefit *op = benefit(p, "390", "outpatient");
  assert_int_equal(op->pool.deductible.per, DEDUCT_PER_YEAR);
  assert_int_equal(op->pool.band_bucket, policy_bucket_find(p, "op_inscp"));
  assert_int_equal(op->pool.ratio.rows[0].n_bands, 2);
  assert_int_equal(op->pool.ratio.rows[0].bands[1].from, 20000);
  assert_int_equal(op->pool.cap.kind, CAP_EXPENSE);
  assert_int_equal(op->pool.copay.rows[0].amount, 1000);

  const policy_benefit *ch = benefit(p, "390", "chronic");
  assert_true(ch->needs_disease);
  assert_false(ch->pool.present);
  assert_int_equal(ch->n_diseases, 2);
  assert_string_equal(ch->diseases[0].code, "I10");
  assert_string_equal(ch->diseases[0].name, "高血压");
  assert_int_equal(ch->diseases[0].pool.cap.period, CAP_PERIOD_MONTH);
  assert_int_equal(ch->diseases[1].pool.deductible.rows.rows[0].share, 1000);
  assert_int_equal(ch->diseases[1].pool.deductible.rows.rows[0].floor, 10000);
  assert_int_equal(ch->diseases[1].pool.deductible.rows.rows[0].ceiling, 50000);
  assert_string_equal(ch->diseases[1].pool.cap.rows.rows[1].path, "schemes.390.benefits.chronic.diseases.C00.cap.rows[1]");

  const policy_benefit *ph = benefit(p, "310", "pharmacy");
  assert_false(ph->pool.present);
  const policy_layer *acct = &policy_scheme_find(p, "310")->layers[ph->then[0]];
  assert_int_equal(acct->kind, LAYER_ACCT);
  assert_int_equal(acct->payer, PAYER_ACCT);
  assert_true(acct->family);
  assert_int_equal(acct->covers, BURDEN_INSCP | BURDEN_PRE | BURDEN_OUT);
  policy_free(p);
}

static policy_when any_when(void) {
  policy_when w;
  memset(&w, 0, sizeof w);
  w.xprov = w.cvlserv = -1;
  w.age_min = w.age_max = -1;
  return w;
}

static const char ctx_dise[3][POLICY_CODE_LEN] = {"I10", "E11", "N18"};

static struct policy_ctx base_ctx(void) {
  return (struct policy_ctx){.psn_class_bit = 1u << 2, .groups = 1u << 1, .hosp_lv = 2, .area = AREA_LOCAL,
                             .xprov = 0, .cvlserv = 0, .nth = 2, .age = 45, .n_dise = 2, .dise = ctx_dise};
}

static void test_when_each_condition(void **state) {
  (void)state;
  struct policy_ctx c = base_ctx();
  policy_when w = any_when();
  assert_true(policy_when_holds(&w, &c));

#define HOLDS(field, value, expect) \
  do { w = any_when(); w.field = value; assert_int_equal(policy_when_holds(&w, &c), expect); } while (0)
  HOLDS(psn_class_mask, 1u << 2 | 1u << 5, true);
  HOLDS(psn_class_mask, 1u << 1, false);
  HOLDS(group_mask, 1u << 1 | 1u << 3, true);
  HOLDS(group_mask, 1u << 0, false);
  HOLDS(group_none, 1u << 0, true);
  HOLDS(group_none, 1u << 1, false);
  HOLDS(hosp_lv_mask, 1u << 2, true);
  HOLDS(hosp_lv_mask, 1u << 0 | 1u << 1, false);
  HOLDS(area_mask, 1u << AREA_LOCAL, true);
  HOLDS(area_mask, 1u << AREA_UNFILED, false);
  HOLDS(xprov, 0, true);
  HOLDS(xprov, 1, false);
  HOLDS(cvlserv, 0, true);
  HOLDS(cvlserv, 1, false);
  HOLDS(nth_min, 2, true);
  HOLDS(nth_min, 3, false);
  HOLDS(nth_max, 2, true);
  HOLDS(nth_max, 1, false);
  HOLDS(age_min, 45, true);
  HOLDS(age_min, 46, false);
  HOLDS(age_max, 45, true);
  HOLDS(age_max, 44, false);
  HOLDS(age_min, 0, true);
#undef HOLDS

  w = any_when();
  w.n_dise_any = 2;
  strcpy(w.dise_any[0], "C00");
  strcpy(w.dise_any[1], "E11");
  assert_true(policy_when_holds(&w, &c));
  strcpy(w.dise_any[1], "N18"); /* registered, but beyond the ctx's n_dise */
  assert_false(policy_when_holds(&w, &c));
  w = any_when();
  w.n_dise_all = 2;
  strcpy(w.dise_all[0], "I10");
  strcpy(w.dise_all[1], "E11");
  assert_true(policy_when_holds(&w, &c));
  strcpy(w.dise_all[1], "C00");
  assert_false(policy_when_holds(&w, &c));
  c.n_dise = 0;
  assert_false(policy_when_holds(&w, &c));

  /* out-of-range levels and areas never match a mask, but match "any" */
  c = base_ctx();
  c.hosp_lv = 9;
  w = any_when();
  assert_true(policy_when_holds(&w, &c));
  w.hosp_lv_mask = 0x0f;
  assert_false(policy_when_holds(&w, &c));
  /* xprov / cvlserv: any non-zero ctx value is "yes" */
  c = base_ctx();
  c.xprov = 1;
  w = any_when();
  w.xprov = 1;
  assert_true(policy_when_holds(&w, &c));
}

static void test_match_tables(void **state) {
  (void)state;
  policy *p = load_fixture();
  const policy_table *ded = &benefit(p, "390", "inpatient")->pool.deductible.rows;
  struct policy_ctx c = base_ctx();
  assert_int_equal(policy_match(ded, &c)->amount, 25000); /* level 2, second admission */
  c.nth = 1;
  assert_int_equal(policy_match(ded, &c)->amount, 50000);
  c.hosp_lv = 0;
  assert_int_equal(policy_match(ded, &c)->amount, 20000);
  c.hosp_lv = 3;
  assert_string_equal(policy_match(ded, &c)->path, "schemes.390.benefits.inpatient.deductible.rows[3]");

  const policy_scheme *s = policy_scheme_find(p, "390");
  const policy_layer *hifmi = &s->layers[0];
  bool special;
  const char *tk[] = {"2304"}, *vet[] = {"2399"};
  c.groups = policy_groups_of(p, tk, 1, &special);
  assert_int_equal(policy_match(&hifmi->banded, &c)->amount, 750000);
  assert_true(policy_match(&hifmi->cap.rows, &c)->no_cap);
  c.groups = policy_groups_of(p, vet, 1, &special);
  assert_int_equal(policy_match(&hifmi->banded, &c)->amount, 1500000);
  assert_int_equal(policy_match(&hifmi->cap.rows, &c)->amount, 40000000);
  assert_false(policy_when_holds(&s->layers[1].applies, &c)); /* maf: tekun or dibao only */

  /* ratio_cut has rows only for unfiled visits: elsewhere no row holds */
  const policy_table *cut = &benefit(p, "390", "inpatient")->pool.ratio_cut;
  assert_null(policy_match(cut, &c));
  c.area = AREA_UNFILED;
  assert_int_equal(policy_match(cut, &c)->share, 1000);

  /* 两病: both diseases, one, or neither */
  const policy_table *two = &benefit(p, "390", "two_diseases")->pool.cap.rows;
  c = base_ctx();
  assert_int_equal(policy_match(two, &c)->amount, 20000);
  c.n_dise = 1;
  assert_int_equal(policy_match(two, &c)->amount, 12000);
  c.n_dise = 0;
  assert_int_equal(policy_match(two, &c)->amount, 17000);

  /* employees: class, age and civil-servant rows */
  const policy_table *r = &benefit(p, "310", "inpatient")->pool.ratio;
  c = base_ctx();
  c.psn_class_bit = 1u << policy_class_of(p, "12");
  c.age = 72;
  assert_int_equal(policy_match(r, &c)->ratio, 9500);
  c.age = 65;
  assert_int_equal(policy_match(r, &c)->ratio, 9000);
  c.psn_class_bit = 1u << policy_class_of(p, "11");
  c.cvlserv = 1;
  c.groups = 0;
  assert_int_equal(policy_match(r, &c)->ratio, 8800);
  c.groups = policy_groups_of(p, vet, 1, NULL);
  assert_int_equal(policy_match(r, &c)->ratio, 8500);
  policy_free(p);
}

/* One mistake per case: (path to change, new JSON or NULL to delete) → (field named, code). */
static const struct bad_case {
  const char *path, *value, *field;
  int code;
} bad_cases[] = {
    {"schemes.390.name", NULL, "schemes.390.name", YB_EMISSING},
    {"format", NULL, "format", YB_EMISSING},
    {"format", "\"yibao-policy/2\"", "format", YB_EINVAL},
    {"region", "\"4115\"", "region", YB_EINVAL},
    {"region", "411500", "region", YB_ETYPE},
    {"year", "\"2025\"", "year", YB_ETYPE},
    {"schemes", "{}", "schemes", YB_EINVAL},
    {"regoin", "\"411500\"", "regoin", YB_EINVAL},
    {"schemes.390.benefits.inpatient.admission", "\"yes\"", "schemes.390.benefits.inpatient.admission", YB_ETYPE},
    {"schemes.390.benefits.inpatient.ratio.rows[1].ratio", "1.5", "schemes.390.benefits.inpatient.ratio.rows[1].ratio",
     YB_ERANGE},
    {"schemes.390.benefits.inpatient.ratio.rows[1].ratio", "0.12345", "schemes.390.benefits.inpatient.ratio.rows[1].ratio",
     YB_EINVAL},
    {"schemes.390.benefits.outpatient.ratio.rows[0].bands[1].from", "0",
     "schemes.390.benefits.outpatient.ratio.rows[0].bands[1].from", YB_EINVAL},
    {"schemes.390.benefits.outpatient.ratio.rows[0].bands[0].from", "10",
     "schemes.390.benefits.outpatient.ratio.rows[0].bands[0].from", YB_EINVAL},
    {"schemes.390.benefits.outpatient.ratio.band_bucket", NULL, "schemes.390.benefits.outpatient.ratio.band_bucket",
     YB_EMISSING},
    {"schemes.390.benefits.inpatient.then[1]", "\"mfa\"", "schemes.390.benefits.inpatient.then[1]", YB_EUNKNOWN_CODE},
    {"schemes.390.benefits.inpatient.deductible.rows[0].when.hosp_level", "1",
     "schemes.390.benefits.inpatient.deductible.rows[0].when.hosp_level", YB_EINVAL},
    {"schemes.390.benefits.inpatient.cap.rows[0].amount", "\"200000.125\"",
     "schemes.390.benefits.inpatient.cap.rows[0].amount", YB_EINVAL},
    {"schemes.390.benefits.inpatient.cap.rows[0].amount", "-1", "schemes.390.benefits.inpatient.cap.rows[0].amount",
     YB_ERANGE},
    {"schemes.390.benefits.inpatient.cap", NULL, "schemes.390.benefits.inpatient.cap", YB_EMISSING},
    {"schemes.390.benefits.inpatient.deductible", NULL, "schemes.390.benefits.inpatient.deductible", YB_EMISSING},
    {"schemes.390.benefits.inpatient.cap.bucket", NULL, "schemes.390.benefits.inpatient.cap.bucket", YB_EMISSING},
    {"schemes.390.benefits.inpatient.cap.kind", "\"paid\"", "schemes.390.benefits.inpatient.cap.kind", YB_EINVAL},
    {"schemes.390.benefits.inpatient.cap.bucket", "\"admissions\"", "schemes.390.benefits.inpatient.cap.bucket",
     YB_EINVAL},
    {"schemes.390.benefits.outpatient.deductible.bucket", NULL, "schemes.390.benefits.outpatient.deductible.bucket",
     YB_EMISSING},
    {"schemes.390.benefits.inpatient.deductible.bucket", "\"ded\"", "schemes.390.benefits.inpatient.deductible.bucket",
     YB_EINVAL},
    {"schemes.390.benefits.inpatient.deductible.rows[3].floor", "10",
     "schemes.390.benefits.inpatient.deductible.rows[3].floor", YB_EINVAL},
    {"schemes.390.benefits.inpatient.deductible.rows[3]", "{\"amount\": 1, \"share\": 0.1}",
     "schemes.390.benefits.inpatient.deductible.rows[3].share", YB_EINVAL},
    {"schemes.390.benefits.inpatient.deductible.rows[0]", "{\"amount\": 1}",
     "schemes.390.benefits.inpatient.deductible.rows[1]", YB_EINVAL}, /* unreachable after a default */
    {"schemes.390.benefits.inpatient.deductible.rows", "[]", "schemes.390.benefits.inpatient.deductible.rows",
     YB_EINVAL},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.psn_class", "\"retird\"",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.psn_class", YB_EUNKNOWN_CODE},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.group", "[\"tekun\", \"dibo\"]",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.group[1]", YB_EUNKNOWN_CODE},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.hosp_lv", "4",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.hosp_lv", YB_ERANGE},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.area", "[\"local\", \"abroad\"]",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.area[1]", YB_EINVAL},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.area", "[]",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.area", YB_EINVAL},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.nth_max", "0",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.nth_max", YB_ERANGE},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when", "{\"age_min\": 60, \"age_max\": 18}",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.age_max", YB_ERANGE},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when", "{\"special\": true, \"group\": \"tekun\"}",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.special", YB_EINVAL},
    {"schemes.390.benefits.inpatient.ratio.rows[0].when.dise_any", "[\"a\", \"b\", \"c\", \"d\", \"e\"]",
     "schemes.390.benefits.inpatient.ratio.rows[0].when.dise_any", YB_ERANGE},
    {"schemes.390.layers.maf.payer", "\"hifp_pay\"", "schemes.390.layers.maf.payer", YB_EINVAL},
    {"schemes.390.layers.maf.payer", "\"acct_pay\"", "schemes.390.layers.maf.payer", YB_EINVAL},
    {"schemes.310.layers.acct.payer", "\"oth_pay\"", "schemes.310.layers.acct.payer", YB_EINVAL},
    {"schemes.390.layers.maf.kind", "\"flat\"", "schemes.390.layers.maf.kind", YB_EINVAL},
    {"schemes.390.layers.maf.covers", "[\"inscp\", \"all\"]", "schemes.390.layers.maf.covers[1]", YB_EINVAL},
    {"schemes.390.layers.maf.rows", "[]", "schemes.390.layers.maf.rows", YB_EINVAL}, /* a banded key on a ratio layer */
    {"schemes.390.layers.hifmi.base_bucket", NULL, "schemes.390.layers.hifmi.base_bucket", YB_EMISSING},
    {"schemes.390.layers.tilt.base_bucket", "\"tilt_base\"", "schemes.390.layers.tilt.base_bucket", YB_EINVAL},
    {"schemes.390.layers.hifmi.rows[1].amount", NULL, "schemes.390.layers.hifmi.rows[1].amount", YB_EMISSING},
    {"schemes.390.layers.hifmi.fund_pay_type", "\"39O200\"", "schemes.390.layers.hifmi.fund_pay_type", YB_EINVAL},
    {"schemes.390.layers.spare", "{\"kind\": \"acct\", \"payer\": \"acct_pay\", \"covers\": [\"inscp\"]}",
     "schemes.390.layers.spare", YB_EINVAL}, /* in no benefit's then */
    {"schemes.390.benefits.inpatient.then[3]", "\"maf\"", "schemes.390.benefits.inpatient.then[3]", YB_EINVAL},
    {"schemes.390.benefits.inpatien", "{}", "schemes.390.benefits.inpatien", YB_EUNKNOWN_CODE},
    {"schemes.310.benefits.pharmacy.copay", "[{\"amount\": 5}]", "schemes.310.benefits.pharmacy.copay", YB_EINVAL},
    {"schemes.390.benefits.chronic.diseases.I10.ratio", NULL, "schemes.390.benefits.chronic.diseases.I10.ratio",
     YB_EMISSING},
    {"med_types.99", "\"dental\"", "med_types.99", YB_EINVAL},
    {"idet_types.2305", "{\"group\": \"tekun\"}", "idet_types.2305.group", YB_EINVAL}, /* special disagrees */
    {"psn_types.11", "{\"klass\": \"in_service\"}", "psn_types.11.klass", YB_EINVAL},
};

static void test_errors_name_the_path(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const struct bad_case *k = &bad_cases[i];
    json_t *root = fixture();
    put(root, k->path, k->value);
    policy *p = (policy *)1;
    yb_err e;
    yb_err_clear(&e);
    int rc = load_json(root, &p, &e);
    json_decref(root);
    if (rc != k->code || strcmp(e.field, k->field) != 0)
      fail_msg("case %zu (%s): got %d at '%s' (%s), want %d at '%s'", i, k->path, rc, e.field, e.msg, k->code, k->field);
    assert_null(p);
    assert_true(e.msg[0] != 0);
  }
}

static void test_comments_and_notes_pass(void **state) {
  (void)state;
  json_t *root = fixture();
  put(root, "note", "\"why\"");
  put(root, "notes", "[\"a\", \"b\"]");
  put(root, "_todo", "{\"anything\": 1}");
  put(root, "schemes.390.benefits.inpatient._why", "\"see seed 003\"");
  put(root, "schemes.390.benefits.inpatient.ratio.rows[0].when._was", "[0]");
  policy *p;
  yb_err e;
  assert_int_equal(load_json(root, &p, &e), 0);
  json_decref(root);
  policy_free(p);
}

static void test_malformed_json(void **state) {
  (void)state;
  policy *p;
  yb_err e;
  const char *t = "{\"format\": \"yibao-policy/1\",";
  assert_int_equal(policy_load_text(t, strlen(t), &p, &e), YB_EPARSE);
  assert_null(p);
  const char *dup = "{\"format\": \"yibao-policy/1\", \"format\": \"yibao-policy/1\"}";
  assert_int_equal(policy_load_text(dup, strlen(dup), &p, &e), YB_EPARSE);
  assert_non_null(strstr(e.msg, "duplicate"));
  assert_int_equal(policy_load("tests/unit/fixtures/no-such-file.json", &p, &e), YB_EIO);
  assert_int_equal(policy_check("tests/unit/fixtures/no-such-file.json", NULL), YB_EIO);
}

static void test_check_counts_all(void **state) {
  (void)state;
  json_t *root = fixture();
  put(root, "schemes.390.benefits.inpatient.ratio.rows[1].ratio", "1.5");
  put(root, "schemes.390.benefits.inpatient.then[1]", "\"mfa\"");
  put(root, "schemes.310.name", NULL);
  put(root, "schemes.390.benefits.inpatient.deductible.rows[0].when.hosp_level", "1");
  char path[] = "/tmp/test_policy_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(json_dump_file(root, path, 0), 0);
  json_decref(root);

  char *out = NULL;
  size_t len = 0;
  FILE *report = open_memstream(&out, &len);
  assert_int_equal(policy_check(path, report), 4);
  fclose(report);
  int lines = 0;
  for (char *c = out; *c; c++) lines += *c == '\n';
  assert_int_equal(lines, 4);
  assert_non_null(strstr(out, "schemes.390.benefits.inpatient.ratio.rows[1].ratio: "));
  assert_non_null(strstr(out, "schemes.390.benefits.inpatient.then[1]: unknown layer 'mfa'"));
  assert_non_null(strstr(out, "schemes.310.name: required"));
  assert_non_null(strstr(out, "when.hosp_level: unknown field"));

  /* policy_load stops at one of them and names it */
  policy *p;
  yb_err e;
  assert_int_not_equal(policy_load(path, &p, &e), 0);
  char first[512];
  snprintf(first, sizeof first, "%s: %s\n", e.field, e.msg);
  assert_non_null(strstr(out, first));
  free(out);
  unlink(path);

  assert_int_equal(policy_check(FIXTURE, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_and_lookups),     cmocka_unit_test(test_values),
      cmocka_unit_test(test_when_each_condition),  cmocka_unit_test(test_match_tables),
      cmocka_unit_test(test_errors_name_the_path), cmocka_unit_test(test_comments_and_notes_pass),
      cmocka_unit_test(test_malformed_json),       cmocka_unit_test(test_check_counts_all),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
