/* gen.h — the synthetic region generator (`yibao gen`): persons, households, enrollment
 * histories, institutions with doctors and coordinates, a 5 000-item catalog, and years of
 * visits settled through the benefit engine, with injected fraud labelled in fraud_label.
 * Deterministic for a seed; streams person by person (bounded memory). docs/generator.md. */
#ifndef YB_GEN_H
#define YB_GEN_H

#include <stdint.h>

#include "catalog.h"
#include "err.h"
#include "store.h"

/* The fraud kinds of docs/fraud-labels.md, in that order. */
#define GEN_FRAUD_KINDS(X)                         \
  X(SPLIT_ADMISSION, "split_admission", 20000)     \
  X(FREQUENT_ADMISSION, "frequent_admission", 2000) \
  X(BED_HOLDING, "bed_holding", 25000)             \
  X(FAKE_ADMISSION, "fake_admission", 20000)       \
  X(DEAD_PERSON_CARD, "dead_person_card", 350000)  \
  X(TWO_PLACES_SAME_DAY, "two_places_same_day", 800) \
  X(OTP_DURING_IPT, "otp_during_ipt", 20000)       \
  X(DIALYSIS_NO_CHECKIN, "dialysis_no_checkin", 30000) \
  X(DUPLICATE_CHARGE, "duplicate_charge", 1000)    \
  X(OVER_SUPPLY, "over_supply", 1500)              \
  X(ITEM_SWITCHING, "item_switching", 600)         \
  X(GENDER_LIMIT, "gender_limit", 400)             \
  X(AGE_LIMIT, "age_limit", 400)                   \
  X(OVER_PRICE_LIMIT, "over_price_limit", 200)     \
  X(UNREGISTERED_DOCTOR, "unregistered_doctor", 100)

typedef enum {
#define GEN_KIND_ENUM(name, key, ppm) GEN_##name,
  GEN_FRAUD_KINDS(GEN_KIND_ENUM)
#undef GEN_KIND_ENUM
  GEN_FRAUD_COUNT
} gen_fraud_kind;

typedef struct gen_config {
  int64_t persons;
  int institutions;
  int years;
  int first_year;              /* 0 = the region's newest policy year − years + 1 */
  uint64_t seed;
  /* per kind: probability per opportunity in parts per million (docs/generator.md says
   * what an opportunity is for each kind) */
  int32_t rate_ppm[GEN_FRAUD_COUNT];
  int persons_per_tx;          /* persons written per transaction (0 = 10 000) */
  /* called every few hundred persons (done of total), may be NULL */
  void (*progress)(void *arg, int64_t done, int64_t total, int64_t fee_lines);
  void *progress_arg;
} gen_config;

typedef struct gen_stats {
  int64_t persons, households, institutions, doctors, items, enrollments, deaths;
  int64_t visits, inpatient, settlements, fee_lines, checkins, labels;
  int64_t by_kind[GEN_FRAUD_COUNT];
  int64_t medfee_sumamt, fund_pay_sumamt; /* fen, over every settlement */
} gen_stats;

/* Defaults for every field (rates from the table above). */
void gen_config_default(gen_config *c);
/* Parse "KIND=RATE[,KIND=RATE…]" (RATE a fraction like 0.002, or "ppm:N") into c. */
int gen_config_rates(gen_config *c, const char *spec, yb_err *e);
const char *gen_fraud_name(int kind);
int gen_fraud_find(const char *name);

/* What a run would create, from the configured sizes and the model's mean rates. */
void gen_estimate(const gen_config *c, gen_stats *out);

/* Generate into an initialized store (policies and a catalog loaded, no generated region
 * yet). Borrows st (no writer thread running). Fills *out. */
int gen_run(store *st, const gen_config *c, gen_stats *out, yb_err *e);

/* ---- internal to gen*.c ------------------------------------------------------------------ */
/* A generated catalog: the store's catalog items plus synthetic ones, with a list price per
 * item and index pools the visit model draws from. */
enum {
  GEN_POOL_DRUG_ACUTE, GEN_POOL_DRUG_CHRONIC, GEN_POOL_DRUG_INJ, GEN_POOL_TCM, GEN_POOL_HERB,
  GEN_POOL_EXAM, GEN_POOL_LAB, GEN_POOL_TREAT, GEN_POOL_SURGERY, GEN_POOL_MATERIAL,
  GEN_POOL_GENDER, GEN_POOL_AGE, GEN_POOL_COUNT
};
typedef struct gen_catalog {
  catalog_item *items;
  int64_t *price;               /* list price, micro-yuan per unit, within every limit */
  int n, cap;
  int *pool[GEN_POOL_COUNT];
  int n_pool[GEN_POOL_COUNT];
  /* fixed items the visit model uses by role */
  int reg_fee, dx_fee, gp_fee, ipt_dx_fee, bed, bed_icu, nurse1, nurse2, infusion, other_svc;
  int dialysis, dialyzer, epo, syringe, infusion_set;
} gen_catalog;

/* Base items (borrowed, copied) + synthetic ones up to at least `min_items`. */
int gen_catalog_build(const catalog *base, int min_items, uint64_t seed, gen_catalog *out, yb_err *e);
void gen_catalog_free(gen_catalog *g);
/* The catalog as a yibao-catalog/1 JSON text (malloc'd). */
char *gen_catalog_json(const gen_catalog *g);

/* Deterministic random numbers (splitmix64 seeding, xorshift64*). */
typedef struct gen_rng {
  uint64_t s;
} gen_rng;
void gen_rng_seed(gen_rng *r, uint64_t seed, uint64_t stream);
uint64_t gen_rng_next(gen_rng *r);
int64_t gen_rng_range(gen_rng *r, int64_t lo, int64_t hi); /* inclusive */
int gen_rng_ppm(gen_rng *r, int32_t ppm);                  /* 1 with probability ppm/1e6 */
/* index drawn from integer weights */
int gen_rng_pick(gen_rng *r, const int *weights, int n);

/* Calendar helpers on yyyymmdd. */
int32_t gen_date_add(int32_t ymd, int days);
int gen_date_diff(int32_t a, int32_t b); /* b − a in days */
int gen_date_doy(int32_t ymd);           /* 0-based day of year */

#endif
