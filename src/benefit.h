/* benefit.h — the adjudication engine: a pure function of
 * (policy, person, accumulators, visit, fee lines) → settlement, with a trace that
 * explains every yuan. No I/O, no allocation, no globals: callers own all memory.
 *
 * Order (DOMAIN.md): per line split (fully self-paid, over-limit, self-pay-first,
 * in scope); then for the visit: cross-region first self-pay, deductible, pooled
 * fund (ratio, bands, cap, copay); then the scheme's supplement layers in the order
 * the policy lists (large-amount, critical illness, assistance, tilt aid …);
 * then the personal account and family sharing; cash takes the rest. */
#ifndef YB_BENEFIT_H
#define YB_BENEFIT_H

#include <stdbool.h>
#include <stdint.h>

#include "accum.h"
#include "catalog.h"
#include "err.h"
#include "policy.h"

#define BENEFIT_MAX_LINES 4096
#define BENEFIT_MAX_TRACE 48
#define BENEFIT_MAX_DETAIL 12
#define BENEFIT_MAX_IDET 8
#define BENEFIT_MAX_DISE 8
#define BENEFIT_MAX_DIAG 8

typedef struct benefit_person {
  char psn_no[32];
  uint8_t gend;                /* 1 male, 2 female, 0/9 unknown */
  int32_t brdy;                /* birth date yyyymmdd */
  char psn_type[8];            /* national psn_type code, mapped to a class by the policy */
  uint8_t n_idet;
  char idet[BENEFIT_MAX_IDET][8]; /* psn_idet_type codes (特困, 低保 …), mapped to groups */
  uint8_t cvlserv_flag;
  int32_t wait_until;          /* first day benefits are paid (yyyymmdd); 0 = no waiting period */
  char wait_reason[64];        /* how the waiting period arose, for the trace (e.g. "断保2年") */
  int64_t acct_balc;           /* personal account balance, fen */
  int64_t family_balc;         /* balance a bound relative's account may share, fen */
  int64_t ci_cap_raise;        /* critical-illness cap raise from incentives, fen */
  uint8_t n_dise;
  char dise[BENEFIT_MAX_DISE][POLICY_CODE_LEN]; /* approved 门诊慢特病 / 两病 registrations */
} benefit_person;

typedef struct benefit_visit {
  char insutype[8];            /* scheme */
  char med_type[8];            /* national med_type code */
  uint8_t hosp_lv;             /* institution level 0 (unrated: village clinic, pharmacy) … 3 */
  uint8_t area;                /* policy_area */
  uint8_t xprov;               /* 1 when the institution is outside the insured province */
  int32_t date;                /* yyyymmdd of the settlement (begntime for the waiting period) */
  char dise_codg[POLICY_CODE_LEN]; /* 门诊慢特病 / 两病 disease of the visit */
  uint8_t n_diag;
  char diag[BENEFIT_MAX_DIAG][16]; /* ICD-10 diagnoses, for restricted indications */
  bool acct_used;              /* acct_used_flag */
} benefit_visit;

typedef struct benefit_line {
  char feedetl_sn[32];
  const catalog_item *item;    /* resolved by the caller (catalog_find); never NULL */
  int64_t cnt;                 /* quantity, 1e-4 units (N16,4); > 0 */
  int64_t pric;                /* unit price, micro-yuan (N16,6); >= 0 */
  int64_t sumamt;              /* det_item_fee_sumamt, fen; must equal cnt × pric within 1 fen */
  uint8_t hosp_appr_flag;      /* 0 none needed, 1 approved, 2 refused */
} benefit_line;

/* The FEE-RESULT block of one line. */
typedef struct benefit_line_out {
  int64_t fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt;
  int64_t pric_uplmt_amt;      /* micro-yuan; 0 = none */
  int32_t selfpay_prop;        /* bp actually applied */
  uint8_t reason;              /* benefit_line_reason: why fully self-paid, 0 if not */
} benefit_line_out;

enum {
  LINE_OK = 0, LINE_CLASS_C, LINE_GENDER, LINE_AGE, LINE_LEVEL, LINE_SCOPE,
  LINE_NOT_APPROVED, LINE_INDICATION, LINE_REASON_COUNT
};

/* One step of the explanation. Text is rendered on output (benefit_trace_text) so the
 * engine spends nothing on strings. */
typedef enum {
#define BENEFIT_STEPS(X) \
  X(SPLIT,        "split",          "费用分割") \
  X(FIRST_SELF,   "first_selfpay",  "异地先行自付") \
  X(DEDUCTIBLE,   "deductible",     "起付线") \
  X(POOL,         "pool",           "统筹基金按比例支付") \
  X(BAND,         "pool_band",      "统筹基金分段支付") \
  X(POOL_CAP,     "pool_cap",       "统筹基金封顶") \
  X(COPAY,        "copay",          "每次定额自付") \
  X(LAYER,        "layer",          "补充层支付") \
  X(LAYER_DED,    "layer_deductible","补充层起付线") \
  X(LAYER_CAP,    "layer_cap",      "补充层封顶") \
  X(LAYER_SKIP,   "layer_skip",     "不适用") \
  X(ACCT,         "acct",           "个人账户支付") \
  X(FAMILY,       "acct_family",    "家庭共济支付") \
  X(WAITING,      "waiting",        "待遇等待期内基金不支付") \
  X(NO_POOL,      "no_pool",        "该类别无统筹支付") \
  X(CASH,         "cash",           "个人现金支付")
#define BENEFIT_STEP_ENUM(name, key, zh) STEP_##name,
  BENEFIT_STEPS(BENEFIT_STEP_ENUM)
#undef BENEFIT_STEP_ENUM
  STEP_COUNT
} benefit_step_kind;

typedef struct benefit_step {
  uint8_t kind;                /* benefit_step_kind */
  uint8_t payer;               /* policy_payer, for pay steps */
  const char *rule;            /* JSON path of the policy row used (borrowed from policy), or NULL */
  const char *layer;           /* layer name (borrowed), or NULL */
  const char *layer_zh;        /* its Chinese name (fund_pay_type_name), or NULL */
  int64_t base;                /* amount the step worked on, fen */
  int32_t ratio;               /* bp, 0 if none */
  int64_t amount;              /* amount moved, fen */
  int64_t limit;               /* cap or threshold in force, fen (0 if none) */
} benefit_step;

typedef struct benefit_detail {
  char fund_pay_type[8];
  const char *name;            /* borrowed from policy */
  int64_t inscp_scp_amt, crt_payb_lmt_amt, fund_payamt;
} benefit_detail;

typedef struct benefit_result {
  /* setlinfo amounts, fen */
  int64_t medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt;
  int64_t act_pay_dedc;
  int64_t pay[PAYER_COUNT];    /* hifp_pay, cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, oth_pay, acct_pay, acct_mulaid_pay */
  int64_t fund_pay_sumamt, psn_part_amt, psn_cash_pay, hosp_part_amt;
  int64_t balc;                /* own account balance after this payment */
  int32_t pool_prop_selfpay;   /* bp: the pool ratio applied (pool_prop_selfpay in the national field) */
  char clr_type[4];            /* 11 outpatient, 21 inpatient, 41 pharmacy */
  int category;                /* policy category index */
  int nth;                     /* admission number this year (0 if not an admission) */
  bool waiting;                /* inside a waiting period: no fund paid */
  uint8_t n_detail, n_trace;
  benefit_detail detail[BENEFIT_MAX_DETAIL];
  benefit_step trace[BENEFIT_MAX_TRACE];
  accum delta;                 /* accumulator changes; apply with accum_apply(a, &delta, +1) */
} benefit_result;

/* Adjudicate one visit. Borrows everything; fills *out (line outputs into line_out,
 * which must hold n lines). Returns 0 or a negative YB_E… with e naming the field
 * (visit.med_type, feedetail[3].cnt, schemes.390.benefits.inpatient.deductible …). */
int benefit_settle(const policy *p, const benefit_person *psn, const accum *acc,
                   const benefit_visit *v, const benefit_line *lines, int n,
                   benefit_line_out *line_out, benefit_result *out, yb_err *e);

/* A step's English key and Chinese one-line reason ("起付线：二级医院 600.00 元"). */
const char *benefit_step_key(const benefit_step *s);
void benefit_step_text(const benefit_step *s, char *buf, int n);
const char *benefit_payer_field(int payer);   /* "hifp_pay" … */
const char *benefit_line_reason_text(int reason);

/* Age in whole years on `date` for a birth date (both yyyymmdd). */
int benefit_age(int32_t brdy, int32_t date);

#endif
