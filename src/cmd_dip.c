/* cmd_dip.c — `yibao dip build|score|advance|clear|export|statement|special|deduct|cases|bench`: the DIP
 * cycle over a database. Parameters come from a policy file's "dip" section (--policy), or from
 * the stored policy of that year; every write is one store_write transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "dip.h"
#include "dip_cmd.h"
#include "dip_policy.h"
#include "dip_report.h"
#include "money.h"
#include "policy.h"
#include "store_dip.h"

static int fail(const char *what, const yb_err *e) {
  char b[600];
  fprintf(stderr, "yibao dip %s: %s\n", what, yb_err_text(e, b, sizeof b));
  return 1;
}

typedef struct pol_find {
  int year;
  char *body;
} pol_find;

static int pol_row(const char *region, int year, const char *version, const char *body, void *arg) {
  (void)region, (void)version;
  pol_find *f = arg;
  if (year == f->year && strstr(body, "\"dip\"")) {
    free(f->body);
    f->body = strdup(body);
  }
  return 0;
}

/* The year's DIP parameters from --policy FILE or the stored policies. */
int dip_cmd_params(store_conn *c, const char *path, int year, dip_params *out, yb_err *e) {
  policy *p = NULL;
  int rc;
  if (path) {
    rc = policy_load(path, &p, e);
  } else {
    pol_find f = {year, NULL};
    if (!c) return yb_fail(e, YB_EMISSING, "--policy", "required: a policy file with a \"dip\" section");
    if ((rc = store_policy_each(c, pol_row, &f, e))) return rc;
    if (!f.body) return yb_fail(e, YB_ENOT_FOUND, "--policy", "no stored %d policy has a \"dip\" section; pass --policy", year);
    rc = policy_load_text(f.body, strlen(f.body), &p, e);
    free(f.body);
  }
  if (rc) return rc;
  if (!p->dip) rc = yb_fail(e, YB_EPOLICY, "dip", "the policy has no \"dip\" section (docs/policy.md)");
  else *out = *p->dip;
  policy_free(p);
  return rc;
}

static int get_year(int argc, char **argv, int *year, yb_err *e) {
  const char *y = cmd_opt(argc, argv, "--year");
  if (!y) return yb_fail(e, YB_EMISSING, "--year", "required: the year, e.g. --year 2025");
  char *end;
  long v = strtol(y, &end, 10);
  if (*end || v < 2000 || v > 2199) return yb_fail(e, YB_ERANGE, "--year", "'%s' is not a year in 2000–2199", y);
  *year = (int)v;
  return 0;
}

typedef struct dip_open {
  store *st;
  store_conn *r;
  int year;
  dip_params p;
} dip_open;

static int open_db(int argc, char **argv, int need_params, dip_open *o, yb_err *e) {
  memset(o, 0, sizeof *o);
  const char *db = cmd_opt(argc, argv, "--db");
  if (!db) return yb_fail(e, YB_EMISSING, "--db", "required: the database file");
  int rc = get_year(argc, argv, &o->year, e);
  if (rc) return rc;
  if ((rc = store_open(db, &o->st, e))) return rc;
  if (!(o->r = store_reader(o->st, e))) return e->code;
  if (need_params) return dip_cmd_params(o->r, cmd_opt(argc, argv, "--policy"), o->year, &o->p, e);
  return 0;
}

/* ---- cases read from the store into a growable array ----------------------------------------- */
int dip_cases_push(dip_cases *v, const dip_case *c) {
  if (v->n == v->cap) {
    int64_t cap = v->cap ? v->cap * 2 : 4096;
    dip_case *a = realloc(v->a, (size_t)cap * sizeof *a);
    if (!a) return YB_ENOMEM;
    v->a = a, v->cap = cap;
  }
  v->a[v->n++] = *c;
  return 0;
}

int dip_cases_push_row(const dip_case *c, void *arg) { return dip_cases_push(arg, c); }

/* ---- build ---------------------------------------------------------------------------------- */
int dip_build_tx(store_conn *w, int year, const dip_params *p, dip_build_out *o, yb_err *e) {
  dip_cases h = {0};
  dip_catalog *cat = NULL;
  memset(o, 0, sizeof *o);
  int rc = store_dip_history_each(w, year - 3, year - 1, dip_cases_push_row, &h, e);
  if (!rc) rc = dip_catalog_build(p, year, h.a, h.n, &cat, e);
  char params[256];
  snprintf(params, sizeof params, "{\"weights\":[%d,%d,%d],\"trim_bp\":[%d,%d],\"core_threshold\":%d,\"diag_len\":%d}",
           p->weight[0], p->weight[1], p->weight[2], p->trim_low_bp, p->trim_high_bp, p->core_threshold, p->diag_len);
  if (!rc) rc = store_dip_version_next(w, year, o->version, sizeof o->version, e);
  if (!rc) rc = store_dip_catalog_put(w, o->version, cat, params, e);
  if (!rc) {
    o->n_groups = cat->n_groups, o->n_cases = cat->n_cases, o->overall_mean = cat->overall_mean;
    for (int64_t g = 0; g < cat->n_groups; g++) o->kinds[cat->groups[g].kind]++;
  }
  free(h.a);
  dip_catalog_free(cat);
  return rc;
}

typedef struct build_job {
  int year;
  const dip_params *p;
  dip_build_out o;
} build_job;

static int build_write(store_conn *w, void *arg, yb_err *e) {
  build_job *b = arg;
  return dip_build_tx(w, b->year, b->p, &b->o, e);
}

static int dip_build(int argc, char **argv) {
  dip_open o;
  yb_err e;
  yb_err_clear(&e);
  int rc = open_db(argc, argv, 1, &o, &e);
  build_job b;
  memset(&b, 0, sizeof b);
  b.year = o.year, b.p = &o.p;
  if (!rc) rc = store_write(o.st, build_write, &b, &e);
  if (!rc) {
    char m[32];
    money_format(b.o.overall_mean, 4, 2, m);
    printf("catalogue %s: %lld groups (core %lld, category %lld, chapter %lld, all %lld) from %lld cases of %d-%d;"
           " overall mean %s yuan\n", b.o.version, (long long)b.o.n_groups, (long long)b.o.kinds[0],
           (long long)b.o.kinds[1], (long long)b.o.kinds[2], (long long)b.o.kinds[3], (long long)b.o.n_cases,
           o.year - 3, o.year - 1, m);
  }
  store_close(o.st);
  return rc ? fail("build", &e) : 0;
}

/* ---- score ---------------------------------------------------------------------------------- */
int dip_score_tx(store_conn *w, int year, const dip_params *p, const char *version, dip_score_out *o, yb_err *e) {
  dip_cases c = {0};
  dip_catalog *cat = NULL;
  dip_score *s = NULL;
  memset(o, 0, sizeof *o);
  int rc = store_dip_catalog_get(w, version, year, &cat, o->version, sizeof o->version, e);
  if (!rc) rc = store_dip_history_each(w, year, year, dip_cases_push_row, &c, e);
  if (!rc && !(s = calloc((size_t)(c.n ? c.n : 1), sizeof *s))) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  double t0 = cmd_now();
  if (!rc) rc = dip_score_all(cat, p, c.a, c.n, s, e);
  o->score_seconds = cmd_now() - t0;
  if (!rc) rc = store_dip_cases_clear(w, year, e);
  char trace[2048];
  for (int64_t i = 0; i < c.n && !rc; i++) {
    if (dip_score_trace(cat, p, &c.a[i], &s[i], trace, sizeof trace) < 0) trace[0] = 0;
    rc = store_dip_case_put(w, &c.a[i], &s[i], &cat->groups[s[i].group], o->version, trace, e);
    o->kinds[s[i].kind]++, o->refused += s[i].special_refused, o->total_score4 += s[i].score4;
  }
  o->n = c.n;
  free(c.a), free(s);
  dip_catalog_free(cat);
  return rc;
}

typedef struct score_job {
  int year;
  const dip_params *p;
  const char *version;
  dip_score_out o;
} score_job;

static int score_write(store_conn *w, void *arg, yb_err *e) {
  score_job *j = arg;
  return dip_score_tx(w, j->year, j->p, j->version, &j->o, e);
}

static int dip_score_cmd(int argc, char **argv) {
  dip_open o;
  yb_err e;
  yb_err_clear(&e);
  dip_catalog *cat = NULL;
  char version[64] = "";
  const char *one = cmd_opt(argc, argv, "--mdtrt");
  int rc = open_db(argc, argv, 1, &o, &e);
  if (!rc && one) { /* one stay: print its trace, write nothing */
    dip_case k;
    dip_score x;
    char trace[2048], sc[32];
    if (!(rc = store_dip_catalog_get(o.r, cmd_opt(argc, argv, "--version"), o.year, &cat, version, sizeof version, &e)) &&
        !(rc = store_dip_case_load(o.r, one, &k, &e)) && !(rc = dip_score_case(cat, &o.p, &k, &x, &e))) {
      dip_score_trace(cat, &o.p, &k, &x, trace, sizeof trace);
      money_format(x.score4, 4, 4, sc);
      printf("{\"mdtrt_id\":\"%s\",\"catalogue\":\"%s\",\"score\":%s,\"trace\":%s}\n", k.id, version, sc, trace);
    }
    dip_catalog_free(cat);
    store_close(o.st);
    return rc ? fail("score", &e) : 0;
  }
  score_job j;
  memset(&j, 0, sizeof j);
  j.year = o.year, j.p = &o.p, j.version = cmd_opt(argc, argv, "--version");
  if (!rc) rc = store_write(o.st, score_write, &j, &e);
  if (!rc) {
    char t[32];
    money_format(j.o.total_score4, 4, 4, t);
    printf("scored %lld cases of %d with catalogue %s: total score %s; normal %lld, low %lld, high %lld, special %lld"
           " (refused over the limit %lld)\n", (long long)j.o.n, o.year, j.o.version, t, (long long)j.o.kinds[0],
           (long long)j.o.kinds[1], (long long)j.o.kinds[2], (long long)j.o.kinds[3], (long long)j.o.refused);
    if (j.o.score_seconds > 0) printf("cases_per_sec: %.0f\n", (double)j.o.n / j.o.score_seconds);
  }
  store_close(o.st);
  return rc ? fail("score", &e) : 0;
}

/* ---- export, statement, special, deduct ----------------------------------------------------- */
static int dip_export(int argc, char **argv) {
  dip_open o;
  yb_err e;
  yb_err_clear(&e);
  dip_catalog *cat = NULL;
  char version[64];
  int rc = open_db(argc, argv, 0, &o, &e);
  if (!rc) rc = store_dip_catalog_get(o.r, cmd_opt(argc, argv, "--version"), o.year, &cat, version, sizeof version, &e);
  if (!rc) {
    dip_buf b = {0};
    dip_report_catalog_csv(cat, version, &b);
    if (b.failed) rc = yb_fail(&e, YB_ENOMEM, "", "out of memory");
    else fputs(b.s, stdout);
    free(b.s);
  }
  dip_catalog_free(cat);
  store_close(o.st);
  return rc ? fail("export", &e) : 0;
}

static int dip_statement(int argc, char **argv) {
  dip_open o;
  yb_err e;
  yb_err_clear(&e);
  const char *inst = cmd_opt(argc, argv, "--inst");
  char *text = NULL;
  int csv = cmd_flag(argc, argv, "--csv");
  int rc = open_db(argc, argv, 0, &o, &e);
  if (!rc && !inst) rc = yb_fail(&e, YB_EMISSING, "--inst", "required: the institution's fixmedins_code");
  if (!rc) rc = store_dip_statement_get(o.r, o.year, inst, csv ? NULL : &text, csv ? &text : NULL, &e);
  if (!rc) printf("%s%s", text, csv ? "" : "\n");
  free(text);
  store_close(o.st);
  return rc ? fail("statement", &e) : 0;
}

typedef struct special_job {
  const char *mdtrt, *by, *note;
} special_job;

static int special_write(store_conn *w, void *arg, yb_err *e) {
  special_job *j = arg;
  dip_case k;
  int rc = store_dip_case_load(w, j->mdtrt, &k, e);
  return rc ? rc : store_dip_special_put(w, j->mdtrt, j->by, j->note, e);
}

static int dip_special(int argc, char **argv) {
  yb_err e;
  yb_err_clear(&e);
  store *st = NULL;
  special_job j = {cmd_opt(argc, argv, "--mdtrt"), cmd_opt(argc, argv, "--by"), cmd_opt(argc, argv, "--note")};
  const char *db = cmd_opt(argc, argv, "--db");
  int rc = 0;
  if (!db) rc = yb_fail(&e, YB_EMISSING, "--db", "required: the database file");
  else if (!j.mdtrt) rc = yb_fail(&e, YB_EMISSING, "--mdtrt", "required: the stay's mdtrt_id");
  else if (!j.by) rc = yb_fail(&e, YB_EMISSING, "--by", "required: who approved the special review");
  if (!rc) rc = store_open(db, &st, &e);
  if (!rc) rc = store_write(st, special_write, &j, &e);
  if (!rc) printf("special review approved for %s (applies at the next `dip score`, within the limit)\n", j.mdtrt);
  store_close(st);
  return rc ? fail("special", &e) : 0;
}

typedef struct deduct_job {
  int year;
  const char *inst, *source, *note;
  int64_t amount;
} deduct_job;

static int deduct_write(store_conn *w, void *arg, yb_err *e) {
  deduct_job *j = arg;
  return store_dip_deduction_add(w, j->year, j->inst, j->amount, j->source, j->note, e);
}

static int dip_deduct(int argc, char **argv) {
  dip_open o;
  yb_err e;
  yb_err_clear(&e);
  deduct_job j = {0, cmd_opt(argc, argv, "--inst"), cmd_opt(argc, argv, "--source"), cmd_opt(argc, argv, "--note"), 0};
  const char *amt = cmd_opt(argc, argv, "--amount");
  int rc = open_db(argc, argv, 0, &o, &e);
  j.year = o.year;
  if (!rc && !j.inst) rc = yb_fail(&e, YB_EMISSING, "--inst", "required: the institution's fixmedins_code");
  if (!rc && (!amt || money_parse(amt, MONEY_SCALE_FEN, &j.amount) || j.amount < 0))
    rc = yb_fail(&e, YB_EINVAL, "--amount", "required: a non-negative amount in yuan with at most 2 decimals");
  if (!rc) rc = store_write(o.st, deduct_write, &j, &e);
  if (!rc) printf("deduction of %s yuan filed against %s for %d\n", amt, j.inst, j.year);
  store_close(o.st);
  return rc ? fail("deduct", &e) : 0;
}

/* ---- dispatch --------------------------------------------------------------------------------- */
static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *usage;
} dip_cmds[] = {
    {"build", dip_build, "build --db F --year Y [--policy P]: catalogue for Y from Y-3..Y-1"},
    {"score", dip_score_cmd, "score --db F --year Y [--policy P] [--version V] [--mdtrt ID]: score Y's stays"},
    {"advance", dip_cmd_advance, "advance --db F --year Y [--month M] [--policy P]: advances of months 1..M"},
    {"clear", dip_cmd_clear, "clear --db F --year Y [--policy P]: advances, clearing, statements"},
    {"export", dip_export, "export --db F --year Y [--version V]: the catalogue as CSV"},
    {"statement", dip_statement, "statement --db F --year Y --inst CODE [--csv]"},
    {"special", dip_special, "special --db F --mdtrt ID --by WHO [--note T]: approve a special review"},
    {"deduct", dip_deduct, "deduct --db F --year Y --inst CODE --amount YUAN [--source S] [--note T]"},
    {"cases", dip_cmd_cases, "cases DIR: run the DIP golden cases; ends with 'N passed, N failed'"},
    {"bench", dip_cmd_bench, "bench [--cases N] [--db F] [--year Y] [--history] [--fill-only] [--append]: cases_per_sec, clearing_seconds"},
};

int cmd_dip(int argc, char **argv) {
  if (argc >= 1)
    for (size_t i = 0; i < sizeof dip_cmds / sizeof dip_cmds[0]; i++)
      if (!strcmp(argv[0], dip_cmds[i].name)) return dip_cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "usage: yibao dip COMMAND\n");
  for (size_t i = 0; i < sizeof dip_cmds / sizeof dip_cmds[0]; i++) fprintf(stderr, "  %s\n", dip_cmds[i].usage);
  return 2;
}
