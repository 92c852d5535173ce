/* cmd_server.c — `yibao serve` (the national interface over HTTP), `yibao init` (a database,
 * optionally with a deterministic demo region) and `yibao sign` (request signing headers). */
#include <dirent.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "api.h"
#include "cmd.h"
#include "hsi.h"
#include "http.h"
#include "money.h"
#include "store.h"

static int fail(const char *what, const yb_err *e) {
  char buf[600];
  fprintf(stderr, "yibao: %s: %s\n", what, yb_err_text(e, buf, sizeof buf));
  return 1;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 65536 > cap) {
      cap = cap ? cap * 2 : 131072;
      char *b = realloc(buf, cap + 1);
      if (!b) break;
      buf = b;
    }
    size_t k = fread(buf + n, 1, cap - n, f);
    n += k;
    if (k == 0) break;
  }
  fclose(f);
  if (buf) buf[n] = 0;
  if (len) *len = n;
  return buf;
}

/* ---- serve ------------------------------------------------------------------------------------ */
/* A folder of the project (web/, rules/): the option's value, else the folder beside the build
 * folder that holds this binary. */
static void beside_build(const char *opt, const char *name, char *out, size_t cap) {
  if (opt) {
    snprintf(out, cap, "%s", opt);
    return;
  }
  char exe[4000];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  out[0] = 0;
  if (n <= 0) return;
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (slash) *slash = 0;
  snprintf(out, cap, "%s/../%s", exe, name);
}

/* HTTP workers when --threads is not given: one per CPU but the writer's, from 1 to 4. On two
 * cores one worker settles ~8-11 % more than two under bench-settle (19 alternated pairs, session
 * 24): with the batch cut the writer is busy ~80 % of the time, and a second worker only adds
 * wake-ups and a thread to share the cores with. */
static int http_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
  return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

int cmd_serve(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db"), *port = cmd_opt(argc, argv, "--port");
  const char *host = cmd_opt(argc, argv, "--host"), *threads = cmd_opt(argc, argv, "--threads");
  if (!db || !port) {
    fprintf(stderr, "usage: yibao serve --db FILE --port N [--host 127.0.0.1] [--threads N] [--web DIR] [--rules DIR]\n");
    return 2;
  }
  if (access(db, F_OK) != 0) {
    fprintf(stderr, "yibao: %s does not exist: create it with `yibao init --demo --db %s`\n", db, db);
    return 1;
  }
  /* SCHED_BATCH for this thread and so for every thread started after it (the writer, the
   * checkpointer, libmicrohttpd's workers): a request passes from an HTTP thread to the writer and
   * back, and under load each wake-up of one by another preempted the waker, so the threads took
   * turns a request at a time. A woken SCHED_BATCH thread waits for the running one's slice or
   * sleep instead (sched(7)). The syncer stays SCHED_OTHER (store_sqlite.c): the disk's answer
   * releases a batch's replies. See docs/operations.md, "Scheduling". */
  struct sched_param sp = {0};
  if (sched_setscheduler(0, SCHED_BATCH, &sp) != 0) perror("yibao: SCHED_BATCH");
  yb_err e = {0};
  store *st = NULL;
  api_server *srv = NULL;
  http_server *h = NULL;
  if (store_open(db, &st, &e)) return fail(db, &e);
  if (api_server_new(st, &srv, &e)) {
    store_close(st);
    return fail("loading the region", &e);
  }
  /* keep freed memory for the next request instead of trimming and re-growing the heap */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_MXFAST, 0); /* no fastbins: a large malloc then has nothing to consolidate */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread started below inherits the mask */
  signal(SIGPIPE, SIG_IGN);
  admin_server *adm = NULL;
  char web[4096];
  beside_build(cmd_opt(argc, argv, "--web"), "web", web, sizeof web);
  char rules[4096];
  const char *rules_opt = cmd_opt(argc, argv, "--rules");
  if (!rules_opt) rules_opt = getenv("YIBAO_RULES");
  beside_build(rules_opt && *rules_opt ? rules_opt : NULL, "rules", rules, sizeof rules);
  int n_rules = 0;
  int rc = api_audit_rules_load(rules, &n_rules, &e);
  if (rc) {
    api_server_free(srv);
    store_close(st);
    return fail("audit rules (--rules DIR)", &e);
  }
  fprintf(stderr, "yibao: %d audit rules from %s\n", n_rules, rules);
  rc = admin_server_new(srv, st, &adm, &e);
  if (!rc) rc = store_writer_start(st, &e);
  if (!rc)
    rc = http_start(srv, adm, web, host ? host : "127.0.0.1", atoi(port), threads ? atoi(threads) : http_threads(),
                    &h, &e);
  if (rc) {
    admin_server_free(adm);
    api_server_free(srv);
    store_close(st);
    return fail("starting", &e);
  }
  printf("yibao: serving region %s on http://%s:%s/fsi/api/rsfComIfsService/callService"
         " and the console on http://%s:%s/\n",
         api_region(srv), host ? host : "127.0.0.1", port, host ? host : "127.0.0.1", port);
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "yibao: signal %d, stopping\n", sig);
  http_stop(h);
  uint64_t batches = 0, jobs = 0;
  store_stats(st, &batches, &jobs);
  fprintf(stderr, "yibao: %llu writes committed in %llu batches\n", (unsigned long long)jobs,
          (unsigned long long)batches);
  uint64_t ps[API_PREP_NSTATS];
  api_server_prep_stats(srv, ps);
  if (ps[API_PREP_MADE])
    fprintf(stderr, "yibao: %llu settlements prepared on the HTTP threads: %llu applied as prepared, %llu"
            " recomputed in the writer (%llu: the visit or an unkeyed write moved, %llu: another result"
            " on the current accounts), %llu audits judged again\n",
            (unsigned long long)ps[API_PREP_MADE], (unsigned long long)ps[API_PREP_APPLIED],
            (unsigned long long)(ps[API_PREP_STALE] + ps[API_PREP_MONEY]), (unsigned long long)ps[API_PREP_STALE],
            (unsigned long long)ps[API_PREP_MONEY], (unsigned long long)ps[API_PREP_AUDIT]);
  admin_server_free(adm);
  api_server_free(srv);
  store_close(st);
  return 0;
}

/* ---- init ------------------------------------------------------------------------------------- */
typedef struct demo_person {
  const char *no, *name, *gend, *brdy, *insuplc, *emp, *cvl, *family;
  int64_t acct;          /* fen */
  const char *insutype, *psn_type;
  int from_year;         /* enrolled from this year to 2026 */
  const char *wait_until, *wait_reason; /* on the first year's enrollment */
  const char *idet;      /* psn_idet_type or NULL */
  const char *dise, *dise_name, *dise_kind;
  const char *filing;    /* filing type in the serving region, or NULL */
  const char *note;
} demo_person;

/* Every kind of person a county's counter sees. psn_no = region + 10 zeros + 4 digits. */
static const demo_person demo_people[] = {
    {"0001", "张伟", "1", "1980-01-01", NULL, "", "0", NULL, 0, "390", "1701", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "resident adult"},
    {"0002", "李娜", "2", "1985-05-12", NULL, "示例县第一中学", "0", NULL, 300000, "310", "11", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "employee in service, personal account 3000.00"},
    {"0003", "王强", "1", "1955-03-20", NULL, "示例县机械厂", "0", NULL, 500000, "310", "12", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "employee retired, personal account 5000.00"},
    {"0004", "赵敏", "2", "1962-08-08", NULL, "", "0", NULL, 0, "390", "1701", 2024, NULL, NULL, "2304", NULL, NULL, NULL, NULL, "resident, 特困 (extreme poverty)"},
    {"0005", "刘洋", "1", "1970-11-30", NULL, "", "0", NULL, 0, "390", "1701", 2024, NULL, NULL, "2303", NULL, NULL, NULL, NULL, "resident, 低保 (minimum living allowance)"},
    {"0006", "陈晨", "1", "2019-06-01", NULL, "", "0", NULL, 0, "390", "1402", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "child resident"},
    {"0007", "孙丽", "2", "1990-02-14", NULL, "", "0", NULL, 0, "390", "1701", 2024, "2024-06-01", "断保2年(2022、2023)，等待期3+2个月", NULL, NULL, NULL, NULL, NULL, "resident in a waiting period until 2024-06-01"},
    {"0008", "周杰", "1", "1978-09-09", NULL, "示例县人民医院", "0", NULL, 300000, "310", "11", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "employee in service whose account his father may share"},
    {"0009", "周建国", "1", "1950-04-04", NULL, "示例县粮站", "0", "0008", 10000, "310", "12", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "retired employee with 100.00, bound to 0008 for family sharing (家庭共济)"},
    {"0010", "吴刚", "1", "1975-12-12", "410100", "郑州某公司", "0", NULL, 200000, "310", "11", 2025, NULL, NULL, NULL, NULL, NULL, NULL, "filed", "insured in 410100 (city employee scheme), filed (备案) to work here"},
    {"0011", "郑芳", "2", "1958-07-07", NULL, "", "0", NULL, 0, "390", "1701", 2024, NULL, NULL, NULL, "I10", "高血压", "two_diseases", NULL, "resident with 两病 hypertension registration"},
    {"0012", "冯军", "1", "1960-10-10", NULL, "示例县供电公司", "0", NULL, 150000, "310", "12", 2024, NULL, NULL, NULL, "N18", "慢性肾脏病（透析）", "chronic", NULL, "retired employee with 门诊慢特病 N18 registration"},
    {"0013", "何静", "2", "1983-03-03", NULL, "示例县人民政府", "1", NULL, 250000, "310", "11", 2024, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "employee civil servant (cvlserv_flag 1)"},
};

typedef struct demo_inst {
  const char *no, *name, *lv_code, *type, *scheme;
  int lv;
} demo_inst;

static const demo_inst demo_insts[] = {
    {"H00001", "示例县人民医院", "02", "hospital", "hmac", 3},
    {"H00002", "示例县中医院", "05", "hospital", "hmac", 2},
    {"H00003", "示例县妇幼保健院", "05", "hospital", "tif", 2},
    {"H00004", "城关镇卫生院", "08", "hospital", "hmac", 1},
    {"H00005", "城关镇东村卫生室", "11", "clinic", "api", 0},
    {"P00006", "示例县大药房", "11", "pharmacy", "hmac", 0},
};

/* A demo secret: deterministic (the demo is reproducible) and therefore public: change
 * secrets before any real use (docs/operations.md). */
static void demo_secret(const char *code, char *out) {
  char seed[64], hexd[65];
  snprintf(seed, sizeof seed, "yibao-demo-secret:%s", code);
  hsi_sha256_hex(seed, strlen(seed), hexd);
  snprintf(out, 33, "%.32s", hexd);
}

typedef struct init_ctx {
  const char *dir;
  int demo, update;
  char region[8];
} init_ctx;

static int is_catalog(const char *name) { return !strncmp(name, "catalog", 7); }

static int json_name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Store every policy and catalog file of dir (validated with the engine's loaders). */
static int load_docs(store_conn *w, init_ctx *x, yb_err *e) {
  DIR *d = opendir(x->dir);
  if (!d) return yb_fail(e, YB_EIO, "--policies", "cannot open %s", x->dir);
  char *names[256];
  int n = 0, rc = 0, n_pol = 0, n_cat = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 256) {
    size_t l = strlen(de->d_name);
    if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], json_name_cmp);
  for (int i = 0; i < n && !rc; i++) {
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", x->dir, names[i]);
    char *text = read_file(path, &len);
    if (!text) {
      rc = yb_fail(e, YB_EIO, path, "unreadable");
      break;
    }
    if (is_catalog(names[i])) {
      catalog *c = NULL;
      if (!(rc = catalog_load_text(text, len, &c, e))) {
        char ver[300];
        snprintf(ver, sizeof ver, "%s", names[i]);
        rc = store_catalog_put(w, ver, text, e);
        printf("catalog  %-28s %zu items\n", names[i], catalog_count(c));
        n_cat++;
      }
      catalog_free(c);
    } else {
      policy *p = NULL;
      if (!(rc = policy_load_text(text, len, &p, e))) {
        rc = store_policy_put(w, p->region, p->year, p->version, text, e);
        printf("policy   %-28s region %s %s, year %d, version %s\n", names[i], p->region,
               p->region_name, p->year, p->version);
        if (!x->region[0] || !strcmp(names[i], "demo-county.json"))
          snprintf(x->region, sizeof x->region, "%s", p->region);
        n_pol++;
      }
      policy_free(p);
    }
    if (rc && !strchr(e->field, '/')) {
      char f[200];
      snprintf(f, sizeof f, "%s: %s", names[i], e->field);
      snprintf(e->field, sizeof e->field, "%.159s", f);
    }
    free(text);
  }
  for (int i = 0; i < n; i++) free(names[i]);
  if (!rc && (!n_pol || !n_cat))
    rc = yb_fail(e, YB_EPOLICY, "--policies", "%s holds no %s", x->dir, n_pol ? "catalog*.json" : "policy");
  return rc;
}

static int demo_region(store_conn *w, init_ctx *x, yb_err *e) {
  int rc = 0;
  printf("\ninstitutions (code, level, signing scheme, secret — demo values, public):\n");
  for (size_t i = 0; i < sizeof demo_insts / sizeof demo_insts[0] && !rc; i++) {
    const demo_inst *d = &demo_insts[i];
    store_inst in;
    memset(&in, 0, sizeof in);
    snprintf(in.fixmedins_code, sizeof in.fixmedins_code, "%c%s%s", d->no[0], x->region, d->no + 1);
    snprintf(in.fixmedins_name, sizeof in.fixmedins_name, "%s", d->name);
    snprintf(in.hosp_lv_code, sizeof in.hosp_lv_code, "%s", d->lv_code);
    snprintf(in.medins_type, sizeof in.medins_type, "%s", d->type);
    snprintf(in.admdvs, sizeof in.admdvs, "%s", x->region);
    snprintf(in.sign_scheme, sizeof in.sign_scheme, "%s", d->scheme);
    demo_secret(in.fixmedins_code, in.secret);
    if (strcmp(d->scheme, "hmac"))
      snprintf(in.access_key, sizeof in.access_key, "%s-%s", !strcmp(d->scheme, "tif") ? "paas" : "ak",
               in.fixmedins_code);
    in.hosp_lv = d->lv;
    rc = store_inst_put(w, &in, e);
    printf("  %-14s level %d  %-5s %s%s%s  %s\n", in.fixmedins_code, in.hosp_lv, in.sign_scheme,
           in.secret, in.access_key[0] ? "  key " : "", in.access_key, in.fixmedins_name);
  }
  printf("\npersons (psn_no, ID number, who):\n");
  for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0] && !rc; i++) {
    const demo_person *d = &demo_people[i];
    store_person p;
    memset(&p, 0, sizeof p);
    snprintf(p.psn_no, sizeof p.psn_no, "%s0000000000%s", x->region, d->no);
    snprintf(p.psn_cert_type, sizeof p.psn_cert_type, "01");
    char ymd[9];
    snprintf(ymd, sizeof ymd, "%.4s%.2s%.2s", d->brdy, d->brdy + 5, d->brdy + 8);
    snprintf(p.certno, sizeof p.certno, "%s%s%s%c", d->insuplc ? d->insuplc : x->region, ymd,
             d->no + 1, d->gend[0] == '1' ? '1' : '2'); /* synthetic: not a valid check digit */
    snprintf(p.psn_name, sizeof p.psn_name, "%s", d->name);
    snprintf(p.gend, sizeof p.gend, "%s", d->gend);
    snprintf(p.naty, sizeof p.naty, "01");
    snprintf(p.brdy, sizeof p.brdy, "%s", d->brdy);
    snprintf(p.card_no, sizeof p.card_no, "C%s%s", x->region, d->no);
    snprintf(p.card_sn, sizeof p.card_sn, "SN%s", d->no);
    snprintf(p.ecert, sizeof p.ecert, "EC%s%s", x->region, d->no);
    snprintf(p.insuplc_admdvs, sizeof p.insuplc_admdvs, "%s", d->insuplc ? d->insuplc : x->region);
    snprintf(p.emp_name, sizeof p.emp_name, "%s", d->emp);
    snprintf(p.cvlserv_flag, sizeof p.cvlserv_flag, "%s", d->cvl);
    p.acct_balc = d->acct;
    if ((rc = store_person_put(w, &p, e))) break;
    for (int y = d->from_year; y <= 2026 && !rc; y++) {
      store_enroll en;
      memset(&en, 0, sizeof en);
      snprintf(en.psn_no, sizeof en.psn_no, "%s", p.psn_no);
      en.year = y;
      snprintf(en.insutype, sizeof en.insutype, "%s", d->insutype);
      snprintf(en.psn_type, sizeof en.psn_type, "%s", d->psn_type);
      snprintf(en.psn_insu_stas, sizeof en.psn_insu_stas, "1");
      snprintf(en.psn_insu_date, sizeof en.psn_insu_date, "%04d-01-01", d->from_year % 10000);
      if (y == d->from_year && d->wait_until) {
        snprintf(en.psn_insu_date, sizeof en.psn_insu_date, "%04d-03-01", y % 10000);
        snprintf(en.wait_until, sizeof en.wait_until, "%s", d->wait_until);
        snprintf(en.wait_reason, sizeof en.wait_reason, "%s", d->wait_reason);
      }
      rc = store_enroll_put(w, &en, e);
    }
    if (!rc && d->idet) {
      store_idet id = {0};
      snprintf(id.psn_no, sizeof id.psn_no, "%s", p.psn_no);
      snprintf(id.psn_idet_type, sizeof id.psn_idet_type, "%s", d->idet);
      snprintf(id.begntime, sizeof id.begntime, "2024-01-01 00:00:00");
      snprintf(id.memo, sizeof id.memo, "%s", d->note);
      rc = store_idet_put(w, &id, e);
    }
    if (!rc && d->dise) {
      store_dise ds = {0};
      snprintf(ds.psn_no, sizeof ds.psn_no, "%s", p.psn_no);
      snprintf(ds.dise_codg, sizeof ds.dise_codg, "%s", d->dise);
      snprintf(ds.dise_name, sizeof ds.dise_name, "%s", d->dise_name);
      snprintf(ds.kind, sizeof ds.kind, "%s", d->dise_kind);
      snprintf(ds.begndate, sizeof ds.begndate, "2024-01-01");
      rc = store_dise_put(w, &ds, e);
    }
    if (!rc && d->filing) {
      store_filing f = {0};
      snprintf(f.psn_no, sizeof f.psn_no, "%s", p.psn_no);
      snprintf(f.filing_type, sizeof f.filing_type, "%s", d->filing);
      snprintf(f.admvs, sizeof f.admvs, "%s", x->region);
      snprintf(f.begndate, sizeof f.begndate, "2025-01-01");
      rc = store_filing_put(w, &f, e);
    }
    printf("  %s  %s  %-8s %s\n", p.psn_no, p.certno, d->name, d->note);
  }
  if (!rc) { /* family binding after both persons exist */
    for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0] && !rc; i++) {
      const demo_person *d = &demo_people[i];
      if (!d->family) continue;
      store_person p;
      char no[32];
      snprintf(no, sizeof no, "%s0000000000%s", x->region, d->no);
      if (!(rc = store_person_get(w, no, &p, e))) {
        snprintf(p.family_psn_no, sizeof p.family_psn_no, "%s0000000000%s", x->region, d->family);
        rc = store_person_put(w, &p, e);
      }
    }
  }
  return rc;
}

static int init_tx(store_conn *w, void *arg, yb_err *e) {
  init_ctx *x = arg;
  char have[8];
  int rc = store_meta_get(w, "region", have, sizeof have, e);
  if (!rc && x->update) { /* new policy years or versions and catalogs into a running region */
    snprintf(x->region, sizeof x->region, "%s", have);
    if ((rc = load_docs(w, x, e))) return rc;
    snprintf(x->region, sizeof x->region, "%s", have);
    return store_log(w, "", "init", "init", "", "", "init --update", e);
  }
  if (!rc) return yb_fail(e, YB_ECONFLICT, "--db", "already initialized (region %s): use --update", have);
  if (x->update) return yb_fail(e, YB_ENOT_FOUND, "--db", "not initialized yet: run without --update");
  yb_err_clear(e);
  if ((rc = load_docs(w, x, e))) return rc;
  if ((rc = store_meta_set(w, "region", x->region, e))) return rc;
  if (x->demo && (rc = demo_region(w, x, e))) return rc;
  if (x->demo && (rc = admin_demo_users(w, x->region, e))) return rc;
  return store_log(w, "", "init", "init", "", "", x->demo ? "init --demo" : "init", e);
}

int cmd_init(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db");
  init_ctx x = {cmd_opt(argc, argv, "--policies"), cmd_flag(argc, argv, "--demo"),
                cmd_flag(argc, argv, "--update"), ""};
  if (!db || (x.demo && x.update)) {
    fprintf(stderr, "usage: yibao init --db FILE [--demo] [--policies DIR]\n"
                    "       yibao init --db FILE --update [--policies DIR]   (load new policies/catalogs)\n");
    return 2;
  }
  if (!x.dir) x.dir = "policies";
  yb_err e = {0};
  store *st = NULL;
  int existed = access(db, F_OK) == 0;
  int rc = store_open(db, &st, &e);
  if (!rc) rc = store_write(st, init_tx, &x, &e);
  store_close(st);
  if (rc && !existed) { /* leave no half-made database behind */
    char p[4200];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db), unlink(p);
    snprintf(p, sizeof p, "%s-shm", db), unlink(p);
  }
  if (rc) return fail("init", &e);
  printf("\n%s: region %s %s%s\n", db, x.region, x.update ? "updated" : "ready",
         x.demo ? " with the demo data above" : "");
  return 0;
}

/* ---- sign --------------------------------------------------------------------------------------- */
int cmd_sign(int argc, char **argv) {
  const char *secret = cmd_opt(argc, argv, "--secret"), *code = cmd_opt(argc, argv, "--code");
  const char *file = cmd_opt(argc, argv, "--body"), *scheme = cmd_opt(argc, argv, "--scheme");
  const char *key = cmd_opt(argc, argv, "--key"), *infno = cmd_opt(argc, argv, "--infno");
  if (!secret || !code || !file) {
    fprintf(stderr, "usage: yibao sign --code FIXMEDINS_CODE --secret SECRET --body FILE\n"
                    "                  [--scheme hmac|tif|api] [--key AK] [--infno N]\n"
                    "prints curl -H arguments signing FILE's bytes\n");
    return 2;
  }
  size_t len = 0;
  char *body = read_file(file, &len);
  if (!body) {
    fprintf(stderr, "yibao: cannot read %s\n", file);
    return 1;
  }
  unsigned char rnd[16];
  char nonce[33], ts[24], sig[160];
  RAND_bytes(rnd, sizeof rnd);
  for (int i = 0; i < 16; i++) snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
  snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
  if (!scheme || !strcmp(scheme, "hmac")) {
    hsi_sign_hmac(secret, ts, nonce, body, len, sig);
    printf("-H x-yb-code:%s -H x-yb-timestamp:%s -H x-yb-nonce:%s -H x-yb-signature:%s\n", code, ts,
           nonce, sig);
  } else if (!strcmp(scheme, "tif")) {
    hsi_sign_tif(secret, ts, nonce, sig);
    printf("-H x-tif-paasid:%s -H x-tif-timestamp:%s -H x-tif-nonce:%s -H x-tif-signature:%s\n",
           key ? key : code, ts, nonce, sig);
  } else {
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL) * 1000);
    hsi_sign_api(secret, key ? key : code, infno ? infno : "", ts, "1.0.0", sig);
    printf("-H _api_access_key:%s -H _api_name:%s -H _api_version:1.0.0 -H _api_timestamp:%s "
           "-H _api_signature:%s\n",
           key ? key : code, infno ? infno : "", ts, sig);
  }
  free(body);
  return 0;
}

/* ---- user --------------------------------------------------------------------------------------- */
typedef struct user_ctx {
  const char *username, *name, *role, *inst;
  char password[160];
} user_ctx;

static int user_tx(store_conn *w, void *arg, yb_err *e) {
  user_ctx *x = arg;
  int rc = admin_user_add(w, x->username, x->name, x->role, x->inst, x->password, e);
  if (!rc) {
    char what[160];
    snprintf(what, sizeof what, "user add %s (%s)", x->username, x->role);
    rc = store_log(w, x->inst ? x->inst : "", "cli", "user.add", "", "", what, e);
  }
  return rc;
}

int cmd_user(int argc, char **argv) {
  user_ctx x = {cmd_opt(argc, argv, "--username"), cmd_opt(argc, argv, "--name"),
                cmd_opt(argc, argv, "--role"), cmd_opt(argc, argv, "--inst"), ""};
  const char *db = cmd_opt(argc, argv, "--db");
  if (argc < 1 || strcmp(argv[0], "add") || !db || !x.username || !x.role) {
    fprintf(stderr, "usage: yibao user add --db FILE --username U --role admin|supervisor|clerk|inst\n"
                    "                     [--inst FIXMEDINS_CODE] [--name NAME]   (password on stdin)\n");
    return 2;
  }
  if (!fgets(x.password, sizeof x.password, stdin)) {
    fprintf(stderr, "yibao: user add: no password on standard input\n");
    return 1;
  }
  x.password[strcspn(x.password, "\r\n")] = 0;
  if (access(db, F_OK) != 0) {
    fprintf(stderr, "yibao: %s does not exist\n", db);
    return 1;
  }
  yb_err e = {0};
  store *st = NULL;
  int rc = store_open(db, &st, &e);
  if (!rc) rc = store_write(st, user_tx, &x, &e);
  store_close(st);
  if (rc) return fail("user add", &e);
  printf("user %s (%s) added\n", x.username, x.role);
  return 0;
}
