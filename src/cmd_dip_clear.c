/* cmd_dip_clear.c — `yibao dip clear`: a year's monthly advances from the settled fund, the
 * year-end clearing of every institution over its scores, and its statements, in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dip_cmd.h"
#include "dip_report.h"
#include "money.h"
#include "store_dip.h"

typedef struct inst_set {
  dip_inst *a;
  int64_t n, cap;
  uint32_t *slot, scap; /* hash of codes → index + 1, valid until the array is sorted */
} inst_set;

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

static int rehash(inst_set *s) {
  uint32_t cap = 64;
  while (cap < (uint64_t)s->cap * 2u) cap <<= 1;
  uint32_t *slot = calloc(cap, sizeof *slot);
  if (!slot) return -1;
  for (int64_t i = 0; i < s->n; i++) {
    uint32_t k = hash(s->a[i].code) & (cap - 1);
    while (slot[k]) k = (k + 1) & (cap - 1);
    slot[k] = (uint32_t)i + 1;
  }
  free(s->slot);
  s->slot = slot, s->scap = cap;
  return 0;
}

/* The institution of that code, added (zeroed) when new; NULL when out of memory. */
static dip_inst *inst_get(inst_set *s, const char *code) {
  if (s->scap) {
    uint32_t k = hash(code) & (s->scap - 1);
    for (; s->slot[k]; k = (k + 1) & (s->scap - 1))
      if (!strcmp(s->a[s->slot[k] - 1].code, code)) return &s->a[s->slot[k] - 1];
  }
  if (s->n == s->cap) {
    int64_t cap = s->cap ? s->cap * 2 : 256;
    dip_inst *a = realloc(s->a, (size_t)cap * sizeof *a);
    if (!a) return NULL;
    s->a = a, s->cap = cap;
  }
  dip_inst *x = &s->a[s->n++];
  memset(x, 0, sizeof *x);
  snprintf(x->code, sizeof x->code, "%s", code);
  if (rehash(s)) return NULL;
  return x;
}

typedef struct clear_job {
  int year, month_max; /* advances of months 1..month_max (0 = all) */
  const dip_params *p;
  dip_clearing *out;
  inst_set s;
  char version[64];
  /* the statement being written */
  dip_inst *cur;
  dip_buf json, csv;
  int64_t lines;
  uint8_t *done;
} clear_job;

static int totals_cb(const char *inst, int64_t n, int64_t score4, void *arg) {
  dip_inst *x = inst_get(&((clear_job *)arg)->s, inst);
  if (!x) return YB_ENOMEM;
  x->n_cases = n, x->score4 = score4;
  return 0;
}

static int ded_cb(const char *inst, int64_t amount, void *arg) {
  dip_inst *x = inst_get(&((clear_job *)arg)->s, inst);
  if (!x) return YB_ENOMEM;
  x->deductions += amount;
  return 0;
}

static int cmp_code(const void *k, const void *x) { return strcmp(k, ((const dip_inst *)x)->code); }

typedef struct stmt_ctx {
  clear_job *j;
  store_conn *w;
  yb_err *e;
} stmt_ctx;

static int stmt_finish(stmt_ctx *c) {
  clear_job *j = c->j;
  if (!j->cur) return 0;
  dip_statement_end(&j->json, &j->csv);
  int rc = j->json.failed || j->csv.failed ? yb_fail(c->e, YB_ENOMEM, "", "out of memory")
                                           : store_dip_statement_put(c->w, j->year, j->cur->code, j->json.s, j->csv.s, c->e);
  j->done[j->cur - j->s.a] = 1;
  j->json.n = j->csv.n = 0;
  j->cur = NULL;
  return rc;
}

static void stmt_start(clear_job *j, dip_inst *x) {
  j->cur = x, j->lines = 0;
  dip_statement_begin(j->p, j->out, x, j->version, &j->json, &j->csv);
}

static int line_cb(const store_dip_case_row *r, void *arg) {
  stmt_ctx *c = arg;
  clear_job *j = c->j;
  if (!j->cur || strcmp(j->cur->code, r->fixmedins_code)) {
    int rc = stmt_finish(c);
    if (rc) return rc;
    dip_inst *x = bsearch(r->fixmedins_code, j->s.a, (size_t)j->s.n, sizeof *j->s.a, cmp_code);
    if (!x) return yb_fail(c->e, YB_ECONFLICT, "dip_case", "%s has cases but no clearing", r->fixmedins_code);
    stmt_start(j, x);
  }
  dip_line l = {r->mdtrt_id, r->group, r->diag, r->procs, r->level, r->kind, r->special_req, r->special_refused,
                r->cost, r->rw4, r->ratio_bp, r->factor_bp, r->base4, r->score4};
  dip_statement_line(&l, j->lines++ == 0, &j->json, &j->csv);
  return 0;
}

/* The advance rows are written while the month sums are read: the callback needs the connection. */
typedef struct fund_ctx {
  clear_job *j;
  store_conn *w;
  yb_err *e;
} fund_ctx;

static int fund_write_cb(const char *inst, int month, int64_t fund, void *arg) {
  fund_ctx *f = arg;
  if (f->j->month_max && month > f->j->month_max) return 0;
  dip_inst *x = inst_get(&f->j->s, inst);
  if (!x) return yb_fail(f->e, YB_ENOMEM, "", "out of memory");
  int64_t adv = dip_advance(f->j->p, fund);
  x->advances += adv;
  if (month >= 1 && month <= 12) x->fund_month[month - 1] += fund, x->advance_month[month - 1] += adv;
  return store_dip_advance_put(f->w, f->j->year, month, inst, fund, f->j->p->advance_bp, adv, f->e);
}

int dip_advance_tx(store_conn *w, int year, int month_max, const dip_params *p, yb_err *e) {
  clear_job j;
  memset(&j, 0, sizeof j);
  j.year = year, j.month_max = month_max, j.p = p;
  fund_ctx f = {&j, w, e};
  int rc = store_dip_advances_clear(w, year, e);
  if (!rc) rc = store_dip_fund_months(w, year, fund_write_cb, &f, e);
  free(j.s.a), free(j.s.slot);
  return rc;
}

static int clear_all(store_conn *w, void *arg, yb_err *e) {
  clear_job *j = arg;
  fund_ctx f = {j, w, e};
  int rc = store_dip_advances_clear(w, j->year, e);
  if (!rc) rc = store_dip_fund_months(w, j->year, fund_write_cb, &f, e);
  if (!rc) rc = store_dip_score_totals(w, j->year, totals_cb, j, e);
  if (!rc) rc = store_dip_deductions_each(w, j->year, ded_cb, j, e);
  if (rc) return rc;
  if (!(j->done = calloc((size_t)(j->s.n ? j->s.n : 1), 1))) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  if ((rc = dip_clear(j->p, j->year, j->s.a, j->s.n, j->out, e))) return rc; /* sorts by code */
  stmt_ctx c = {j, w, e};
  rc = store_dip_case_each(w, j->year, NULL, line_cb, &c, e);
  if (!rc) rc = stmt_finish(&c);
  for (int64_t i = 0; i < j->s.n && !rc; i++)
    if (!j->done[i]) {
      stmt_start(j, &j->s.a[i]);
      rc = stmt_finish(&c);
    }
  dip_buf body = {0};
  dip_report_clearing(j->p, j->out, j->s.a, j->s.n, j->version, &body);
  if (!rc) rc = body.failed ? yb_fail(e, YB_ENOMEM, "", "out of memory")
                            : store_dip_clearing_put(w, j->year, j->version, j->out, body.s, e);
  if (!rc && getenv("YIBAO_DIP_PRINT")) fputs(body.s, stdout), fputc('\n', stdout);
  free(body.s);
  return rc;
}

int dip_clear_tx(store_conn *w, int year, const dip_params *p, dip_clearing *out, yb_err *e) {
  clear_job j;
  memset(&j, 0, sizeof j);
  j.year = year, j.p = p, j.out = out;
  /* the newest catalogue (the one `dip score` uses by default) names the statements */
  dip_catalog *cat = NULL;
  int rc = store_dip_catalog_get(w, NULL, year, &cat, j.version, sizeof j.version, e);
  dip_catalog_free(cat);
  if (rc == YB_ENOT_FOUND) yb_err_clear(e), snprintf(j.version, sizeof j.version, "none"), rc = 0;
  if (!rc) rc = clear_all(w, &j, e);
  free(j.s.a), free(j.s.slot), free(j.done), free(j.json.s), free(j.csv.s);
  return rc;
}

typedef struct clear_args {
  int year;
  const dip_params *p;
  dip_clearing *out;
} clear_args;

static int clear_write(store_conn *w, void *arg, yb_err *e) {
  clear_args *a = arg;
  return dip_clear_tx(w, a->year, a->p, a->out, e);
}

int dip_cmd_clear_db(store *st, int year, const dip_params *p, dip_clearing *out, yb_err *e) {
  clear_args a = {year, p, out};
  return store_write(st, clear_write, &a, e);
}

int dip_cmd_clear(int argc, char **argv) {
  yb_err e;
  yb_err_clear(&e);
  const char *db = cmd_opt(argc, argv, "--db"), *y = cmd_opt(argc, argv, "--year");
  store *st = NULL;
  int year = y ? atoi(y) : 0, rc = 0;
  dip_params p;
  dip_clearing k;
  if (!db) rc = yb_fail(&e, YB_EMISSING, "--db", "required: the database file");
  else if (year < 2000 || year > 2199) rc = yb_fail(&e, YB_ERANGE, "--year", "required: a year in 2000–2199");
  if (!rc) rc = store_open(db, &st, &e);
  store_conn *r = rc ? NULL : store_reader(st, &e);
  if (!rc && !r) rc = e.code;
  if (!rc) rc = dip_cmd_params(r, cmd_opt(argc, argv, "--policy"), year, &p, &e);
  if (!rc) rc = dip_cmd_clear_db(st, year, &p, &k, &e);
  if (!rc) {
    char v[10][32];
    money_fen_str(k.budget, v[0]), money_format(k.total_score4, 4, 4, v[1]), money_format(k.pv_e6, 8, 2, v[2]);
    money_format(k.fund_pv_e6, 8, 2, v[3]), money_fen_str(k.sum_payment, v[4]), money_fen_str(k.sum_advances, v[5]);
    money_fen_str(k.sum_deductions, v[6]), money_fen_str(k.sum_deposit, v[7]), money_fen_str(k.sum_entitled, v[8]);
    money_fen_str(k.sum_adj, v[9]);
    printf("cleared %d: budget %s, total score %s, point value %s yuan/point (fund %s), remainder %lld fen\n"
           "  entitled %s + community adjustments %s − advances %s − deductions %s − deposits %s = payments %s\n",
           year, v[0], v[1], v[2], v[3], (long long)k.remainder_fen, v[8], v[9], v[5], v[6], v[7], v[4]);
  }
  store_close(st);
  if (rc) {
    char b[600];
    fprintf(stderr, "yibao dip clear: %s\n", yb_err_text(&e, b, sizeof b));
    return 1;
  }
  return 0;
}

typedef struct adv_args {
  int year, month;
  const dip_params *p;
} adv_args;

static int advance_write(store_conn *w, void *arg, yb_err *e) {
  adv_args *a = arg;
  return dip_advance_tx(w, a->year, a->month, a->p, e);
}

typedef struct adv_sum {
  int64_t n, fund, amount;
} adv_sum;

static int adv_print(const char *inst, int month, int64_t fund, int32_t share_bp, int64_t amount, void *arg) {
  adv_sum *t = arg;
  char f[32], a[32], sh[32];
  money_format(share_bp, 4, 1, sh);
  printf("%s %2d  fund %14s × %s = advance %14s\n", inst, month, money_fen_str(fund, f), sh, money_fen_str(amount, a));
  t->n++, t->fund += fund, t->amount += amount;
  return 0;
}

int dip_cmd_advance(int argc, char **argv) {
  yb_err e;
  yb_err_clear(&e);
  const char *db = cmd_opt(argc, argv, "--db"), *y = cmd_opt(argc, argv, "--year"), *m = cmd_opt(argc, argv, "--month");
  store *st = NULL;
  adv_args a = {y ? atoi(y) : 0, m ? atoi(m) : 0, NULL};
  dip_params p;
  int rc = 0;
  if (!db) rc = yb_fail(&e, YB_EMISSING, "--db", "required: the database file");
  else if (a.year < 2000 || a.year > 2199) rc = yb_fail(&e, YB_ERANGE, "--year", "required: a year in 2000–2199");
  else if (m && (a.month < 1 || a.month > 12)) rc = yb_fail(&e, YB_ERANGE, "--month", "must be 1–12");
  if (!rc) rc = store_open(db, &st, &e);
  store_conn *r = rc ? NULL : store_reader(st, &e);
  if (!rc && !r) rc = e.code;
  if (!rc) rc = dip_cmd_params(r, cmd_opt(argc, argv, "--policy"), a.year, &p, &e);
  a.p = &p;
  if (!rc) rc = store_write(st, advance_write, &a, &e);
  adv_sum t = {0, 0, 0};
  if (!rc) rc = store_dip_advances_each(r, a.year, a.month, adv_print, &t, &e);
  if (!rc) {
    char f[32], am[32];
    printf("%lld rows: fund %s, advances %s\n", (long long)t.n, money_fen_str(t.fund, f), money_fen_str(t.amount, am));
  }
  store_close(st);
  if (rc) {
    char b[600];
    fprintf(stderr, "yibao dip advance: %s\n", yb_err_text(&e, b, sizeof b));
    return 1;
  }
  return 0;
}
