/* gen_int.h — what gen.c (region, persons, orchestration) and gen_visit.c (a person's
 * visits, fraud, settlement) share. Not for other modules. */
#ifndef YB_GEN_INT_H
#define YB_GEN_INT_H

#include "benefit.h"
#include "gen.h"
#include "jsonw.h"
#include "policy.h"

#define GEN_MAX_YEARS 10
#define GEN_HIST_YEARS 6 /* enrollment history kept before the first generated year */

enum { GEN_VILLAGE, GEN_TOWN, GEN_COUNTY, GEN_CITY, GEN_PHARMACY, GEN_OUTSIDE, GEN_INST_TYPES };

typedef struct gen_inst {
  char code[20], admdvs[8];
  uint8_t type, lv;
  int town;
  int64_t lat, lon; /* micro-degrees */
  int dr_first, n_dr; /* doctors dr_first .. dr_first+n_dr-1 (global numbering) */
  uint32_t map_mul;   /* medins_list_codg = (item × map_mul + idx) mod GEN_MAP_MOD: 1:1 per institution */
} gen_inst;
#define GEN_MAP_MOD 1000003u

typedef struct gen_region {
  char region[8];
  int first_year, years;
  const policy *pol[GEN_MAX_YEARS];
  gen_catalog cat;
  gen_inst *inst;
  int n_inst, n_towns;
  int *town_centre, *town_pharm;     /* per town: its health centre and a pharmacy (-1 none) */
  int *town_vill, *town_vill_n;      /* per town: first village clinic index in vill[], count */
  int *vill, n_vill;
  int *county, n_county, *city, n_city, *outside, n_outside;
  int n_doctors;
  int32_t rate[GEN_FRAUD_COUNT];
  uint64_t seed;
  int64_t next_visit, next_setl;     /* id sequences */
  void *hist;                        /* gen_visit.c's per-person working set */
  struct gen_console *con;            /* gen_console.c: the chunk's console summaries */
  int con_on;                        /* the store's console sums are held: add to con */
} gen_region;

/* gen_console.c: what the chunk adds to the console's summary tables while the store's own
 * console sums are held (store_gen.h). -1: out of memory, or a value outside what the summaries hold. */
typedef struct gen_console gen_console;
int gen_console_open(gen_region *g); /* after the catalog is built */
void gen_console_close(gen_region *g);
void gen_console_begin(gen_region *g, int on); /* a chunk begins: empty, and on or off */
int gen_console_fee(gen_region *g, const catalog_item *it, int32_t day, int64_t cnt, int64_t sumamt);
int gen_console_setl(gen_region *g, int inst, int ipt, const char *insutype, const char *setl_time,
                     const char *main_dise, const char *dise_name, const int64_t v[5]);
int gen_console_flush(store_conn *w, gen_region *g, yb_err *e);

typedef struct gen_person {
  char psn_no[24], family[24];
  int64_t idx;
  uint8_t gend, emp;                 /* emp: 0 resident, 1 in service, 2 retired */
  uint8_t idet;                      /* 0 none, 1 特困, 2 低保, 3 返贫监测 */
  uint8_t cvlserv;
  int32_t brdy, death;               /* yyyymmdd; death 0 = alive through the run */
  int town, village;                 /* home town, nearest village clinic (inst index) */
  int filed;                         /* out-of-province institution index the person is filed to, -1 */
  uint8_t htn, dm, dialysis, chronic; /* registrations: 两病, 门诊慢特病 (dialysis N18 / other) */
  char chronic_code[8];
  uint8_t enrolled[GEN_MAX_YEARS];
  int32_t wait_until[GEN_MAX_YEARS];
  int64_t ci_raise[GEN_MAX_YEARS];
  int64_t acct, acct0;               /* personal account now, and as first written */
  int64_t *family_acct;              /* the bound relative's balance (household head), or NULL */
  const char *family_no;
  uint64_t frailty;                  /* visit-rate multiplier in percent */
} gen_person;

/* Write one person's enrollment-year visits, settlements and labels (gen_visit.c). */
int gen_person_year(store_conn *w, gen_region *g, gen_person *p, int yi, gen_stats *st, yb_err *e);
/* Labels that need the whole person history (split, frequent, dead card, two places, outpatient
 * during a stay): call after the person's last year. */
int gen_person_done(store_conn *w, gen_region *g, gen_person *p, gen_stats *st, yb_err *e);
int gen_hist_open(gen_region *g);
void gen_hist_close(gen_region *g);

/* ---- history of the person's visits (for the labels that span visits) ------------------------ */
typedef struct gen_vsum { /* one settled visit, for the labels that span visits */
  char mdtrt_id[24], setl_id[24];
  int inst;
  uint8_t ipt, fraud; /* fraud: injected kind + 1 */
  int32_t begin, end, bsec, esec;
  char diag3[4];
} gen_vsum;

typedef struct gen_plan { /* a visit planned for the year, before its lines are drawn */
  int32_t day, sec;
  uint8_t kind;       /* GEN_PL_* */
  uint8_t fraud;      /* visit-level kind + 1 */
  int inst, cond, los;
} gen_plan;
enum { GEN_PL_OTP, GEN_PL_IPT, GEN_PL_PHARM, GEN_PL_TWO, GEN_PL_CHRONIC, GEN_PL_DIALYSIS };

typedef struct gen_line { /* a fee line being priced */
  const catalog_item *it;
  int item, medins_item, prd_days, dr;
  int32_t day, sec;
  int64_t cnt, pric;
  uint8_t fraud;      /* line kind + 1 */
  uint8_t dr_foreign; /* bilg_dr is a doctor of another institution */
} gen_line;

typedef struct gen_hist { /* gen_visit.c working set for one person (g->hist) */
  gen_vsum *v;
  int n, cap;
  uint8_t busy[GEN_MAX_YEARS][370]; /* 1 a visit begins, 2 inside a stay */
  gen_plan *pl;
  int n_pl, cap_pl;
  gen_line *ln;
  benefit_line *bl;
  benefit_line_out *lo;
  int cap_ln;
  benefit_result res;
  jsonw_buf jb[5]; /* the texts being built: fee body and result; setlinfo, setldetail, accum_delta */
} gen_hist;

/* A label row (counts it in st). */
int gen_write_label(store_conn *w, int kind, const gen_person *p, const gen_inst *in, const char *mdtrt,
                    const char *setl, const char *sn, const char *note, gen_stats *st, yb_err *e);
int gen_age(int32_t brdy, int32_t date);
double gen_km(const gen_inst *a, const gen_inst *b);

#endif
