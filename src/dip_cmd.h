/* dip_cmd.h — what the DIP subcommand files (cmd_dip*.c) share: parameters from a policy,
 * a growable case list, the clearing of a year over a database, the golden cases and the bench. */
#ifndef YB_DIP_CMD_H
#define YB_DIP_CMD_H

#include "dip.h"
#include "store.h"

typedef struct dip_cases {
  dip_case *a;
  int64_t n, cap;
} dip_cases;
int dip_cases_push(dip_cases *v, const dip_case *c);
int dip_cases_push_row(const dip_case *c, void *arg); /* arg: a dip_cases */

/* The year's "dip" parameters from the policy file `path`, else from the stored policies (c). */
int dip_cmd_params(store_conn *c, const char *path, int year, dip_params *out, yb_err *e);
/* Advances, clearing and statements of `year` in one transaction; out receives the figures. */
int dip_cmd_clear_db(store *st, int year, const dip_params *p, dip_clearing *out, yb_err *e);

/* The steps of the cycle inside one write transaction w (CLI: store_write; console: admin_write). */
typedef struct dip_build_out {
  char version[64];
  int64_t n_groups, n_cases, overall_mean, kinds[4];
} dip_build_out;
int dip_build_tx(store_conn *w, int year, const dip_params *p, dip_build_out *o, yb_err *e);
typedef struct dip_score_out {
  char version[64];
  int64_t n, kinds[4], refused, total_score4;
  double score_seconds; /* for the rate printed; not a paid figure */
} dip_score_out;
/* version NULL or "": the newest catalogue of the year. */
int dip_score_tx(store_conn *w, int year, const dip_params *p, const char *version, dip_score_out *o, yb_err *e);
int dip_clear_tx(store_conn *w, int year, const dip_params *p, dip_clearing *out, yb_err *e);
/* The year's advances for months 1..month_max (0 = all twelve), replacing the year's rows. */
int dip_advance_tx(store_conn *w, int year, int month_max, const dip_params *p, yb_err *e);
int dip_cmd_advance(int argc, char **argv);

int dip_cmd_clear(int argc, char **argv);
int dip_cmd_cases(int argc, char **argv);
int dip_cmd_bench(int argc, char **argv);

#endif
