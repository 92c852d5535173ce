/* cmd_dip_bench.c — `yibao dip bench`: a synthetic county (its own generator, not `yibao gen`):
 * 3 history years and one year of inpatient cases. Prints cases_per_sec of grouping + scoring in
 * memory on one core, and clearing_seconds of the year's clearing through a SQLite database
 * (advances from settlements, scores, deductions, statements written). Rates use double; no
 * figure that pays does. `--fill-only` leaves a database for `dip build|score|clear` (tests);
 * `--append` adds to an existing database; `--year Y` moves the county's year (default 2025). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dip_cmd.h"
#include "money.h"
#include "store.h"
#include "store_dip.h"

#define BENCH_DIAGS 400
static int BENCH_YEAR = 2025; /* --year */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t next(rng *r) { /* xorshift64* */
  r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27;
  return r->s * 2685821657736338717u;
}
static uint32_t below(rng *r, uint32_t n) { return (uint32_t)((next(r) >> 32) % n); }

static int inst_level(int i) { return i < 2 ? 3 : i < 10 ? 2 : 1; }

/* One synthetic case: skewed diagnosis popularity, up to two procedures, a cost around the
 * combination's own base with a long right tail. */
static void synth(rng *r, int year, int ninst, int64_t i, int special_per_10k, dip_case *c) {
  static const char letters[] = "ABCDEGHIJKLMNORSTZ";
  memset(c, 0, sizeof *c);
  uint32_t u = below(r, 1000);
  uint32_t d = (uint32_t)((uint64_t)u * u * BENCH_DIAGS / 1000000u); /* skewed toward small indices */
  snprintf(c->id, sizeof c->id, "BV%d%09lld", year, (long long)i);
  int inst = (int)below(r, 100) < 40 ? (int)below(r, 10) : (int)below(r, (uint32_t)ninst);
  snprintf(c->inst, sizeof c->inst, "BH%04d", inst);
  c->level = (int8_t)inst_level(inst);
  snprintf(c->diag, sizeof c->diag, "%c%02u.%u", letters[d % (sizeof letters - 1)], (d * 7) % 100, d % 10);
  uint32_t v = below(r, 3);
  if (v >= 1) snprintf(c->procs, sizeof c->procs, "%02u.%02u", (d * 13) % 87, d % 100);
  if (v == 2) snprintf(c->procs + strlen(c->procs), sizeof c->procs - strlen(c->procs), ",88.%02u", d % 100);
  int64_t base = 200000 + (int64_t)((d * 2654435761u) % 2000000u); /* 2 000 – 22 000 yuan */
  base = base * (10 + 6 * (int64_t)v) / 10;
  int64_t f = 500 + below(r, 1000) + (int64_t)below(r, 1000) * below(r, 1000) / 600; /* ‰ of base */
  c->cost = base * f / 1000;
  c->year = year;
  c->special = (int)below(r, 10000) < special_per_10k;
}

/* This thread's CPU time: the one-core rate when the machine is shared. */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct fill_job {
  const dip_cases *c;
  int ninst;
  int64_t from, to;
} fill_job;

static int fill_base(store_conn *w, void *arg, yb_err *e) {
  fill_job *j = arg;
  int rc = 0;
  for (int i = 0; i < j->ninst && !rc; i++) {
    store_inst in;
    memset(&in, 0, sizeof in);
    snprintf(in.fixmedins_code, sizeof in.fixmedins_code, "BH%04d", i);
    snprintf(in.fixmedins_name, sizeof in.fixmedins_name, "Bench hospital %d", i);
    in.hosp_lv = inst_level(i);
    snprintf(in.hosp_lv_code, sizeof in.hosp_lv_code, "%d", in.hosp_lv);
    snprintf(in.medins_type, sizeof in.medins_type, "A");
    snprintf(in.admdvs, sizeof in.admdvs, "990101");
    snprintf(in.secret, sizeof in.secret, "bench");
    rc = store_inst_put(w, &in, e);
  }
  for (int i = 0; i < 1000 && !rc; i++) {
    store_person p;
    memset(&p, 0, sizeof p);
    snprintf(p.psn_no, sizeof p.psn_no, "BP%06d", i);
    snprintf(p.psn_cert_type, sizeof p.psn_cert_type, "01");
    snprintf(p.certno, sizeof p.certno, "BENCH%06d", i);
    snprintf(p.psn_name, sizeof p.psn_name, "bench %d", i);
    snprintf(p.gend, sizeof p.gend, "1");
    snprintf(p.brdy, sizeof p.brdy, "1970-01-01");
    snprintf(p.insuplc_admdvs, sizeof p.insuplc_admdvs, "990101");
    rc = store_person_put(w, &p, e);
  }
  return rc;
}

/* Inpatient stays as the HSI / generator leave them: a discharged visit with its procedures in
 * info, and one original settlement (fund = 65 % of the cost). */
static int fill_cases(store_conn *w, void *arg, yb_err *e) {
  fill_job *j = arg;
  int rc = 0;
  for (int64_t i = j->from; i < j->to && !rc; i++) {
    const dip_case *c = &j->c->a[i];
    char info[128], begin[24], end[24];
    int month = (int)(i % 12) + 1, year = (c->year % 10000 + 10000) % 10000;
    snprintf(info, sizeof info, "{\"oprn_oprt_code\":\"%s\",\"ipt_days\":5}", c->procs);
    snprintf(begin, sizeof begin, "%04d-%02d-10 08:00:00", year, month);
    snprintf(end, sizeof end, "%04d-%02d-15 10:00:00", year, month);
    store_visit v;
    memset(&v, 0, sizeof v);
    snprintf(v.mdtrt_id, sizeof v.mdtrt_id, "%s", c->id);
    snprintf(v.psn_no, sizeof v.psn_no, "BP%06lld", (long long)(i % 1000));
    snprintf(v.fixmedins_code, sizeof v.fixmedins_code, "%s", c->inst);
    snprintf(v.kind, sizeof v.kind, "ipt");
    snprintf(v.insutype, sizeof v.insutype, "390");
    snprintf(v.med_type, sizeof v.med_type, "21");
    snprintf(v.ipt_otp_no, sizeof v.ipt_otp_no, "Z%s", c->id + 2);
    memcpy(v.begntime, begin, sizeof v.begntime - 1);
    memcpy(v.endtime, end, sizeof v.endtime - 1);
    snprintf(v.dise_codg, sizeof v.dise_codg, "%s", c->diag);
    v.n_diag = 1;
    snprintf(v.diag[0], sizeof v.diag[0], "%s", c->diag);
    v.state = STORE_VISIT_DISCHARGED;
    v.info = info;
    if ((rc = store_visit_put(w, &v, e))) break;
    store_setl s;
    memset(&s, 0, sizeof s);
    snprintf(s.setl_id, sizeof s.setl_id, "S%.30s", c->id);
    snprintf(s.mdtrt_id, sizeof s.mdtrt_id, "%s", c->id);
    snprintf(s.psn_no, sizeof s.psn_no, "%s", v.psn_no);
    snprintf(s.fixmedins_code, sizeof s.fixmedins_code, "%s", c->inst);
    snprintf(s.infno, sizeof s.infno, "2304");
    snprintf(s.msgid, sizeof s.msgid, "M%s", c->id);
    snprintf(s.insutype, sizeof s.insutype, "390");
    snprintf(s.med_type, sizeof s.med_type, "21");
    snprintf(s.clr_type, sizeof s.clr_type, "21");
    memcpy(s.setl_time, end, sizeof s.setl_time - 1);
    s.year = c->year, s.state = 1;
    s.medfee_sumamt = c->cost, s.fund_pay_sumamt = money_mul_bp(c->cost, 6500);
    s.psn_cash_pay = c->cost - s.fund_pay_sumamt;
    rc = store_setl_put(w, &s, e);
    if (!rc && c->special) rc = store_dip_special_put(w, c->id, "bench", "synthetic special review", e);
  }
  return rc;
}

typedef struct score_job {
  const dip_catalog *cat;
  const dip_params *p;
  const dip_cases *c;
  const dip_score *s;
  const char *version;
} score_job;

static int cat_write(store_conn *w, void *arg, yb_err *e) {
  score_job *j = arg;
  return store_dip_catalog_put(w, j->version, j->cat, "{\"bench\":true}", e);
}

static int scores_write(store_conn *w, void *arg, yb_err *e) {
  score_job *j = arg;
  int rc = store_dip_cases_clear(w, BENCH_YEAR, e);
  char trace[2048];
  for (int64_t i = 0; i < j->c->n && !rc; i++) {
    if (dip_score_trace(j->cat, j->p, &j->c->a[i], &j->s[i], trace, sizeof trace) < 0) trace[0] = 0;
    rc = store_dip_case_put(w, &j->c->a[i], &j->s[i], &j->cat->groups[j->s[i].group], j->version, trace, e);
  }
  return rc;
}

static int ded_write(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  int rc = 0;
  for (int i = 0; i < 20 && !rc; i++) {
    char code[16];
    snprintf(code, sizeof code, "BH%04d", i * 3);
    rc = store_dip_deduction_add(w, BENCH_YEAR, code, 10000 * (i + 1), "bench", "synthetic audit deduction", e);
  }
  return rc;
}

static int bench_db(const char *db, const dip_params *p, const dip_cases *h, const dip_cases *cur,
                    const dip_catalog *cat, int ninst, int with_history, int fill_only, int append, yb_err *e) {
  char path[1100];
  if (!append) {
    unlink(db);
    snprintf(path, sizeof path, "%s-wal", db), unlink(path);
    snprintf(path, sizeof path, "%s-shm", db), unlink(path);
  }
  store *st;
  int rc = store_open(db, &st, e);
  if (rc) return rc;
  double t0 = cmd_now();
  fill_job f = {cur, ninst, 0, cur->n};
  rc = store_write(st, fill_base, &f, e);
  if (!rc) rc = store_write(st, fill_cases, &f, e);
  if (!rc && with_history) {
    fill_job fh = {h, ninst, 0, h->n};
    rc = store_write(st, fill_cases, &fh, e);
  }
  if (!rc) rc = store_write(st, ded_write, NULL, e);
  printf("fill_seconds: %.2f\n", cmd_now() - t0);
  if (rc || fill_only) return store_close(st), rc;
  /* score through the store as `dip score` does: read the year's stays, score, write with traces */
  dip_cases c = {0};
  dip_score *s = NULL;
  store_conn *r = store_reader(st, e);
  score_job j = {cat, p, &c, NULL, "bench"};
  if (!r) rc = e->code;
  if (!rc) rc = store_write(st, cat_write, &j, e);
  double t1 = cmd_now();
  if (!rc) rc = store_dip_history_each(r, BENCH_YEAR, BENCH_YEAR, dip_cases_push_row, &c, e);
  if (!rc && !(s = calloc((size_t)c.n + 1, sizeof *s))) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (!rc) rc = dip_score_all(cat, p, c.a, c.n, s, e);
  j.s = s;
  if (!rc) rc = store_write(st, scores_write, &j, e);
  if (!rc) printf("score_db_seconds: %.2f\nscore_db_cases: %lld\n", cmd_now() - t1, (long long)c.n);
  dip_clearing k;
  double t2 = cmd_now();
  if (!rc) rc = dip_cmd_clear_db(st, BENCH_YEAR, p, &k, e);
  if (!rc) {
    printf("clearing_seconds: %.2f\n", cmd_now() - t2);
    printf("clearing_budget_exact: %s\n", k.sum_entitled == p->budget ? "yes" : "NO");
    char pv[32];
    money_format(k.pv_e6, 8, 2, pv);
    printf("point_value_yuan: %s\n", pv);
  }
  free(c.a), free(s);
  store_close(st);
  return rc;
}

int dip_cmd_bench(int argc, char **argv) {
  const char *n_s = cmd_opt(argc, argv, "--cases"), *db = cmd_opt(argc, argv, "--db");
  int64_t n = n_s ? atoll(n_s) : 150000;
  const char *y_s = cmd_opt(argc, argv, "--year");
  BENCH_YEAR = y_s ? atoi(y_s) : 2025;
  if (BENCH_YEAR < 2003 || BENCH_YEAR > 2199) return fprintf(stderr, "yibao dip bench: --year must lie in [2003, 2199]\n"), 2;
  int ninst = 60, rc = 0;
  if (n < 100 || n > 5000000) return fprintf(stderr, "yibao dip bench: --cases must lie in [100, 5000000]\n"), 2;
  yb_err e;
  yb_err_clear(&e);
  dip_params p;
  dip_params_default(&p);
  p.pay_ratio_bp = 6500;
  dip_cases h = {0}, cur = {0};
  rng r = {0x9e3779b97f4a7c15u};
  for (int y = BENCH_YEAR - 3; y < BENCH_YEAR && !rc; y++)
    for (int64_t i = 0; i < n && !rc; i++) {
      dip_case c;
      synth(&r, y, ninst, i, 0, &c);
      rc = dip_cases_push(&h, &c);
    }
  int64_t fund = 0;
  for (int64_t i = 0; i < n && !rc; i++) {
    dip_case c;
    synth(&r, BENCH_YEAR, ninst, i, 30, &c);
    rc = dip_cases_push(&cur, &c);
    fund += money_mul_bp(c.cost, 6500);
  }
  p.budget = money_mul_bp(fund, 9800); /* a budget a little below what was settled */
  if (rc) return fprintf(stderr, "yibao dip bench: out of memory\n"), 1;
  printf("history_cases: %lld\nyear_cases: %lld\ninstitutions: %d\n", (long long)h.n, (long long)cur.n, ninst);
  dip_catalog *cat = NULL;
  double t0 = cmd_now();
  if ((rc = dip_catalog_build(&p, BENCH_YEAR, h.a, h.n, &cat, &e))) goto out;
  printf("catalogue_build_seconds: %.3f\ngroups: %lld\n", cmd_now() - t0, (long long)cat->n_groups);
  dip_score *s = calloc((size_t)cur.n, sizeof *s);
  if (!s) goto out;
  int64_t done = 0;
  double t1 = cmd_now(), c1 = cpu_s(), t;
  do {
    if ((rc = dip_score_all(cat, &p, cur.a, cur.n, s, &e))) break;
    done += cur.n;
  } while ((t = cmd_now()) - t1 < 1.0 || done < 3 * cur.n);
  free(s);
  if (rc) goto out;
  printf("cases_per_sec: %.0f\ncases_per_cpu_sec: %.0f\n", (double)done / (t - t1), (double)done / (cpu_s() - c1));
  if (db) rc = bench_db(db, &p, &h, &cur, cat, ninst, cmd_flag(argc, argv, "--history"),
                        cmd_flag(argc, argv, "--fill-only"), cmd_flag(argc, argv, "--append"), &e);
out:
  dip_catalog_free(cat);
  free(h.a), free(cur.a);
  if (rc) {
    char b[600];
    fprintf(stderr, "yibao dip bench: %s\n", yb_err_text(&e, b, sizeof b));
    return 1;
  }
  return 0;
}
