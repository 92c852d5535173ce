/* gen_visit.c — one person's year of care: plans the visits (inpatient stays first, then
 * dialysis, 两病 and 慢特病 follow-ups, outpatient and pharmacy visits on free days), injects
 * fraud, prices fee lines, settles each visit with benefit_settle exactly as the server would,
 * and writes visit, lines, settlement, details and labels. Distributions: docs/generator.md. */
/* every snprintf below writes into a buffer sized for its field; a cut is the intended result */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benefit_json.h"
#include "gen_int.h"
#include "jsonw.h"
#include "jsonx.h"
#include "money.h"
#include "store_gen.h"

/* ---- conditions -------------------------------------------------------------------------- */
typedef struct gen_cond {
  const char *icd, *name, *proc, *proc_name;
  uint8_t sex;          /* 0 any, 1 male, 2 female */
  int8_t age_min, age_max;
  uint8_t lv_min;       /* lowest level that treats it */
  uint8_t los;          /* mean length of stay, days */
  int16_t weight[4];    /* by age band 0–14, 15–44, 45–64, 65+ */
  uint8_t surgery;
} gen_cond;

static const gen_cond ipt_conds[] = {
    {"J18.900", "肺炎", NULL, NULL, 0, 0, 120, 1, 8, {40, 8, 10, 22}, 0},
    {"J20.900", "急性支气管炎", NULL, NULL, 0, 0, 120, 1, 6, {25, 4, 5, 8}, 0},
    {"A09.900", "感染性腹泻", NULL, NULL, 0, 0, 120, 1, 4, {20, 4, 3, 3}, 0},
    {"I63.900", "脑梗死", "99.1001", "溶栓治疗", 0, 40, 120, 1, 12, {0, 2, 14, 24}, 0},
    {"I61.900", "脑出血", NULL, NULL, 0, 40, 120, 2, 16, {0, 1, 3, 5}, 0},
    {"I25.103", "冠状动脉粥样硬化性心脏病", "36.0601", "经皮冠状动脉支架置入术", 0, 40, 120, 3, 8, {0, 1, 8, 12}, 1},
    {"I50.900", "心力衰竭", NULL, NULL, 0, 40, 120, 1, 9, {0, 1, 4, 12}, 0},
    {"I10.x00", "原发性高血压", NULL, NULL, 0, 30, 120, 1, 7, {0, 2, 8, 10}, 0},
    {"E11.900", "2型糖尿病", NULL, NULL, 0, 25, 120, 1, 9, {0, 2, 8, 8}, 0},
    {"J44.100", "慢性阻塞性肺病伴急性加重", NULL, NULL, 0, 45, 120, 1, 10, {0, 0, 5, 14}, 0},
    {"K35.800", "急性阑尾炎", "47.0901", "腹腔镜下阑尾切除术", 0, 5, 120, 2, 6, {8, 10, 4, 2}, 1},
    {"K80.100", "胆囊结石伴胆囊炎", "51.2301", "腹腔镜下胆囊切除术", 0, 18, 120, 2, 7, {0, 5, 8, 6}, 1},
    {"O80.000", "单胎顺产", "73.5900", "手法助产", 2, 18, 45, 1, 3, {0, 14, 0, 0}, 0},
    {"O82.000", "剖宫产", "74.1x01", "子宫下段剖宫产术", 2, 18, 45, 2, 5, {0, 10, 0, 0}, 1},
    {"S72.000", "股骨颈骨折", "81.5101", "全髋关节置换术", 0, 50, 120, 2, 14, {0, 0, 2, 6}, 1},
    {"C34.900", "肺恶性肿瘤", "99.2501", "化学治疗", 0, 40, 120, 2, 12, {0, 1, 4, 5}, 0},
    {"K29.700", "胃炎", NULL, NULL, 0, 10, 120, 1, 5, {2, 6, 6, 5}, 0},
    {"H25.900", "老年性白内障", "13.4100", "白内障超声乳化抽吸术", 0, 50, 120, 2, 3, {0, 0, 3, 8}, 1},
    {"M51.202", "腰椎间盘突出", NULL, NULL, 0, 25, 120, 1, 10, {0, 5, 6, 4}, 0},
    {"N39.000", "尿路感染", NULL, NULL, 0, 0, 120, 1, 6, {2, 4, 3, 5}, 0},
};
#define N_IPT ((int)(sizeof ipt_conds / sizeof ipt_conds[0]))

static const gen_cond otp_conds[] = {
    {"J06.900", "急性上呼吸道感染", NULL, NULL, 0, 0, 120, 0, 0, {50, 30, 20, 18}, 0},
    {"J20.900", "急性支气管炎", NULL, NULL, 0, 0, 120, 0, 0, {15, 6, 8, 12}, 0},
    {"K29.700", "胃炎", NULL, NULL, 0, 10, 120, 0, 0, {3, 12, 12, 10}, 0},
    {"M54.500", "腰痛", NULL, NULL, 0, 18, 120, 0, 0, {0, 10, 14, 12}, 0},
    {"I10.x00", "原发性高血压", NULL, NULL, 0, 30, 120, 0, 0, {0, 4, 16, 22}, 0},
    {"E11.900", "2型糖尿病", NULL, NULL, 0, 25, 120, 0, 0, {0, 2, 8, 10}, 0},
    {"L30.900", "皮炎", NULL, NULL, 0, 0, 120, 0, 0, {8, 8, 6, 5}, 0},
    {"A09.900", "感染性腹泻", NULL, NULL, 0, 0, 120, 0, 0, {12, 5, 4, 4}, 0},
    {"N39.000", "尿路感染", NULL, NULL, 0, 0, 120, 0, 0, {2, 6, 5, 6}, 0},
    {"M17.900", "膝关节病", NULL, NULL, 0, 40, 120, 0, 0, {0, 1, 8, 12}, 0},
    {"H10.900", "结膜炎", NULL, NULL, 0, 0, 120, 0, 0, {5, 4, 3, 3}, 0},
    {"R51.x00", "头痛", NULL, NULL, 0, 10, 120, 0, 0, {2, 6, 5, 4}, 0},
};
#define N_OTP ((int)(sizeof otp_conds / sizeof otp_conds[0]))

/* Seasonal weight of each month (respiratory winter peak), per mille of a flat month. */
static const int month_w[12] = {1250, 1050, 1000, 930, 880, 850, 880, 900, 950, 980, 1080, 1250};

/* Mean visits per person-year ×100 by age band 0–4, 5–14, 15–44, 45–59, 60–74, 75+. */
static const int otp_rate[6] = {700, 350, 260, 420, 620, 760};
static const int ipt_rate[6] = {14, 5, 7, 14, 30, 48}; /* admissions per 100 person-years */

/* Outpatient level shares (village, township, county, city) and inpatient shares (township,
 * county, city), percent. */
static const int otp_lv_w[4] = {55, 25, 16, 4};
static const int ipt_lv_w[3] = {30, 50, 20};
/* Mean cost multiplier by level ×100 (drug quantities and lines per day). */
static const int lv_intensity[4] = {60, 80, 110, 150};

static gen_hist *H(gen_region *g) { return (gen_hist *)g->hist; }

int gen_hist_open(gen_region *g) {
  gen_hist *h = calloc(1, sizeof *h);
  if (!h) return -1;
  h->cap_ln = BENEFIT_MAX_LINES;
  h->ln = calloc((size_t)h->cap_ln, sizeof *h->ln);
  h->bl = calloc((size_t)h->cap_ln, sizeof *h->bl);
  h->lo = calloc((size_t)h->cap_ln, sizeof *h->lo);
  g->hist = h;
  return h->ln && h->bl && h->lo ? 0 : -1;
}

void gen_hist_close(gen_region *g) {
  gen_hist *h = H(g);
  if (!h) return;
  free(h->v), free(h->pl), free(h->ln), free(h->bl), free(h->lo);
  for (int i = 0; i < (int)(sizeof h->jb / sizeof h->jb[0]); i++) free(h->jb[i].p);
  free(h);
  g->hist = NULL;
}

static int add_plan(gen_hist *h, gen_plan p) {
  if (h->n_pl == h->cap_pl) {
    int cap = h->cap_pl ? h->cap_pl * 2 : 256;
    gen_plan *n = realloc(h->pl, (size_t)cap * sizeof *n);
    if (!n) return -1;
    h->pl = n, h->cap_pl = cap;
  }
  h->pl[h->n_pl++] = p;
  return 0;
}

int gen_age(int32_t brdy, int32_t date) { return benefit_age(brdy, date); }

double gen_km(const gen_inst *a, const gen_inst *b) {
  double dlat = (double)(a->lat - b->lat) / 1e6 * 111.0;
  double dlon = (double)(a->lon - b->lon) / 1e6 * 111.0 * cos((double)a->lat / 1e6 * 3.14159265 / 180.0);
  return sqrt(dlat * dlat + dlon * dlon);
}

static int band6(int age) { return age < 5 ? 0 : age < 15 ? 1 : age < 45 ? 2 : age < 60 ? 3 : age < 75 ? 4 : 5; }
static int band4(int age) { return age < 15 ? 0 : age < 45 ? 1 : age < 65 ? 2 : 3; }

/* A count with mean m100/100 (sum of Bernoulli halves, enough spread for a visit count). */
static int draw_count(gen_rng *r, int64_t m100) {
  int n = (int)(m100 / 100);
  int64_t frac = m100 % 100;
  n += gen_rng_range(r, 0, 99) < frac;
  if (n > 0) n += (int)gen_rng_range(r, -(n / 2), n / 2);
  return n < 0 ? 0 : n;
}

static int32_t draw_day(gen_rng *r, int year) {
  int m = gen_rng_pick(r, month_w, 12);
  int dim = gen_date_diff(year * 10000 + (m + 1) * 100 + 1, m == 11 ? (year + 1) * 10000 + 101 : year * 10000 + (m + 2) * 100 + 1);
  return year * 10000 + (m + 1) * 100 + (int32_t)gen_rng_range(r, 1, dim);
}

static int cond_ok(const gen_cond *c, const gen_person *p, int age) {
  return (!c->sex || c->sex == p->gend) && age >= c->age_min && age <= c->age_max;
}

static int pick_cond(gen_rng *r, const gen_cond *t, int n, const gen_person *p, int age) {
  int w[32];
  for (int i = 0; i < n; i++) w[i] = cond_ok(&t[i], p, age) ? t[i].weight[band4(age)] : 0;
  int sum = 0;
  for (int i = 0; i < n; i++) sum += w[i];
  return sum ? gen_rng_pick(r, w, n) : 0;
}

static int pick_inst(gen_rng *r, const gen_region *g, const gen_person *p, int lv) {
  switch (lv) {
  case 0: return p->village;
  case 1: return g->town_centre[p->town];
  case 2: return g->county[gen_rng_range(r, 0, g->n_county - 1)];
  default: return g->city[gen_rng_range(r, 0, g->n_city - 1)];
  }
}

/* ---- planning ------------------------------------------------------------------------------ */
static int free_day(const gen_hist *h, int yi, int32_t day) { return !h->busy[yi][gen_date_doy(day)]; }

static int stay_free(const gen_hist *h, int yi, int32_t day, int los, int year) {
  for (int d = -1; d <= los + 1; d++) {
    int32_t x = gen_date_add(day, d);
    if (x / 10000 != year) return 0; /* stays lie inside one year */
    if (h->busy[yi][gen_date_doy(x)]) return 0;
  }
  return 1;
}

/* Admissions in the 180 days before `day` (from the history and this year's plans), and the
 * latest discharge before it. */
static int trailing_adm(const gen_hist *h, int32_t day, int32_t *last_end, char *last_diag3) {
  int n = 0;
  *last_end = 0;
  for (int i = 0; i < h->n; i++)
    if (h->v[i].ipt && h->v[i].begin <= day) {
      if (gen_date_diff(h->v[i].begin, day) <= 180) n++;
      if (h->v[i].end > *last_end) *last_end = h->v[i].end, memcpy(last_diag3, h->v[i].diag3, 4);
    }
  for (int i = 0; i < h->n_pl; i++)
    if (h->pl[i].kind == GEN_PL_IPT && h->pl[i].day <= day) {
      if (gen_date_diff(h->pl[i].day, day) <= 180) n++;
      int32_t end = gen_date_add(h->pl[i].day, h->pl[i].los);
      if (end > *last_end) *last_end = end, snprintf(last_diag3, 4, "%.3s", ipt_conds[h->pl[i].cond].icd);
    }
  return n;
}

static void mark_stay(gen_hist *h, int yi, int32_t day, int los) {
  for (int d = 0; d <= los; d++) h->busy[yi][gen_date_doy(gen_date_add(day, d))] |= 2;
  h->busy[yi][gen_date_doy(day)] |= 1;
}

static int ipt_level(gen_rng *r, const gen_cond *c) {
  int lv = 1 + gen_rng_pick(r, ipt_lv_w, 3);
  return lv < c->lv_min ? c->lv_min : lv;
}

static int stay_los(gen_rng *r, const gen_cond *c, int lv) {
  int m = c->los + (lv == 1 ? -1 : lv == 3 ? 1 : 0);
  int los = m + (int)gen_rng_range(r, -(m / 3), m / 3);
  return los < 1 ? 1 : los > 45 ? 45 : los;
}

static int plan_stay(gen_region *g, gen_hist *h, gen_rng *r, const gen_person *p, int yi, int32_t day,
                     int cond, int lv, int los, uint8_t fraud) {
  int year = g->first_year + yi;
  if (!stay_free(h, yi, day, los, year)) return 0;
  if (p->death && gen_date_add(day, los) >= p->death) return 0;
  gen_plan pl = {day, (int32_t)gen_rng_range(r, 8 * 3600, 20 * 3600), GEN_PL_IPT, fraud, pick_inst(r, g, p, lv), cond, los};
  if (add_plan(h, pl)) return -1;
  mark_stay(h, yi, day, los);
  return 1;
}

/* Background admissions: more than 15 days after the last discharge, at most 3 in 180 days. */
static int plan_admissions(gen_region *g, gen_hist *h, gen_rng *r, gen_person *p, int yi) {
  int year = g->first_year + yi;
  int age = gen_age(p->brdy, year * 10000 + 701);
  int n = draw_count(r, ipt_rate[band6(age)] * (int64_t)p->frailty / 100);
  for (int k = 0; k < n; k++)
    for (int tries = 0; tries < 6; tries++) {
      int32_t day = draw_day(r, year), last = 0;
      char d3[4] = "";
      if (trailing_adm(h, day, &last, d3) >= 3 || (last && gen_date_diff(last, day) <= 15)) continue;
      int cond = pick_cond(r, ipt_conds, N_IPT, p, age), lv = ipt_level(r, &ipt_conds[cond]);
      int rc = plan_stay(g, h, r, p, yi, day, cond, lv, stay_los(r, &ipt_conds[cond], lv), 0);
      if (rc < 0) return -1;
      if (rc) break;
    }
  return 0;
}

/* Four or five stays 20–35 days apart with different diagnoses: the 4th and later are
 * frequent admissions (labelled after the person's history is known). */
static int plan_frequent(gen_region *g, gen_hist *h, gen_rng *r, gen_person *p, int yi) {
  int year = g->first_year + yi;
  int age = gen_age(p->brdy, year * 10000 + 701);
  int32_t day = year * 10000 + 100 + (int32_t)gen_rng_range(r, 1, 3) * 100 + (int32_t)gen_rng_range(r, 1, 28);
  int n = (int)gen_rng_range(r, 4, 5), prev = -1;
  for (int k = 0; k < n; k++) {
    int cond = prev;
    for (int t = 0; t < 20 && (cond == prev || (prev >= 0 && !strncmp(ipt_conds[cond].icd, ipt_conds[prev].icd, 3))); t++)
      cond = pick_cond(r, ipt_conds, N_IPT, p, age);
    int los = (int)gen_rng_range(r, 4, 8);
    int lv = ipt_level(r, &ipt_conds[cond]);
    if (plan_stay(g, h, r, p, yi, day, cond, lv, los, k >= 3 ? GEN_FREQUENT_ADMISSION + 1 : 0) < 0) return -1;
    prev = cond;
    day = gen_date_add(day, los + (int)gen_rng_range(r, 20, 35));
  }
  return 0;
}

static int plan_otp(gen_hist *h, int yi, gen_plan pl) {
  if (!free_day(h, yi, pl.day)) return 0;
  h->busy[yi][gen_date_doy(pl.day)] |= 1;
  return add_plan(h, pl) ? -1 : 1;
}

static int far_inst(gen_rng *r, const gen_region *g, int from) {
  for (int t = 0; t < 60; t++) {
    int i = (int)gen_rng_range(r, 0, g->n_inst - 1);
    if (g->inst[i].type != GEN_OUTSIDE && g->inst[i].type != GEN_PHARMACY && gen_km(&g->inst[from], &g->inst[i]) > 35.0)
      return i;
  }
  return -1;
}

static int plan_year(gen_region *g, gen_hist *h, gen_rng *r, gen_person *p, int yi) {
  int year = g->first_year + yi;
  int age = gen_age(p->brdy, year * 10000 + 701);
  const int32_t *rate = g->rate;
  int32_t end = p->death && p->death / 10000 == year ? p->death : (year + 1) * 10000 + 101;
  int rc = 0;
  h->n_pl = 0;
  /* inpatient: background, then the stay-based frauds on each background stay */
  if (gen_rng_ppm(r, rate[GEN_FREQUENT_ADMISSION]) && age >= 15) rc = plan_frequent(g, h, r, p, yi);
  else rc = plan_admissions(g, h, r, p, yi);
  if (rc) return rc;
  int n_bg = h->n_pl;
  for (int i = 0; i < n_bg && !rc; i++) {
    gen_plan s = h->pl[i];
    if (s.fraud) continue;
    if (gen_rng_ppm(r, rate[GEN_FAKE_ADMISSION])) {
      h->pl[i].fraud = GEN_FAKE_ADMISSION + 1;
    } else if (s.los >= 5 && gen_rng_ppm(r, rate[GEN_BED_HOLDING])) {
      h->pl[i].fraud = GEN_BED_HOLDING + 1;
    } else if (s.los >= 3 && gen_rng_ppm(r, rate[GEN_OTP_DURING_IPT])) {
      int32_t d = gen_date_add(s.day, (int)gen_rng_range(r, 1, s.los - 1));
      gen_plan o = {d, 14 * 3600 + (int32_t)gen_rng_range(r, 0, 3 * 3600), GEN_PL_OTP, GEN_OTP_DURING_IPT + 1, s.inst,
                pick_cond(r, otp_conds, N_OTP, p, age), 0};
      if (!(h->busy[yi][gen_date_doy(d)] & 1)) h->busy[yi][gen_date_doy(d)] |= 1, rc = add_plan(h, o);
    } else if (gen_rng_ppm(r, rate[GEN_SPLIT_ADMISSION])) {
      int32_t last = 0, d = gen_date_add(s.day, s.los + (int)gen_rng_range(r, 2, 12));
      char d3[4];
      if (trailing_adm(h, d, &last, d3) <= 2) {
        int lv = g->inst[s.inst].lv;
        rc = plan_stay(g, h, r, p, yi, d, s.cond, lv, stay_los(r, &ipt_conds[s.cond], lv), GEN_SPLIT_ADMISSION + 1);
        if (rc > 0) h->pl[h->n_pl - 1].inst = s.inst, rc = 0;
      }
    }
  }
  if (rc < 0) return rc;
  /* dialysis three times a week at one county hospital */
  if (p->dialysis) {
    int inst = g->county[p->idx % g->n_county];
    for (int32_t d = year * 10000 + 101; d < end && !rc; d = gen_date_add(d, 1)) {
      int dow = (int)((gen_date_diff(20240101, d) % 7 + 7) % 7); /* 2024-01-01 was a Monday */
      if (dow != 0 && dow != 2 && dow != 4) continue;
      gen_plan pl = {d, 8 * 3600 + (int32_t)gen_rng_range(r, 0, 2 * 3600), GEN_PL_DIALYSIS, 0, inst, 0, 0};
      if (gen_rng_ppm(r, rate[GEN_DIALYSIS_NO_CHECKIN])) pl.fraud = GEN_DIALYSIS_NO_CHECKIN + 1;
      rc = plan_otp(h, yi, pl) < 0 ? -1 : 0;
    }
  }
  /* monthly follow-ups: 两病 at the village clinic, other 慢特病 at a county hospital */
  for (int m = 1; m <= 12 && !rc; m++) {
    int32_t d = year * 10000 + m * 100 + (int32_t)gen_rng_range(r, 1, 28);
    if (d >= end) break;
    if ((p->htn || p->dm) && !p->dialysis) {
      gen_plan pl = {d, 8 * 3600 + (int32_t)gen_rng_range(r, 0, 8 * 3600), GEN_PL_TWO, 0, p->village, 0, 0};
      rc = plan_otp(h, yi, pl) < 0 ? -1 : 0;
    } else if (p->chronic && !p->dialysis) {
      gen_plan pl = {d, 8 * 3600 + (int32_t)gen_rng_range(r, 0, 8 * 3600), GEN_PL_CHRONIC, 0,
                 g->county[p->idx % g->n_county], 0, 0};
      rc = plan_otp(h, yi, pl) < 0 ? -1 : 0;
    }
  }
  /* outpatient and pharmacy */
  int n_otp = draw_count(r, otp_rate[band6(age)] * (int64_t)p->frailty / 100);
  int n_ph = draw_count(r, p->emp ? 300 : 80);
  for (int k = 0; k < n_otp + n_ph && !rc; k++) {
    int32_t d = draw_day(r, year);
    if (d >= end) continue;
    int ph = k >= n_otp;
    int lv = ph ? 0 : gen_rng_pick(r, otp_lv_w, 4);
    int inst = ph ? g->town_pharm[p->town] : pick_inst(r, g, p, lv);
    if (p->filed >= 0 && !ph && gen_rng_range(r, 0, 2) == 0) inst = p->filed;
    gen_plan pl = {d, 8 * 3600 + (int32_t)gen_rng_range(r, 0, 8 * 3600), ph ? GEN_PL_PHARM : GEN_PL_OTP, 0, inst,
               pick_cond(r, otp_conds, N_OTP, p, age), 0};
    int got = plan_otp(h, yi, pl);
    if (got < 0) rc = -1;
    if (got > 0 && !ph && g->inst[inst].type != GEN_OUTSIDE && gen_rng_ppm(r, rate[GEN_TWO_PLACES_SAME_DAY])) {
      int far = far_inst(r, g, inst);
      if (far >= 0) {
        gen_plan two = pl;
        two.inst = far, two.sec = pl.sec + 3 * 3600, two.fraud = GEN_TWO_PLACES_SAME_DAY + 1;
        rc = add_plan(h, two);
      }
    }
  }
  /* a dead person's card used after the death */
  if (!rc && p->death && p->death / 10000 == year && gen_rng_ppm(r, rate[GEN_DEAD_PERSON_CARD])) {
    int32_t d = gen_date_add(p->death, (int)gen_rng_range(r, 3, 40));
    if (d / 10000 == year && free_day(h, yi, d)) {
      gen_plan pl = {d, 9 * 3600 + (int32_t)gen_rng_range(r, 0, 6 * 3600), gen_rng_range(r, 0, 1) ? GEN_PL_PHARM : GEN_PL_OTP,
                 GEN_DEAD_PERSON_CARD + 1, 0, pick_cond(r, otp_conds, N_OTP, p, age), 0};
      pl.inst = pl.kind == GEN_PL_PHARM ? g->town_pharm[p->town] : p->village;
      h->busy[yi][gen_date_doy(d)] |= 1;
      rc = add_plan(h, pl);
    }
  }
  return rc;
}

static int plan_cmp(const void *a, const void *b) {
  const gen_plan *x = a, *y = b;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return x->sec < y->sec ? -1 : x->sec > y->sec;
}

/* ---- fee lines -------------------------------------------------------------------------------- */
typedef struct vctx {
  gen_region *g;
  gen_hist *h;
  gen_rng *r;
  const gen_person *p;
  const gen_plan *pl;
  int n, lv, dr, age, ipt;
  int32_t day, sec; /* current timestamp of the lines being added */
  int used[64], n_used; /* items already at this timestamp */
} vctx;

static int64_t charge(const gen_region *g, int item, int lv) {
  const catalog_item *it = &g->cat.items[item];
  int64_t lim = it->price_limit[lv];
  if (!lim) lim = it->price_limit[0];
  return lim ? lim : g->cat.price[item];
}

static void new_stamp(vctx *x, int32_t day, int32_t sec) { x->day = day, x->sec = sec, x->n_used = 0; }

static int item_fits(const vctx *x, int item) {
  const catalog_item *it = &x->g->cat.items[item];
  if (it->hosp_lv_min > x->lv) return 0;
  if (it->scope == (x->ipt ? CATALOG_SCOPE_OUTPATIENT : CATALOG_SCOPE_INPATIENT)) return 0;
  for (int i = 0; i < x->n_used; i++)
    if (x->used[i] == item) return 0;
  return 1;
}

static gen_line *line(vctx *x, int item, int64_t cnt) {
  if (x->n >= BENEFIT_MAX_LINES - 8 || item < 0) return NULL;
  gen_line *l = &x->h->ln[x->n++];
  memset(l, 0, sizeof *l);
  l->it = &x->g->cat.items[item];
  l->item = l->medins_item = item;
  l->cnt = cnt;
  l->pric = charge(x->g, item, x->lv);
  l->day = x->day, l->sec = x->sec, l->dr = x->dr;
  if (l->it->chrgitm_type >= 9 && l->it->chrgitm_type <= 11) {
    int days = x->ipt ? 1 : (int)gen_rng_range(x->r, 3, 7);
    if (l->it->max_days && days > l->it->max_days) days = l->it->max_days;
    l->prd_days = days;
  }
  if (x->n_used < 64) x->used[x->n_used++] = item;
  return l;
}

static gen_line *from_pool(vctx *x, int pool, int64_t cnt) {
  const gen_catalog *c = &x->g->cat;
  if (!c->n_pool[pool]) return NULL;
  for (int t = 0; t < 8; t++) {
    int item = c->pool[pool][gen_rng_range(x->r, 0, c->n_pool[pool] - 1)];
    if (item_fits(x, item)) return line(x, item, cnt);
  }
  return NULL;
}

static int64_t boxes(vctx *x, int lo, int hi) { /* quantity ×1e4, scaled by the level's intensity */
  int64_t n = gen_rng_range(x->r, lo, hi) * lv_intensity[x->lv] / 100;
  return (n < 1 ? 1 : n) * 10000;
}

static void otp_lines(vctx *x) {
  const gen_catalog *c = &x->g->cat;
  gen_line *l;
  switch (x->pl->kind) {
  case GEN_PL_PHARM:
    for (int k = (int)gen_rng_range(x->r, 1, 3); k > 0; k--)
      from_pool(x, gen_rng_range(x->r, 0, 2) ? GEN_POOL_DRUG_ACUTE : GEN_POOL_DRUG_CHRONIC, boxes(x, 1, 3));
    return;
  case GEN_PL_TWO:
    line(x, c->gp_fee, 10000);
    for (int k = (int)gen_rng_range(x->r, 1, 2); k > 0; k--)
      if ((l = from_pool(x, GEN_POOL_DRUG_CHRONIC, boxes(x, 1, 2)))) l->prd_days = 30;
    return;
  case GEN_PL_CHRONIC:
    line(x, c->reg_fee, 10000), line(x, c->dx_fee, 10000);
    for (int k = (int)gen_rng_range(x->r, 2, 3); k > 0; k--)
      if ((l = from_pool(x, GEN_POOL_DRUG_CHRONIC, boxes(x, 1, 3)))) l->prd_days = 30;
    if (gen_rng_range(x->r, 0, 9) < 4) from_pool(x, GEN_POOL_LAB, 10000);
    return;
  case GEN_PL_DIALYSIS:
    line(x, c->dialysis, 10000), line(x, c->dialyzer, 10000);
    if (gen_rng_range(x->r, 0, 9) < 3) line(x, c->epo, 10000);
    return;
  default:
    break;
  }
  if (x->lv <= 1) {
    line(x, c->gp_fee, 10000);
  } else {
    line(x, c->reg_fee, 10000), line(x, c->dx_fee, 10000);
  }
  for (int k = (int)gen_rng_range(x->r, 1, 2 + x->lv); k > 0; k--)
    from_pool(x, gen_rng_range(x->r, 0, 5) ? GEN_POOL_DRUG_ACUTE : GEN_POOL_TCM, boxes(x, 1, x->lv ? 1 + x->lv : 2));
  int64_t q = gen_rng_range(x->r, 0, 99);
  if (q < (x->lv >= 2 ? 50 : 25)) {
    for (int k = (int)gen_rng_range(x->r, 1, x->lv >= 2 ? 1 + x->lv : 1); k > 0; k--) from_pool(x, GEN_POOL_LAB, 10000);
  }
  if (x->lv >= 2 && gen_rng_range(x->r, 0, 99) < (x->lv == 3 ? 45 : 25)) from_pool(x, GEN_POOL_EXAM, 10000);
  if (gen_rng_range(x->r, 0, 99) < 20) {
    line(x, c->infusion, 10000), line(x, c->infusion_set, 10000);
    from_pool(x, GEN_POOL_DRUG_INJ, 10000);
  }
}

/* A stay: every day bed, nursing and (unless bed-holding / fake) treatment. */
static void ipt_lines(vctx *x) {
  const gen_catalog *c = &x->g->cat;
  const gen_cond *cd = &ipt_conds[x->pl->cond];
  int fake = x->pl->fraud == GEN_FAKE_ADMISSION + 1, hold = x->pl->fraud == GEN_BED_HOLDING + 1;
  for (int d = 0; d < x->pl->los; d++) {
    new_stamp(x, gen_date_add(x->pl->day, d), d ? 9 * 3600 : x->pl->sec + 1800);
    line(x, d == 0 && cd->lv_min >= 2 && gen_rng_range(x->r, 0, 9) == 0 ? c->bed_icu : c->bed, 10000);
    line(x, d < 3 ? c->nurse1 : c->nurse2, 10000);
    if (fake) {
      if (d == 0) line(x, c->other_svc, 10000);
      continue;
    }
    if (hold && d > 0) continue;
    line(x, c->ipt_dx_fee, 10000);
    if (d == 0) {
      line(x, c->other_svc, 10000);
      for (int k = (int)gen_rng_range(x->r, 3, 4 + 3 * x->lv); k > 0; k--) from_pool(x, GEN_POOL_LAB, 10000);
      for (int k = (int)gen_rng_range(x->r, 0, 2 * x->lv); k > 0; k--) from_pool(x, GEN_POOL_EXAM, 10000);
    }
    if (d == 1 && cd->surgery && x->lv >= cd->lv_min) {
      from_pool(x, GEN_POOL_SURGERY, 10000);
      for (int k = (int)gen_rng_range(x->r, 1, 3); k > 0; k--) from_pool(x, GEN_POOL_MATERIAL, 10000);
    }
    for (int k = (int)gen_rng_range(x->r, 2, 3 + 2 * x->lv); k > 0; k--)
      from_pool(x, gen_rng_range(x->r, 0, 2) ? GEN_POOL_DRUG_INJ : GEN_POOL_DRUG_ACUTE, boxes(x, 1, 1 + x->lv));
    if (gen_rng_range(x->r, 0, 9) < 7) line(x, c->infusion, 10000), line(x, c->infusion_set, 10000);
    for (int k = d > 0 && gen_rng_range(x->r, 0, 9) < 2 + 2 * x->lv ? (int)gen_rng_range(x->r, 1, 1 + x->lv) : 0; k > 0; k--)
      from_pool(x, GEN_POOL_LAB, 10000);
    if (gen_rng_range(x->r, 0, 9) < 3) from_pool(x, GEN_POOL_TREAT, 10000);
  }
}

/* Line-level fraud on the visit's lines (never on a fake or bed-holding stay, which must keep
 * their own pattern). */
static void inject_lines(vctx *x) {
  const gen_region *g = x->g;
  const int32_t *rate = g->rate;
  gen_rng *r = x->r;
  if (x->pl->fraud == GEN_FAKE_ADMISSION + 1 || x->pl->fraud == GEN_BED_HOLDING + 1) return;
  int n0 = x->n;
  for (int i = 0; i < n0; i++) {
    gen_line *l = &x->h->ln[i];
    const catalog_item *it = l->it;
    if (it->max_days && l->prd_days && gen_rng_ppm(r, rate[GEN_OVER_SUPPLY]))
      l->prd_days = it->max_days + (int)gen_rng_range(r, 7, 60), l->fraud = GEN_OVER_SUPPLY + 1;
    else if ((it->price_limit[0] || it->price_limit[x->lv]) && gen_rng_ppm(r, rate[GEN_OVER_PRICE_LIMIT]))
      l->pric = l->pric * gen_rng_range(r, 115, 200) / 100, l->fraud = GEN_OVER_PRICE_LIMIT + 1;
    else if (gen_rng_ppm(r, rate[GEN_UNREGISTERED_DOCTOR]))
      l->dr_foreign = 1, l->fraud = GEN_UNREGISTERED_DOCTOR + 1;
  }
  const gen_catalog *c = &g->cat;
  gen_line *l;
  if (gen_rng_ppm(r, rate[GEN_GENDER_LIMIT])) { /* an item of the other sex */
    for (int t = 0; t < 30; t++) {
      int item = c->pool[GEN_POOL_GENDER][gen_rng_range(r, 0, c->n_pool[GEN_POOL_GENDER] - 1)];
      if (c->items[item].gend != x->p->gend && item_fits(x, item)) {
        if ((l = line(x, item, 10000))) l->fraud = GEN_GENDER_LIMIT + 1;
        break;
      }
    }
  }
  if (gen_rng_ppm(r, rate[GEN_AGE_LIMIT])) { /* an item outside the person's age range */
    for (int t = 0; t < 30; t++) {
      int item = c->pool[GEN_POOL_AGE][gen_rng_range(r, 0, c->n_pool[GEN_POOL_AGE] - 1)];
      const catalog_item *it = &c->items[item];
      if (((it->age_max >= 0 && x->age > it->age_max) || (it->age_min >= 0 && x->age < it->age_min)) &&
          item_fits(x, item)) {
        if ((l = line(x, item, 10000))) l->fraud = GEN_AGE_LIMIT + 1;
        break;
      }
    }
  }
  if (x->pl->kind != GEN_PL_PHARM && gen_rng_ppm(r, rate[GEN_DUPLICATE_CHARGE])) { /* a service or material twice */
    for (int t = 0; t < 10; t++) {
      gen_line *o = &x->h->ln[gen_rng_range(r, 0, n0 - 1)];
      if (o->it->chrgitm_type >= 9 && o->it->chrgitm_type <= 11) continue;
      if (o->fraud || x->n >= BENEFIT_MAX_LINES - 8) break;
      l = &x->h->ln[x->n++];
      *l = *o;
      l->fraud = GEN_DUPLICATE_CHARGE + 1;
      break;
    }
  }
  if (x->pl->kind != GEN_PL_PHARM && x->pl->kind != GEN_PL_DIALYSIS && gen_rng_ppm(r, rate[GEN_ITEM_SWITCHING])) {
    /* billed under the institution code of its everyday cheap item, as a dearer national code */
    int cheap = x->ipt ? c->nurse2 : x->lv <= 1 ? c->gp_fee : c->dx_fee;
    for (int t = 0; t < 10; t++) {
      int item = c->pool[GEN_POOL_TREAT][gen_rng_range(r, 0, c->n_pool[GEN_POOL_TREAT] - 1)];
      if (charge(g, item, x->lv) > charge(g, cheap, x->lv) && item_fits(x, item)) {
        if ((l = line(x, item, 10000))) l->medins_item = cheap, l->fraud = GEN_ITEM_SWITCHING + 1;
        break;
      }
    }
  }
}

/* ---- settlement and writing --------------------------------------------------------------------- */
/* Zero-padded decimal digits of v (>= 0) into out[0..w-1], no terminator. */
static void digits(char *out, int w, uint32_t v) {
  for (int i = w - 1; i >= 0; i--) out[i] = (char)('0' + v % 10), v /= 10;
}

/* yyyy-mm-dd hh:mm:ss (what "%04d-%02d-%02d %02d:%02d:%02d" prints for these ranges) */
static void stamp(int32_t day, int32_t sec, char *out) {
  digits(out, 4, (uint32_t)(day / 10000)), out[4] = '-', digits(out + 5, 2, (uint32_t)(day / 100 % 100)), out[7] = '-';
  digits(out + 8, 2, (uint32_t)(day % 100)), out[10] = ' ', digits(out + 11, 2, (uint32_t)(sec / 3600 % 24));
  out[13] = ':', digits(out + 14, 2, (uint32_t)(sec / 60 % 60)), out[16] = ':', digits(out + 17, 2, (uint32_t)(sec % 60));
  out[19] = 0;
}

/* The stored texts are built with jsonw's appenders into buffers kept across visits: a literal,
 * a string written as is (codes, times and names with nothing to escape, like the "%s" before),
 * an amount as money_format prints it, an integer. */
#define JL(b, lit) jsonw_raw(b, lit, sizeof lit - 1)
static void jq(jsonw_buf *b, const char *s) {
  JL(b, "\"");
  jsonw_raw(b, s, strlen(s));
  JL(b, "\"");
}
static void jm(jsonw_buf *b, int64_t v, int scale) {
  char t[32];
  jsonw_raw(b, t, (size_t)money_format(v, scale, 0, t));
}
static void jfen(jsonw_buf *b, int64_t fen) { jm(b, fen, MONEY_SCALE_FEN); }
static void jreset(jsonw_buf *b) {
  b->n = 0;
  if (b->p) b->p[0] = 0;
}

static const char *psn_type_of(const gen_person *p, int age) {
  if (p->emp) return p->emp == 1 ? "11" : "12";
  return age < 1 ? "1401" : age < 7 ? "1402" : age < 19 ? "1403" : age < 60 ? "1701" : "16";
}

static const char *const idet_codes[] = {"", "2304", "2303", "6002"};

static void engine_inputs(const vctx *x, int yi, benefit_person *bp, benefit_visit *bv, const char *med_type,
                          const char *dise, const char *diag) {
  const gen_person *p = x->p;
  const gen_inst *in = &x->g->inst[x->pl->inst];
  memset(bp, 0, sizeof *bp);
  memset(bv, 0, sizeof *bv);
  snprintf(bp->psn_no, sizeof bp->psn_no, "%s", p->psn_no);
  bp->gend = p->gend;
  bp->brdy = p->brdy;
  snprintf(bp->psn_type, sizeof bp->psn_type, "%s", psn_type_of(p, x->age));
  if (p->idet) bp->n_idet = 1, snprintf(bp->idet[0], sizeof bp->idet[0], "%s", idet_codes[p->idet]);
  bp->cvlserv_flag = p->cvlserv;
  bp->wait_until = p->wait_until[yi];
  if (bp->wait_until) snprintf(bp->wait_reason, sizeof bp->wait_reason, "断保后续保");
  bp->acct_balc = p->acct;
  bp->family_balc = p->family_acct ? *p->family_acct : 0;
  bp->ci_cap_raise = p->ci_raise[yi];
  if (p->htn) snprintf(bp->dise[bp->n_dise++], sizeof bp->dise[0], "I10");
  if (p->dm) snprintf(bp->dise[bp->n_dise++], sizeof bp->dise[0], "E11");
  if (p->chronic) snprintf(bp->dise[bp->n_dise++], sizeof bp->dise[0], "%s", p->chronic_code);
  snprintf(bv->insutype, sizeof bv->insutype, "%s", p->emp ? "310" : "390");
  snprintf(bv->med_type, sizeof bv->med_type, "%s", med_type);
  bv->hosp_lv = in->lv;
  bv->area = AREA_LOCAL;
  if (in->type == GEN_OUTSIDE) {
    bv->area = p->filed == x->pl->inst ? AREA_FILED : AREA_UNFILED;
    bv->xprov = strncmp(in->admdvs, x->g->region, 2) != 0;
  }
  bv->date = x->pl->day;
  snprintf(bv->dise_codg, sizeof bv->dise_codg, "%s", dise);
  bv->n_diag = 1;
  snprintf(bv->diag[0], sizeof bv->diag[0], "%s", diag);
  bv->acct_used = p->emp && (x->pl->kind == GEN_PL_PHARM || gen_rng_range(x->r, 0, 9) < 7);
}

int gen_write_label(store_conn *w, int kind, const gen_person *p, const gen_inst *in, const char *mdtrt,
                       const char *setl, const char *sn, const char *note, gen_stats *st, yb_err *e) {
  st->labels++, st->by_kind[kind]++;
  return store_gen_label_put(w, gen_fraud_name(kind), p->psn_no, in->code, mdtrt, setl, sn, note, e);
}

static int hist_add(gen_hist *h, const gen_vsum *v) {
  if (h->n == h->cap) {
    int cap = h->cap ? h->cap * 2 : 256;
    gen_vsum *n = realloc(h->v, (size_t)cap * sizeof *n);
    if (!n) return -1;
    h->v = n, h->cap = cap;
  }
  h->v[h->n++] = *v;
  return 0;
}

static int write_fees(store_conn *w, vctx *x, const char *mdtrt, const char *setl, const char *med_type,
                      const char *dise, gen_stats *st, yb_err *e) {
  gen_region *g = x->g;
  const gen_inst *in = &g->inst[x->pl->inst];
  jsonw_buf *body = &x->h->jb[0], *res = &x->h->jb[1];
  char t[20], dr[9] = "D", sn[12], mc[9] = "L";
  for (int i = 0; i < x->n; i++) {
    const gen_line *l = &x->h->ln[i];
    const benefit_line_out *o = &x->h->lo[i];
    const benefit_line *b = &x->h->bl[i];
    stamp(l->day, l->sec, t);
    int di = l->dr_foreign ? g->inst[(x->pl->inst + 1) % g->n_inst].dr_first : l->dr;
    digits(dr + 1, 7, (uint32_t)di), dr[8] = 0;
    uint32_t mcode = (uint32_t)(((uint64_t)l->medins_item * in->map_mul + 7u) % GEN_MAP_MOD);
    digits(mc + 1, 7, mcode), mc[8] = 0;
    snprintf(sn, sizeof sn, "%d", i + 1);
    jreset(body);
    JL(body, "{\"feedetl_sn\":"), jq(body, sn), JL(body, ",\"med_list_codg\":"), jq(body, l->it->code);
    JL(body, ",\"medins_list_codg\":"), jq(body, mc), JL(body, ",\"fee_ocur_time\":"), jq(body, t);
    JL(body, ",\"cnt\":"), jm(body, l->cnt, MONEY_SCALE_CNT), JL(body, ",\"pric\":"), jm(body, l->pric, MONEY_SCALE_PRICE);
    JL(body, ",\"det_item_fee_sumamt\":"), jfen(body, b->sumamt), JL(body, ",\"bilg_dr_codg\":"), jq(body, dr);
    if (l->prd_days) JL(body, ",\"prd_days\":"), jsonw_int(body, l->prd_days);
    JL(body, "}");
    char lv[3];
    digits(lv, 2, (unsigned)l->it->lv % 100u), lv[2] = 0;
    jreset(res);
    JL(res, "{\"fulamt_ownpay_amt\":"), jfen(res, o->fulamt_ownpay_amt), JL(res, ",\"overlmt_amt\":"), jfen(res, o->overlmt_amt);
    JL(res, ",\"preselfpay_amt\":"), jfen(res, o->preselfpay_amt), JL(res, ",\"inscp_scp_amt\":"), jfen(res, o->inscp_scp_amt);
    JL(res, ",\"chrgitm_lv\":"), jq(res, lv);
    if (o->reason) JL(res, ",\"memo\":"), jq(res, benefit_line_reason_text(o->reason));
    JL(res, "}");
    if (body->failed || res->failed) return yb_fail(e, YB_ENOMEM, "", "out of memory");
    store_gen_fee f = {mdtrt, sn, x->p->psn_no, in->code, x->ipt ? "" : "B1", med_type, l->it->code, mc, t, dise, setl,
                       body->p, res->p, l->cnt, l->pric, b->sumamt, b->hosp_appr_flag, 1};
    if (g->con_on && setl[0] && gen_console_fee(g, l->it, l->day, l->cnt, b->sumamt))
      return yb_fail(e, YB_ERANGE, "fee", "line %s/%d outside the console's item summary", mdtrt, i + 1);
    int rc = store_gen_fee_put(w, &f, i + 1, e);
    if (!rc && l->fraud) rc = gen_write_label(w, l->fraud - 1, x->p, in, mdtrt, setl, sn, "injected", st, e);
    if (rc) return rc;
  }
  st->fee_lines += x->n;
  return 0;
}

static int write_setl(store_conn *w, vctx *x, const policy *pol, const benefit_result *res, const char *mdtrt,
                      const char *setl, const char *med_type, const char *setl_time, int year, yb_err *e) {
  const gen_person *p = x->p;
  const char *ins = p->emp ? "310" : "390";
  char brdy[11], gend[2] = {(char)('0' + p->gend % 10), 0}, prop[8];
  digits(brdy, 4, (uint32_t)(p->brdy / 10000)), brdy[4] = '-', digits(brdy + 5, 2, (uint32_t)(p->brdy / 100 % 100));
  brdy[7] = '-', digits(brdy + 8, 2, (uint32_t)(p->brdy % 100)), brdy[10] = 0;
  digits(prop + 2, 4, (uint32_t)(res->pool_prop_selfpay % 10000)), prop[0] = (char)('0' + res->pool_prop_selfpay / 10000 % 10);
  prop[1] = '.', prop[6] = 0; /* "%d.%04d" of a ratio in [0, 1] */
  jsonw_buf *si = &x->h->jb[2], *sd = &x->h->jb[3], *ad = &x->h->jb[4];
  jreset(si);
  JL(si, "{\"mdtrt_id\":"), jq(si, mdtrt), JL(si, ",\"setl_id\":"), jq(si, setl), JL(si, ",\"psn_no\":"), jq(si, p->psn_no);
  JL(si, ",\"gend\":"), jq(si, gend), JL(si, ",\"brdy\":"), jq(si, brdy), JL(si, ",\"age\":"), jsonw_int(si, x->age);
  JL(si, ",\"insutype\":"), jq(si, ins), JL(si, ",\"psn_type\":"), jq(si, psn_type_of(p, x->age));
  JL(si, ",\"med_type\":"), jq(si, med_type), JL(si, ",\"setl_time\":"), jq(si, setl_time);
  JL(si, ",\"clr_type\":"), jq(si, res->clr_type), JL(si, ",\"clr_way\":\"1\"");
  JL(si, ",\"medfee_sumamt\":"), jfen(si, res->medfee_sumamt), JL(si, ",\"fulamt_ownpay_amt\":"), jfen(si, res->fulamt_ownpay_amt);
  JL(si, ",\"overlmt_selfpay\":"), jfen(si, res->overlmt_selfpay), JL(si, ",\"preselfpay_amt\":"), jfen(si, res->preselfpay_amt);
  JL(si, ",\"inscp_scp_amt\":"), jfen(si, res->inscp_scp_amt), JL(si, ",\"act_pay_dedc\":"), jfen(si, res->act_pay_dedc);
  JL(si, ",\"hifp_pay\":"), jfen(si, res->pay[PAYER_HIFP]), JL(si, ",\"pool_prop_selfpay\":"), jsonw_raw(si, prop, 6);
  JL(si, ",\"cvlserv_pay\":"), jfen(si, res->pay[PAYER_CVLSERV]), JL(si, ",\"hifes_pay\":"), jfen(si, res->pay[PAYER_HIFES]);
  JL(si, ",\"hifmi_pay\":"), jfen(si, res->pay[PAYER_HIFMI]), JL(si, ",\"hifob_pay\":"), jfen(si, res->pay[PAYER_HIFOB]);
  JL(si, ",\"maf_pay\":"), jfen(si, res->pay[PAYER_MAF]), JL(si, ",\"oth_pay\":"), jfen(si, res->pay[PAYER_OTH]);
  JL(si, ",\"fund_pay_sumamt\":"), jfen(si, res->fund_pay_sumamt), JL(si, ",\"psn_part_amt\":"), jfen(si, res->psn_part_amt);
  JL(si, ",\"acct_pay\":"), jfen(si, res->pay[PAYER_ACCT]), JL(si, ",\"psn_cash_pay\":"), jfen(si, res->psn_cash_pay);
  JL(si, ",\"hosp_part_amt\":"), jfen(si, res->hosp_part_amt), JL(si, ",\"balc\":"), jfen(si, res->balc);
  JL(si, ",\"acct_mulaid_pay\":"), jfen(si, res->pay[PAYER_ACCT_MULAID]), JL(si, "}");
  jreset(sd);
  JL(sd, "[");
  for (int i = 0; i < res->n_detail; i++) {
    const benefit_detail *d = &res->detail[i];
    if (i) JL(sd, ",");
    JL(sd, "{\"fund_pay_type\":"), jq(sd, d->fund_pay_type), JL(sd, ",\"inscp_scp_amt\":"), jfen(sd, d->inscp_scp_amt);
    JL(sd, ",\"crt_payb_lmt_amt\":"), jfen(sd, d->crt_payb_lmt_amt), JL(sd, ",\"fund_payamt\":"), jfen(sd, d->fund_payamt);
    JL(sd, ",\"fund_pay_type_name\":"), jq(sd, d->name ? d->name : ""), JL(sd, "}");
  }
  JL(sd, "]");
  jreset(ad);
  JL(ad, "{");
  for (int i = 0; i < res->delta.n; i++) {
    const accum_entry *d = &res->delta.e[i];
    if (i) JL(ad, ",");
    JL(ad, "\""), jsonw_raw(ad, pol->buckets[d->bucket], strlen(pol->buckets[d->bucket]));
    if (d->period) JL(ad, "@"), jsonw_int(ad, (long long)d->period);
    JL(ad, "\":");
    if (d->bucket == 0) jsonw_int(ad, (long long)d->value);
    else jfen(ad, d->value);
  }
  JL(ad, "}");
  if (si->failed || sd->failed || ad->failed) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  char *trace = NULL;
  if (x->ipt) { /* inpatient settlements keep their explanation; the rest store none (docs/generator.md) */
    json_t *tj = benefit_json_trace(res);
    trace = jsonx_dumps(tj, JSON_COMPACT);
    json_decref(tj);
  }
  store_setl row;
  memset(&row, 0, sizeof row);
  snprintf(row.setl_id, sizeof row.setl_id, "%s", setl);
  snprintf(row.mdtrt_id, sizeof row.mdtrt_id, "%s", mdtrt);
  snprintf(row.psn_no, sizeof row.psn_no, "%s", p->psn_no);
  snprintf(row.fixmedins_code, sizeof row.fixmedins_code, "%s", x->g->inst[x->pl->inst].code);
  snprintf(row.infno, sizeof row.infno, "%s", x->ipt ? "2304" : "2207");
  snprintf(row.msgid, sizeof row.msgid, "GEN-%s", setl);
  snprintf(row.insutype, sizeof row.insutype, "%s", ins);
  snprintf(row.med_type, sizeof row.med_type, "%s", med_type);
  snprintf(row.clr_type, sizeof row.clr_type, "%s", res->clr_type);
  snprintf(row.setl_time, sizeof row.setl_time, "%s", setl_time);
  if (!x->ipt) snprintf(row.chrg_bchno, sizeof row.chrg_bchno, "B1");
  if (res->pay[PAYER_ACCT_MULAID]) snprintf(row.family_psn_no, sizeof row.family_psn_no, "%s", p->family_no);
  row.year = year;
  row.state = 1;
  row.medfee_sumamt = res->medfee_sumamt;
  row.fund_pay_sumamt = res->fund_pay_sumamt;
  row.acct_pay = res->pay[PAYER_ACCT];
  row.acct_mulaid_pay = res->pay[PAYER_ACCT_MULAID];
  row.psn_cash_pay = res->psn_cash_pay;
  row.setlinfo = si->p, row.setldetail = sd->p, row.trace = trace ? trace : (char *)"[]", row.accum_delta = ad->p;
  int rc = store_setl_put(w, &row, e);
  free(trace);
  for (int i = 0; !rc && i < res->n_detail; i++) {
    const benefit_detail *d = &res->detail[i];
    rc = store_setl_detail_put(w, setl, p->psn_no, i + 1, d->fund_pay_type, d->name ? d->name : "", d->inscp_scp_amt,
                               d->crt_payb_lmt_amt, d->fund_payamt, e);
  }
  return rc;
}

static const char *const med_types[] = {[GEN_PL_OTP] = "11", [GEN_PL_IPT] = "21", [GEN_PL_PHARM] = "41",
                                         [GEN_PL_TWO] = "9901", [GEN_PL_CHRONIC] = "14", [GEN_PL_DIALYSIS] = "14"};

/* Price, settle and write one planned visit. */
static int run_visit(store_conn *w, gen_region *g, gen_person *p, int yi, const gen_plan *pl, accum *acc,
                     gen_rng *r, gen_stats *st, yb_err *e) {
  gen_hist *h = H(g);
  const gen_inst *in = &g->inst[pl->inst];
  int year = g->first_year + yi;
  vctx x = {g, h, r, p, pl, 0, in->lv, in->dr_first + (int)gen_rng_range(r, 0, in->n_dr - 1),
            gen_age(p->brdy, pl->day), pl->kind == GEN_PL_IPT, 0, 0, {0}, 0};
  new_stamp(&x, pl->day, pl->sec + 300);
  const char *diag, *dise = "", *dise_name = "";
  if (pl->kind == GEN_PL_IPT) {
    diag = ipt_conds[pl->cond].icd, dise_name = ipt_conds[pl->cond].name;
    ipt_lines(&x);
  } else {
    diag = otp_conds[pl->cond].icd, dise_name = otp_conds[pl->cond].name;
    if (pl->kind == GEN_PL_TWO) dise = p->htn ? "I10" : "E11", diag = p->htn ? "I10.x00" : "E11.900";
    if (pl->kind == GEN_PL_CHRONIC) dise = p->chronic_code, diag = p->chronic_code;
    if (pl->kind == GEN_PL_DIALYSIS) dise = "N18", diag = "N18.500", dise_name = "慢性肾脏病5期";
    if (pl->kind == GEN_PL_TWO || pl->kind == GEN_PL_CHRONIC || pl->kind == GEN_PL_DIALYSIS) dise_name = "";
    otp_lines(&x);
  }
  inject_lines(&x);
  if (!x.n) return 0;
  for (int i = 0; i < x.n; i++) {
    benefit_line *b = &h->bl[i];
    const gen_line *l = &h->ln[i];
    memset(b, 0, sizeof *b);
    snprintf(b->feedetl_sn, sizeof b->feedetl_sn, "%d", i + 1);
    b->item = l->it, b->cnt = l->cnt, b->pric = l->pric;
    b->sumamt = money_line_fen(l->cnt, l->pric);
    b->hosp_appr_flag = l->it->lmt_used_flag ? 1 : 0;
  }
  benefit_person bp;
  benefit_visit bv;
  const char *med_type = med_types[pl->kind];
  engine_inputs(&x, yi, &bp, &bv, med_type, dise, diag);
  const policy *pol = g->pol[yi];
  int rc = benefit_settle(pol, &bp, acc, &bv, h->bl, x.n, h->lo, &h->res, e);
  if (rc) return rc;
  benefit_result *res = &h->res;
  char mdtrt[32], setl[32], begin[20], end[20], setl_time[20];
  snprintf(mdtrt, sizeof mdtrt, "%sGV%010lld", g->region, (long long)++g->next_visit);
  snprintf(setl, sizeof setl, "%sGS%010lld", g->region, (long long)++g->next_setl);
  int32_t eday = x.ipt ? gen_date_add(pl->day, pl->los) : pl->day;
  int32_t esec = x.ipt ? 10 * 3600 : pl->sec + 1200;
  stamp(pl->day, pl->sec, begin);
  stamp(eday, esec, end);
  stamp(eday, esec + 60, setl_time);
  store_visit v;
  memset(&v, 0, sizeof v);
  snprintf(v.mdtrt_id, sizeof v.mdtrt_id, "%s", mdtrt);
  snprintf(v.psn_no, sizeof v.psn_no, "%s", p->psn_no);
  snprintf(v.fixmedins_code, sizeof v.fixmedins_code, "%s", in->code);
  snprintf(v.kind, sizeof v.kind, "%s", x.ipt ? "ipt" : "otp");
  snprintf(v.insutype, sizeof v.insutype, "%s", bv.insutype);
  snprintf(v.med_type, sizeof v.med_type, "%s", med_type);
  snprintf(v.ipt_otp_no, sizeof v.ipt_otp_no, "G%010lld", (long long)g->next_visit);
  snprintf(v.begntime, sizeof v.begntime, "%s", begin);
  snprintf(v.endtime, sizeof v.endtime, "%s", end);
  snprintf(v.dise_codg, sizeof v.dise_codg, "%s", x.ipt ? diag : dise);
  snprintf(v.dise_name, sizeof v.dise_name, "%s", dise_name);
  v.n_diag = 1;
  snprintf(v.diag[0], sizeof v.diag[0], "%s", diag);
  v.state = x.ipt ? STORE_VISIT_DISCHARGED : STORE_VISIT_OPEN;
  char info[160] = "{}";
  if (x.ipt && ipt_conds[pl->cond].proc && (!ipt_conds[pl->cond].surgery || in->lv >= ipt_conds[pl->cond].lv_min) &&
      pl->fraud != GEN_FAKE_ADMISSION + 1 && pl->fraud != GEN_BED_HOLDING + 1)
    snprintf(info, sizeof info, "{\"oprn_oprt_code\":\"%s\",\"oprn_oprt_name\":\"%s\",\"ipt_days\":%d}",
             ipt_conds[pl->cond].proc, ipt_conds[pl->cond].proc_name, pl->los);
  else if (x.ipt)
    snprintf(info, sizeof info, "{\"ipt_days\":%d}", pl->los);
  v.info = info;
  if ((rc = store_visit_put(w, &v, e)) || (rc = write_fees(w, &x, mdtrt, setl, med_type, v.dise_codg, st, e)) ||
      (rc = write_setl(w, &x, pol, res, mdtrt, setl, med_type, setl_time, year, e)))
    return rc;
  if (g->con_on) { /* what console_setl adds: its main diagnosis is the visit's disease, else its first diagnosis */
    const int64_t cv[5] = {1, res->medfee_sumamt, res->fund_pay_sumamt, res->pay[PAYER_ACCT] + res->pay[PAYER_ACCT_MULAID],
                           res->psn_cash_pay};
    if (gen_console_setl(g, pl->inst, x.ipt, p->emp ? "310" : "390", setl_time, v.dise_codg[0] ? v.dise_codg : v.diag[0],
                         v.dise_name, cv))
      return yb_fail(e, YB_ERANGE, "settlement", "%s outside the console's summaries", setl);
  }
  if (pl->kind == GEN_PL_DIALYSIS) {
    char ck[20];
    stamp(pl->day, pl->sec - 600, ck);
    if (pl->fraud) {
      for (int i = 0; i < x.n && !rc; i++)
        if (h->ln[i].item == g->cat.dialysis)
          rc = gen_write_label(w, GEN_DIALYSIS_NO_CHECKIN, p, in, mdtrt, setl, h->bl[i].feedetl_sn, "injected", st, e);
    } else {
      rc = store_gen_checkin_put(w, p->psn_no, in->code, ck, e);
      st->checkins++;
    }
  }
  if (!rc && (pl->fraud == GEN_FAKE_ADMISSION + 1 || pl->fraud == GEN_BED_HOLDING + 1))
    rc = gen_write_label(w, pl->fraud - 1, p, in, mdtrt, setl, "", "injected", st, e);
  if (rc) return rc;
  if (accum_apply(acc, &res->delta, +1)) return yb_fail(e, YB_ELIMIT, "accum", "accumulator set of %s is full", p->psn_no);
  p->acct -= res->pay[PAYER_ACCT];
  if (res->pay[PAYER_ACCT_MULAID] && p->family_acct) {
    *p->family_acct -= res->pay[PAYER_ACCT_MULAID];
    if ((rc = store_acct_add(w, p->family_no, -res->pay[PAYER_ACCT_MULAID], e))) return rc;
  }
  st->visits++, st->settlements++, st->inpatient += x.ipt;
  st->medfee_sumamt += res->medfee_sumamt, st->fund_pay_sumamt += res->fund_pay_sumamt;
  gen_vsum s;
  memset(&s, 0, sizeof s);
  snprintf(s.mdtrt_id, sizeof s.mdtrt_id, "%s", mdtrt);
  snprintf(s.setl_id, sizeof s.setl_id, "%s", setl);
  s.inst = pl->inst, s.ipt = (uint8_t)x.ipt, s.fraud = pl->fraud;
  s.begin = pl->day, s.bsec = pl->sec, s.end = eday, s.esec = esec;
  snprintf(s.diag3, sizeof s.diag3, "%.3s", diag);
  return hist_add(h, &s) ? yb_fail(e, YB_ENOMEM, "", "out of memory") : 0;
}

int gen_person_year(store_conn *w, gen_region *g, gen_person *p, int yi, gen_stats *st, yb_err *e) {
  gen_hist *h = H(g);
  gen_rng r;
  gen_rng_seed(&r, g->seed, (uint64_t)p->idx * 64u + (uint64_t)yi + 1000u);
  if (plan_year(g, h, &r, p, yi)) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  qsort(h->pl, (size_t)h->n_pl, sizeof *h->pl, plan_cmp);
  accum acc;
  memset(&acc, 0, sizeof acc);
  int rc = 0;
  for (int i = 0; i < h->n_pl && !rc; i++) rc = run_visit(w, g, p, yi, &h->pl[i], &acc, &r, st, e);
  const policy *pol = g->pol[yi];
  for (int i = 0; i < acc.n && !rc; i++)
    if (acc.e[i].value)
      rc = store_accum_set(w, p->psn_no, g->first_year + yi, pol->buckets[acc.e[i].bucket], acc.e[i].period,
                           acc.e[i].value, e);
  return rc;
}

