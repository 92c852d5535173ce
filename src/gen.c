/* gen.c — `yibao gen`'s driver: loads the region's policies and catalog from the store, lays out
 * institutions over a county (towns, villages, hospitals, pharmacies, doctors, coordinates), then
 * streams persons household by household — age/sex pyramid, schemes, special groups, enrollment
 * histories, deaths — writing each with its years of visits (gen_visit.c) in big transactions. */
/* every snprintf below writes into a buffer sized for its field; a cut is the intended result */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"
#include "store_enroll.h"
#include "hsi.h"
#include "jsonx.h"
#include "money.h"
#include "store_gen.h"

static const struct {
  const char *name;
  int32_t ppm;
} kinds[] = {
#define GEN_KIND_ROW(name, key, ppm) {key, ppm},
    GEN_FRAUD_KINDS(GEN_KIND_ROW)
#undef GEN_KIND_ROW
};

const char *gen_fraud_name(int k) { return k >= 0 && k < GEN_FRAUD_COUNT ? kinds[k].name : "?"; }

int gen_fraud_find(const char *name) {
  for (int k = 0; k < GEN_FRAUD_COUNT; k++)
    if (!strcmp(kinds[k].name, name)) return k;
  return -1;
}

void gen_config_default(gen_config *c) {
  memset(c, 0, sizeof *c);
  c->persons = 10000;
  c->institutions = 60;
  c->years = 1;
  c->seed = 1;
  for (int k = 0; k < GEN_FRAUD_COUNT; k++) c->rate_ppm[k] = kinds[k].ppm;
}

int gen_config_rates(gen_config *c, const char *spec, yb_err *e) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq) return yb_fail(e, YB_EINVAL, "--fraud-rate", "'%s' is not KIND=RATE", tok);
    *eq = 0;
    int all = !strcmp(tok, "all"), k = all ? 0 : gen_fraud_find(tok);
    if (k < 0) return yb_fail(e, YB_EUNKNOWN_CODE, "--fraud-rate", "no fraud kind '%s' (see docs/fraud-labels.md)", tok);
    int64_t bp6 = 0;
    if (money_parse(eq + 1, 6, &bp6) || bp6 < 0 || bp6 > 1000000)
      return yb_fail(e, YB_ERANGE, "--fraud-rate", "rate of %s must be a fraction in [0, 1] with at most 6 decimals", tok);
    for (int i = all ? 0 : k; i < (all ? GEN_FRAUD_COUNT : k + 1); i++) c->rate_ppm[i] = (int32_t)bp6;
  }
  return 0;
}

/* Means of the model (docs/generator.md), for --dry-run. */
void gen_estimate(const gen_config *c, gen_stats *o) {
  memset(o, 0, sizeof *o);
  int64_t py = c->persons * c->years;
  o->persons = c->persons;
  o->households = c->persons * 100 / 259;
  o->institutions = c->institutions + 2;
  o->doctors = (int64_t)c->institutions * 9;
  o->items = 5000;
  o->enrollments = c->persons * (c->years + GEN_HIST_YEARS) * 95 / 100;
  o->deaths = py * 8 / 1000;
  o->visits = py * 64 / 10; /* measured means of the model (docs/generator.md) */
  o->inpatient = py * 15 / 100;
  o->settlements = o->visits;
  o->fee_lines = py * 34;
}

/* ---- institutions ---------------------------------------------------------------------------- */
static const char *const town_names[] = {"城关", "东关", "西关", "南湖", "北岗", "双河", "三里", "五里", "七里",
                                         "十里", "长岭", "青山", "白沙", "红庙", "柳林", "杨店", "李集", "张湾",
                                         "王岗", "刘集", "陈店", "周湾", "吴岭", "郑桥", "孙铺", "马畈", "胡集"};
static const int64_t county_lat = 32130000, county_lon = 114070000; /* micro-degrees */
#define KM_LAT 9009 /* micro-degrees of latitude per km */
#define KM_LON 10620 /* … of longitude per km at 32°N */

static int inst_add(gen_region *g, int type, int lv, int town, int64_t lat, int64_t lon) {
  gen_inst *in = &g->inst[g->n_inst];
  memset(in, 0, sizeof *in);
  in->type = (uint8_t)type, in->lv = (uint8_t)lv, in->town = town, in->lat = lat, in->lon = lon;
  snprintf(in->code, sizeof in->code, "%c%s%05d", type == GEN_PHARMACY ? 'P' : 'H', g->region, 10001 + g->n_inst);
  snprintf(in->admdvs, sizeof in->admdvs, "%s", g->region);
  in->map_mul = 1009u + 2u * (uint32_t)g->n_inst;
  return g->n_inst++;
}

static int layout(gen_region *g, int m, gen_rng *r) {
  int n_town = m * 12 / 100, n_county = m * 4 / 100, n_city = m / 100, n_pharm = m * 15 / 100;
  if (n_town < 2) n_town = 2;
  if (n_county < 1) n_county = 1;
  if (n_city < 1) n_city = 1;
  if (n_pharm < 1) n_pharm = 1;
  int n_vill = m - n_town - n_county - n_city - n_pharm;
  if (n_vill < n_town) n_vill = n_town;
  int total = n_town + n_county + n_city + n_pharm + n_vill + 2;
  g->inst = calloc((size_t)total, sizeof *g->inst);
  g->town_centre = calloc((size_t)n_town, sizeof(int));
  g->town_pharm = calloc((size_t)n_town, sizeof(int));
  g->town_vill = calloc((size_t)n_town, sizeof(int));
  g->town_vill_n = calloc((size_t)n_town, sizeof(int));
  g->vill = calloc((size_t)n_vill, sizeof(int));
  g->county = calloc((size_t)n_county, sizeof(int));
  g->city = calloc((size_t)n_city, sizeof(int));
  g->outside = calloc(2, sizeof(int));
  if (!g->inst || !g->town_centre || !g->town_pharm || !g->town_vill || !g->town_vill_n || !g->vill || !g->county ||
      !g->city || !g->outside)
    return -1;
  g->n_towns = n_town;
  /* hospitals in the county seat, towns on a jittered grid over 60 × 60 km */
  for (int i = 0; i < n_county; i++)
    g->county[g->n_county++] = inst_add(g, GEN_COUNTY, 2, 0, county_lat + gen_rng_range(r, -2, 2) * KM_LAT,
                                        county_lon + gen_rng_range(r, -2, 2) * KM_LON);
  for (int i = 0; i < n_city; i++) /* the city's hospitals lie just off the county's edge */
    g->city[g->n_city++] = inst_add(g, GEN_CITY, 3, 0, county_lat + (40 + gen_rng_range(r, 0, 5)) * KM_LAT,
                                    county_lon + gen_rng_range(r, -5, 5) * KM_LON);
  int side = 1;
  while (side * side < n_town) side++;
  int64_t *tlat = calloc((size_t)n_town, sizeof *tlat), *tlon = calloc((size_t)n_town, sizeof *tlon);
  if (!tlat || !tlon) return free(tlat), free(tlon), -1;
  for (int t = 0; t < n_town; t++) {
    int64_t cell = 60 / side;
    tlat[t] = county_lat + ((t / side) * cell - 30 + cell / 2 + gen_rng_range(r, -cell / 4, cell / 4)) * KM_LAT;
    tlon[t] = county_lon + ((t % side) * cell - 30 + cell / 2 + gen_rng_range(r, -cell / 4, cell / 4)) * KM_LON;
    if (t == 0) tlat[t] = county_lat, tlon[t] = county_lon;
    g->town_centre[t] = inst_add(g, GEN_TOWN, 1, t, tlat[t], tlon[t]);
    g->town_pharm[t] = -1;
  }
  for (int i = 0; i < n_pharm; i++) {
    int t = i % n_town;
    int k = inst_add(g, GEN_PHARMACY, 0, t, tlat[t] + gen_rng_range(r, -1, 1) * KM_LAT, tlon[t] + gen_rng_range(r, -1, 1) * KM_LON);
    if (g->town_pharm[t] < 0) g->town_pharm[t] = k;
  }
  for (int t = 0; t < n_town; t++) {
    if (g->town_pharm[t] < 0) g->town_pharm[t] = g->town_pharm[0];
    g->town_vill[t] = g->n_vill;
    int n = n_vill / n_town + (t < n_vill % n_town);
    for (int i = 0; i < n; i++)
      g->vill[g->n_vill++] = inst_add(g, GEN_VILLAGE, 0, t, tlat[t] + gen_rng_range(r, -5, 5) * KM_LAT,
                                      tlon[t] + gen_rng_range(r, -5, 5) * KM_LON);
    g->town_vill_n[t] = n;
  }
  free(tlat), free(tlon);
  /* two hospitals in other provinces, for filed and unfiled cross-region care */
  static const char *const far_region[] = {"440300", "310100"};
  for (int i = 0; i < 2; i++) {
    int k = inst_add(g, GEN_OUTSIDE, 3, 0, (i ? 31230000 : 22540000), (i ? 121470000 : 114060000));
    snprintf(g->inst[k].admdvs, sizeof g->inst[k].admdvs, "%s", far_region[i]);
    snprintf(g->inst[k].code, sizeof g->inst[k].code, "H%s%05d", far_region[i], 90001 + i);
    g->outside[g->n_outside++] = k;
  }
  return 0;
}

static const char *const type_name[] = {"卫生室", "卫生院", "县医院", "市医院", "药房", "医院"};
static const char *const lv_code[] = {"11", "08", "05", "02"};
static const char *const depts[] = {"内科", "外科", "妇产科", "儿科", "中医科", "急诊科", "骨科", "眼科"};

static int write_insts(store_conn *w, gen_region *g, gen_rng *r, gen_stats *st, yb_err *e) {
  static const int doctors_of[] = {2, 12, 90, 220, 2, 40};
  int dr = 0, rc = 0;
  for (int i = 0; i < g->n_inst && !rc; i++) {
    gen_inst *in = &g->inst[i];
    store_inst s;
    memset(&s, 0, sizeof s);
    snprintf(s.fixmedins_code, sizeof s.fixmedins_code, "%s", in->code);
    const char *town = town_names[in->town % (int)(sizeof town_names / sizeof town_names[0])];
    if (in->type == GEN_OUTSIDE) snprintf(s.fixmedins_name, sizeof s.fixmedins_name, "外省%s第%d人民医院", in->admdvs, i);
    else if (in->type == GEN_VILLAGE) snprintf(s.fixmedins_name, sizeof s.fixmedins_name, "%s镇第%d村卫生室", town, i);
    else if (in->type == GEN_TOWN) snprintf(s.fixmedins_name, sizeof s.fixmedins_name, "%s镇中心卫生院", town);
    else if (in->type == GEN_PHARMACY) snprintf(s.fixmedins_name, sizeof s.fixmedins_name, "%s镇第%d大药房", town, i);
    else snprintf(s.fixmedins_name, sizeof s.fixmedins_name, "示例%s第%d%s", in->type == GEN_CITY ? "市" : "县", i, type_name[in->type]);
    snprintf(s.hosp_lv_code, sizeof s.hosp_lv_code, "%s", lv_code[in->lv]);
    snprintf(s.medins_type, sizeof s.medins_type, "%s",
             in->type == GEN_PHARMACY ? "pharmacy" : in->type == GEN_VILLAGE ? "clinic" : "hospital");
    snprintf(s.admdvs, sizeof s.admdvs, "%s", in->admdvs);
    snprintf(s.sign_scheme, sizeof s.sign_scheme, "hmac");
    char seed[64], hexd[65];
    snprintf(seed, sizeof seed, "yibao-gen-secret:%s", in->code);
    hsi_sha256_hex(seed, strlen(seed), hexd);
    snprintf(s.secret, 33, "%.32s", hexd);
    s.hosp_lv = in->lv;
    if ((rc = store_inst_put(w, &s, e)) ||
        (rc = store_gen_geo_put(w, in->code, town, in->lat, in->lon, e)))
      break;
    int n = doctors_of[in->type];
    n += (int)gen_rng_range(r, -(n / 3), n / 3);
    if (n < 1) n = 1;
    in->dr_first = dr, in->n_dr = n;
    for (int k = 0; k < n && !rc; k++, dr++) {
      char code[16], name[32];
      snprintf(code, sizeof code, "D%07d", dr);
      snprintf(name, sizeof name, "医师%07d", dr);
      rc = store_gen_doctor_put(w, code, in->code, name, in->type <= GEN_TOWN ? "全科" : depts[k % 8], "2015-01-01", "", e);
    }
  }
  g->n_doctors = dr;
  st->institutions = g->n_inst, st->doctors = dr;
  return rc;
}

/* ---- persons ----------------------------------------------------------------------------------- */
/* 2020 census age structure (5-year bands 0–4 … 85+, per mille, rounded; docs/generator.md). */
static const int age_w[18] = {57, 64, 63, 52, 53, 66, 88, 70, 69, 82, 88, 72, 52, 56, 38, 24, 16, 11};
static const int hh_w[6] = {25, 30, 21, 13, 7, 4}; /* household sizes 1–6, percent */
static const int frail_v[7] = {30, 60, 80, 100, 130, 180, 260}, frail_w[7] = {10, 20, 20, 20, 15, 10, 5};
static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
                                       "马", "朱", "胡", "郭", "何", "林", "高", "罗"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
                                    "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "建"};
#define NA(a) ((int)(sizeof a / sizeof a[0]))

/* Annual death probability per 100 000 by age (approximate national life table). */
static int death_p(int age) {
  return age < 1 ? 500 : age < 5 ? 60 : age < 15 ? 25 : age < 45 ? 100 : age < 60 ? 400 : age < 75 ? 1500 : age < 85 ? 5000 : 15000;
}

typedef struct run_ctx {
  gen_region *g;
  const gen_config *cfg;
  gen_stats *st;
  int64_t next_person, next_household;
  uint16_t *cert_seq; /* per birth day and sex: IDs issued */
} run_ctx;

static void draw_person(run_ctx *x, gen_rng *r, gen_person *p, int town) {
  gen_region *g = x->g;
  int ref = g->first_year;
  memset(p, 0, sizeof *p);
  p->idx = x->next_person++;
  snprintf(p->psn_no, sizeof p->psn_no, "%s9%013lld", g->region, (long long)p->idx);
  int band = gen_rng_pick(r, age_w, 18);
  int age = band * 5 + (int)gen_rng_range(r, 0, band == 17 ? 14 : 4);
  int male_pm = age < 60 ? 515 : age < 80 ? 495 : 420;
  p->gend = gen_rng_range(r, 0, 999) < male_pm ? 1 : 2;
  p->brdy = (ref - age - 1) * 10000 + 101;
  p->brdy = gen_date_add(p->brdy, (int)gen_rng_range(r, 0, 364));
  p->town = town;
  p->village = g->vill[g->town_vill[town] + gen_rng_range(r, 0, g->town_vill_n[town] - 1)];
  p->filed = -1;
  int64_t u = gen_rng_range(r, 0, 9999);
  if (age >= 20 && age < 60 && u < 2200) p->emp = 1;
  else if (age >= 60 && u < 1400) p->emp = 2;
  if (p->emp == 1 && gen_rng_range(r, 0, 99) < 8) p->cvlserv = 1;
  if (!p->emp) {
    int64_t s = gen_rng_range(r, 0, 9999);
    p->idet = s < 50 ? 1 : s < 350 ? 2 : s < 430 ? 3 : 0;
  }
  if (age >= 35) p->htn = gen_rng_range(r, 0, 99) < 12, p->dm = gen_rng_range(r, 0, 99) < 5;
  if (age >= 30 && gen_rng_range(r, 0, 9999) < 8) p->dialysis = 1, p->chronic = 1, snprintf(p->chronic_code, 8, "N18");
  else if (age >= 45 && gen_rng_range(r, 0, 999) < 5) {
    static const char *const cc[] = {"J44", "I50", "C97", "F20", "D61"};
    p->chronic = 1, snprintf(p->chronic_code, 8, "%s", cc[gen_rng_range(r, 0, 4)]);
  }
  if (p->chronic) p->htn = p->dm = 0;
  if (age >= 18 && age < 60 && g->n_outside && gen_rng_range(r, 0, 99) < 2) p->filed = g->outside[gen_rng_range(r, 0, g->n_outside - 1)];
  p->frailty = (uint64_t)frail_v[gen_rng_pick(r, frail_w, 7)];
  /* death: at most once, in a generated year */
  for (int yi = 0; yi < g->years && !p->death; yi++) {
    int a = gen_age(p->brdy, (g->first_year + yi) * 10000 + 701);
    if (a >= 0 && gen_rng_range(r, 0, 99999) < death_p(a))
      p->death = gen_date_add((g->first_year + yi) * 10000 + 101, (int)gen_rng_range(r, 0, 300));
  }
  /* enrollment: employees continuous; residents miss a year with 3 % chance (断保) */
  int cont = 0, broken = 0;
  for (int y = g->first_year - GEN_HIST_YEARS; y < g->first_year + g->years; y++) {
    int yi = y - g->first_year;
    int born = y >= p->brdy / 10000, alive = !p->death || y <= p->death / 10000;
    int in = born && alive && (p->emp || p->idet == 1 || p->idet == 2 || gen_rng_range(r, 0, 99) >= 3);
    if (yi >= 0) {
      p->enrolled[yi] = (uint8_t)in;
      if (in && broken && !p->emp && !p->idet && y > p->brdy / 10000) {
        int months = 3 + broken, m = 3 + months; /* enrolled 03-01 outside the concentrated period */
        p->wait_until[yi] = m > 12 ? y * 10000 + 1231 : y * 10000 + m * 100 + 1;
      }
      if (in && !p->emp) p->ci_raise[yi] = cont + 1 > 4 ? (int64_t)(cont + 1 - 4) * 100000 : 0;
    }
    if (in) cont++, broken = 0;
    else if (born && alive) cont = 0, broken++;
  }
  if (p->emp) p->acct = p->acct0 = gen_rng_range(r, 500, 3000) * 100;
}

static int cert_of(run_ctx *x, const gen_person *p, char *out) {
  int d = gen_date_diff(19000101, p->brdy);
  if (d < 0) d = 0;
  int slot = (d % 50000) * 2 + (p->gend == 1);
  int seq = x->cert_seq[slot]++;
  if (seq >= 500) return -1;
  int num = seq * 2 + (p->gend == 1); /* the 17th digit is odd for men */
  /* a synthetic number: region, birth day, sequence, and a check character that is never the
   * valid one (so it can be no real person's ID) */
  static const char ok[] = "10X98765432";
  static const int wt[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  snprintf(out, 20, "%s%08d%03d", x->g->region, p->brdy, num);
  int sum = 0;
  for (int i = 0; i < 17; i++) sum += (out[i] - '0') * wt[i];
  char valid = ok[sum % 11];
  out[17] = valid == '0' ? '1' : '0';
  out[18] = 0;
  return 0;
}

static int write_person(store_conn *w, run_ctx *x, gen_rng *r, gen_person *p, yb_err *e) {
  gen_region *g = x->g;
  store_person s;
  memset(&s, 0, sizeof s);
  snprintf(s.psn_no, sizeof s.psn_no, "%s", p->psn_no);
  snprintf(s.psn_cert_type, sizeof s.psn_cert_type, "01");
  if (cert_of(x, p, s.certno)) snprintf(s.certno, sizeof s.certno, "G%s", p->psn_no);
  snprintf(s.psn_name, sizeof s.psn_name, "%s%s%s", surnames[gen_rng_range(r, 0, NA(surnames) - 1)],
           given[gen_rng_range(r, 0, NA(given) - 1)], gen_rng_range(r, 0, 1) ? given[gen_rng_range(r, 0, NA(given) - 1)] : "");
  snprintf(s.gend, sizeof s.gend, "%u", (unsigned)p->gend);
  snprintf(s.naty, sizeof s.naty, "01");
  snprintf(s.brdy, sizeof s.brdy, "%04d-%02d-%02d", p->brdy / 10000, p->brdy / 100 % 100, p->brdy % 100);
  snprintf(s.card_no, sizeof s.card_no, "C%s", p->psn_no + 6);
  snprintf(s.insuplc_admdvs, sizeof s.insuplc_admdvs, "%s", g->region);
  if (p->emp) snprintf(s.emp_name, sizeof s.emp_name, "%s", p->emp == 1 ? "示例县某单位" : "示例县某单位（退休）");
  snprintf(s.cvlserv_flag, sizeof s.cvlserv_flag, "%u", (unsigned)p->cvlserv);
  if (p->family_no) snprintf(s.family_psn_no, sizeof s.family_psn_no, "%s", p->family_no);
  if (p->death) snprintf(s.death_date, sizeof s.death_date, "%04d-%02d-%02d", p->death / 10000, p->death / 100 % 100, p->death % 100);
  s.acct_balc = p->acct0;
  int rc = store_person_put(w, &s, e);
  for (int y = g->first_year - GEN_HIST_YEARS; y < g->first_year + g->years && !rc; y++) {
    int yi = y - g->first_year;
    if (yi >= 0 ? !p->enrolled[yi] : (y < p->brdy / 10000)) continue;
    store_enroll en;
    memset(&en, 0, sizeof en);
    snprintf(en.psn_no, sizeof en.psn_no, "%s", p->psn_no);
    en.year = y;
    int age = gen_age(p->brdy, y * 10000 + 101);
    snprintf(en.insutype, sizeof en.insutype, "%s", p->emp ? "310" : "390");
    snprintf(en.psn_type, sizeof en.psn_type, "%s",
             p->emp ? (p->emp == 2 && age >= 60 ? "12" : "11") : age < 1 ? "1401" : age < 7 ? "1402" : age < 19 ? "1403" : age < 60 ? "1701" : "16");
    snprintf(en.psn_insu_stas, sizeof en.psn_insu_stas, "1");
    snprintf(en.psn_insu_date, sizeof en.psn_insu_date, "%04d-%s", y, yi >= 0 && p->wait_until[yi] ? "03-01" : "01-01");
    if (yi >= 0 && p->wait_until[yi]) {
      int32_t wu = p->wait_until[yi];
      snprintf(en.wait_until, sizeof en.wait_until, "%04d-%02d-%02d", wu / 10000, wu / 100 % 100, wu % 100);
      snprintf(en.wait_reason, sizeof en.wait_reason, "断保后续保，等待期");
    }
    if (yi >= 0) en.ci_cap_raise = p->ci_raise[yi];
    rc = store_enroll_put(w, &en, e);
    x->st->enrollments++;
  }
  if (!rc && p->idet) {
    static const char *const code[] = {"", "2304", "2303", "6002"};
    store_idet id;
    memset(&id, 0, sizeof id);
    snprintf(id.psn_no, sizeof id.psn_no, "%s", p->psn_no);
    snprintf(id.psn_idet_type, sizeof id.psn_idet_type, "%s", code[p->idet]);
    snprintf(id.begntime, sizeof id.begntime, "%04d-01-01 00:00:00", g->first_year - GEN_HIST_YEARS);
    snprintf(id.memo, sizeof id.memo, "gen");
    rc = store_idet_put(w, &id, e);
  }
  const struct { int on; const char *code, *name, *kind; } dise[] = {
      {p->htn, "I10", "高血压", "two_diseases"}, {p->dm, "E11", "糖尿病", "two_diseases"},
      {p->chronic, p->chronic_code, p->dialysis ? "慢性肾脏病（透析）" : "门诊慢特病", "chronic"}};
  for (int i = 0; i < 3 && !rc; i++) {
    if (!dise[i].on) continue;
    store_dise d;
    memset(&d, 0, sizeof d);
    snprintf(d.psn_no, sizeof d.psn_no, "%s", p->psn_no);
    snprintf(d.dise_codg, sizeof d.dise_codg, "%s", dise[i].code);
    snprintf(d.dise_name, sizeof d.dise_name, "%s", dise[i].name);
    snprintf(d.kind, sizeof d.kind, "%s", dise[i].kind);
    snprintf(d.begndate, sizeof d.begndate, "%04d-01-01", g->first_year - 1);
    rc = store_dise_put(w, &d, e);
  }
  if (!rc && p->filed >= 0) {
    store_filing f;
    memset(&f, 0, sizeof f);
    snprintf(f.psn_no, sizeof f.psn_no, "%s", p->psn_no);
    snprintf(f.filing_type, sizeof f.filing_type, "filed");
    snprintf(f.admvs, sizeof f.admvs, "%s", g->inst[p->filed].admdvs);
    snprintf(f.begndate, sizeof f.begndate, "%04d-01-01", g->first_year);
    rc = store_filing_put(w, &f, e);
  }
  x->st->persons++;
  x->st->deaths += p->death != 0;
  return rc;
}

/* One household: members drawn, employees first (a relative may share an employee's account). */
static int household(store_conn *w, run_ctx *x, yb_err *e) {
  gen_region *g = x->g;
  gen_rng r;
  int64_t hid = x->next_household++;
  gen_rng_seed(&r, g->seed, (uint64_t)hid * 2u + 1u);
  int n = 1 + gen_rng_pick(&r, hh_w, 6);
  if (x->next_person + n > x->cfg->persons) n = (int)(x->cfg->persons - x->next_person);
  int town = (int)gen_rng_range(&r, 0, g->n_towns - 1);
  gen_person m[6];
  for (int i = 0; i < n; i++) draw_person(x, &r, &m[i], town);
  for (int i = 1; i < n; i++) /* employees in service first, keeping each person's number */
    if (m[i].emp == 1 && m[0].emp != 1) {
      gen_person t = m[0], u = m[i];
      m[0] = u, m[i] = t;
      m[0].idx = t.idx, memcpy(m[0].psn_no, t.psn_no, sizeof t.psn_no);
      m[i].idx = u.idx, memcpy(m[i].psn_no, u.psn_no, sizeof u.psn_no);
    }
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    gen_person *p = &m[i];
    if (i > 0 && m[0].emp == 1 && gen_rng_range(&r, 0, 1)) p->family_no = m[0].psn_no, p->family_acct = &m[0].acct;
    if ((rc = write_person(w, x, &r, p, e))) break;
    char hh_no[32];
    snprintf(hh_no, sizeof hh_no, "%.6sHH%010lld", g->region, (long long)hid);
    if ((rc = store_enr_household_put(w, hh_no, p->psn_no, i == 0 ? "head" : "member", e))) break;
    for (int yi = 0; yi < g->years && !rc; yi++) {
      if (!p->enrolled[yi]) continue;
      if (p->emp) p->acct += p->emp == 1 ? 120000 : 100000; /* the year's account allocation */
      rc = gen_person_year(w, g, p, yi, x->st, e);
    }
    if (!rc) rc = gen_person_done(w, g, p, x->st, e);
    if (!rc && p->acct != p->acct0) rc = store_acct_add(w, p->psn_no, p->acct - p->acct0, e);
  }
  x->st->households++;
  return rc;
}

typedef struct chunk_arg {
  run_ctx *x;
  int64_t upto;
} chunk_arg;

static int chunk_tx(store_conn *w, void *arg, yb_err *e) {
  chunk_arg *a = arg;
  gen_region *g = a->x->g;
  int rc = store_gen_bulk(w, e);
  gen_console_begin(g, 1);
  while (!rc && a->x->next_person < a->upto) rc = household(w, a->x, e);
  if (!rc && g->con_on) rc = gen_console_flush(w, g, e);
  g->con_on = 0;
  yb_err e2 = {0};
  int rc2 = store_gen_bulk_end(w, rc != 0, &e2);
  return rc ? rc : rc2 ? (*e = e2, rc2) : 0;
}

/* ---- policies and catalog --------------------------------------------------------------------- */
typedef struct pol_scan {
  const char *region;
  int year;        /* wanted */
  int best_year;   /* nearest found */
  char *body;      /* its text (malloc'd) */
} pol_scan;

static int scan_pol(const char *region, int year, const char *version, const char *body, void *arg) {
  pol_scan *s = arg;
  (void)version;
  if (strcmp(region, s->region)) return 0;
  int d = abs(year - s->year), bd = s->body ? abs(s->best_year - s->year) : 1 << 30;
  if (d <= bd) { /* later loaded wins on a tie, like the server */
    free(s->body);
    s->body = strdup(body);
    s->best_year = year;
  }
  return 0;
}

typedef struct setup_arg {
  gen_region *g;
  const gen_config *cfg;
  gen_stats *st;
  policy **owned;
} setup_arg;

/* Newest policy year of the region. */
static int newest_year(const char *region, int year, const char *version, const char *body, void *arg) {
  (void)version, (void)body;
  int *y = ((void **)arg)[1];
  if (!strcmp(region, ((void **)arg)[0]) && year > *y) *y = year;
  return 0;
}

static int setup_tx(store_conn *w, void *arg, yb_err *e) {
  setup_arg *a = arg;
  gen_region *g = a->g;
  int64_t runs = 0;
  int rc = store_gen_runs(w, &runs, e);
  if (!rc && runs) return yb_fail(e, YB_ECONFLICT, "--db", "already holds a generated region: use a new database");
  if (rc || (rc = store_meta_get(w, "region", g->region, sizeof g->region, e)))
    return rc == YB_ENOT_FOUND ? yb_fail(e, rc, "--db", "not initialized: run yibao init first") : rc;
  if (!g->first_year) {
    int newest = 0;
    void *na[2] = {g->region, &newest};
    if ((rc = store_policy_each(w, newest_year, na, e))) return rc;
    if (!newest) return yb_fail(e, YB_EPOLICY, "--db", "no policy for region %s", g->region);
    g->first_year = newest - g->years + 1;
  }
  for (int yi = 0; yi < g->years && !rc; yi++) {
    pol_scan s = {g->region, g->first_year + yi, 0, NULL};
    if ((rc = store_policy_each(w, scan_pol, &s, e))) break;
    if (!s.body) return yb_fail(e, YB_EPOLICY, "--db", "no policy for region %s", g->region);
    char *text = s.body;
    if (s.best_year != s.year) { /* carry the nearest year's rules into this year, marked as such */
      json_t *j = json_loads(s.body, 0, NULL);
      char ver[64];
      snprintf(ver, sizeof ver, "%s.gen%d", json_string_value(json_object_get(j, "version")), s.year);
      json_object_set_new(j, "year", json_integer(s.year));
      json_object_set_new(j, "version", json_string(ver));
      text = jsonx_dumps(j, JSON_INDENT(1));
      json_decref(j);
      free(s.body);
      if (!text) return yb_fail(e, YB_ENOMEM, "", "out of memory");
      rc = store_policy_put(w, g->region, s.year, ver, text, e);
    }
    if (!rc) rc = policy_load_text(text, strlen(text), &a->owned[yi], e);
    free(text);
    if (!rc) g->pol[yi] = a->owned[yi];
  }
  if (rc) return rc;
  char *body = NULL;
  catalog *base = NULL;
  rc = store_catalog_latest(w, &body, e);
  if (rc == YB_ENOT_FOUND) rc = 0, yb_err_clear(e);
  if (!rc && body) rc = catalog_load_text(body, strlen(body), &base, e);
  free(body);
  if (!rc) rc = gen_catalog_build(base, 5000, g->seed, &g->cat, e);
  catalog_free(base);
  if (rc) return rc;
  char *cj = gen_catalog_json(&g->cat);
  catalog *check = NULL;
  if (cj && (rc = catalog_load_text(cj, strlen(cj), &check, e))) { /* the server must load what is stored */
    free(cj);
    return rc;
  }
  catalog_free(check);
  char ver[64];
  snprintf(ver, sizeof ver, "catalog-gen-%llu.json", (unsigned long long)g->seed);
  rc = cj ? store_catalog_put(w, ver, cj, e) : yb_fail(e, YB_ENOMEM, "", "out of memory");
  free(cj);
  a->st->items = g->cat.n;
  gen_rng r;
  gen_rng_seed(&r, g->seed, 3);
  if (!rc && layout(g, a->cfg->institutions, &r)) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (!rc) rc = write_insts(w, g, &r, a->st, e);
  return rc;
}

static void region_free(gen_region *g, policy **owned) {
  for (int i = 0; i < GEN_MAX_YEARS; i++) policy_free(owned[i]);
  gen_catalog_free(&g->cat);
  gen_hist_close(g);
  free(g->inst), free(g->town_centre), free(g->town_pharm), free(g->town_vill), free(g->town_vill_n);
  free(g->vill), free(g->county), free(g->city), free(g->outside);
  gen_console_close(g);
}

static int finish_tx(store_conn *w, void *arg, yb_err *e) {
  void **a = arg;
  const gen_config *c = a[0];
  const gen_stats *s = a[1];
  char params[256], stats[1200];
  snprintf(params, sizeof params, "{\"persons\":%lld,\"institutions\":%d,\"years\":%d,\"first_year\":%d,\"seed\":%llu}",
           (long long)c->persons, c->institutions, c->years, *(int *)a[2], (unsigned long long)c->seed);
  int n = snprintf(stats, sizeof stats,
                   "{\"persons\":%lld,\"visits\":%lld,\"settlements\":%lld,\"fee_lines\":%lld,\"labels\":%lld",
                   (long long)s->persons, (long long)s->visits, (long long)s->settlements, (long long)s->fee_lines,
                   (long long)s->labels);
  for (int k = 0; k < GEN_FRAUD_COUNT; k++)
    n += snprintf(stats + n, sizeof stats - (size_t)n, ",\"%s\":%lld", gen_fraud_name(k), (long long)s->by_kind[k]);
  snprintf(stats + n, sizeof stats - (size_t)n, "}");
  int rc = store_gen_run_put(w, (int64_t)c->seed, params, stats, e);
  if (!rc) rc = store_log(w, "", "gen", "gen", "", "", params, e);
  return rc;
}

static int journal_tx(store_conn *w, void *arg, yb_err *e) { return store_gen_journal(w, *(int *)arg, e); }

int gen_run(store *st, const gen_config *cfg, gen_stats *out, yb_err *e) {
  memset(out, 0, sizeof *out);
  if (cfg->persons < 1 || cfg->persons > 100000000)
    return yb_fail(e, YB_ERANGE, "--persons", "must lie in 1..100000000");
  if (cfg->institutions < 10 || cfg->institutions > 80000)
    return yb_fail(e, YB_ERANGE, "--institutions", "must lie in 10..80000");
  if (cfg->years < 1 || cfg->years > GEN_MAX_YEARS)
    return yb_fail(e, YB_ERANGE, "--years", "must lie in 1..%d", GEN_MAX_YEARS);
  gen_region g;
  memset(&g, 0, sizeof g);
  policy *owned[GEN_MAX_YEARS] = {0};
  g.years = cfg->years, g.first_year = cfg->first_year, g.seed = cfg->seed;
  memcpy(g.rate, cfg->rate_ppm, sizeof g.rate);
  setup_arg sa = {&g, cfg, out, owned};
  int rc = gen_hist_open(&g) ? yb_fail(e, YB_ENOMEM, "", "out of memory") : 0;
  if (!rc) rc = store_write(st, setup_tx, &sa, e);
  run_ctx x = {&g, cfg, out, 0, 0, calloc(100000, sizeof(uint16_t))};
  if (!rc && !x.cert_seq) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (!rc && gen_console_open(&g)) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  int per_tx = cfg->persons_per_tx > 0 ? cfg->persons_per_tx : 10000, bulk = 1, wal = 0;
  if (!rc) rc = store_write(st, journal_tx, &bulk, e);
  while (!rc && x.next_person < cfg->persons) {
    chunk_arg ca = {&x, x.next_person + per_tx < cfg->persons ? x.next_person + per_tx : cfg->persons};
    rc = store_write(st, chunk_tx, &ca, e);
    if (!rc && cfg->progress) cfg->progress(cfg->progress_arg, x.next_person, cfg->persons, out->fee_lines);
  }
  if (!rc) {
    void *fa[3] = {(void *)cfg, out, &g.first_year};
    rc = store_write(st, finish_tx, fa, e);
  }
  yb_err e2 = {0}; /* back to WAL, also after a failure (the failed chunk was rolled back) */
  int rc2 = store_write(st, journal_tx, &wal, &e2);
  if (!rc && rc2) rc = rc2, *e = e2;
  free(x.cert_seq);
  region_free(&g, owned);
  return rc;
}
