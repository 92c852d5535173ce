/* cmd_dip_cases.c — `yibao dip cases DIR`: golden DIP cases (tests/dip/NAME.json, format in
 * docs/dip.md). Each file gives parameters, a history, the year's cases and institutions, and the
 * hand-checked figures expected; every expected figure is compared exactly, as an integer. */
#include <dirent.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dip_cmd.h"
#include "dip_policy.h"
#include "jsonx.h"
#include "money.h"

typedef struct run {
  const char *file;
  int bad;
} run;

__attribute__((format(printf, 2, 3))) static void miss(run *r, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!r->bad++) printf("FAIL %s\n", r->file);
  printf("  %s\n", msg);
}

static void pol_fail(void *ctx, int code, const char *path, const char *msg) {
  (void)code;
  miss(ctx, "%s: %s", path, msg);
}

static const char *str(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : "";
}

/* One case row (history or the year's); "count" repeats it, "costs" gives one case per cost. */
static int read_cases(run *r, json_t *list, const char *what, int year, dip_cases *out) {
  size_t i;
  json_t *row;
  json_array_foreach(list, i, row) {
    dip_case c;
    memset(&c, 0, sizeof c);
    snprintf(c.inst, sizeof c.inst, "%s", str(row, "inst"));
    snprintf(c.diag, sizeof c.diag, "%s", str(row, "diag"));
    snprintf(c.procs, sizeof c.procs, "%s", str(row, "procs"));
    json_t *v;
    c.year = (v = json_object_get(row, "year")) ? (int32_t)json_integer_value(v) : year;
    c.level = (int8_t)json_integer_value(json_object_get(row, "level"));
    c.special = json_is_true(json_object_get(row, "special"));
    json_t *costs = json_object_get(row, "costs");
    int64_t count = (v = json_object_get(row, "count")) ? json_integer_value(v) : 1;
    if (!costs) {
      costs = json_array();
      for (int64_t k = 0; k < count; k++) json_array_append(costs, json_object_get(row, "cost"));
    } else {
      json_incref(costs);
    }
    size_t k;
    json_t *cv;
    json_array_foreach(costs, k, cv) {
      if (jsonx_dec(cv, MONEY_SCALE_FEN, &c.cost)) {
        miss(r, "%s[%zu].cost: not an amount in yuan", what, i);
        json_decref(costs);
        return -1;
      }
      if (json_array_size(costs) == 1 && *str(row, "id")) snprintf(c.id, sizeof c.id, "%s", str(row, "id"));
      else if (snprintf(c.id, sizeof c.id, "%.12s%zu-%zu", *str(row, "id") ? str(row, "id") : what, i, k) < 0) c.id[0] = 0;
      if (dip_cases_push(out, &c)) return json_decref(costs), -1;
    }
    json_decref(costs);
  }
  return 0;
}

/* Compare an expected decimal (at scale) with an actual integer. */
static void want_dec(run *r, json_t *exp, const char *key, int scale, int64_t got, const char *where) {
  json_t *v = json_object_get(exp, key);
  if (!v) return;
  int64_t w;
  char g[32];
  money_format(got, scale, 0, g);
  if (jsonx_dec(v, scale, &w)) return miss(r, "%s.%s: expected value is not a decimal at %d places", where, key, scale);
  if (w != got) {
    char ws[32];
    money_format(w, scale, 0, ws);
    miss(r, "%s.%s: want %s, got %s", where, key, ws, g);
  }
}

static void want_str(run *r, json_t *exp, const char *key, const char *got, const char *where) {
  json_t *v = json_object_get(exp, key);
  if (v && (!json_is_string(v) || strcmp(json_string_value(v), got)))
    miss(r, "%s.%s: want %s, got %s", where, key, json_is_string(v) ? json_string_value(v) : "?", got);
}

static void check_groups(run *r, json_t *exp, const dip_catalog *cat) {
  const char *code;
  json_t *g;
  json_object_foreach(exp, code, g) {
    char where[160];
    snprintf(where, sizeof where, "groups.%s", code);
    const dip_group *x = dip_catalog_find(cat, code);
    if (!x) {
      if (!json_is_false(json_object_get(g, "exists"))) miss(r, "%s: no such group", where);
      continue;
    }
    if (json_is_false(json_object_get(g, "exists"))) miss(r, "%s: exists but should not", where);
    want_str(r, g, "kind", dip_group_kind_name(x->kind), where);
    want_dec(r, g, "n_cases", 0, x->n_cases, where);
    want_dec(r, g, "mean", 4, x->mean, where);
    want_dec(r, g, "rw", 4, x->rw4, where);
  }
}

static void check_cases(run *r, json_t *exp, const dip_catalog *cat, const dip_cases *c, const dip_score *s) {
  const char *id;
  json_t *x;
  json_object_foreach(exp, id, x) {
    char where[160];
    snprintf(where, sizeof where, "cases.%s", id);
    int64_t i = 0;
    while (i < c->n && strcmp(c->a[i].id, id)) i++;
    if (i == c->n) {
      miss(r, "%s: no such case", where);
      continue;
    }
    want_str(r, x, "group", cat->groups[s[i].group].code, where);
    want_str(r, x, "kind", dip_case_kind_name(s[i].kind), where);
    want_dec(r, x, "ratio", 4, s[i].ratio_bp, where);
    want_dec(r, x, "base", 4, s[i].base4, where);
    want_dec(r, x, "factor", 4, s[i].factor_bp, where);
    want_dec(r, x, "score", 4, s[i].score4, where);
    want_dec(r, x, "special_refused", 0, s[i].special_refused, where);
  }
}

static void check_clearing(run *r, json_t *exp, const dip_params *p, const dip_clearing *k, const dip_inst *in,
                           int64_t n) {
  json_t *c = json_object_get(exp, "clearing"), *x;
  if (c) {
    want_dec(r, c, "total_score", 4, k->total_score4, "clearing");
    want_dec(r, c, "point_value", 8, k->pv_e6, "clearing");
    want_dec(r, c, "fund_point_value", 8, k->fund_pv_e6, "clearing");
    want_dec(r, c, "remainder_fen", 0, k->remainder_fen, "clearing");
    want_dec(r, c, "sum_entitled", 2, k->sum_entitled, "clearing");
    want_dec(r, c, "sum_payment", 2, k->sum_payment, "clearing");
  }
  const char *code;
  json_object_foreach(json_object_get(exp, "communities"), code, x) {
    int i = 0;
    while (i < p->n_communities && strcmp(p->communities[i].code, code)) i++;
    char where[160];
    snprintf(where, sizeof where, "communities.%s", code);
    if (i == p->n_communities) {
      miss(r, "%s: no such community", where);
      continue;
    }
    want_dec(r, x, "entitled", 2, k->community_entitled[i], where);
    want_dec(r, x, "adjustment", 2, k->community_adj[i], where);
  }
  json_object_foreach(json_object_get(exp, "institutions"), code, x) {
    char where[160];
    snprintf(where, sizeof where, "institutions.%s", code);
    int64_t i = 0;
    while (i < n && strcmp(in[i].code, code)) i++;
    if (i == n) {
      miss(r, "%s: no such institution", where);
      continue;
    }
    want_dec(r, x, "cases", 0, in[i].n_cases, where);
    want_dec(r, x, "score", 4, in[i].score4, where);
    want_dec(r, x, "entitled", 2, in[i].entitled, where);
    want_dec(r, x, "remainder_fen", 0, in[i].remainder_fen, where);
    want_dec(r, x, "recognised", 2, in[i].recognised, where);
    want_dec(r, x, "community_adjustment", 2, in[i].community_adj, where);
    want_dec(r, x, "deposit", 2, in[i].deposit, where);
    want_dec(r, x, "payment", 2, in[i].payment, where);
  }
}

static dip_inst *inst_find(dip_inst *a, int64_t *n, const char *code) {
  for (int64_t i = 0; i < *n; i++)
    if (!strcmp(a[i].code, code)) return &a[i];
  memset(&a[*n], 0, sizeof a[*n]);
  snprintf(a[*n].code, sizeof a[*n].code, "%s", code);
  return &a[(*n)++];
}

/* Returns 1 passed, 0 failed. */
static int run_file(const char *path, const char *name) {
  run r = {name, 0};
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!root) return miss(&r, "line %d: %s", je.line, je.text), 0;
  int year = (int)json_integer_value(json_object_get(root, "year"));
  json_t *exp = json_object_get(root, "expect"), *experr = json_object_get(exp, "error");
  dip_params p;
  dip_cases h = {0}, c = {0};
  dip_catalog *cat = NULL;
  dip_score *s = NULL;
  dip_inst *in = NULL;
  yb_err e;
  yb_err_clear(&e);
  int rc = 0;
  if (dip_policy_parse(json_object_get(root, "dip"), "dip", &p, pol_fail, &r)) goto out;
  if (read_cases(&r, json_object_get(root, "history"), "history", year, &h) ||
      read_cases(&r, json_object_get(root, "cases"), "cases", year, &c))
    goto out;
  rc = dip_catalog_build(&p, year, h.a, h.n, &cat, &e);
  if (!rc) {
    if (!(s = calloc((size_t)c.n + 1, sizeof *s))) goto out;
    rc = dip_score_all(cat, &p, c.a, c.n, s, &e);
  }
  json_t *insts = json_object_get(root, "institutions");
  int64_t n = 0;
  dip_clearing k;
  if (!rc && (in = calloc((size_t)(c.n + json_array_size(insts) + 1), sizeof *in))) {
    for (int64_t i = 0; i < c.n; i++) {
      dip_inst *x = inst_find(in, &n, c.a[i].inst);
      x->n_cases++, x->score4 += s[i].score4;
    }
    size_t i;
    json_t *row;
    json_array_foreach(insts, i, row) {
      dip_inst *x = inst_find(in, &n, str(row, "code"));
      json_t *v;
      if ((v = json_object_get(row, "advances"))) jsonx_dec(v, MONEY_SCALE_FEN, &x->advances);
      if ((v = json_object_get(row, "deductions"))) jsonx_dec(v, MONEY_SCALE_FEN, &x->deductions);
    }
    if (json_object_get(exp, "clearing") || json_object_get(exp, "institutions") || experr)
      rc = dip_clear(&p, year, in, n, &k, &e);
  }
  if (experr) {
    if (!rc) miss(&r, "expect.error: the case succeeded");
    else want_str(&r, experr, "field", e.field, "error");
    goto out;
  }
  if (rc) {
    char b[600];
    miss(&r, "%s", yb_err_text(&e, b, sizeof b));
    goto out;
  }
  if (!in) goto out;
  check_groups(&r, json_object_get(exp, "groups"), cat);
  check_cases(&r, json_object_get(exp, "cases"), cat, &c, s);
  if (json_object_get(exp, "clearing") || json_object_get(exp, "institutions")) check_clearing(&r, exp, &p, &k, in, n);
out:
  json_decref(root);
  free(h.a), free(c.a), free(s), free(in);
  dip_catalog_free(cat);
  if (!r.bad) printf("ok   %s\n", name);
  return r.bad == 0;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int dip_cmd_cases(int argc, char **argv) {
  if (argc < 1) return fprintf(stderr, "usage: yibao dip cases DIR\n"), 2;
  DIR *d = opendir(argv[0]);
  if (!d) return fprintf(stderr, "yibao dip cases: cannot open %s\n", argv[0]), 1;
  char *names[512];
  int n = 0, pass = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 512) {
    size_t l = strlen(de->d_name);
    if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_name);
  for (int i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", argv[0], names[i]);
    pass += run_file(path, names[i]);
    free(names[i]);
  }
  printf("%d passed, %d failed\n", pass, n - pass);
  return pass == n ? 0 : 1;
}
