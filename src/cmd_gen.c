/* cmd_gen.c — `yibao gen`: parse sizes, seed and fraud rates, create the database (init) when
 * absent, run the generator with a progress bar on a terminal, and print what was made with
 * the throughput and peak memory (bench-gen reads those lines). */
/* every snprintf below writes into a buffer sized for its field; a cut is the intended result */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "gen.h"

typedef struct bar {
  double t0;
  int tty;
} bar;

static void progress(void *arg, int64_t done, int64_t total, int64_t lines) {
  bar *b = arg;
  if (!b->tty) return;
  double el = cmd_now() - b->t0;
  int w = 40, fill = total ? (int)(done * w / total) : w;
  fprintf(stderr, "\r[%.*s%*s] %3d%%  %lld/%lld persons  %lld lines  %.0f lines/s ", fill,
          "########################################", w - fill, "", total ? (int)(done * 100 / total) : 100,
          (long long)done, (long long)total, (long long)lines, el > 0 ? (double)lines / el : 0.0);
  if (done >= total) fputc('\n', stderr);
}

static int parse_i64(const char *s, const char *name, int64_t lo, int64_t hi, int64_t *out) {
  char *end;
  long long v = s ? strtoll(s, &end, 10) : 0;
  if (!s || *end || v < lo || v > hi) {
    fprintf(stderr, "yibao: %s must be a whole number in %lld..%lld\n", name, (long long)lo, (long long)hi);
    return -1;
  }
  *out = v;
  return 0;
}

static void print_stats(const gen_stats *s, int dry) {
  printf("%spersons: %lld\nhouseholds: %lld\ninstitutions: %lld\ndoctors: %lld\ncatalog_items: %lld\n"
         "enrollments: %lld\ndeaths: %lld\nvisits: %lld\ninpatient_stays: %lld\nsettlements: %lld\n"
         "fee_lines: %lld\n",
         dry ? "# --dry-run: the model's means, nothing written\n" : "", (long long)s->persons,
         (long long)s->households, (long long)s->institutions, (long long)s->doctors, (long long)s->items,
         (long long)s->enrollments, (long long)s->deaths, (long long)s->visits, (long long)s->inpatient,
         (long long)s->settlements, (long long)s->fee_lines);
  if (dry) {
    printf("disk_mb_approx: %lld\n", (long long)(s->fee_lines * 850 / 1048576)); /* measured bytes per line */
    return;
  }
  printf("dialysis_checkins: %lld\nlabels: %lld\n", (long long)s->checkins, (long long)s->labels);
  for (int k = 0; k < GEN_FRAUD_COUNT; k++) printf("label_%s: %lld\n", gen_fraud_name(k), (long long)s->by_kind[k]);
  char a[32], b[32];
  snprintf(a, sizeof a, "%lld.%02lld", (long long)(s->medfee_sumamt / 100), (long long)(s->medfee_sumamt % 100));
  snprintf(b, sizeof b, "%lld.%02lld", (long long)(s->fund_pay_sumamt / 100), (long long)(s->fund_pay_sumamt % 100));
  printf("medfee_sumamt: %s\nfund_pay_sumamt: %s\n", a, b);
}

int cmd_gen(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db");
  gen_config c;
  gen_config_default(&c);
  int64_t v;
  const char *o;
  int dry = cmd_flag(argc, argv, "--dry-run");
  if (!db && !dry) {
    fprintf(stderr, "usage: yibao gen --db FILE [--persons N] [--institutions M] [--years Y] [--seed S]\n"
                    "                 [--first-year YYYY] [--fraud-rate KIND=RATE[,…]]… [--policies DIR]\n"
                    "                 [--dry-run]\n"
                    "kinds: split_admission frequent_admission bed_holding fake_admission dead_person_card\n"
                    "       two_places_same_day otp_during_ipt dialysis_no_checkin duplicate_charge\n"
                    "       over_supply item_switching gender_limit age_limit over_price_limit\n"
                    "       unregistered_doctor (or all); RATE is a fraction, e.g. 0.002\n");
    return 2;
  }
  if ((o = cmd_opt(argc, argv, "--persons")) && parse_i64(o, "--persons", 1, 100000000, &v) == 0) c.persons = v;
  else if (o) return 2;
  if ((o = cmd_opt(argc, argv, "--institutions")) && parse_i64(o, "--institutions", 10, 80000, &v) == 0) c.institutions = (int)v;
  else if (o) return 2;
  if ((o = cmd_opt(argc, argv, "--years")) && parse_i64(o, "--years", 1, 10, &v) == 0) c.years = (int)v;
  else if (o) return 2;
  if ((o = cmd_opt(argc, argv, "--first-year")) && parse_i64(o, "--first-year", 1990, 2100, &v) == 0) c.first_year = (int)v;
  else if (o) return 2;
  if ((o = cmd_opt(argc, argv, "--persons-per-tx")) && parse_i64(o, "--persons-per-tx", 1, 1000000, &v) == 0) c.persons_per_tx = (int)v;
  else if (o) return 2;
  if ((o = cmd_opt(argc, argv, "--seed")) && parse_i64(o, "--seed", 0, INT64_MAX, &v) == 0) c.seed = (uint64_t)v;
  else if (o) return 2;
  for (int i = 0; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--fraud-rate")) {
      yb_err e = {0};
      char buf[600];
      if (gen_config_rates(&c, argv[i + 1], &e)) {
        fprintf(stderr, "yibao: %s\n", yb_err_text(&e, buf, sizeof buf));
        return 2;
      }
    }
  if (dry) {
    gen_stats s;
    gen_estimate(&c, &s);
    print_stats(&s, 1);
    return 0;
  }
  if (access(db, F_OK) != 0) { /* a new database: policies and catalog first */
    const char *pol = cmd_opt(argc, argv, "--policies");
    char *iargv[] = {"--db", (char *)db, "--policies", (char *)(pol ? pol : "policies")};
    if (cmd_init(4, iargv)) return 1;
  }
  bar b = {cmd_now(), isatty(2)};
  double cpu0 = cmd_cpu();
  c.progress = progress, c.progress_arg = &b;
  yb_err e = {0};
  store *st = NULL;
  gen_stats s;
  int rc = store_open(db, &st, &e);
  if (!rc) rc = gen_run(st, &c, &s, &e);
  store_close(st);
  if (rc) {
    char buf[600];
    fprintf(stderr, "yibao: gen: %s\n", yb_err_text(&e, buf, sizeof buf));
    return 1;
  }
  double el = cmd_now() - b.t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  print_stats(&s, 0);
  double cpu = cmd_cpu() - cpu0; /* user + system: what the run cost apart from the machine's other load */
  printf("seconds: %.1f\nfee_lines_per_sec: %.0f\ncpu_seconds: %.1f\nfee_lines_per_cpu_sec: %.0f\npeak_rss_mb: %.1f\n", el,
         el > 0 ? (double)s.fee_lines / el : 0.0, cpu, cpu > 0 ? (double)s.fee_lines / cpu : 0.0,
         (double)ru.ru_maxrss / 1024.0);
  return 0;
}
