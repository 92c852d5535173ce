/* cmd_bench.c — `yibao bench adjudicate`: engine-only adjudications per second on one
 * core, visits of 10 fee lines drawn across every scheme and category of the policy.
 * Prints machine-readable `name: value` lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benefit.h"
#include "cmd.h"
#include "simvisit.h"

static int bench_adjudicate(int argc, char **argv) {
  const char *pp = cmd_opt(argc, argv, "--policy"), *cp = cmd_opt(argc, argv, "--catalog");
  const char *secs = cmd_opt(argc, argv, "--seconds");
  if (!pp || !cp) {
    fprintf(stderr, "usage: yibao bench adjudicate --policy P --catalog C [--seconds S]\n");
    return 2;
  }
  policy *p = NULL;
  catalog *c = NULL;
  yb_err e = {0};
  char msg[600];
  if (policy_load(pp, &p, &e) || catalog_load(cp, &c, &e)) {
    fprintf(stderr, "yibao bench: %s\n", yb_err_text(&e, msg, sizeof msg));
    policy_free(p);
    catalog_free(c);
    return 1;
  }
  enum { POOL = 4096, LINES = 10 };
  simvisit *v = calloc(POOL, sizeof *v);
  benefit_line_out lo[64];
  benefit_result r;
  uint64_t seed = 0x9e3779b97f4a7c15u;
  int n = 0, refused = 0;
  for (int tries = 0; n < POOL && tries < POOL * 8; tries++) {
    if (simvisit_make(p, c, &seed, LINES, &v[n]) != 0) break;
    /* keep visits the engine settles, so the loop measures settlements, not refusals */
    if (benefit_settle(p, &v[n].psn, &v[n].acc, &v[n].visit, v[n].lines, v[n].n, lo, &r, &e) == 0)
      n++;
    else
      refused++;
  }
  if (n == 0) {
    fprintf(stderr, "yibao bench: the policy settles none of the drawn visits: %s\n", yb_err_text(&e, msg, sizeof msg));
    free(v);
    policy_free(p);
    catalog_free(c);
    return 1;
  }
  double limit = secs ? atof(secs) : 3.0, t0 = cmd_now(), t;
  long long done = 0;
  int64_t checksum = 0;
  do {
    for (int i = 0; i < n; i++) {
      benefit_settle(p, &v[i].psn, &v[i].acc, &v[i].visit, v[i].lines, v[i].n, lo, &r, NULL);
      checksum += r.fund_pay_sumamt;
    }
    done += n;
    t = cmd_now() - t0;
  } while (t < limit);
  printf("visits_in_pool: %d\n", n);
  printf("lines_per_visit: %d\n", LINES);
  printf("adjudications: %lld\n", done);
  printf("seconds: %.3f\n", t);
  printf("adjudications_per_sec: %.0f\n", (double)done / t);
  printf("fee_lines_per_sec: %.0f\n", (double)done * LINES / t);
  printf("checksum_fen: %lld\n", (long long)checksum);
  free(v);
  policy_free(p);
  catalog_free(c);
  return 0;
}

int cmd_bench(int argc, char **argv) {
  if (argc >= 1 && strcmp(argv[0], "adjudicate") == 0) return bench_adjudicate(argc - 1, argv + 1);
  fprintf(stderr, "usage: yibao bench adjudicate --policy P --catalog C [--seconds S]\n");
  return 2;
}
