/* bench/fee_upload.c — `make bench-fee-upload`: one inpatient stay (住院) growing by calls of
 * 200 fee lines, each call one writer job, as a hospital uploads a long stay day by day. Prints
 * the whole upload's time and the last call's: a call must not slow down with the lines the stay
 * already holds, since the writer runs every region's writes one after another.
 * Usage: bench-fee-upload [--calls 25] [--lines 200] [--db FILE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static int call_no, n_lines = 200;
static char body[600]; /* a stored line's JSON, about the size of a real one's */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int seed(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  store_person p = {0};
  strcpy(p.psn_no, "P1"), strcpy(p.psn_cert_type, "01"), strcpy(p.certno, "BENCH1");
  strcpy(p.psn_name, "测试"), strcpy(p.gend, "1"), strcpy(p.brdy, "1980-01-01");
  strcpy(p.insuplc_admdvs, "411500");
  store_inst in = {0};
  strcpy(in.fixmedins_code, "H1"), strcpy(in.fixmedins_name, "医院"), strcpy(in.hosp_lv_code, "02");
  strcpy(in.medins_type, "hospital"), strcpy(in.admdvs, "411500"), strcpy(in.secret, "s");
  store_visit v = {0};
  strcpy(v.mdtrt_id, "V1"), strcpy(v.psn_no, "P1"), strcpy(v.fixmedins_code, "H1");
  strcpy(v.kind, "ipt"), strcpy(v.insutype, "390"), strcpy(v.med_type, "21");
  strcpy(v.ipt_otp_no, "ZY1"), strcpy(v.begntime, "2026-01-05 09:00:00");
  v.state = STORE_VISIT_OPEN;
  int rc = store_person_put(w, &p, e);
  if (!rc) rc = store_inst_put(w, &in, e);
  if (!rc) rc = store_visit_put(w, &v, e);
  return rc;
}

static int upload(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  for (int i = 0; i < n_lines; i++) {
    store_fee f = {0};
    strcpy(f.mdtrt_id, "V1"), strcpy(f.psn_no, "P1"), strcpy(f.fixmedins_code, "H1");
    snprintf(f.feedetl_sn, sizeof f.feedetl_sn, "%d-%d", call_no, i);
    strcpy(f.med_list_codg, "X"), strcpy(f.fee_ocur_time, "2026-01-05 10:00:00");
    f.cnt = 10000, f.pric = 100, f.sumamt = 1, f.body = body, f.result = body;
    int rc = store_fee_put(w, &f, e);
    if (rc) return rc;
  }
  return 0;
}

int main(int argc, char **argv) {
  int calls = 25;
  const char *db = "build/bench-fee-upload.db";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--calls")) calls = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--lines")) n_lines = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--db")) db = argv[i + 1];
  }
  if (calls < 1 || n_lines < 1) {
    fprintf(stderr, "usage: bench-fee-upload [--calls 25] [--lines 200] [--db FILE]\n");
    return 2;
  }
  memset(body, 'x', sizeof body - 1);
  char wal[4096];
  snprintf(wal, sizeof wal, "%s-wal", db);
  remove(db), remove(wal);
  store *s;
  yb_err e = {0};
  if (store_open(db, &s, &e) || store_write(s, seed, NULL, &e) || store_writer_start(s, &e)) {
    fprintf(stderr, "bench-fee-upload: %s\n", e.msg);
    return 1;
  }
  double t0 = now_ms(), first = 0, last = 0;
  for (call_no = 0; call_no < calls; call_no++) {
    double a = now_ms();
    if (store_write(s, upload, NULL, &e)) {
      fprintf(stderr, "bench-fee-upload: %s\n", e.msg);
      return 1;
    }
    last = now_ms() - a;
    if (!call_no) first = last;
  }
  double total = now_ms() - t0;
  store_writer_stop(s);
  store_close(s);
  printf("lines: %d\ncalls: %d\ntotal_ms: %.1f\nfirst_call_ms: %.2f\nlast_call_ms: %.2f\n",
         calls * n_lines, calls, total, first, last);
  return 0;
}
