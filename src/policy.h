/* policy.h — one pooling region's benefit policy for one year, as data.
 * Loaded from JSON (format in docs/policy.md), validated once, then read by the
 * pure engine (benefit.c). Every number that decides who pays is here; none is in C.
 *
 * Shape of the model:
 *   policy ─ psn_types (psn_type code → class), idet_types (idet code → group),
 *            med_types (med_type code → benefit category name), buckets (accumulator names)
 *          └ schemes[] (insutype 310, 390 …)
 *                ├ benefits[]  one per category: deductible, ratio, cap, copay, area rules,
 *                │             the supplement layers that follow (`then`), chronic diseases
 *                └ layers[]    supplement layers: hifob, hifmi, maf, tilt, cvlserv, hifes, acct
 * Every parameter table is a list of rows; a row has a `when` (conditions) and
 * values; the first row whose conditions all hold is used. */
#ifndef YB_POLICY_H
#define YB_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define POLICY_MAX_CLASSES 32
#define POLICY_MAX_GROUPS 32
#define POLICY_MAX_BUCKETS 256
#define POLICY_MAX_SCHEMES 8
#define POLICY_MAX_BANDS 8
#define POLICY_CODE_LEN 16

/* Where the visit happens relative to the person's insured region. */
typedef enum {
  AREA_LOCAL = 0,     /* in the pooling region */
  AREA_FILED = 1,     /* cross-region, filed (备案): long-term residence, work, referral */
  AREA_TEMPORARY = 2, /* cross-region temporary outing (临时外出就医), filed as such */
  AREA_UNFILED = 3,   /* cross-region without filing */
  AREA_COUNT
} policy_area;

/* Conditions of a row. A zero mask / -1 bound means "any". */
typedef struct policy_when {
  uint32_t psn_class_mask; /* bit i: class i of policy.classes */
  uint32_t group_mask;     /* person has at least one of these groups */
  uint32_t group_none;     /* person has none of these groups (e.g. "not special") */
  uint8_t hosp_lv_mask;    /* bit 0..3: institution level 0 (unrated, village clinic, pharmacy) … 3 */
  uint8_t area_mask;       /* bit per policy_area */
  int8_t xprov;            /* -1 any, 0 within the province, 1 out of province */
  int8_t cvlserv;          /* -1 any, 0/1 cvlserv_flag */
  int16_t nth_min, nth_max;  /* admission number this year, 1-based; 0 = no bound */
  int16_t age_min, age_max;  /* whole years at the visit; -1 = no bound (inclusive) */
  uint8_t n_dise_any, n_dise_all;
  char dise_any[4][POLICY_CODE_LEN]; /* person is registered for any of these diseases */
  char dise_all[4][POLICY_CODE_LEN]; /* … for all of these */
} policy_when;

typedef struct policy_band {
  int64_t from;  /* fen: band starts here (measured as the table says) */
  int32_t ratio; /* bp */
} policy_band;

/* One row of any parameter table; which value fields are used depends on the table. */
typedef struct policy_row {
  policy_when when;
  const char *path;   /* JSON path of this row, for traces and errors (owned by policy) */
  int64_t amount;     /* fen: deductible amount, cap amount, threshold, copay */
  int32_t share;      /* bp: deductible as share of in-scope (with floor/ceiling), first self-pay share, ratio cut */
  int64_t floor, ceiling; /* fen, for share-based deductibles; ceiling 0 = none */
  int32_t ratio;      /* bp: payment ratio (when n_bands == 0) */
  uint8_t n_bands;
  policy_band bands[POLICY_MAX_BANDS];
  bool no_cap;        /* cap tables: this row means "no cap" */
} policy_row;

typedef struct policy_table {
  uint16_t n;
  policy_row *rows;
} policy_table;

typedef enum { DEDUCT_PER_VISIT = 0, DEDUCT_PER_YEAR = 1 } policy_deduct_per;
typedef enum { CAP_PAYMENT = 0, CAP_EXPENSE = 1 } policy_cap_kind;
typedef enum { CAP_PERIOD_YEAR = 0, CAP_PERIOD_MONTH = 1 } policy_cap_period;

typedef struct policy_deductible {
  policy_deduct_per per;
  int16_t bucket;        /* per year: bucket holding the deductible used; -1 per visit */
  policy_table rows;     /* amount, or share+floor+ceiling */
} policy_deductible;

typedef struct policy_cap {
  policy_cap_kind kind;  /* payment: the fund pays at most X; expense: at most X of eligible expense enters */
  policy_cap_period period;
  int16_t bucket;        /* accumulator of what counts against the cap (paid, or eligible expense) */
  policy_table rows;     /* amount, or no_cap */
} policy_cap;

/* The basic pooled-fund layer of one benefit category. */
typedef struct policy_pool {
  bool present;
  policy_deductible deductible;
  policy_table ratio;      /* ratio, or bands measured on cumulative in-scope expense from 0 */
  int16_t band_bucket;     /* cumulative in-scope expense this year (for banded ratios), -1 if none */
  policy_table ratio_cut;  /* share = points subtracted from the ratio (cross-region); optional */
  policy_table first_selfpay; /* share of in-scope the person pays first (cross-region); optional */
  policy_cap cap;
  policy_table copay;      /* amount subtracted after the ratio, per visit; optional */
} policy_pool;

/* Supplement layer kinds (benefit.c has one function per kind). */
typedef enum {
  LAYER_RATIO = 0,  /* deductible + ratio + cap on a base: maf, cvlserv, hifes, hifob */
  LAYER_BANDED = 1, /* yearly (or per-visit) base over a threshold, banded: hifmi, tilt aid */
  LAYER_ACCT = 2,   /* personal account, then family sharing */
} policy_layer_kind;

/* Which self-burden a layer may pay from, and a banded layer's base counts. */
enum {
  BURDEN_INSCP = 1 << 0, /* in-scope self-burden (deductible and the part the pool did not pay) */
  BURDEN_PRE = 1 << 1,   /* 乙类 self-pay-first and cross-region first self-pay */
  BURDEN_OUT = 1 << 2,   /* over-limit and fully self-paid */
  BURDEN_OVERFLOW = 1 << 3 /* in-scope expense the pool's cap left unpaid (hifob's base) */
};

/* Output field a layer's payment goes to (setlinfo). */
typedef enum {
  PAYER_HIFP = 0, PAYER_CVLSERV, PAYER_HIFES, PAYER_HIFMI, PAYER_HIFOB, PAYER_MAF, PAYER_OTH,
  PAYER_ACCT, PAYER_ACCT_MULAID, PAYER_COUNT
} policy_payer;

typedef struct policy_layer {
  char name[24];            /* "hifmi", "maf", "tilt" … (key in scheme.layers) */
  const char *path;         /* JSON path */
  policy_layer_kind kind;
  policy_payer payer;
  char fund_pay_type[8];    /* setldetail code, e.g. "390200" */
  char fund_pay_type_name[64];
  policy_when applies;      /* the layer applies only to persons matching this */
  uint8_t covers;           /* BURDEN_* it may pay */
  /* ratio kind */
  policy_deductible deductible;
  policy_table ratio;
  policy_cap cap;
  /* banded kind */
  bool per_visit;           /* threshold per visit (tilt per admission) instead of per year */
  uint8_t base;             /* BURDEN_* that add to the base */
  bool base_deductible;     /* whether the basic deductible counts toward the base */
  int16_t base_bucket;      /* yearly base accumulated */
  bool band_whole;          /* true: the whole excess at the rate of the band reached; false: marginal slices */
  bool band_on_total;       /* true: band edges measured on the total base; false: on the excess over the threshold */
  policy_table banded;      /* amount = threshold; bands; cap via `cap` table */
  int32_t incentive_ceiling; /* bp of the original cap: the most an incentive raise adds */
  /* acct kind */
  bool family;              /* family sharing (家庭共济) after the own account */
} policy_layer;

/* One 门诊慢特病 disease: its own pool parameters and cap. */
typedef struct policy_disease {
  char code[POLICY_CODE_LEN];
  char name[64];
  policy_pool pool;
} policy_disease;

typedef struct policy_benefit {
  char category[24];       /* "inpatient", "outpatient", "two_diseases", "chronic", "pharmacy" … */
  const char *path;
  bool admission;          /* counts as an admission (nth admission, per-visit deductible order) */
  bool needs_disease;      /* visit must carry a dise_codg the person is registered for */
  policy_pool pool;        /* basic layer; absent = no pooled fund (e.g. pharmacy for residents) */
  uint16_t n_diseases;
  policy_disease *diseases; /* for chronic: per-disease pools (override `pool` when matched) */
  uint8_t n_then;
  int8_t then[8];          /* indices into scheme.layers, in order */
  uint8_t category_id;     /* index into policy.categories */
} policy_benefit;

typedef struct policy_scheme {
  char insutype[8];        /* "310", "390" */
  char name[64];
  char fund_pay_type[8];   /* pooled fund's setldetail code: 310100 / 390100 */
  char fund_pay_type_name[64];
  uint8_t n_benefits, n_layers;
  policy_benefit *benefits;
  policy_layer *layers;
  int8_t benefit_of[32];   /* category id → index into benefits, -1 when the scheme lacks it */
} policy_scheme;

typedef struct policy_code_map {
  char code[POLICY_CODE_LEN];
  int16_t id;              /* class id, group id or benefit index, by table */
  bool special;            /* idet groups: counts as a special group */
  bool exempt_wait;        /* idet groups / classes: exempt from waiting periods (recorded for enrollment) */
} policy_code_map;

typedef enum { ROUND_LINE = 0, ROUND_VISIT = 1 } policy_rounding;

typedef struct policy {
  char region[8], region_name[64], version[32];
  int year;
  policy_rounding preselfpay_rounding; /* 乙类 share rounded per line, or once on the visit's sum */
  uint8_t n_classes, n_groups;
  char classes[POLICY_MAX_CLASSES][24];
  char groups[POLICY_MAX_GROUPS][24];
  uint16_t n_psn_types, n_idet_types, n_med_types;
  policy_code_map *psn_types, *idet_types, *med_types; /* med_types id = benefit category index */
  uint8_t n_categories;
  char categories[32][24];
  uint16_t n_buckets;
  char buckets[POLICY_MAX_BUCKETS][32];  /* bucket 0 is "admissions" (count) */
  uint8_t n_schemes;
  policy_scheme schemes[POLICY_MAX_SCHEMES];
  struct dip_params *dip;  /* the optional "dip" section (dip_policy.c), or NULL */
  void *arena;             /* owns every string and array above */
  struct enroll_policy *enrollment; /* optional `enrollment` section (enroll.h), NULL if absent; owned */
} policy;

/* Load and validate a policy file. On success *out is new (free with policy_free).
 * On failure, e names the JSON path of the first problem; see policy_check for all. */
int policy_load(const char *path, policy **out, yb_err *e);
/* Same from a JSON text in memory. */
int policy_load_text(const char *text, size_t len, policy **out, yb_err *e);
/* Validate and print every problem as "path: message" lines to `report` (a FILE *).
 * Returns the number of problems (0 = valid), or a negative YB_E… if unreadable. */
int policy_check(const char *path, void *report);
void policy_free(policy *p);

/* Lookups used by the engine; all borrow from p. -1 / NULL when unknown. */
const policy_scheme *policy_scheme_find(const policy *p, const char *insutype);
int policy_class_of(const policy *p, const char *psn_type);
uint32_t policy_groups_of(const policy *p, const char *const *idet, int n, bool *special);
int policy_category_of(const policy *p, const char *med_type);
const policy_benefit *policy_benefit_find(const policy_scheme *s, int category);
int policy_bucket_find(const policy *p, const char *name);

/* First row of t whose conditions hold in ctx (benefit.c fills it), or NULL. */
struct policy_ctx {
  uint32_t psn_class_bit, groups;
  int hosp_lv, area, xprov, cvlserv, nth, age;
  uint8_t n_dise;
  const char (*dise)[POLICY_CODE_LEN];
};
bool policy_when_holds(const policy_when *w, const struct policy_ctx *c);
const policy_row *policy_match(const policy_table *t, const struct policy_ctx *c);

#endif
