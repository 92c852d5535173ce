/* enroll.h — the rules that keep people insured, as pure functions of a policy's optional
 * `enrollment` section (docs/policy.md, docs/enrollment.md) and a person's enrollment history:
 * the waiting period (待遇等待期: fixed + variable, repair by paying back years, the floor after
 * a long break, exemptions), the critical-illness cap raise (参保激励: continuity and zero-claim
 * raises, the ceiling, the resets), the contribution split (individual / fiscal / assistance)
 * and the concentrated enrollment period. No I/O; every number comes from the policy. */
#ifndef YB_ENROLL_H
#define YB_ENROLL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "policy.h"

#define ENROLL_MAX_SCHEMES 4
#define ENROLL_MAX_ROWS 32
#define ENROLL_MAX_YEARS 64

typedef struct enroll_contrib_rate { /* one scheme's yearly per-person contribution */
  char insutype[8];
  int year;
  int64_t individual, fiscal; /* fen */
} enroll_contrib_rate;

typedef struct enroll_assist_rule { /* assisted enrollment (资助参保) of a group */
  int group;                  /* policy group id */
  int32_t share;              /* bp of the individual part the assistance fund pays, or 0 */
  int64_t amount;             /* or a fixed amount, fen (at most the individual part) */
} enroll_assist_rule;

typedef struct enroll_alloc_rule { /* personal account allocation per month (employees) */
  int psn_class;              /* policy class id, -1 any */
  int age_min, age_max;       /* -1 = no bound */
  int32_t of_contribution;    /* bp of the employee's own contribution that month */
  int32_t of_base;            /* bp of the wage base (pre-2021 rules) */
  int64_t monthly;            /* fixed fen per month (retirees after the 2021 reform) */
} enroll_alloc_rule;

typedef struct enroll_threshold { /* high-cost early warning (高额费用预警) */
  uint32_t group_mask;        /* 0 = everyone (a default row, last) */
  int64_t amount;             /* yearly self-burden above which a person is listed, fen */
} enroll_threshold;

typedef struct enroll_filing_type { /* 异地就医备案 type and how long a filing may last */
  char name[16];
  int max_months;             /* 0 = open-ended */
} enroll_filing_type;

typedef struct enroll_policy {
  bool has_period;            /* false: no concentrated period (every enrollment is on time) */
  int from_md, to_md;         /* concentrated period: month*100+day in the year before coverage;
                                 to_md < from_md means it runs into the coverage year */
  /* waiting period */
  uint8_t n_wait_schemes, n_counted;
  char wait_schemes[ENROLL_MAX_SCHEMES][8];  /* schemes that have a waiting period */
  char counted[ENROLL_MAX_SCHEMES][8];       /* schemes whose years count as covered */
  int fixed_months, per_broken_year, repair_per_year, floor_after_years, floor_months;
  int count_from_year;        /* years before it are neither covered nor broken (0 = all) */
  int max_gap_months;         /* a year with more uncovered months is broken (0: any enrollment covers it) */
  /* incentives */
  uint8_t n_inc_schemes;
  char inc_schemes[ENROLL_MAX_SCHEMES][8];
  char inc_layer[24];         /* the banded layer whose cap is raised (hifmi) */
  int continuity_after;       /* continuous years before raises start */
  int64_t continuity_amount, zero_claim_amount; /* fen per year */
  int32_t ceiling;            /* bp of the original cap */
  bool break_resets_zero;     /* a break also clears the zero-claim part */
  /* contributions */
  bool payback_full;          /* a paid-back year costs individual + fiscal (else individual) */
  uint8_t n_rates, n_assist, n_alloc, n_high, n_filing, n_relations;
  enroll_contrib_rate rates[ENROLL_MAX_ROWS];
  enroll_assist_rule assist[ENROLL_MAX_ROWS];
  int32_t employer_rate, employee_rate; /* bp of the wage base */
  enroll_alloc_rule alloc[ENROLL_MAX_ROWS];
  /* family sharing (家庭共济) */
  char relations[8][12];      /* relations that may be bound: spouse, parent, child … */
  int max_relatives;          /* relatives one account may share with (0 = no limit) */
  bool pay_contribution;      /* the account may pay a bound relative's resident contribution */
  enroll_threshold high[ENROLL_MAX_ROWS];
  enroll_filing_type filing[8];
} enroll_policy;

/* Parse the `enrollment` section (v borrowed) for policy p (its classes and groups already
 * parsed). Every problem is reported as "path: message" to report (may be NULL); the first
 * goes into *first when first->code is 0. Returns the number of problems; *out is new
 * (free()) when 0. */
int enroll_policy_parse(void *json_v, const policy *p, enroll_policy **out, FILE *report,
                        yb_err *first);

/* ---- history ---------------------------------------------------------------------------- */
typedef struct enroll_year {
  int year;
  bool covered;      /* enrolled in a counted scheme that year (see enroll_hist_cover) */
  uint16_t months;   /* bit m-1: month m covered by some enrollment (enroll_hist_cover) */
  bool paid_back;    /* a missed year the person paid back (repairs the waiting period only) */
  int64_t fund_paid; /* fund paid for the person that year, fen (zero-claim) */
  bool raise_used;   /* a claim that year used the raised part of the cap */
} enroll_year;

typedef struct enroll_hist {
  int n;
  enroll_year y[ENROLL_MAX_YEARS]; /* any order; absent years are uncovered */
} enroll_hist;

/* The row for year, or NULL. */
const enroll_year *enroll_hist_get(const enroll_hist *h, int year);
/* The row for year, added (uncovered) if absent; NULL when full. */
enroll_year *enroll_hist_at(enroll_hist *h, int year);

/* Record an enrollment covering months from..to (1–12) of year; then enroll_hist_finish marks a
 * year covered when at most ep->max_gap_months of it are uncovered (any month covered when
 * max_gap_months is 0). Returns -1 when the history is full. */
int enroll_hist_cover(enroll_hist *h, int year, int from, int to);
void enroll_hist_finish(const enroll_policy *ep, enroll_hist *h);

bool enroll_scheme_in(const char (*list)[8], int n, const char *insutype);

/* Is yyyymmdd inside the concentrated period for coverage year `year`? */
bool enroll_in_period(const enroll_policy *ep, int year, int32_t date);

/* ---- waiting period ------------------------------------------------------------------- */
enum { WAIT_NONE = 0, WAIT_FIXED, WAIT_VARIABLE, WAIT_REPAIRED, WAIT_FLOOR, WAIT_EXEMPT };

typedef struct enroll_wait_out {
  int kind;              /* WAIT_*: how the period arose (REPAIRED/FLOOR imply a break) */
  bool late;             /* enrolled outside the concentrated period */
  int broken_years, repaired_years;
  int fixed_months, variable_months, months;
  bool floor_applied;
  int32_t start, until;  /* yyyymmdd; until 0 = no waiting period */
  char reason[64];       /* short Chinese text kept in enrollment.wait_reason */
  char why[200];         /* the computation spelled out */
} enroll_wait_out;

/* Waiting period of an enrollment in insutype for `year`, paid on pay_date (yyyymmdd).
 * exempt: NULL, or why the person is exempt (newborn, special group …). */
void enroll_wait(const enroll_policy *ep, const char *insutype, int year, int32_t pay_date,
                 const enroll_hist *h, const char *exempt, enroll_wait_out *out);

/* ---- incentives --------------------------------------------------------------------------- */
typedef struct enroll_incentive_out {
  int continuous_years;  /* consecutive covered years right before `year` */
  int zero_claim_years;  /* zero-claim years accumulated since the last reset */
  int64_t continuity, zero_claim; /* raises before the ceiling, fen */
  int64_t original_cap, ceiling;  /* the layer's cap for the person and its ceiling share, fen */
  int64_t raise;         /* what enrollment.ci_cap_raise holds */
  bool capped;
  char why[200];
} enroll_incentive_out;

/* original_cap: the layer's cap for this person (0 = uncapped: no raise). */
void enroll_incentive(const enroll_policy *ep, const char *insutype, int year,
                      const enroll_hist *h, int64_t original_cap, enroll_incentive_out *out);
/* The cap of the incentive layer for a person of class/groups (0 when none or uncapped). */
int64_t enroll_original_cap(const policy *p, const enroll_policy *ep, const char *insutype,
                            int psn_class, uint32_t groups);

/* ---- contributions ------------------------------------------------------------------------ */
typedef struct enroll_split {
  int64_t individual, fiscal; /* the scheme's rate for the year */
  int64_t assistance;         /* part of the individual share the assistance fund pays */
  int64_t person;             /* what the person pays: individual − assistance */
  int assist_group;           /* policy group that was assisted, -1 none */
} enroll_split;

/* YB_EPOLICY (field names the scheme and year) when the policy has no rate. */
int enroll_contribution(const enroll_policy *ep, const char *insutype, int year, uint32_t groups,
                        enroll_split *out, yb_err *e);
/* What paying back a missed year costs. */
int enroll_payback_cost(const enroll_policy *ep, const char *insutype, int year, int64_t *out,
                        yb_err *e);

/* yyyymmdd plus months (day kept, clamped to the month's end). */
int32_t enroll_add_months(int32_t date, int months);

#endif
