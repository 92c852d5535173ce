/* dip.h — DIP (按病种分值付费, Diagnosis-Intervention Packet): the catalogue built from a region's
 * inpatient history, grouping and scoring of a discharged case, monthly advances and the
 * year-end clearing of institutions. Pure: no I/O, no allocation on the scoring path, no double.
 * Fixed point (docs/dip.md): costs in fen; group means in 1/100 fen; RW and scores in 1/10000
 * point (int64); ratios in basis points; point values in 1/1 000 000 fen per point. */
#ifndef YB_DIP_H
#define YB_DIP_H

#include <stdint.h>

#include "err.h"

#define DIP_SCORE_ONE 10000           /* 1 point = 10000 units of score4 */
#define DIP_MEAN_SCALE 100            /* group means in 1/100 fen */
#define DIP_PV_SCALE INT64_C(1000000) /* point values in 1e-6 fen per point */
#define DIP_CODE_LEN 32               /* institution codes, case ids */
#define DIP_DIAG_LEN 16
#define DIP_PROCS_LEN 64              /* procedure codes as sent, separated by , ; | + or space */
#define DIP_KEY_LEN 80
#define DIP_MAX_PROCS 6
#define DIP_MAX_COMMUNITIES 8
#define DIP_MAX_MEMBERS 32
#define DIP_LEVELS 4                  /* institution level 0 (unrated) … 3 */

/* ---- parameters (policy file, section "dip"; docs/policy.md) ------------------------------ */
typedef struct dip_community { /* 医共体 under a global budget (总额付费) */
  char code[DIP_CODE_LEN], name[64];
  int64_t budget;             /* fen: the community's global budget for the year */
  int32_t surplus_keep_bp;    /* share of a surplus the community keeps (结余留用) */
  int32_t overspend_share_bp; /* share of an overspend the community bears (超支分担) */
  int n_members;
  char members[DIP_MAX_MEMBERS][DIP_CODE_LEN];
} dip_community;

typedef struct dip_params {
  int32_t weight[3];          /* history years Y-3, Y-2, Y-1: 1, 2, 7 */
  int32_t trim_low_bp, trim_high_bp; /* cases below / above these percentiles are left out: 250, 9750 */
  int32_t core_threshold;     /* cases a combination needs over the 3 years to be a core group: 15 */
  int32_t diag_len;           /* characters of the main diagnosis (dots removed) that group: 4 */
  int32_t low_bp, high_bp;    /* outlier bounds as multiples of the group mean: 5000, 20000 */
  int32_t special_permille;   /* 特例单议 at most this many per 1000 cases of an institution: 5 */
  int32_t advance_bp;         /* monthly advance share of settled fund: 9000 */
  int32_t deposit_bp;         /* quality deposit withheld at clearing: 500 */
  int32_t pay_ratio_bp;       /* fund share of DIP-recognised cost (point value = budget ÷ ratio ÷ scores) */
  int64_t budget;             /* fen: the fund budget for DIP this year */
  int level_factors_from_catalogue; /* 1: use the catalogue's observed level factors */
  int32_t level_factor_bp[DIP_LEVELS];
  int n_communities;
  dip_community communities[DIP_MAX_COMMUNITIES];
} dip_params;

/* The defaults above, for a section that leaves a key out. */
void dip_params_default(dip_params *p);

/* ---- cases ---------------------------------------------------------------------------------- */
typedef struct dip_case {
  char id[DIP_CODE_LEN];      /* mdtrt_id */
  char inst[DIP_CODE_LEN];    /* fixmedins_code */
  char diag[DIP_DIAG_LEN];    /* main diagnosis, ICD-10 */
  char procs[DIP_PROCS_LEN];  /* ICD-9-CM-3 codes, any order */
  int64_t cost;               /* fen: total medical cost (medfee_sumamt) */
  int32_t year;
  int8_t level;               /* institution level 0..3 */
  int8_t special;             /* 1: approved for special review (特例单议), subject to the limit */
} dip_case;

/* The grouping keys of a case: core "DIAG|P1+P2" (procedures sorted), category "D3|attr",
 * chapter "L|attr", and the procedure attribute C/D/T/S (docs/dip.md). Returns 0 or
 * YB_EINVAL (empty or malformed diagnosis; e->field "diag"). */
typedef struct dip_keys {
  char core[DIP_KEY_LEN], category[12], chapter[8];
  char attr;
} dip_keys;
int dip_case_keys(const dip_case *c, int diag_len, dip_keys *out, yb_err *e);

/* ---- catalogue ------------------------------------------------------------------------------ */
enum { DIP_GROUP_CORE = 0, DIP_GROUP_CATEGORY = 1, DIP_GROUP_CHAPTER = 2, DIP_GROUP_ALL = 3 };

typedef struct dip_group {
  char code[DIP_KEY_LEN];
  int kind;                   /* DIP_GROUP_* */
  int64_t n_cases;            /* cases over the 3 years (before trimming) */
  int64_t n_year[3], n_used[3]; /* per year: cases, and cases kept after trimming */
  int64_t mean_year[3];       /* per year trimmed mean, 1/100 fen (0 when no case) */
  int64_t mean;               /* weighted mean, 1/100 fen */
  int64_t rw4;                /* RW = mean ÷ overall mean × 1000, in 1/10000 point */
} dip_group;

typedef struct dip_catalog {
  int32_t year;               /* the year it scores; built from year-3 … year-1 */
  int32_t diag_len, core_threshold;
  int64_t n_cases;            /* history cases used */
  int64_t overall_mean;       /* 1/100 fen */
  int32_t level_factor_bp[DIP_LEVELS]; /* observed: level's cost ÷ its cases' group means */
  int64_t n_groups;
  dip_group *groups;          /* sorted by code */
  uint32_t *index;            /* open-addressing hash of groups by code; cap = index_cap */
  uint32_t index_cap;
} dip_catalog;

/* Build the catalogue for `year` from history cases (borrowed; any order; cases outside
 * year-3 … year-1 are ignored). *out is new (dip_catalog_free). YB_EINVAL names the first bad
 * case ("history[i].diag"); YB_EPOLICY when the history has no case. */
int dip_catalog_build(const dip_params *p, int32_t year, const dip_case *hist, int64_t n,
                      dip_catalog **out, yb_err *e);
/* An empty catalogue to fill from storage, with room for n groups; dip_catalog_index after. */
dip_catalog *dip_catalog_new(int64_t n_groups);
int dip_catalog_index(dip_catalog *cat, yb_err *e);
void dip_catalog_free(dip_catalog *cat);
/* The group of that code, or NULL. */
const dip_group *dip_catalog_find(const dip_catalog *cat, const char *code);
const char *dip_group_kind_name(int kind);

/* ---- scoring -------------------------------------------------------------------------------- */
enum { DIP_CASE_NORMAL = 0, DIP_CASE_LOW = 1, DIP_CASE_HIGH = 2, DIP_CASE_SPECIAL = 3 };

typedef struct dip_score {
  int64_t group;              /* index into cat->groups */
  int fold;                   /* 0 found as core … 3 fell to the all-cases group */
  int kind;                   /* DIP_CASE_* */
  int special_refused;        /* asked for special review but over the limit */
  int64_t ratio_bp;           /* cost ÷ group mean, bp (truncated; for the trace) */
  int32_t factor_bp;          /* level factor applied */
  int64_t base4;              /* score before the level factor */
  int64_t score4;             /* the case's score */
} dip_score;

/* Group and score one case; c->special is honoured as given (the limit is dip_score_all's).
 * Returns 0 or YB_EINVAL (bad diagnosis). */
int dip_score_case(const dip_catalog *cat, const dip_params *p, const dip_case *c, dip_score *out,
                   yb_err *e);
/* Score a year's cases into out[n], applying the special-review limit per institution: the
 * approved requests of highest cost first (ties by id) up to floor(cases × permille ÷ 1000).
 * The result does not depend on the order of the cases. */
int dip_score_all(const dip_catalog *cat, const dip_params *p, const dip_case *cases, int64_t n,
                  dip_score *out, yb_err *e);
const char *dip_case_kind_name(int kind);
/* A trace of the score as JSON text into buf (like the benefit engine's, one step a line). */
int dip_score_trace(const dip_catalog *cat, const dip_params *p, const dip_case *c,
                    const dip_score *s, char *buf, size_t cap);

/* ---- advances and clearing ------------------------------------------------------------------ */
/* Monthly advance: share of the month's settled fund amount (net of reversals), half-up. */
int64_t dip_advance(const dip_params *p, int64_t fund_settled);

typedef struct dip_inst {
  char code[DIP_CODE_LEN];
  int64_t n_cases, score4;    /* in: the year's cases and their summed score */
  int64_t advances, deductions; /* in: fen advanced in the year; audit deductions (扣款) */
  int64_t fund_month[12], advance_month[12]; /* in, for statements: settled fund and advance by month */
  /* out */
  int64_t entitled;           /* share of the budget: budget × score ÷ total, largest remainder */
  int64_t remainder_fen;      /* 0 or 1: the fen the remainder rule gave */
  int64_t recognised;         /* score × point value: DIP-recognised total cost, fen (for reading) */
  int64_t community_adj;      /* kept surplus (+) or borne overspend (−) of its 医共体 */
  int64_t deposit;            /* quality deposit withheld */
  int64_t payment;            /* entitled + community_adj − advances − deductions − deposit */
  int community;              /* index into p->communities, or -1 */
} dip_inst;

typedef struct dip_clearing {
  int32_t year;
  int64_t budget, total_score4;
  int32_t pay_ratio_bp;
  int64_t pv_e6;              /* point value: (budget ÷ ratio) ÷ total points, 1e-6 fen/point */
  int64_t fund_pv_e6;         /* budget ÷ total points, 1e-6 fen/point */
  int64_t remainder_fen;      /* fen handed out by the largest-remainder rule */
  int64_t community_budget[DIP_MAX_COMMUNITIES], community_entitled[DIP_MAX_COMMUNITIES];
  int64_t community_adj[DIP_MAX_COMMUNITIES];
  int64_t sum_entitled, sum_payment, sum_advances, sum_deductions, sum_deposit, sum_adj;
} dip_clearing;

/* Clear the year: inst[n] (institutions with cases, advances or deductions; reordered by code)
 * gets its out fields. Σ entitled == budget exactly. YB_EPOLICY when no score and a budget. */
int dip_clear(const dip_params *p, int32_t year, dip_inst *inst, int64_t n, dip_clearing *out,
              yb_err *e);

#endif
