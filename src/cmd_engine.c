/* cmd_engine.c — the engine's subcommands: adjudicate one case, run the golden cases,
 * check a policy file, and the engine benchmark. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benefit.h"
#include "benefit_json.h"
#include "cmd.h"
#include "jsonx.h"
#include "money.h"

/* ---------- loading a case ---------- */

typedef struct loaded_case {
  json_t *root;
  policy *pol;
  catalog *cat;
  benefit_person psn;
  benefit_visit visit;
  accum acc;
  benefit_line *lines;
  int n;
} loaded_case;

static void case_free(loaded_case *c) {
  json_decref(c->root);
  policy_free(c->pol);
  catalog_free(c->cat);
  free(c->lines);
  memset(c, 0, sizeof *c);
}

/* A path relative to the case file's folder, or an inline object. */
static int load_ref(json_t *ref, const char *dir, const char *key, int (*from_file)(const char *, void **, yb_err *),
                    int (*from_text)(const char *, size_t, void **, yb_err *), void **out, yb_err *e) {
  if (json_is_string(ref)) {
    char path[1024];
    const char *s = json_string_value(ref);
    if (s[0] == '/')
      snprintf(path, sizeof path, "%s", s);
    else
      snprintf(path, sizeof path, "%s/%s", dir, s);
    return from_file(path, out, e);
  }
  if (json_is_object(ref)) {
    char *text = json_dumps(ref, JSON_COMPACT);
    int rc = from_text(text, strlen(text), out, e);
    free(text);
    return rc;
  }
  return yb_fail(e, YB_EMISSING, key, "must be a file path or an inline object");
}

static int pol_file(const char *p, void **o, yb_err *e) { return policy_load(p, (policy **)o, e); }
static int pol_text(const char *t, size_t n, void **o, yb_err *e) { return policy_load_text(t, n, (policy **)o, e); }
static int cat_file(const char *p, void **o, yb_err *e) { return catalog_load(p, (catalog **)o, e); }
static int cat_text(const char *t, size_t n, void **o, yb_err *e) { return catalog_load_text(t, n, (catalog **)o, e); }

/* Load policy and catalog (from the case, or the given overrides), then the inputs.
 * Returns 0, or the engine-input error (which a refusal case may expect). *setup_failed
 * tells a broken case file (policy unreadable) from a refused input. */
static int case_load(const char *file, const char *pol_path, const char *cat_path, loaded_case *c,
                     int *setup_failed, yb_err *e) {
  memset(c, 0, sizeof *c);
  *setup_failed = 1;
  json_error_t je;
  c->root = json_load_file(file, 0, &je);
  if (!c->root) return yb_fail(e, YB_EPARSE, file, "line %d: %s", je.line, je.text);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", file);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = 0;
  else
    snprintf(dir, sizeof dir, ".");
  json_t *pref = pol_path ? json_string(pol_path) : json_incref(json_object_get(c->root, "policy"));
  json_t *cref = cat_path ? json_string(cat_path) : json_incref(json_object_get(c->root, "catalog"));
  int rc = load_ref(pref, pol_path ? "." : dir, "policy", pol_file, pol_text, (void **)&c->pol, e);
  if (rc == 0) rc = load_ref(cref, cat_path ? "." : dir, "catalog", cat_file, cat_text, (void **)&c->cat, e);
  json_decref(pref);
  json_decref(cref);
  if (rc != 0) return rc;
  *setup_failed = 0;
  json_t *lines = json_object_get(c->root, "feedetail");
  size_t n = json_is_array(lines) ? json_array_size(lines) : 0;
  c->lines = calloc(n ? n : 1, sizeof *c->lines);
  if (!c->lines) return yb_fail(e, YB_ENOMEM, "feedetail", "out of memory");
  if (benefit_json_person(json_object_get(c->root, "person"), "person", &c->psn, e) ||
      benefit_json_visit(json_object_get(c->root, "visit"), "visit", &c->visit, e) ||
      benefit_json_accum_read(json_object_get(c->root, "accum"), "accum", c->pol, &c->acc, e) ||
      benefit_json_lines(lines, "feedetail", c->cat, c->lines, BENEFIT_MAX_LINES, &c->n, e))
    return e->code;
  return 0;
}

static json_t *settlement_json(const loaded_case *c, const benefit_result *r, const benefit_line_out *lo) {
  json_t *out = json_object();
  json_t *lines = json_array();
  for (int i = 0; i < c->n; i++) json_array_append_new(lines, benefit_json_fee_result(&c->lines[i], &lo[i]));
  json_object_set_new(out, "setlinfo", benefit_json_setlinfo(r));
  json_object_set_new(out, "setldetail", benefit_json_setldetail(r));
  json_object_set_new(out, "result", lines);
  json_object_set_new(out, "trace", benefit_json_trace(r));
  json_object_set_new(out, "accum_delta", benefit_json_accum(c->pol, &r->delta));
  return out;
}

/* Settle a loaded case; *out_json gets the settlement JSON on success. */
static int case_settle(loaded_case *c, benefit_result *r, json_t **out_json, benefit_line_out **keep,
                       yb_err *e) {
  benefit_line_out *lo = calloc(c->n ? (size_t)c->n : 1, sizeof *lo);
  if (!lo) return yb_fail(e, YB_ENOMEM, "feedetail", "out of memory");
  int rc = benefit_settle(c->pol, &c->psn, &c->acc, &c->visit, c->lines, c->n, lo, r, e);
  if (rc == 0) *out_json = settlement_json(c, r, lo);
  if (keep)
    *keep = lo;
  else
    free(lo);
  return rc;
}

/* ---------- adjudicate ---------- */

static void explain(FILE *f, const loaded_case *c, const benefit_result *r, const benefit_line_out *lo) {
  char a[32], b[32], d[32], g[32], h[32];
  fprintf(f, "参保人 %s  险种 %s  医疗类别 %s  医院等级 %d  日期 %d\n", c->psn.psn_no, c->visit.insutype,
          c->visit.med_type, c->visit.hosp_lv, c->visit.date);
  fprintf(f, "费用明细（金额 = 全自费 + 超限价 + 先行自付 + 政策范围内）：\n");
  for (int i = 0; i < c->n; i++) {
    const benefit_line_out *x = &lo[i];
    fprintf(f, "  %-4s %-34s %10s = %s + %s + %s + %s %s\n", c->lines[i].feedetl_sn, c->lines[i].item->name,
            money_fen_str(c->lines[i].sumamt, a), money_fen_str(x->fulamt_ownpay_amt, b),
            money_fen_str(x->overlmt_amt, d), money_fen_str(x->preselfpay_amt, g),
            money_fen_str(x->inscp_scp_amt, h), benefit_line_reason_text(x->reason));
  }
  for (int i = 0; i < r->n_trace; i++) {
    char text[256];
    benefit_step_text(&r->trace[i], text, sizeof text);
    fprintf(f, "%2d. [%s] %s\n", i + 1, benefit_step_key(&r->trace[i]), text);
    if (r->trace[i].rule) fprintf(f, "      依据 %s\n", r->trace[i].rule);
  }
  fprintf(f, "合计：医疗费 %s 元 = 基金支付 %s 元 + 个人负担 %s 元\n", money_fen_str(r->medfee_sumamt, a),
          money_fen_str(r->fund_pay_sumamt, b), money_fen_str(r->psn_part_amt, (char[32]){0}));
}

int cmd_adjudicate(int argc, char **argv) {
  const char *file = cmd_opt(argc, argv, "--case");
  if (!file) {
    fprintf(stderr, "usage: yibao adjudicate --case FILE [--policy P] [--catalog C] [--explain]\n");
    return 2;
  }
  loaded_case c;
  yb_err e = {0};
  int setup_failed;
  char msg[600];
  if (case_load(file, cmd_opt(argc, argv, "--policy"), cmd_opt(argc, argv, "--catalog"), &c, &setup_failed, &e)) {
    fprintf(stderr, "yibao adjudicate: %s\n", yb_err_text(&e, msg, sizeof msg));
    case_free(&c);
    return 1;
  }
  benefit_result r;
  json_t *out = NULL;
  benefit_line_out *lo = NULL;
  if (case_settle(&c, &r, &out, &lo, &e) != 0) {
    fprintf(stderr, "yibao adjudicate: %s\n", yb_err_text(&e, msg, sizeof msg));
    free(lo);
    case_free(&c);
    return 1;
  }
  if (cmd_flag(argc, argv, "--explain")) explain(stdout, &c, &r, lo);
  free(lo);
  if (!cmd_flag(argc, argv, "--explain") || cmd_flag(argc, argv, "--json")) {
    char *text = jsonx_dumps(out, JSON_INDENT(2));
    puts(text);
    free(text);
  }
  json_decref(out);
  case_free(&c);
  return 0;
}

/* ---------- golden cases ---------- */

/* Does `got` match `want`? Numbers compare exactly as decimals; objects by the keys
 * `want` names (or all keys when exact); arrays element by element, same length. */
static int match(json_t *want, json_t *got, bool exact, char *where, size_t n) {
  if (json_is_number(want) || (json_is_string(want) && json_is_number(got))) {
    int64_t a, b;
    if (!got || jsonx_dec(want, 6, &a) || jsonx_dec(got, 6, &b) || a != b) return -1;
    return 0;
  }
  if (json_is_object(want)) {
    if (!json_is_object(got)) return -1;
    const char *k;
    json_t *v;
    size_t len = strlen(where);
    json_object_foreach(want, k, v) {
      snprintf(where + len, n - len, ".%s", k);
      if (match(v, json_object_get(got, k), exact, where, n)) return -1;
    }
    if (exact)
      json_object_foreach(got, k, v) if (!json_object_get(want, k)) {
        snprintf(where + len, n - len, ".%s (unexpected)", k);
        return -1;
      }
    where[len] = 0;
    return 0;
  }
  if (json_is_array(want)) {
    if (!json_is_array(got) || json_array_size(got) != json_array_size(want)) {
      size_t len = strlen(where);
      snprintf(where + len, n - len, " (length %zu, expected %zu)", json_is_array(got) ? json_array_size(got) : 0,
               json_array_size(want));
      return -1;
    }
    size_t i, len = strlen(where);
    json_t *v;
    json_array_foreach(want, i, v) {
      snprintf(where + len, n - len, "[%zu]", i);
      if (match(v, json_array_get(got, i), exact, where, n)) return -1;
    }
    where[len] = 0;
    return 0;
  }
  return json_equal(want, got) ? 0 : -1;
}

/* DOMAIN.md's identities, on every settled case. */
static const char *identity_broken(const benefit_result *r) {
  int64_t fund = 0;
  for (int k = PAYER_HIFP; k <= PAYER_OTH; k++) fund += r->pay[k];
  if (fund != r->fund_pay_sumamt) return "fund_pay_sumamt != sum of funds";
  if (r->psn_part_amt != r->pay[PAYER_ACCT] + r->pay[PAYER_ACCT_MULAID] + r->psn_cash_pay)
    return "psn_part_amt != acct_pay + acct_mulaid_pay + psn_cash_pay";
  if (r->medfee_sumamt != r->fund_pay_sumamt + r->psn_part_amt + r->hosp_part_amt)
    return "medfee_sumamt != fund + person + hospital";
  if (r->medfee_sumamt != r->fulamt_ownpay_amt + r->overlmt_selfpay + r->preselfpay_amt + r->inscp_scp_amt)
    return "medfee_sumamt != sum of the four line parts";
  const int64_t *v[] = {&r->medfee_sumamt, &r->fulamt_ownpay_amt, &r->overlmt_selfpay, &r->preselfpay_amt,
                        &r->inscp_scp_amt, &r->act_pay_dedc, &r->fund_pay_sumamt, &r->psn_part_amt,
                        &r->psn_cash_pay, &r->hosp_part_amt};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    if (*v[i] < 0) return "a negative amount";
  for (int k = 0; k < PAYER_COUNT; k++)
    if (r->pay[k] < 0) return "a negative payment";
  return NULL;
}

static int run_case(const char *file, char *why, size_t n) {
  loaded_case c;
  yb_err e = {0};
  int setup_failed;
  char msg[600];
  why[0] = 0;
  int rc = case_load(file, NULL, NULL, &c, &setup_failed, &e);
  json_t *expect = c.root ? json_object_get(c.root, "expect") : NULL;
  json_t *want_err = expect ? json_object_get(expect, "error") : NULL;
  benefit_result r;
  json_t *got = NULL;
  if (rc == 0 && !setup_failed) rc = case_settle(&c, &r, &got, NULL, &e);
  int fail = 0;
  if (!expect) {
    snprintf(why, n, "%s", rc && setup_failed ? yb_err_text(&e, msg, sizeof msg) : "no expect");
    fail = 1;
  } else if (setup_failed) {
    snprintf(why, n, "case cannot load: %s", yb_err_text(&e, msg, sizeof msg));
    fail = 1;
  } else if (want_err) {
    const char *field = json_string_value(json_object_get(want_err, "field"));
    json_t *code = json_object_get(want_err, "code");
    if (rc == 0) {
      snprintf(why, n, "expected refusal naming %s, but it settled", field ? field : "?");
      fail = 1;
    } else if (field && strcmp(field, e.field) != 0) {
      snprintf(why, n, "refused naming '%s' (%s), expected '%s'", e.field, e.msg, field);
      fail = 1;
    } else if (code && json_integer_value(code) != rc) {
      snprintf(why, n, "refused with code %d, expected %lld", rc, (long long)json_integer_value(code));
      fail = 1;
    }
  } else if (rc != 0) {
    snprintf(why, n, "refused: %s", yb_err_text(&e, msg, sizeof msg));
    fail = 1;
  } else {
    const char *broken = identity_broken(&r);
    char where[256];
    static const char *const parts[] = {"setlinfo", "setldetail", "result"};
    if (broken) {
      snprintf(why, n, "identity broken: %s", broken);
      fail = 1;
    }
    for (size_t i = 0; !fail && i < sizeof parts / sizeof parts[0]; i++) {
      json_t *w = json_object_get(expect, parts[i]);
      snprintf(where, sizeof where, "%s", parts[i]);
      if (w && match(w, json_object_get(got, parts[i]), false, where, sizeof where)) {
        char *a = NULL;
        json_t *g = json_object_get(got, parts[i]);
        a = jsonx_dumps(g, JSON_COMPACT);
        snprintf(why, n, "%s differs; got %.400s", where, a ? a : "null");
        free(a);
        fail = 1;
      }
    }
    json_t *wd = json_object_get(expect, "accum_delta");
    snprintf(where, sizeof where, "accum_delta");
    if (!fail && wd && match(wd, json_object_get(got, "accum_delta"), true, where, sizeof where)) {
      char *a = jsonx_dumps(json_object_get(got, "accum_delta"), JSON_COMPACT);
      snprintf(why, n, "%s differs; got %.300s", where, a);
      free(a);
      fail = 1;
    }
    json_t *keys = json_object_get(expect, "trace_keys");
    if (!fail && keys) {
      json_t *got_keys = json_array();
      for (int i = 0; i < r.n_trace; i++) json_array_append_new(got_keys, json_string(benefit_step_key(&r.trace[i])));
      if (!json_equal(keys, got_keys)) {
        char *a = jsonx_dumps(got_keys, JSON_COMPACT);
        snprintf(why, n, "trace_keys differ; got %.300s", a);
        free(a);
        fail = 1;
      }
      json_decref(got_keys);
    }
    /* settle then reverse restores the accumulators exactly */
    accum after = c.acc;
    if (!fail && (accum_apply(&after, &r.delta, +1) || accum_apply(&after, &r.delta, -1) ||
                  (accum_compact(&after), 0) || !accum_equal(&after, &c.acc))) {
      snprintf(why, n, "reversal does not restore the accumulators");
      fail = 1;
    }
  }
  json_decref(got);
  case_free(&c);
  return fail;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int cmd_cases(int argc, char **argv) {
  if (argc < 1) {
    fprintf(stderr, "usage: yibao cases DIR\n");
    return 2;
  }
  DIR *d = opendir(argv[0]);
  if (!d) {
    fprintf(stderr, "yibao cases: cannot open %s\n", argv[0]);
    return 2;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **grown = realloc(names, cap * sizeof *names);
      if (!grown) break;
      names = grown;
    }
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  int passed = 0, failed = 0;
  char path[2048], why[1024];
  for (size_t i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", argv[0], names[i]);
    if (run_case(path, why, sizeof why)) {
      printf("FAIL %s: %s\n", names[i], why);
      failed++;
    } else {
      passed++;
    }
    free(names[i]);
  }
  free(names);
  printf("%d passed, %d failed\n", passed, failed);
  return failed || passed == 0 ? 1 : 0;
}

/* ---------- policy check ---------- */

int cmd_policy(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[0], "check") != 0) {
    fprintf(stderr, "usage: yibao policy check FILE...\n");
    return 2;
  }
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    int problems = policy_check(argv[i], stdout);
    if (problems < 0) {
      printf("%s: cannot be read (%s)\n", argv[i], yb_strerror(problems));
      bad++;
    } else if (problems) {
      printf("%s: %d problem%s\n", argv[i], problems, problems == 1 ? "" : "s");
      bad++;
    } else {
      printf("%s: ok\n", argv[i]);
    }
  }
  return bad ? 1 : 0;
}
