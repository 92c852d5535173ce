/* test_console.c — the console's summary tables: the triggers fill them as settlements and fee
 * lines are written (originals minus reversals, the main diagnosis, settled lines in the paying
 * settlement's year) exactly as a full rebuild does; the named queries answer from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "testdb.h"
#include "store_console.h"

static char dbpath[64];

static int setup(void **state) {
  (void)state;
  testdb_path(dbpath, sizeof dbpath, "console");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  testdb_remove(dbpath);
  return 0;
}

static int inst(store_conn *w, const char *code, int lv, const char *type, yb_err *e) {
  store_inst in = {0};
  snprintf(in.fixmedins_code, sizeof in.fixmedins_code, "%s", code);
  strcpy(in.fixmedins_name, "机构");
  strcpy(in.hosp_lv_code, "11");
  snprintf(in.medins_type, sizeof in.medins_type, "%s", type);
  strcpy(in.admdvs, "411500");
  strcpy(in.secret, "s");
  in.hosp_lv = lv;
  return store_inst_put(w, &in, e);
}

static int visit(store_conn *w, const char *id, const char *code, const char *kind, const char *dise,
                 const char *diag, yb_err *e) {
  store_visit v = {0};
  snprintf(v.mdtrt_id, sizeof v.mdtrt_id, "%s", id);
  strcpy(v.psn_no, "P1");
  snprintf(v.fixmedins_code, sizeof v.fixmedins_code, "%s", code);
  snprintf(v.kind, sizeof v.kind, "%s", kind);
  strcpy(v.insutype, "390");
  strcpy(v.med_type, "11");
  snprintf(v.ipt_otp_no, sizeof v.ipt_otp_no, "N%s", id);
  strcpy(v.begntime, "2024-03-15 09:00:00");
  snprintf(v.dise_codg, sizeof v.dise_codg, "%s", dise);
  v.n_diag = 1;
  snprintf(v.diag[0], sizeof v.diag[0], "%s", diag);
  v.state = STORE_VISIT_DISCHARGED;
  return store_visit_put(w, &v, e);
}

static int fee(store_conn *w, const char *visit_id, const char *sn, const char *code, int64_t fen, yb_err *e) {
  store_fee f = {0};
  snprintf(f.mdtrt_id, sizeof f.mdtrt_id, "%s", visit_id);
  snprintf(f.feedetl_sn, sizeof f.feedetl_sn, "%s", sn);
  strcpy(f.psn_no, "P1");
  strcpy(f.fixmedins_code, "H1");
  snprintf(f.med_list_codg, sizeof f.med_list_codg, "%s", code);
  strcpy(f.fee_ocur_time, "2024-03-15 09:10:00"); /* charged in 2024, settled in 2026 below */
  f.cnt = 10000;
  f.pric = fen * 10000;
  f.sumamt = fen;
  f.state = 1;
  f.body = f.result = "{}";
  return store_fee_put(w, &f, e);
}

static int setl(store_conn *w, const char *id, const char *visit_id, const char *code, const char *time, int refd,
                int64_t medfee, int64_t fund, yb_err *e) {
  store_setl s = {0};
  snprintf(s.setl_id, sizeof s.setl_id, "%s", id);
  snprintf(s.mdtrt_id, sizeof s.mdtrt_id, "%s", visit_id);
  strcpy(s.psn_no, "P1");
  snprintf(s.fixmedins_code, sizeof s.fixmedins_code, "%s", code);
  strcpy(s.infno, refd ? "2601" : "2207");
  snprintf(s.msgid, sizeof s.msgid, "M%s", id);
  strcpy(s.insutype, "390");
  strcpy(s.med_type, "11");
  strcpy(s.clr_type, "11");
  snprintf(s.setl_time, sizeof s.setl_time, "%s", time);
  s.year = 2024;
  s.refd_setl_flag = refd;
  s.state = 1;
  s.medfee_sumamt = medfee;
  s.fund_pay_sumamt = fund;
  s.psn_cash_pay = medfee - fund;
  s.setlinfo = s.setldetail = s.trace = s.accum_delta = (char *)"{}";
  return store_setl_put(w, &s, e);
}

static int seed(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_person p = {0};
  strcpy(p.psn_no, "P1");
  strcpy(p.psn_cert_type, "01");
  strcpy(p.certno, "ID1");
  strcpy(p.psn_name, "测试");
  strcpy(p.gend, "1");
  strcpy(p.brdy, "1980-01-01");
  strcpy(p.insuplc_admdvs, "411500");
  strcpy(p.cvlserv_flag, "0");
  int rc = store_person_put(w, &p, e);
  if (!rc) rc = inst(w, "H1", 3, "hospital", e);
  if (!rc) rc = inst(w, "C1", 0, "clinic", e);
  if (!rc) rc = inst(w, "C2", 0, "clinic", e); /* never settles */
  if (!rc) rc = visit(w, "V1", "H1", "ipt", "", "I63.9", e);
  if (!rc) rc = visit(w, "V2", "C1", "otp", "J06.9", "R50", e);
  if (!rc) rc = fee(w, "V1", "1", "XDRUG1", 12345, e);
  if (!rc) rc = fee(w, "V1", "2", "9901", 5000, e);
  if (!rc) rc = fee(w, "V2", "1", "XDRUG1", 950, e);
  /* V1 settled, reversed (lines unsettled), settled again; V2 settled once */
  if (!rc) rc = setl(w, "S1", "V1", "H1", "2026-01-05 10:00:00", 0, 17345, 10000, e);
  if (!rc) rc = store_fee_settle(w, "V1", "1", "S1", e);
  if (!rc) rc = store_fee_settle(w, "V1", "2", "S1", e);
  if (!rc) rc = setl(w, "R1", "V1", "H1", "2026-02-01 10:00:00", 1, -17345, -10000, e);
  if (!rc) rc = store_fee_unsettle(w, "S1", e);
  if (!rc) rc = setl(w, "S2", "V1", "H1", "2026-02-02 10:00:00", 0, 17345, 9000, e);
  if (!rc) rc = store_fee_settle(w, "V1", "1", "S2", e);
  if (!rc) rc = store_fee_settle(w, "V1", "2", "S2", e);
  if (!rc) rc = setl(w, "S3", "V2", "C1", "2026-02-03 10:00:00", 0, 950, 570, e);
  if (!rc) rc = store_fee_settle(w, "V2", "1", "S3", e);
  return rc;
}

/* Every row of a query as one text line "a|b|c;" appended to buf. */
typedef struct dump {
  char buf[2048];
} dump;
static int dump_fn(const store_console_row *row, void *arg) {
  dump *d = arg;
  for (int k = 0; k < row->n; k++)
    snprintf(d->buf + strlen(d->buf), sizeof d->buf - strlen(d->buf), "%s%s", k ? "|" : "", row->s[k]);
  snprintf(d->buf + strlen(d->buf), sizeof d->buf - strlen(d->buf), ";");
  return 0;
}
static const char *q(store_conn *c, store_console_q query, const store_console_arg *a, int n, dump *d) {
  yb_err e = {0};
  d->buf[0] = 0;
  assert_int_equal(store_console_each(c, query, a, n, dump_fn, d, &e), 0);
  return d->buf;
}

static int rebuild(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  return store_console_rebuild(w, e);
}

static void check(store_conn *c) {
  dump d;
  store_console_arg y[] = {{"2026", 0}, {NULL, 10}};
  /* January: S1; February: the reversal of S1 (−1, one reversal row, −173.45 / −100.00) with S2
   * (+1, 173.45 / 90.00) nets to 0 settlements, −10.00 fund; and S3 at the clinic */
  assert_string_equal(q(c, STORE_CONSOLE_MONTH_SCHEME, y, 1, &d),
                      "2026-01|390|ipt|1|0|17345|10000|0|7345;"
                      "2026-02|390|ipt|0|1|0|-1000|0|1000;"
                      "2026-02|390|otp|1|0|950|570|0|380;");
  /* levels: H1 settles; one clinic of two settles */
  assert_string_equal(q(c, STORE_CONSOLE_LEVELS, y, 1, &d), "3|hospital|1|1|1|9000|17345;0|clinic|2|1|1|570|950;");
  /* the main diagnosis: dise_codg, else the first diag code */
  assert_string_equal(q(c, STORE_CONSOLE_DISE_TOP, y, 2, &d), "I63.9||1|9000|17345;J06.9||1|570|950;");
  /* drugs only (X…), settled lines in the year of the paying settlement (2026, not 2024) */
  assert_string_equal(q(c, STORE_CONSOLE_DRUG_TOP, y, 2, &d), "XDRUG1|2|13295;");
  store_console_arg none[] = {{"2024", 0}, {NULL, 10}};
  assert_string_equal(q(c, STORE_CONSOLE_DRUG_TOP, none, 2, &d), "");
  assert_string_equal(q(c, STORE_CONSOLE_YEARS, NULL, 0, &d), "2026;");
  store_console_arg code[] = {{"C2", 0}};
  assert_string_equal(q(c, STORE_CONSOLE_INST_MONTHS, code, 1, &d), "");
}

static void test_triggers_equal_rebuild(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *c = store_reader(s, &e);
  check(c); /* as the triggers made them */
  assert_int_equal(store_write(s, rebuild, NULL, &e), 0);
  check(c); /* and after a full rebuild */
  store_close(s);
}

static void test_person_find(void **state) {
  (void)state;
  store *s;
  yb_err e = {0};
  assert_int_equal(store_open(dbpath, &s, &e), 0);
  assert_int_equal(store_write(s, seed, NULL, &e), 0);
  store_conn *c = store_reader(s, &e);
  dump d;
  store_console_arg a[] = {{"测", 0}, {NULL, 50}};
  assert_string_equal(q(c, STORE_CONSOLE_PSN_FIND, a, 2, &d), "P1|测试|1|1980-01-01|ID1|411500;");
  store_console_arg b[] = {{"ID1", 0}, {NULL, 50}};
  assert_string_equal(q(c, STORE_CONSOLE_PSN_FIND, b, 2, &d), "P1|测试|1|1980-01-01|ID1|411500;");
  store_console_arg none[] = {{"王", 0}, {NULL, 50}};
  assert_string_equal(q(c, STORE_CONSOLE_PSN_FIND, none, 2, &d), "");
  assert_int_equal(store_console_each(c, STORE_CONSOLE_Q_N, NULL, 0, dump_fn, &d, &e), YB_EINVAL);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_triggers_equal_rebuild, setup, teardown),
      cmocka_unit_test_setup_teardown(test_person_find, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
