/* cmd_audit.c — `yibao audit`: check rule files, run the post-settlement pass over a period and
 * store its findings, compare findings with the generator's labels (eval), screen institutions
 * against their peers, and print the credit scores and the negative list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmd.h"
#include "store_audit.h"

static int fail(const yb_err *e) {
  char b[600];
  fprintf(stderr, "yibao audit: %s\n", yb_err_text(e, b, sizeof b));
  return 1;
}

static void stamp(char *out) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ---- shared setup: store, catalog, rules, the period's data ------------------------------------- */
typedef struct ctx {
  store *s;
  store_conn *c;
  catalog *cat;
  audit_rules rules;
  audit_data *d;
  int64_t packed;   /* settlements the extract took in first */
  double extract_s, load_s;
} ctx;

static void ctx_free(ctx *x) {
  audit_data_free(x->d);
  audit_rules_free(&x->rules);
  catalog_free(x->cat);
  if (x->s) store_close(x->s);
}

static int lookback(const audit_rules *rs) {
  int days = 31;
  for (int i = 0; i < rs->n; i++) {
    const audit_rule *r = &rs->r[i];
    if (!r->enabled) continue;
    if (!strcmp(audit_rule_kind(r), "frequent_admission") && r->p[1] > days) days = (int)r->p[1];
    if (!strcmp(audit_rule_kind(r), "split_admission") && r->p[0] + 60 > days) days = (int)r->p[0] + 60;
  }
  return days;
}

static int ctx_open(ctx *x, int argc, char **argv, const char *from, const char *to, yb_err *e) {
  memset(x, 0, sizeof *x);
  const char *db = cmd_opt(argc, argv, "--db"), *dir = cmd_opt(argc, argv, "--rules-dir");
  if (!db) return yb_fail(e, YB_EMISSING, "--db", "give the database file");
  int rc;
  if ((rc = audit_rules_load(dir ? dir : "rules", &x->rules, e))) return rc;
  if ((rc = audit_rules_select(&x->rules, cmd_opt(argc, argv, "--rules"), e))) return rc;
  if ((rc = store_open(db, &x->s, e))) return rc;
  if (!(x->c = store_reader(x->s, e))) return YB_ESTORE;
  char *body = NULL;
  if ((rc = store_catalog_latest(x->c, &body, e))) return rc;
  rc = catalog_load_text(body, strlen(body), &x->cat, e);
  free(body);
  if (rc) return rc;
  if (!(x->d = audit_data_new(x->cat))) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  double t0 = cmd_now();
  if ((rc = store_audit_extract_sync(x->s, x->cat, &x->packed, NULL, e))) return rc;
  x->extract_s = cmd_now() - t0;
  t0 = cmd_now();
  if ((rc = store_audit_load(x->c, from, to, lookback(&x->rules), x->d, e)) || (rc = audit_data_finish(x->d, e)))
    return rc;
  x->load_s = cmd_now() - t0;
  return 0;
}

static int check_date(const char *v, const char *field, yb_err *e) {
  if (!v) return yb_fail(e, YB_EMISSING, field, "give a date yyyy-MM-dd");
  int y, m, d;
  char tail;
  if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
    return yb_fail(e, YB_EINVAL, field, "'%s' is not a date yyyy-MM-dd", v);
  return 0;
}

/* ---- run: one pass collecting the findings, then one transaction storing them -------------------- */
typedef struct found {
  store_audit_finding *f;
  size_t n, cap;
  int64_t by_rule[256];
  ctx *x;
  const char *from;
} found;

static int collect(const audit_finding *f, void *arg) {
  found *c = arg;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    store_audit_finding *q = realloc(c->f, cap * sizeof *q);
    if (!q) return YB_ENOMEM;
    c->f = q, c->cap = cap;
  }
  store_audit_finding *r = &c->f[c->n++];
  memset(r, 0, sizeof *r);
  snprintf(r->rule_id, sizeof r->rule_id, "%s", f->rule->rule_id);
  snprintf(r->kind, sizeof r->kind, "%s", audit_rule_kind(f->rule));
  snprintf(r->fixmedins_code, sizeof r->fixmedins_code, "%s", f->fixmedins_code);
  snprintf(r->psn_no, sizeof r->psn_no, "%s", f->psn_no);
  snprintf(r->mdtrt_id, sizeof r->mdtrt_id, "%s", f->mdtrt_id);
  snprintf(r->setl_id, sizeof r->setl_id, "%s", f->setl_id);
  snprintf(r->feedetl_sn, sizeof r->feedetl_sn, "%s", f->feedetl_sn);
  snprintf(r->occur_date, sizeof r->occur_date, "%s", f->occur_date[0] ? f->occur_date : c->from);
  snprintf(r->evid, sizeof r->evid, "%s", f->evid);
  snprintf(r->stage, sizeof r->stage, "post");
  r->sev_deg = f->rule->sev_deg, r->level = f->level, r->vola_amt = f->vola_amt;
  c->by_rule[f->rule - c->x->rules.r]++;
  return 0;
}

typedef struct put_job {
  const found *c;
  const char *from, *to;
  int64_t run_id, added;
} put_job;

static int put_job_run(store_conn *w, void *arg, yb_err *e) {
  put_job *j = arg;
  const ctx *x = j->c->x;
  char at[20];
  stamp(at);
  char rules[2048] = "";
  size_t n = 0;
  for (int i = 0; i < x->rules.n && n + 20 < sizeof rules; i++)
    if (x->rules.r[i].enabled) n += (size_t)snprintf(rules + n, sizeof rules - n, "%s%s", n ? "," : "", x->rules.r[i].rule_id);
  int rc = store_audit_run_new(w, "post", j->from, j->to, rules, at, &j->run_id, e);
  for (size_t i = 0; !rc && i < j->c->n; i++) {
    int added = 0;
    j->c->f[i].run_id = j->run_id;
    rc = store_audit_finding_put(w, &j->c->f[i], &added, e);
    j->added += added;
  }
  return rc ? rc : store_audit_run_done(w, j->run_id, (int64_t)audit_data_lines(x->d), (int64_t)j->c->n, e);
}

static int audit_cmd_run(int argc, char **argv) {
  yb_err e = {0};
  const char *from = cmd_opt(argc, argv, "--from"), *to = cmd_opt(argc, argv, "--to");
  if (check_date(from, "--from", &e) || check_date(to, "--to", &e)) return fail(&e);
  ctx x;
  if (ctx_open(&x, argc, argv, from, to, &e)) return ctx_free(&x), fail(&e);
  found c = {.x = &x, .from = from};
  double t0 = cmd_now(), c0 = cmd_cpu();
  int rc = audit_run(&x.rules, x.d, AUDIT_STAGE_POST, NULL, collect, &c, &e);
  double rule_s = cmd_now() - t0, rule_cpu = cmd_cpu() - c0;
  if (rc == YB_ENOMEM && !e.code) yb_fail(&e, YB_ENOMEM, "audit", "out of memory");
  put_job j = {.c = &c, .from = from, .to = to};
  t0 = cmd_now();
  if (rc || store_write(x.s, put_job_run, &j, &e)) return free(c.f), ctx_free(&x), fail(&e);
  double write_s = cmd_now() - t0;
  for (int i = 0; i < x.rules.n; i++)
    if (c.by_rule[i]) printf("%s %-24s %lld\n", x.rules.r[i].rule_id, audit_rule_kind(&x.rules.r[i]), (long long)c.by_rule[i]);
  size_t lines = audit_data_lines(x.d);
  printf("run_id: %lld\nvisits: %zu\nlines: %zu\nfindings: %zu\nnew_findings: %lld\n", (long long)j.run_id,
         audit_data_visits(x.d), lines, c.n, (long long)j.added);
  /* lines_per_sec: the run proper, loading the period and every rule (the extract's catch-up is apart) */
  printf("extract_settlements: %lld\nextract_sec: %.3f\nload_sec: %.3f\nrule_sec: %.3f\nrule_cpu_sec: %.3f\n"
         "write_sec: %.3f\nlines_per_sec: %.0f\n", (long long)x.packed, x.extract_s, x.load_s, rule_s, rule_cpu, write_s,
         x.load_s + rule_s > 0 ? (double)lines / (x.load_s + rule_s) : 0.0);
  free(c.f);
  ctx_free(&x);
  return 0;
}

/* ---- eval: findings against fraud_label --------------------------------------------------------- */
typedef struct keyset {
  char **k;
  size_t n, cap;
} keyset;

static int ks_add(keyset *s, const char *kind, const char *mdtrt, const char *sn) {
  if (s->n == s->cap) {
    char **nk = realloc(s->k, (s->cap = s->cap ? s->cap * 2 : 1024) * sizeof *nk);
    if (!nk) return YB_ENOMEM;
    s->k = nk;
  }
  size_t len = strlen(kind) + strlen(mdtrt) + strlen(sn) + 3;
  if (!(s->k[s->n] = malloc(len))) return YB_ENOMEM;
  snprintf(s->k[s->n++], len, "%s|%s|%s", kind, mdtrt, sn);
  return 0;
}
static int cmp_key(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void ks_sort_unique(keyset *s) {
  qsort(s->k, s->n, sizeof *s->k, cmp_key);
  size_t w = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (w && !strcmp(s->k[w - 1], s->k[i])) {
      free(s->k[i]);
      continue;
    }
    s->k[w++] = s->k[i];
  }
  s->n = w;
}
static void ks_free(keyset *s) {
  for (size_t i = 0; i < s->n; i++) free(s->k[i]);
  free(s->k);
}

static const char *const eval_kinds[] = {
    "split_admission", "frequent_admission", "bed_holding",     "fake_admission",  "dead_person_card",
    "two_places_same_day", "otp_during_ipt", "dialysis_no_checkin", "duplicate_charge", "over_supply",
    "item_switching",  "gender_limit",      "age_limit",       "over_price_limit", "unregistered_doctor", NULL};
static bool line_kind(const char *k) {
  static const char *const lines[] = {"dialysis_no_checkin", "duplicate_charge", "over_supply", "item_switching",
                                      "gender_limit", "age_limit", "over_price_limit", "unregistered_doctor", NULL};
  for (int i = 0; lines[i]; i++)
    if (!strcmp(lines[i], k)) return true;
  return false;
}
static bool eval_kind(const char *k) {
  for (int i = 0; eval_kinds[i]; i++)
    if (!strcmp(eval_kinds[i], k)) return true;
  return false;
}

static int eval_finding(const audit_finding *f, void *arg) {
  const char *k = audit_rule_kind(f->rule);
  if (!eval_kind(k)) return 0;
  return ks_add(arg, k, f->mdtrt_id, line_kind(k) ? f->feedetl_sn : "");
}
static int eval_label(const store_audit_label *l, void *arg) {
  return ks_add(arg, l->kind, l->mdtrt_id, line_kind(l->kind) ? l->feedetl_sn : "");
}

static int audit_cmd_eval(int argc, char **argv) {
  yb_err e = {0};
  const char *from = cmd_opt(argc, argv, "--from"), *to = cmd_opt(argc, argv, "--to");
  ctx x;
  if (ctx_open(&x, argc, argv, from ? from : "1900-01-01", to ? to : "2999-12-31", &e)) return ctx_free(&x), fail(&e);
  keyset got = {0}, want = {0};
  double t0 = cmd_now();
  int rc = audit_run(&x.rules, x.d, AUDIT_STAGE_POST, NULL, eval_finding, &got, &e);
  double rule_s = cmd_now() - t0;
  if (!rc) rc = store_audit_labels(x.c, eval_label, &want, &e);
  if (rc) return ks_free(&got), ks_free(&want), ctx_free(&x), fail(&e);
  ks_sort_unique(&got), ks_sort_unique(&want);
  int64_t T = 0, F = 0, L = 0;
  printf("lines: %zu\nload_sec: %.3f\nrule_sec: %.3f\n", audit_data_lines(x.d), x.load_s, rule_s);
  printf("%-22s %8s %8s %8s %8s %9s\n", "kind", "labels", "found", "matched", "recall", "precision");
  for (int k = 0; eval_kinds[k]; k++) {
    size_t kl = strlen(eval_kinds[k]);
    int64_t nl = 0, nf = 0, tp = 0;
    size_t i = 0, j = 0;
    for (size_t a = 0; a < want.n; a++) nl += !strncmp(want.k[a], eval_kinds[k], kl) && want.k[a][kl] == '|';
    for (size_t a = 0; a < got.n; a++) nf += !strncmp(got.k[a], eval_kinds[k], kl) && got.k[a][kl] == '|';
    while (i < want.n && j < got.n) { /* merge of two sorted sets */
      int c = strcmp(want.k[i], got.k[j]);
      if (!c) {
        tp += !strncmp(want.k[i], eval_kinds[k], kl) && want.k[i][kl] == '|';
        i++, j++;
      } else if (c < 0) i++;
      else j++;
    }
    T += tp, F += nf, L += nl;
    printf("%-22s %8lld %8lld %8lld %8.4f %9.4f\n", eval_kinds[k], (long long)nl, (long long)nf, (long long)tp,
           nl ? (double)tp / (double)nl : 1.0, nf ? (double)tp / (double)nf : (nl ? 0.0 : 1.0));
  }
  printf("overall: recall %.4f precision %.4f\n", L ? (double)T / (double)L : 1.0, F ? (double)T / (double)F : 1.0);
  ks_free(&got), ks_free(&want), ctx_free(&x);
  return 0;
}

/* ---- check, screen, credit, negative list ------------------------------------------------------- */
static int audit_cmd_check(int argc, char **argv) {
  yb_err e = {0};
  audit_rules rs;
  const char *dir = argc > 0 && argv[0][0] != '-' ? argv[0] : "rules";
  if (audit_rules_load(dir, &rs, &e)) return fail(&e);
  static const char *const stage[] = {"pre", "during", "post"};
  for (int i = 0; i < rs.n; i++) {
    const audit_rule *r = &rs.r[i];
    char st[32] = "";
    for (int b = 0; b < 3; b++)
      if (r->stages & (1u << b)) strcat(st[0] ? strcat(st, ",") : st, stage[b]);
    printf("%s %-10s sev%d %-14s %-24s %s%s\n", r->rule_id, audit_class_name(r->cls), r->sev_deg, st,
           audit_rule_kind(r), r->name, r->block ? " [blocks]" : "");
  }
  printf("%d rules ok\n", rs.n);
  audit_rules_free(&rs);
  return 0;
}

static int audit_cmd_screen(int argc, char **argv) {
  yb_err e = {0};
  const char *from = cmd_opt(argc, argv, "--from"), *to = cmd_opt(argc, argv, "--to"), *top = cmd_opt(argc, argv, "--top");
  if (check_date(from, "--from", &e) || check_date(to, "--to", &e)) return fail(&e);
  ctx x;
  if (ctx_open(&x, argc, argv, from, to, &e)) return ctx_free(&x), fail(&e);
  audit_peer *p;
  size_t n;
  if (audit_peers(x.d, &p, &n, &e)) return ctx_free(&x), fail(&e);
  printf("fixmedins_code,hosp_lv,visits,cost_per_visit,z_cost,test_share,z_test,drug_share,z_drug,avg_los,z_los\n");
  for (size_t i = 0; i < n; i++)
    if (p[i].visits)
      printf("%s,%d,%lld,%lld.%02lld,%.2f,%.2f%%,%.2f,%.2f%%,%.2f,%.2f,%.2f\n", p[i].fixmedins_code, p[i].hosp_lv,
             (long long)p[i].visits, (long long)(p[i].cost_per_visit / 100), (long long)(p[i].cost_per_visit % 100),
             (double)p[i].z_x100[0] / 100, (double)p[i].test_bp / 100, (double)p[i].z_x100[1] / 100,
             (double)p[i].drug_bp / 100, (double)p[i].z_x100[2] / 100, (double)p[i].avg_los_x100 / 100,
             (double)p[i].z_x100[3] / 100);
  free(p);
  audit_item_use *u;
  if (audit_items(x.d, top ? (size_t)atoi(top) : 5, &u, &n, &e)) return ctx_free(&x), fail(&e);
  printf("\nfixmedins_code,med_list_codg,name,amt_first_half,amt_second_half,growth\n");
  for (size_t i = 0; i < n; i++) {
    char g[32];
    if (u[i].growth_bp == INT64_MAX) snprintf(g, sizeof g, "new");
    else snprintf(g, sizeof g, "%.2f%%", (double)u[i].growth_bp / 100);
    printf("%s,%s,%s,%lld.%02lld,%lld.%02lld,%s\n", u[i].fixmedins_code, u[i].med_list_codg, u[i].name,
           (long long)(u[i].amt_first / 100), (long long)(u[i].amt_first % 100), (long long)(u[i].amt_second / 100),
           (long long)(u[i].amt_second % 100), g);
  }
  free(u);
  ctx_free(&x);
  return 0;
}

static int print_credit(const audit_credit *c, void *arg) {
  (void)arg;
  printf("%s,%d,%s,%lld,%lld,%lld,%lld.%02lld\n", c->fixmedins_code, c->score, audit_credit_grade(c->score),
         (long long)c->n[1], (long long)c->n[2], (long long)c->n[3], (long long)(c->amt / 100), (long long)(c->amt % 100));
  return 0;
}

static int print_neg(const char *rule_id, const char *kind, const char *inst, int64_t n, int64_t amt, void *arg) {
  (void)arg;
  printf("%s,%s,%s,%lld,%lld.%02lld\n", rule_id, kind, inst, (long long)n, (long long)(amt / 100), (long long)(amt % 100));
  return 0;
}

static int audit_cmd_year(int argc, char **argv, bool credit) {
  yb_err e = {0};
  const char *db = cmd_opt(argc, argv, "--db"), *year = cmd_opt(argc, argv, "--year");
  if (!db || !year) return fprintf(stderr, "usage: yibao audit %s --db FILE --year YYYY\n", credit ? "credit" : "negative-list"), 2;
  store *s;
  if (store_open(db, &s, &e)) return fail(&e);
  store_conn *c = store_reader(s, &e);
  int rc = !c ? YB_ESTORE : 0;
  if (!rc && credit) {
    printf("fixmedins_code,score,grade,sev1,sev2,sev3,amount\n");
    rc = audit_credit_each(c, atoi(year), print_credit, NULL, &e);
  } else if (!rc) {
    printf("rule_id,kind,fixmedins_code,confirmed_findings,amount\n");
    rc = store_audit_negative_list(c, atoi(year), print_neg, NULL, &e);
  }
  store_close(s);
  return rc ? fail(&e) : 0;
}

/* yibao audit compact: the packed extract rewritten in (person, begin) order now (`audit run`
 * packs what is new and compacts by itself once enough is out of order). */
static int audit_cmd_compact(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db");
  if (!db) return fprintf(stderr, "usage: yibao audit compact --db FILE\n"), 2;
  store *s = NULL;
  yb_err e = {0};
  int64_t moved = 0;
  int rc = store_open(db, &s, &e);
  double t0 = cmd_now();
  if (!rc) rc = store_audit_extract_compact(s, &moved, &e);
  if (!rc) printf("compacted_settlements: %lld\ncompact_sec: %.3f\n", (long long)moved, cmd_now() - t0);
  store_close(s);
  return rc ? fail(&e) : 0;
}

int cmd_audit(int argc, char **argv) {
  const char *sub = argc > 0 ? argv[0] : "";
  if (!strcmp(sub, "run")) return audit_cmd_run(argc - 1, argv + 1);
  if (!strcmp(sub, "eval")) return audit_cmd_eval(argc - 1, argv + 1);
  if (!strcmp(sub, "check")) return audit_cmd_check(argc - 1, argv + 1);
  if (!strcmp(sub, "screen")) return audit_cmd_screen(argc - 1, argv + 1);
  if (!strcmp(sub, "compact")) return audit_cmd_compact(argc - 1, argv + 1);
  if (!strcmp(sub, "credit")) return audit_cmd_year(argc - 1, argv + 1, true);
  if (!strcmp(sub, "negative-list")) return audit_cmd_year(argc - 1, argv + 1, false);
  fprintf(stderr, "usage: yibao audit run --db FILE --from DATE --to DATE [--rules ID,…] [--rules-dir DIR]\n"
                  "       yibao audit eval --db FILE [--from DATE --to DATE] [--rules-dir DIR]\n"
                  "       yibao audit check [DIR]\n"
                  "       yibao audit screen --db FILE --from DATE --to DATE [--top K]\n"
                  "       yibao audit compact --db FILE\n"
                  "       yibao audit credit|negative-list --db FILE --year YYYY\n");
  return 2;
}
