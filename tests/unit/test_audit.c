/* test_audit.c — the audit engine: every rule type with a positive and a negative example on a
 * small hand-made region, rule files checked with JSON paths in errors, the shipped rules/ load,
 * and the credit score. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- a small catalog ------------------------------------------------------------------------------ */
static catalog *cat;

static catalog_item item(const char *code, const char *name, int type, int list) {
  catalog_item it;
  memset(&it, 0, sizeof it);
  snprintf(it.code, sizeof it.code, "%s", code);
  snprintf(it.name, sizeof it.name, "%s", name);
  it.lv = CATALOG_LV_A;
  it.chrgitm_type = (uint8_t)type;
  it.list_type = (uint16_t)list;
  it.age_min = it.age_max = -1;
  return it;
}

static int setup(void **state) {
  (void)state;
  catalog_item v[20];
  int n = 0;
  v[n] = item("DRUG", "amoxicillin", 9, 101), v[n].max_days = 7, snprintf(v[n].ingredient, 16, "AMOX"), n++;
  v[n] = item("MALE", "finasteride", 9, 101), v[n].gend = 1, n++;
  v[n] = item("CHILD", "child granules", 11, 101), v[n].age_max = 14, n++;
  v[n] = item("SVC", "consultation", 2, 201), v[n].price_limit[0] = 10000000, n++;
  v[n] = item("BED", "bed", 1, 201), n++;
  v[n] = item("NURSE", "nursing", 7, 201), n++;
  v[n] = item("DIAL", "血液透析", 5, 201), n++;
  v[n] = item("ACU", "acupuncture", 5, 201), n++;
  v[n] = item("PT", "physiotherapy", 5, 201), n++;
  v[n] = item("LV3", "PD-1", 9, 101), v[n].hosp_lv_min = 3, n++;
  v[n] = item("IPTONLY", "inpatient drug", 9, 101), v[n].scope = CATALOG_SCOPE_INPATIENT, n++;
  v[n] = item("LMT", "glargine", 9, 101), v[n].lmt_used_flag = true, v[n].n_ind = 1, snprintf(v[n].indications[0], 12, "E11"), n++;
  v[n] = item("CLASSC", "cosmetic", 9, 101), v[n].lv = CATALOG_LV_C, n++;
  v[n] = item("AMOX2", "amoxicillin granules", 9, 101), snprintf(v[n].ingredient, 16, "AMOX"), n++;
  v[n] = item("CAPT", "captopril", 9, 101), snprintf(v[n].ingredient, 16, "CAPT"), n++;
  v[n] = item("SPIR", "spironolactone", 9, 101), snprintf(v[n].ingredient, 16, "SPIR"), n++;
  v[n] = item("SURG01", "appendectomy", 6, 201), n++;
  v[n] = item("TEST", "CT", 3, 201), n++;
  yb_err e;
  return catalog_from_items(v, (size_t)n, &cat, &e);
}

static int teardown(void **state) {
  (void)state;
  catalog_free(cat);
  return 0;
}

/* ---- building data ---------------------------------------------------------------------------------- */
static audit_data *region(void) {
  audit_data *d = audit_data_new(cat);
  yb_err e;
  assert_int_equal(audit_data_person(d, "PM", "1", "1980-06-15", "", &e), 0);   /* a man of 43 */
  assert_int_equal(audit_data_person(d, "PF", "2", "2015-03-01", "", &e), 0);   /* a girl of 9 */
  assert_int_equal(audit_data_person(d, "PD", "1", "1925-01-01", "2024-03-10", &e), 0); /* died at 99 */
  assert_int_equal(audit_data_inst(d, "H1", 2, true, 34750000, 113620000, &e), 0);
  assert_int_equal(audit_data_inst(d, "H2", 1, true, 34760000, 113630000, &e), 0);   /* ~1.4 km away */
  assert_int_equal(audit_data_inst(d, "H3", 3, true, 35750000, 113620000, &e), 0);   /* ~111 km away */
  assert_int_equal(audit_data_doctor(d, "D1", "H1", "2020-01-01", "", &e), 0);
  assert_int_equal(audit_data_doctor(d, "D2", "H2", "2020-01-01", "2023-12-31", &e), 0);
  return d;
}

static void V(audit_data *d, const char *id, const char *psn, const char *in, const char *kind, const char *b,
              const char *end, const char *diag) {
  yb_err e;
  int rc = audit_data_visit(d, id, psn, in, kind, b, end, diag, true, &e);
  if (rc) fail_msg("visit %s: %s %s", id, e.field, e.msg);
}

static void L(audit_data *d, const char *m, const char *sn, const char *code, const char *t, int64_t pric_yuan,
              int days, const char *dr) {
  static int64_t seq;
  audit_line_in in = {m, sn, code, "", t, dr, "", ++seq, 10000, pric_yuan * 1000000, pric_yuan * 100, days, 0};
  yb_err e;
  if (audit_data_line(d, &in, &e)) fail_msg("line %s/%s: %s %s", m, sn, e.field, e.msg);
}

typedef struct hits {
  int n;
  char k[32][64];
  int64_t amt[32];
} hits;

static int on_hit(const audit_finding *f, void *arg) {
  hits *h = arg;
  if (h->n < 32) {
    snprintf(h->k[h->n], sizeof h->k[0], "%s%s%s", f->mdtrt_id[0] ? f->mdtrt_id : f->fixmedins_code,
             f->feedetl_sn[0] ? "/" : "", f->feedetl_sn);
    h->amt[h->n] = f->vola_amt;
  }
  h->n++;
  return 0;
}

/* Run one rule (JSON) over d; "a,b" the expected hits in order. */
static hits check(audit_data *d, const char *rule, const char *want) {
  audit_rules rs = {0};
  yb_err e = {0};
  if (audit_rules_add_text(&rs, rule, "rule", &e)) fail_msg("%s: %s", e.field, e.msg);
  assert_int_equal(audit_data_finish(d, &e), 0);
  hits h = {0};
  assert_int_equal(audit_run(&rs, d, AUDIT_STAGE_POST, NULL, on_hit, &h, &e), 0);
  char got[512] = "";
  for (int i = 0; i < h.n && i < 32; i++) {
    strcat(got, i ? "," : "");
    strcat(got, h.k[i]);
  }
  assert_string_equal(got, want);
  audit_rules_free(&rs);
  return h;
}

#define RULE(type, params) \
  "{\"rule_id\":\"GZ10000000000001\",\"name\":\"t\",\"type\":\"" type "\",\"class\":\"policy\",\"sev_deg\":1," \
  "\"stages\":[\"post\"],\"params\":{" params "}}"

/* ---- line rules ------------------------------------------------------------------------------------ */
static void test_gender_age(void **state) {
  (void)state;
  audit_data *d = region();
  V(d, "M1", "PF", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "1", "MALE", "2024-03-01 09:10:00", 20, 0, "D1");  /* a girl given a men-only drug */
  L(d, "M1", "2", "CHILD", "2024-03-01 09:11:00", 5, 0, "D1");  /* she may have this */
  V(d, "M2", "PM", "H1", "otp", "2024-03-02 09:00:00", "", "J06.9");
  L(d, "M2", "1", "MALE", "2024-03-02 09:10:00", 20, 0, "D1");  /* he may have that */
  L(d, "M2", "2", "CHILD", "2024-03-02 09:11:00", 5, 0, "D1");  /* but not this at 43 */
  hits h = check(d, RULE("gender_limit", ""), "M1/1");
  assert_int_equal(h.amt[0], 2000);
  audit_data_free(d);
  d = region();
  V(d, "M1", "PF", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "2", "CHILD", "2024-03-01 09:11:00", 5, 0, "D1");
  V(d, "M2", "PM", "H1", "otp", "2024-03-02 09:00:00", "", "J06.9");
  L(d, "M2", "2", "CHILD", "2024-03-02 09:11:00", 5, 0, "D1");
  check(d, RULE("age_limit", ""), "M2/2");
  audit_data_free(d);
  /* list_class: a drug rule does not see services */
  d = region();
  V(d, "M1", "PF", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "1", "MALE", "2024-03-01 09:10:00", 20, 0, "D1");
  check(d, RULE("gender_limit", "\"list_class\":\"service\""), "");
  audit_data_free(d);
}

static void test_age_on_birthday(void **state) {
  (void)state;
  audit_data *d = region();
  yb_err e;
  assert_int_equal(audit_data_person(d, "PB", "1", "2009-05-10", "", &e), 0);
  V(d, "M1", "PB", "H1", "otp", "2024-05-09 09:00:00", "", "J06.9");
  L(d, "M1", "1", "CHILD", "2024-05-09 09:10:00", 5, 0, "D1"); /* still 14 */
  V(d, "M2", "PB", "H1", "otp", "2024-05-10 09:00:00", "", "J06.9");
  L(d, "M2", "1", "CHILD", "2024-05-10 09:10:00", 5, 0, "D1"); /* 15 today */
  check(d, RULE("age_limit", ""), "M2/1");
  audit_data_free(d);
}

static void test_price_supply_duplicate(void **state) {
  (void)state;
  audit_data *d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "1", "SVC", "2024-03-01 09:10:00", 10, 0, "D1");  /* at the limit */
  L(d, "M1", "2", "SVC", "2024-03-01 09:20:00", 13, 0, "D1");  /* 3 above */
  L(d, "M1", "3", "DRUG", "2024-03-01 09:30:00", 5, 7, "D1");  /* 7 days: allowed */
  L(d, "M1", "4", "DRUG", "2024-03-01 09:31:00", 5, 10, "D1"); /* 10 days */
  L(d, "M1", "5", "SVC", "2024-03-01 09:20:00", 13, 0, "D1");  /* line 2 again, same moment */
  L(d, "M1", "6", "DRUG", "2024-03-01 09:31:00", 5, 7, "D1");  /* a drug repeated is not a repeat charge */
  hits h = check(d, RULE("over_price_limit", ""), "M1/2,M1/5");
  assert_int_equal(h.amt[0], 300);
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "3", "DRUG", "2024-03-01 09:30:00", 7, 7, "D1");
  L(d, "M1", "4", "DRUG", "2024-03-01 09:31:00", 10, 10, "D1");
  h = check(d, RULE("over_supply", ""), "M1/4");
  assert_int_equal(h.amt[0], 300); /* 3 of the 10 days of 10 yuan */
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "1", "SVC", "2024-03-01 09:20:00", 10, 0, "D1");
  L(d, "M1", "2", "SVC", "2024-03-01 09:21:00", 10, 0, "D1"); /* another time: fine */
  L(d, "M1", "3", "SVC", "2024-03-01 09:20:00", 10, 0, "D1"); /* the repeat */
  L(d, "M1", "4", "DRUG", "2024-03-01 09:31:00", 5, 3, "D1");
  L(d, "M1", "5", "DRUG", "2024-03-01 09:31:00", 5, 3, "D1");
  check(d, RULE("duplicate_charge", ""), "M1/3");
  audit_data_free(d);
}

static void test_dialysis_doctor(void **state) {
  (void)state;
  audit_data *d = region();
  yb_err e;
  assert_int_equal(audit_data_checkin(d, "PM", "H1", "2024-03-01 07:55:00", &e), 0);
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 08:00:00", "", "N18.5");
  L(d, "M1", "1", "DIAL", "2024-03-01 08:10:00", 380, 0, "D1");
  V(d, "M2", "PM", "H1", "otp", "2024-03-04 08:00:00", "", "N18.5");
  L(d, "M2", "1", "DIAL", "2024-03-04 08:10:00", 380, 0, "D1"); /* no check-in that day */
  V(d, "M3", "PM", "H2", "otp", "2024-03-01 15:00:00", "", "N18.5");
  L(d, "M3", "1", "DIAL", "2024-03-01 15:10:00", 380, 0, "D1"); /* checked in elsewhere */
  check(d, RULE("dialysis_no_checkin", ""), "M3/1,M2/1"); /* in time order */
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 08:00:00", "", "J06.9");
  L(d, "M1", "1", "SVC", "2024-03-01 08:10:00", 10, 0, "D1"); /* registered here */
  L(d, "M1", "2", "SVC", "2024-03-01 08:11:00", 10, 0, "D2"); /* registered at H2 */
  L(d, "M1", "3", "SVC", "2024-03-01 08:12:00", 10, 0, "DX"); /* nowhere */
  L(d, "M1", "4", "SVC", "2024-03-01 08:13:00", 10, 0, "");   /* none given: not flagged by default */
  V(d, "M2", "PM", "H2", "otp", "2024-03-02 08:00:00", "", "J06.9");
  L(d, "M2", "1", "SVC", "2024-03-02 08:10:00", 10, 0, "D2"); /* D2's registration ended 2023 */
  check(d, RULE("unregistered_doctor", ""), "M1/2,M1/3,M2/1");
  audit_data_free(d);
}

static void line_medins(audit_data *d, const char *m, const char *sn, const char *code, const char *medins,
                        int64_t yuan) {
  audit_line_in in = {m, sn, code, medins, "2024-03-01 10:00:00", "D1", "", 1, 10000, yuan * 1000000, yuan * 100, 0, 0};
  yb_err e;
  assert_int_equal(audit_data_line(d, &in, &e), 0);
}

static void test_item_switching(void **state) {
  (void)state;
  audit_data *d = region();
  char id[8];
  for (int i = 0; i < 9; i++) { /* H1 bills its code ZJ01 as acupuncture (25) nine times */
    snprintf(id, sizeof id, "A%d", i);
    V(d, id, "PM", "H1", "otp", "2024-03-01 09:00:00", "", "M54.5");
    line_medins(d, id, "1", "ACU", "ZJ01", 25);
  }
  V(d, "B1", "PM", "H1", "otp", "2024-03-02 09:00:00", "", "M54.5");
  line_medins(d, "B1", "1", "PT", "ZJ01", 40); /* the same code as dearer physiotherapy */
  line_medins(d, "B1", "2", "PT", "ZJ02", 40); /* PT under its own code: fine */
  V(d, "B2", "PM", "H2", "otp", "2024-03-02 09:00:00", "", "M54.5");
  line_medins(d, "B2", "1", "PT", "ZJ01", 40); /* another institution's code space */
  hits h = check(d, RULE("item_switching", ""), "B1/1");
  assert_int_equal(h.amt[0], 1500);
  audit_data_free(d);
}

static void test_level_scope_indication_class(void **state) {
  (void)state;
  audit_data *d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "E11.9");
  L(d, "M1", "1", "LV3", "2024-03-01 09:10:00", 100, 0, "D1");   /* H1 is level 2 */
  L(d, "M1", "2", "IPTONLY", "2024-03-01 09:11:00", 10, 0, "D1");
  L(d, "M1", "3", "LMT", "2024-03-01 09:12:00", 10, 0, "D1");    /* E11: its indication */
  L(d, "M1", "4", "CLASSC", "2024-03-01 09:13:00", 10, 0, "D1");
  V(d, "M2", "PM", "H3", "ipt", "2024-03-02 09:00:00", "2024-03-05 09:00:00", "J18.9");
  L(d, "M2", "1", "LV3", "2024-03-02 09:10:00", 100, 0, "D1");   /* H3 is level 3 */
  L(d, "M2", "2", "IPTONLY", "2024-03-02 09:11:00", 10, 0, "D1");
  L(d, "M2", "3", "LMT", "2024-03-02 09:12:00", 10, 0, "D1");    /* J18: not its indication */
  L(d, "M2", "4", "NOSUCH", "2024-03-02 09:13:00", 10, 0, "D1"); /* not in the catalog */
  check(d, RULE("level_limit", ""), "M1/1");
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "E11.9");
  L(d, "M1", "2", "IPTONLY", "2024-03-01 09:11:00", 10, 0, "D1");
  L(d, "M1", "3", "LMT", "2024-03-01 09:12:00", 10, 0, "D1");
  L(d, "M1", "4", "CLASSC", "2024-03-01 09:13:00", 10, 0, "D1");
  V(d, "M2", "PM", "H3", "ipt", "2024-03-02 09:00:00", "2024-03-05 09:00:00", "J18.9");
  L(d, "M2", "2", "IPTONLY", "2024-03-02 09:11:00", 10, 0, "D1");
  L(d, "M2", "3", "LMT", "2024-03-02 09:12:00", 10, 0, "D1");
  L(d, "M2", "4", "NOSUCH", "2024-03-02 09:13:00", 10, 0, "D1");
  check(d, RULE("scope_limit", ""), "M1/2");
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "E11.9");
  L(d, "M1", "3", "LMT", "2024-03-01 09:12:00", 10, 0, "D1");
  L(d, "M1", "4", "CLASSC", "2024-03-01 09:13:00", 10, 0, "D1");
  V(d, "M2", "PM", "H3", "ipt", "2024-03-02 09:00:00", "2024-03-05 09:00:00", "J18.9");
  L(d, "M2", "3", "LMT", "2024-03-02 09:12:00", 10, 0, "D1");
  L(d, "M2", "4", "NOSUCH", "2024-03-02 09:13:00", 10, 0, "D1");
  check(d, RULE("indication_limit", ""), "M2/3");
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "E11.9");
  L(d, "M1", "1", "DRUG", "2024-03-01 09:12:00", 10, 3, "D1");
  L(d, "M1", "4", "CLASSC", "2024-03-01 09:13:00", 10, 0, "D1");
  L(d, "M1", "5", "NOSUCH", "2024-03-01 09:14:00", 10, 0, "D1");
  check(d, RULE("class_c_billed", ""), "M1/5");
  check(d, RULE("class_c_billed", "\"include_class_c\":1"), "M1/4,M1/5");
  audit_data_free(d);
}

static void test_medical_line_rules(void **state) {
  (void)state;
  audit_data *d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  L(d, "M1", "1", "DRUG", "2024-03-01 09:10:00", 10, 3, "D1");
  L(d, "M1", "2", "AMOX2", "2024-03-01 11:10:00", 10, 3, "D1"); /* same ingredient, same day */
  L(d, "M1", "3", "CAPT", "2024-03-01 11:20:00", 10, 3, "D1");
  V(d, "M2", "PM", "H1", "otp", "2024-03-03 09:00:00", "", "J06.9");
  L(d, "M2", "1", "DRUG", "2024-03-03 09:10:00", 10, 3, "D1");
  L(d, "M2", "2", "CAPT", "2024-03-03 09:20:00", 10, 3, "D1");
  check(d, RULE("duplicate_drug", ""), "M1/2");
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "I10");
  L(d, "M1", "1", "CAPT", "2024-03-01 09:10:00", 10, 3, "D1");
  L(d, "M1", "2", "SPIR", "2024-03-01 09:20:00", 10, 3, "D1");
  V(d, "M2", "PM", "H1", "otp", "2024-03-03 09:00:00", "", "I10");
  L(d, "M2", "1", "CAPT", "2024-03-03 09:10:00", 10, 3, "D1");
  L(d, "M2", "2", "DRUG", "2024-03-03 09:20:00", 10, 3, "D1");
  check(d, RULE("contraindicated", "\"pairs\":[[\"CAPT\",\"SPIR\"]]"), "M1/2");
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "I10");
  audit_line_in big = {"M1", "1", "DRUG", "", "2024-03-01 09:10:00", "D1", "", 1, 30 * 10000, 1000000, 3000, 3, 0};
  audit_line_in ok = {"M1", "2", "DRUG", "", "2024-03-01 09:11:00", "D1", "", 2, 20 * 10000, 1000000, 2000, 3, 0};
  yb_err e;
  assert_int_equal(audit_data_line(d, &big, &e), 0);
  assert_int_equal(audit_data_line(d, &ok, &e), 0);
  hits h = check(d, RULE("over_dose", "\"max_units\":20"), "M1/1");
  assert_int_equal(h.amt[0], 1000);
  audit_data_free(d);
  d = region();
  V(d, "M1", "PM", "H1", "ipt", "2024-03-01 09:00:00", "2024-03-05 09:00:00", "K35.8");
  L(d, "M1", "1", "SURG01", "2024-03-02 09:10:00", 1200, 0, "D1");
  V(d, "M2", "PF", "H1", "ipt", "2024-03-01 09:00:00", "2024-03-05 09:00:00", "J18.9");
  L(d, "M2", "1", "SURG01", "2024-03-02 09:10:00", 1200, 0, "D1");
  check(d, RULE("oprn_diag_mismatch", "\"pairs\":[[\"SURG\",\"K35\"],[\"SURG\",\"K36\"]]"), "M2/1");
  audit_data_free(d);
}

/* ---- visit rules ----------------------------------------------------------------------------------- */
/* An inpatient stay of `days` with bed and nursing daily and treatment on the first `treat` days. */
static void stay(audit_data *d, const char *id, const char *psn, const char *b, int days, int treat, const char *diag) {
  char end[24], t[24];
  int y, m, dd;
  sscanf(b, "%d-%d-%d", &y, &m, &dd);
  snprintf(end, sizeof end, "%04d-%02d-%02d 10:00:00", y, m, dd + days);
  V(d, id, psn, "H1", "ipt", b, end, diag);
  char sn[8];
  int k = 0;
  for (int i = 0; i < days; i++) {
    snprintf(t, sizeof t, "%04d-%02d-%02d 12:00:00", y, m, dd + i);
    snprintf(sn, sizeof sn, "%d", ++k), L(d, id, sn, "BED", t, 30, 0, "D1");
    snprintf(sn, sizeof sn, "%d", ++k), L(d, id, sn, "NURSE", t, 15, 0, "D1");
    if (i < treat) snprintf(t, sizeof t, "%04d-%02d-%02d 09:00:00", y, m, dd + i), snprintf(sn, sizeof sn, "%d", ++k),
                   L(d, id, sn, "TEST", t, 100, 0, "D1");
  }
}

static void test_bed_fake_low(void **state) {
  (void)state;
  audit_data *d = region();
  stay(d, "S1", "PM", "2024-03-01 09:00:00", 8, 2, "J18.9"); /* 2 of 8 days: 25 % */
  stay(d, "S2", "PF", "2024-03-01 09:00:00", 10, 3, "J18.9"); /* 3 of 10: exactly 30 %: not below */
  stay(d, "S3", "PD", "2024-01-01 09:00:00", 4, 1, "J18.9");  /* 4 days: too short to judge */
  hits h = check(d, RULE("bed_holding", ""), "S1");
  assert_int_equal(h.amt[0], 8 * 4500);
  audit_data_free(d);
  d = region();
  stay(d, "S1", "PM", "2024-03-01 09:00:00", 4, 0, "J18.9");
  stay(d, "S2", "PF", "2024-03-01 09:00:00", 4, 1, "J18.9");
  check(d, RULE("fake_admission", ""), "S1");
  audit_data_free(d);
  d = region();
  stay(d, "S1", "PM", "2024-03-01 09:00:00", 1, 1, "J18.9"); /* 145 yuan, 1 day */
  stay(d, "S2", "PF", "2024-03-01 09:00:00", 3, 3, "J18.9");
  check(d, RULE("low_threshold_admission", ""), "S1");
  audit_data_free(d);
}

static void test_dead_split_frequent(void **state) {
  (void)state;
  audit_data *d = region();
  V(d, "M1", "PD", "H1", "otp", "2024-03-10 09:00:00", "", "J06.9"); /* the day of death */
  V(d, "M2", "PD", "H1", "otp", "2024-03-11 09:00:00", "", "J06.9");
  V(d, "M3", "PD", "H1", "ipt", "2024-03-12 09:00:00", "2024-03-14 09:00:00", "J06.9");
  check(d, RULE("dead_person_card", ""), "M2,M3");
  audit_data_free(d);
  d = region();
  V(d, "M3", "PD", "H1", "ipt", "2024-03-12 09:00:00", "2024-03-14 09:00:00", "J06.9");
  V(d, "M2", "PD", "H1", "otp", "2024-03-11 09:00:00", "", "J06.9");
  check(d, RULE("dead_person_card", "\"visit_kind\":\"otp\""), "M2");
  audit_data_free(d);
  d = region();
  V(d, "A1", "PM", "H1", "ipt", "2024-01-01 09:00:00", "2024-01-10 10:00:00", "I63.9");
  V(d, "A2", "PM", "H1", "ipt", "2024-01-25 09:00:00", "2024-01-30 10:00:00", "I63.1"); /* 15 days, I63 */
  V(d, "A3", "PM", "H1", "ipt", "2024-02-16 09:00:00", "2024-02-20 10:00:00", "I63.9"); /* 17 days */
  V(d, "A4", "PM", "H1", "ipt", "2024-02-25 09:00:00", "2024-02-28 10:00:00", "J18.9"); /* 5 days, other */
  V(d, "O1", "PM", "H1", "otp", "2024-02-22 09:00:00", "", "I63.9");
  check(d, RULE("split_admission", ""), "A2");
  audit_data_free(d);
  d = region();
  const char *adm[] = {"2024-01-01", "2024-02-15", "2024-04-01", "2024-05-20", "2024-06-25", "2024-12-31"};
  for (int i = 0; i < 6; i++) {
    char id[8], b[24], en[24];
    snprintf(id, sizeof id, "F%d", i + 1);
    snprintf(b, sizeof b, "%s 09:00:00", adm[i]);
    snprintf(en, sizeof en, "%.8s%02d 09:00:00", adm[i], atoi(adm[i] + 8) < 25 ? atoi(adm[i] + 8) + 3 : 31);
    V(d, id, "PM", "H1", "ipt", b, en, "J18.9");
  }
  /* F4 is the 4th within 180 days (140 days after F1); F5 the 5th (176); F6 stands alone */
  check(d, RULE("frequent_admission", ""), "F4,F5");
  audit_data_free(d);
}

static void test_two_places_otp_in_ipt(void **state) {
  (void)state;
  audit_data *d = region();
  V(d, "M1", "PM", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9");
  V(d, "M2", "PM", "H2", "otp", "2024-03-01 11:00:00", "", "J06.9"); /* 1.4 km: plausible */
  V(d, "M3", "PM", "H3", "otp", "2024-03-01 15:00:00", "", "J06.9"); /* 111 km the same day */
  V(d, "M4", "PM", "H3", "otp", "2024-03-02 09:00:00", "", "J06.9"); /* next day */
  check(d, RULE("two_places_same_day", ""), "M3");
  audit_data_free(d);
  d = region();
  V(d, "I1", "PM", "H1", "ipt", "2024-03-01 09:00:00", "2024-03-06 10:00:00", "J18.9");
  V(d, "O1", "PM", "H2", "otp", "2024-03-03 09:00:00", "", "J06.9");  /* inside the stay */
  V(d, "O2", "PM", "H2", "otp", "2024-03-06 11:00:00", "", "J06.9");  /* after discharge */
  V(d, "O3", "PF", "H2", "otp", "2024-03-03 09:00:00", "", "J06.9");  /* someone else */
  check(d, RULE("otp_during_ipt", ""), "O1");
  audit_data_free(d);
}

static void test_peer_outlier(void **state) {
  (void)state;
  audit_data *d = audit_data_new(cat);
  yb_err e;
  assert_int_equal(audit_data_person(d, "P", "1", "1980-01-01", "", &e), 0);
  char code[8], id[8];
  for (int i = 0; i < 8; i++) {
    snprintf(code, sizeof code, "K%d", i);
    assert_int_equal(audit_data_inst(d, code, 1, false, 0, 0, &e), 0);
    for (int v = 0; v < 4; v++) {
      snprintf(id, sizeof id, "V%d%d", i, v);
      V(d, id, "P", code, "otp", "2024-03-01 09:00:00", "", "J06.9");
      L(d, id, "1", "SVC", "2024-03-01 09:10:00", i == 7 ? 100 : 10 + i % 3, 0, "");
    }
  }
  hits h = check(d, RULE("peer_outlier", "\"indicator\":1"), "K7");
  assert_int_equal(h.amt[0], (10000 - 1100) * 4); /* above the median (11.00) on each of 4 visits */
  audit_data_free(d);
}

/* ---- rule files -------------------------------------------------------------------------------------- */
static void expect_bad(const char *json, const char *field) {
  audit_rules rs = {0};
  yb_err e = {0};
  assert_true(audit_rules_add_text(&rs, json, "r.json", &e) < 0);
  if (!strstr(e.field, field)) fail_msg("field '%s' does not name '%s' (%s)", e.field, field, e.msg);
  audit_rules_free(&rs);
}

static void test_rule_errors(void **state) {
  (void)state;
  expect_bad(RULE("split_admission", "\"days\":0"), "r.json: params.days");
  expect_bad(RULE("split_admission", "\"dayz\":5"), "r.json: params.dayz");
  expect_bad(RULE("split_admission", "\"days\":\"5\""), "params.days");
  expect_bad(RULE("no_such_type", ""), "r.json: type");
  expect_bad(RULE("contraindicated", ""), "params.pairs");
  expect_bad(RULE("gender_limit", "\"list_class\":\"food\""), "params.list_class");
  expect_bad("{\"rule_id\":\"X1\",\"name\":\"t\",\"type\":\"age_limit\",\"class\":\"policy\",\"sev_deg\":1,\"stages\":[\"post\"]}",
             "rule_id");
  expect_bad("{\"rule_id\":\"GZ10000000000001\",\"name\":\"t\",\"type\":\"age_limit\",\"class\":\"policy\",\"sev_deg\":4,"
             "\"stages\":[\"post\"]}", "sev_deg");
  expect_bad("{\"rule_id\":\"GZ10000000000001\",\"name\":\"t\",\"type\":\"bed_holding\",\"class\":\"management\","
             "\"sev_deg\":1,\"stages\":[\"during\"]}", "stages");
  expect_bad("{\"rule_id\":\"GZ10000000000001\",\"name\":\"t\",\"type\":\"age_limit\",\"class\":\"policy\",\"sev_deg\":1,"
             "\"stages\":[\"post\"],\"block\":true}", "block");
  expect_bad("[" RULE("age_limit", "") "," RULE("age_limit", "") "]", "r.json[1]: rule_id");
  expect_bad("{\"rule_id\":", "r.json: line 1");
}

static void test_shipped_rules(void **state) {
  (void)state;
  audit_rules rs;
  yb_err e = {0};
  if (audit_rules_load("rules", &rs, &e)) fail_msg("%s: %s", e.field, e.msg);
  assert_true(rs.n >= 30);
  /* every type has a rule, and the 15 labelled kinds are each one type */
  for (int t = 0; t < audit_type_count(); t++) {
    int found = 0;
    for (int i = 0; i < rs.n; i++) found |= !strcmp(audit_rule_kind(&rs.r[i]), audit_type_name(t));
    if (!found) fail_msg("no rule of type %s", audit_type_name(t));
  }
  assert_int_equal(audit_rules_select(&rs, "GZ20000130001000,GZ20000140001000", &e), 0);
  int on = 0;
  for (int i = 0; i < rs.n; i++) on += rs.r[i].enabled;
  assert_int_equal(on, 2);
  assert_int_equal(audit_rules_select(&rs, "GZ99", &e), YB_ENOT_FOUND);
  audit_rules_free(&rs);
}

static void test_credit(void **state) {
  (void)state;
  int64_t none[4] = {0}, some[4] = {0, 2, 3, 4}, lots[4] = {0, 60, 0, 0};
  assert_int_equal(audit_credit_score(none), 1000);
  assert_int_equal(audit_credit_score(some), 1000 - 40 - 24 - 12);
  assert_string_equal(audit_credit_grade(audit_credit_score(some)), "A");
  assert_int_equal(audit_credit_score(lots), 0);
  assert_string_equal(audit_credit_grade(0), "D");
  assert_string_equal(audit_credit_grade(750), "B");
}

static void test_bad_data(void **state) {
  (void)state;
  audit_data *d = region();
  yb_err e;
  assert_int_equal(audit_data_visit(d, "M1", "NOBODY", "H1", "otp", "2024-03-01 09:00:00", "", "", true, &e), YB_ENOT_FOUND);
  assert_string_equal(e.field, "visit.psn_no");
  assert_int_equal(audit_data_visit(d, "M1", "PM", "H1", "otp", "2024-13-01 09:00:00", "", "", true, &e), YB_EINVAL);
  assert_string_equal(e.field, "visit.begntime");
  audit_line_in in = {"NOVISIT", "1", "SVC", "", "2024-03-01 09:10:00", "", "", 1, 10000, 1, 1, 0, 0};
  assert_int_equal(audit_data_line(d, &in, &e), YB_ENOT_FOUND);
  audit_rules rs = {0};
  hits h = {0};
  assert_int_equal(audit_run(&rs, d, AUDIT_STAGE_POST, NULL, on_hit, &h, &e), YB_EINVAL); /* not finished */
  audit_data_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gender_age),         cmocka_unit_test(test_age_on_birthday),
      cmocka_unit_test(test_price_supply_duplicate), cmocka_unit_test(test_dialysis_doctor),
      cmocka_unit_test(test_item_switching),     cmocka_unit_test(test_level_scope_indication_class),
      cmocka_unit_test(test_medical_line_rules), cmocka_unit_test(test_bed_fake_low),
      cmocka_unit_test(test_dead_split_frequent), cmocka_unit_test(test_two_places_otp_in_ipt),
      cmocka_unit_test(test_peer_outlier),       cmocka_unit_test(test_rule_errors),
      cmocka_unit_test(test_shipped_rules),      cmocka_unit_test(test_credit),
      cmocka_unit_test(test_bad_data),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
