/* cmd_enroll.c — `yibao enroll`: the enrollment operations from the command line, through the
 * same table as the admin API (enroll_ops.h): `enroll show PSN_NO`, `enroll death-import FILE`,
 * `enroll monitor LIST --year Y [--csv]`, and `enroll OP --json '{…}'` for any other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "cmd.h"
#include "enroll_ops.h"
#include "jsonx.h"
#include "money.h"

static const policy *cli_policy(void *ctx, const char *region, int year) {
  return api_policy_for(ctx, region, year);
}

typedef struct cli_run {
  const enroll_op *op;
  const enroll_env *env;
  json_t *in, *out;
} cli_run;

static int cli_write(store_conn *w, void *arg, yb_err *e) {
  cli_run *r = arg;
  return r->op->fn(r->env, w, r->in, &r->out, e);
}

static int usage(void) {
  int n;
  const enroll_op *t = enroll_op_table(&n);
  fprintf(stderr, "usage: yibao enroll show PSN_NO --db FILE [--year Y] [--json]\n"
                  "       yibao enroll death-import CSV_FILE --db FILE\n"
                  "       yibao enroll monitor broken|household|high_cost --year Y --db FILE [--csv]\n"
                  "       yibao enroll OP --db FILE --json '{...}' [--who NAME] [--today yyyy-MM-dd]\n\nOP:\n");
  for (int i = 0; i < n; i++) fprintf(stderr, "  %-24s %s\n", t[i].name, t[i].help);
  return 2;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  char chunk[4096];
  size_t k;
  while (m && (k = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, k, m);
  fclose(f);
  if (m) fclose(m);
  return buf;
}

/* The readable head of `enroll show`: who, and each scheme's waiting period and incentive. */
static void print_show(json_t *o) {
  json_t *p = json_object_get(o, "person"), *b, *x;
  size_t i;
  printf("%s %s  %s  born %s  region %s%s%s\n", json_string_value(json_object_get(p, "psn_no")),
         json_string_value(json_object_get(p, "psn_name")), json_string_value(json_object_get(p, "certno")),
         json_string_value(json_object_get(p, "brdy")), json_string_value(json_object_get(p, "insuplc_admdvs")),
         *json_string_value(json_object_get(p, "death_date")) ? "  died " : "",
         json_string_value(json_object_get(p, "death_date")));
  json_array_foreach(json_object_get(o, "benefit_periods"), i, b) {
    json_t *w = json_object_get(b, "waiting"), *inc = json_object_get(b, "incentive");
    printf("%lld %s (psn_type %s, status %s)\n", (long long)json_integer_value(json_object_get(b, "year")),
           json_string_value(json_object_get(b, "insutype")), json_string_value(json_object_get(b, "psn_type")),
           json_string_value(json_object_get(b, "psn_insu_stas")));
    const char *until = json_string_value(json_object_get(w, "wait_until"));
    printf("  waiting period: %s%s%s\n    %s\n", json_string_value(json_object_get(w, "kind")), *until ? ", benefits from " : "",
           until, json_string_value(json_object_get(w, "why")));
    x = json_object_get(b, "stored");
    printf("    stored for settlement: wait_until '%s' (%s)\n", json_string_value(json_object_get(x, "wait_until")),
           json_string_value(json_object_get(x, "wait_reason")));
    printf("  incentive: %s\n", json_string_value(json_object_get(inc, "why")));
  }
}

int cmd_enroll(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db");
  if (argc < 1 || !db) return usage();
  const char *name = argv[0], *json_text = cmd_opt(argc, argv, "--json");
  char *file_text = NULL;
  json_t *in = NULL;
  json_error_t je;
  if (!strcmp(name, "show") || !strcmp(name, "statement")) {
    if (argc < 2 || argv[1][0] == '-') return usage();
    const char *year = cmd_opt(argc, argv, "--year");
    in = json_pack("{s:s}", "psn_no", argv[1]);
    if (year) json_object_set_new(in, "year", json_integer(atoi(year)));
  } else if (!strcmp(name, "death-import")) {
    if (argc < 2 || !(file_text = slurp(argv[1]))) {
      fprintf(stderr, "yibao: cannot read %s\n", argc < 2 ? "(no file)" : argv[1]);
      return 1;
    }
    name = "death.import";
    in = json_pack("{s:s}", "csv", file_text);
  } else if (!strcmp(name, "monitor")) {
    const char *year = cmd_opt(argc, argv, "--year");
    if (argc < 2 || !year) return usage();
    static char opname[40];
    snprintf(opname, sizeof opname, "monitor.%s", argv[1]);
    name = opname;
    in = json_pack("{s:i}", "year", atoi(year));
  } else {
    in = json_text ? json_loads(json_text, 0, &je) : json_object();
    if (!in) {
      fprintf(stderr, "yibao: --json: line %d: %s\n", je.line, je.text);
      return 2;
    }
  }
  free(file_text);
  const enroll_op *op = enroll_op_find(name);
  if (!op) {
    json_decref(in);
    fprintf(stderr, "yibao: unknown enroll operation '%s'\n", name);
    return usage();
  }
  yb_err e = {0};
  store *st = NULL;
  api_server *srv = NULL;
  int rc = store_open(db, &st, &e);
  if (!rc) rc = api_server_new(st, &srv, &e);
  enroll_env env = {.policy_for = cli_policy, .ctx = srv, .who = cmd_opt(argc, argv, "--who"),
                    .region = srv ? api_region(srv) : ""};
  if (!env.who) env.who = "cli";
  const char *today = cmd_opt(argc, argv, "--today");
  if (today) {
    snprintf(env.today, sizeof env.today, "%s", today);
  } else {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(env.today, sizeof env.today, "%Y-%m-%d", &tm);
  }
  cli_run run = {.op = op, .env = &env, .in = in};
  int64_t total = 0, changed = 0;
  /* recompute runs in chunks, one transaction each, until the reply's `next` is "" */
  while (!rc && op->writes) {
    rc = store_write(st, cli_write, &run, &e);
    if (rc || strcmp(op->name, "recompute")) break;
    total += json_integer_value(json_object_get(run.out, "enrollments"));
    changed += json_integer_value(json_object_get(run.out, "changed"));
    const char *next = json_string_value(json_object_get(run.out, "next"));
    if (!next || !*next) {
      json_object_set_new(run.out, "enrollments", json_integer(total));
      json_object_set_new(run.out, "changed", json_integer(changed));
      break;
    }
    json_object_set_new(in, "after", json_string(next));
    json_decref(run.out);
    run.out = NULL;
  }
  if (!rc && !op->writes) {
    store_conn *c = store_reader(st, &e);
    rc = c ? op->fn(&env, c, in, &run.out, &e) : YB_ESTORE;
  }
  int code = 0;
  if (rc) {
    char b[600];
    fprintf(stderr, "yibao: enroll %s refused: %s\n", name, yb_err_text(&e, b, sizeof b));
    code = 1;
  } else if (cmd_flag(argc, argv, "--csv") && json_object_get(run.out, "rows")) {
    char *csv = enroll_rows_csv(json_object_get(run.out, "rows"));
    fputs(csv ? csv : "", stdout);
    free(csv);
  } else {
    if (!strcmp(name, "show")) print_show(run.out);
    if (strcmp(name, "show") || cmd_flag(argc, argv, "--json")) {
      char *t = jsonx_dumps(run.out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
      if (t) puts(t);
      free(t);
    }
  }
  json_decref(run.out);
  json_decref(in);
  api_server_free(srv);
  store_close(st);
  return code;
}
