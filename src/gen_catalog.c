/* gen_catalog.c — the generator's random numbers, calendar helpers and synthetic catalog:
 * drugs with ingredient codes and days-of-supply limits, decoction pieces, services with
 * level-dependent price limits, materials; 甲/乙/丙 shares and restrictions as in
 * docs/generator.md. The store's existing items are kept first, unchanged. */
/* every snprintf below writes into a buffer sized for its field; a cut is the intended result */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "jsonx.h"
#include "money.h"

/* ---- random numbers ---------------------------------------------------------------------- */
static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void gen_rng_seed(gen_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
  r->s = splitmix(&x);
  if (!r->s) r->s = 1;
}

uint64_t gen_rng_next(gen_rng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * UINT64_C(2685821657736338717);
}

int64_t gen_rng_range(gen_rng *r, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  return lo + (int64_t)((gen_rng_next(r) >> 11) % (uint64_t)(hi - lo + 1));
}

int gen_rng_ppm(gen_rng *r, int32_t ppm) {
  return ppm > 0 && (int32_t)((gen_rng_next(r) >> 11) % 1000000u) < ppm;
}

int gen_rng_pick(gen_rng *r, const int *w, int n) {
  int64_t sum = 0;
  for (int i = 0; i < n; i++) sum += w[i];
  int64_t x = gen_rng_range(r, 0, sum - 1);
  for (int i = 0; i < n; i++)
    if ((x -= w[i]) < 0) return i;
  return n - 1;
}

/* ---- calendar ------------------------------------------------------------------------------ */
static int64_t days_from_civil(int y, int m, int d) { /* Howard Hinnant's algorithm */
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int32_t civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  return (int32_t)((y + (m <= 2)) * 10000 + m * 100 + d);
}

static int64_t to_days(int32_t ymd) { return days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100); }
int32_t gen_date_add(int32_t ymd, int days) { return civil_from_days(to_days(ymd) + days); }
int gen_date_diff(int32_t a, int32_t b) { return (int)(to_days(b) - to_days(a)); }
int gen_date_doy(int32_t ymd) { return gen_date_diff(ymd / 10000 * 10000 + 101, ymd); }

/* ---- synthetic catalog ----------------------------------------------------------------------- */
static const char *const syll[] = {"阿", "莫", "西", "林", "头", "孢", "克", "洛", "沙", "坦", "地", "平", "普",
                                   "利", "达", "格", "列", "美", "托", "伐", "他", "汀", "奥", "拉", "唑", "氯",
                                   "硝", "苯", "福", "辛", "诺", "替", "尼", "泊", "芬", "卡", "巴", "比", "酮"};
static const char *const salt[] = {"", "", "盐酸", "硫酸", "马来酸", "注射用", "复方", "枸橼酸"};
static const char *const oral_form[] = {"片", "胶囊", "缓释片", "分散片", "颗粒", "口服液", "肠溶片"};
static const char *const tcm_name[] = {"清热", "解毒", "活血", "化瘀", "益气", "养阴", "止咳", "健脾", "通络", "安神"};
static const char *const tcm_form[] = {"丸", "颗粒", "胶囊", "片", "口服液", "注射液"};
static const char *const herb_name[] = {"当归", "川芎", "白术", "茯苓", "甘草", "陈皮", "半夏", "柴胡", "黄芩",
                                        "丹参", "麦冬", "枸杞子", "山药", "桔梗", "连翘", "金银花"};
static const char *const part[] = {"头部", "胸部", "腹部", "盆腔", "颈椎", "腰椎", "膝关节", "上肢", "下肢"};
static const char *const exam_kind[] = {"X线摄影", "CT平扫", "CT增强", "磁共振平扫", "彩色多普勒超声", "心电图", "胃镜检查"};
static const char *const lab_kind[] = {"血清", "尿液", "血浆", "全血"};
static const char *const lab_what[] = {"葡萄糖测定", "肌酐测定", "尿素测定", "钾测定", "钠测定", "总胆固醇测定",
                                       "甘油三酯测定", "C反应蛋白测定", "丙氨酸氨基转移酶测定", "肌钙蛋白测定",
                                       "凝血酶原时间测定", "尿常规", "乙肝表面抗原测定"};
static const char *const treat_kind[] = {"换药", "雾化吸入", "肌肉注射", "静脉注射", "灌肠", "牵引", "理疗", "针刺", "推拿", "吸氧"};
static const char *const surg_kind[] = {"切除术", "修补术", "置换术", "内固定术", "切开引流术", "活检术", "吻合术"};
static const char *const organ[] = {"阑尾", "胆囊", "疝", "髋关节", "股骨", "甲状腺", "乳腺", "子宫", "前列腺", "胃", "结肠", "皮肤"};
static const char *const mat_kind[] = {"一次性使用无菌注射器", "一次性输液器", "医用导管", "缝合线", "骨科内固定板",
                                       "止血材料", "引流袋", "留置针", "医用敷料", "吻合器"};

#define NA(a) ((int)(sizeof a / sizeof a[0]))

static int grow(gen_catalog *g) {
  if (g->n < g->cap) return 0;
  int cap = g->cap ? g->cap * 2 : 8192;
  catalog_item *it = realloc(g->items, (size_t)cap * sizeof *it);
  if (!it) return -1;
  g->items = it;
  int64_t *p = realloc(g->price, (size_t)cap * sizeof *p);
  if (!p) return -1;
  g->price = p;
  g->cap = cap;
  return 0;
}

static int pool_add(gen_catalog *g, int pool, int idx) {
  int *p = realloc(g->pool[pool], (size_t)(g->n_pool[pool] + 1) * sizeof *p);
  if (!p) return -1;
  p[g->n_pool[pool]++] = idx;
  g->pool[pool] = p;
  return 0;
}

/* Log-uniform price between lo and hi yuan (as micro-yuan, rounded to 0.01 yuan). */
static int64_t price_between(gen_rng *r, int64_t lo_fen, int64_t hi_fen) {
  int64_t span = hi_fen / (lo_fen ? lo_fen : 1);
  int steps = 0;
  while (span > 1) span /= 2, steps++;
  int64_t p = lo_fen << gen_rng_range(r, 0, steps > 0 ? steps - 1 : 0);
  p += gen_rng_range(r, 0, p);
  if (p > hi_fen) p = hi_fen;
  return p * 10000; /* fen → micro-yuan */
}

/* lv shares: drugs 30 % 甲, 62 % 乙, 8 % 丙; services 80 % 甲, 15 % 乙, 5 % 丙. */
static uint8_t draw_lv(gen_rng *r, int drug) {
  int64_t x = gen_rng_range(r, 0, 99);
  if (drug) return x < 30 ? CATALOG_LV_A : x < 92 ? CATALOG_LV_B : CATALOG_LV_C;
  return x < 80 ? CATALOG_LV_A : x < 95 ? CATALOG_LV_B : CATALOG_LV_C;
}

static catalog_item *new_item(gen_catalog *g, gen_rng *r, int drug, const char *code, uint8_t type,
                              uint16_t list) {
  if (grow(g)) return NULL;
  catalog_item *it = &g->items[g->n];
  memset(it, 0, sizeof *it);
  snprintf(it->code, sizeof it->code, "%s", code);
  it->lv = draw_lv(r, drug);
  it->chrgitm_type = type;
  it->list_type = list;
  if (it->lv == CATALOG_LV_B) it->selfpay_bp = (int32_t)(gen_rng_range(r, 1, 4) * 500); /* 5–20 % */
  it->age_min = it->age_max = -1;
  g->price[g->n] = 0;
  return it;
}

/* Services and materials: a limit at every level (level 0 = [0]), dearer at higher levels;
 * the list price charged is the level-0 limit (each level's charge is its own limit). */
static void set_limits(catalog_item *it, int64_t base) {
  it->price_limit[0] = base;
  it->price_limit[1] = base;
  it->price_limit[2] = base * 11 / 10;
  it->price_limit[3] = base * 125 / 100;
}

static int add_drugs(gen_catalog *g, gen_rng *r, int n) {
  for (int i = 0; i < n; i++) {
    char code[32], name[96];
    int tcm = i % 3 == 2;
    snprintf(code, sizeof code, "XG%05dA", i + 1);
    catalog_item *it = new_item(g, r, 1, code, tcm ? 11 : 9, 101);
    if (!it) return -1;
    int kind = (int)gen_rng_range(r, 0, 9); /* 0–4 acute oral, 5–7 chronic oral, 8–9 injection */
    if (tcm)
      snprintf(name, sizeof name, "%s%s%s", tcm_name[gen_rng_range(r, 0, NA(tcm_name) - 1)],
               tcm_name[gen_rng_range(r, 0, NA(tcm_name) - 1)], tcm_form[kind >= 8 ? 5 : gen_rng_range(r, 0, 4)]);
    else
      snprintf(name, sizeof name, "%s%s%s%s%s %dmg", kind >= 8 ? "注射用" : salt[gen_rng_range(r, 0, NA(salt) - 1)],
               syll[gen_rng_range(r, 0, NA(syll) - 1)], syll[gen_rng_range(r, 0, NA(syll) - 1)],
               syll[gen_rng_range(r, 0, NA(syll) - 1)], kind >= 8 ? "" : oral_form[gen_rng_range(r, 0, NA(oral_form) - 1)],
               (int)gen_rng_range(r, 1, 50) * 5);
    snprintf(it->name, sizeof it->name, "%s", name);
    snprintf(it->ingredient, sizeof it->ingredient, "G%04d", (int)(i / 2 + 1)); /* pairs share one */
    it->bas_medn_flag = it->lv == CATALOG_LV_A && gen_rng_range(r, 0, 1);
    int64_t p = kind >= 8 ? price_between(r, 200, 30000) : price_between(r, 50, 8000);
    g->price[g->n] = p;
    int pool = kind >= 8 ? GEN_POOL_DRUG_INJ : kind >= 5 ? GEN_POOL_DRUG_CHRONIC : GEN_POOL_DRUG_ACUTE;
    if (kind < 8) it->max_days = kind >= 5 ? 30 : (int32_t)gen_rng_range(r, 1, 2) * 7;
    if (kind >= 8) it->scope = gen_rng_range(r, 0, 3) == 0 ? CATALOG_SCOPE_INPATIENT : CATALOG_SCOPE_ANY;
    /* ~1 % gender-limited, ~2 % age-limited (never both), in their own pools only */
    int64_t x = gen_rng_range(r, 0, 999);
    if (x < 10) {
      it->gend = (uint8_t)(x < 5 ? 1 : 2);
      snprintf(it->name + strlen(it->name), sizeof it->name - strlen(it->name), "（限%s）", it->gend == 1 ? "男性" : "女性");
      pool = GEN_POOL_GENDER;
    } else if (x < 30) {
      if (x < 22) it->age_max = 14, it->chld_medc_flag = 1;
      else it->age_min = 18;
      snprintf(it->name + strlen(it->name), sizeof it->name - strlen(it->name), "（限%s）", x < 22 ? "14岁以下" : "成人");
      pool = GEN_POOL_AGE;
    } else if (x < 45 && it->lv == CATALOG_LV_B) {
      it->hi_nego_drug_flag = 1;
    }
    if (pool_add(g, pool, g->n)) return -1;
    g->n++;
  }
  return 0;
}

static int add_herbs(gen_catalog *g, gen_rng *r, int n) {
  for (int i = 0; i < n; i++) {
    char code[32];
    snprintf(code, sizeof code, "TG%06d", i + 1);
    catalog_item *it = new_item(g, r, 1, code, 10, 102);
    if (!it) return -1;
    snprintf(it->name, sizeof it->name, "%s（饮片%d）", herb_name[i % NA(herb_name)], i / NA(herb_name) + 1);
    g->price[g->n] = price_between(r, 2, 200); /* per gram */
    if (pool_add(g, GEN_POOL_HERB, g->n)) return -1;
    g->n++;
  }
  return 0;
}

typedef struct svc_kind {
  uint8_t type;
  int pool, count;
  int64_t lo, hi; /* fen */
} svc_kind;

static int add_services(gen_catalog *g, gen_rng *r, int scale) {
  static const svc_kind kinds[] = {
      {3, GEN_POOL_EXAM, 300, 1000, 60000},  {4, GEN_POOL_LAB, 500, 300, 8000},
      {5, GEN_POOL_TREAT, 400, 500, 20000},  {6, GEN_POOL_SURGERY, 300, 30000, 800000},
  };
  int k = 0;
  for (size_t t = 0; t < sizeof kinds / sizeof kinds[0]; t++)
    for (int i = 0; i < kinds[t].count * scale / 100; i++, k++) {
      char code[32];
      snprintf(code, sizeof code, "99G%02u%05d", kinds[t].type, i + 1);
      catalog_item *it = new_item(g, r, 0, code, kinds[t].type, 201);
      if (!it) return -1;
      switch (kinds[t].type) {
      case 3: snprintf(it->name, sizeof it->name, "%s（%s）", exam_kind[i % NA(exam_kind)], part[i / NA(exam_kind) % NA(part)]); break;
      case 4: snprintf(it->name, sizeof it->name, "%s%s-%d", lab_kind[i % NA(lab_kind)], lab_what[i / NA(lab_kind) % NA(lab_what)], i / 52 + 1); break;
      case 5: snprintf(it->name, sizeof it->name, "%s-%d", treat_kind[i % NA(treat_kind)], i / NA(treat_kind) + 1); break;
      default:
        snprintf(it->name, sizeof it->name, "%s%s-%d", organ[i % NA(organ)], surg_kind[i / NA(organ) % NA(surg_kind)], i / 84 + 1);
        it->scope = CATALOG_SCOPE_INPATIENT;
        it->hosp_lv_min = (uint8_t)(gen_rng_range(r, 0, 3) == 0 ? 3 : 2);
      }
      int64_t base = price_between(r, kinds[t].lo, kinds[t].hi);
      set_limits(it, base);
      g->price[g->n] = base;
      if (pool_add(g, kinds[t].pool, g->n)) return -1;
      g->n++;
    }
  return 0;
}

static int add_materials(gen_catalog *g, gen_rng *r, int n) {
  for (int i = 0; i < n; i++) {
    char code[32];
    snprintf(code, sizeof code, "C99G%08d", i + 1);
    catalog_item *it = new_item(g, r, 0, code, 8, 301);
    if (!it) return -1;
    snprintf(it->name, sizeof it->name, "%s（规格%d）", mat_kind[i % NA(mat_kind)], i / NA(mat_kind) + 1);
    int64_t base = i % NA(mat_kind) < 3 ? price_between(r, 50, 2000) : price_between(r, 500, 300000);
    it->price_limit[0] = base;
    g->price[g->n] = base;
    if (i % NA(mat_kind) >= 4) it->scope = CATALOG_SCOPE_INPATIENT;
    if (pool_add(g, GEN_POOL_MATERIAL, g->n)) return -1;
    g->n++;
  }
  return 0;
}

/* One fixed item by role. */
static int fixed(gen_catalog *g, gen_rng *r, const char *code, const char *name, uint8_t type, uint16_t list,
                 int64_t fen, uint8_t scope, int *slot) {
  catalog_item *it = new_item(g, r, 0, code, type, list);
  if (!it) return -1;
  snprintf(it->name, sizeof it->name, "%s", name);
  it->lv = CATALOG_LV_A;
  it->selfpay_bp = 0;
  it->scope = scope;
  if (type == 9) {
    g->price[g->n] = fen * 10000;
  } else {
    set_limits(it, fen * 10000);
    g->price[g->n] = fen * 10000;
  }
  *slot = g->n++;
  return 0;
}

int gen_catalog_build(const catalog *base, int min_items, uint64_t seed, gen_catalog *g, yb_err *e) {
  memset(g, 0, sizeof *g);
  gen_rng r;
  gen_rng_seed(&r, seed, 77);
  size_t nb = base ? catalog_count(base) : 0;
  for (size_t i = 0; i < nb; i++) {
    if (grow(g)) goto nomem;
    g->items[g->n] = *catalog_at(base, i);
    g->price[g->n] = 0; /* base items are kept for the demo flows, not drawn */
    g->n++;
  }
  int rc = fixed(g, &r, "99G1390001", "挂号费", 13, 201, 100, CATALOG_SCOPE_OUTPATIENT, &g->reg_fee) ||
           fixed(g, &r, "99G0290001", "门诊诊查费", 2, 201, 1000, CATALOG_SCOPE_OUTPATIENT, &g->dx_fee) ||
           fixed(g, &r, "99G1290001", "一般诊疗费", 12, 201, 1000, CATALOG_SCOPE_OUTPATIENT, &g->gp_fee) ||
           fixed(g, &r, "99G0290002", "住院诊查费", 2, 201, 1500, CATALOG_SCOPE_INPATIENT, &g->ipt_dx_fee) ||
           fixed(g, &r, "99G0190001", "普通病房床位费", 1, 201, 3000, CATALOG_SCOPE_INPATIENT, &g->bed) ||
           fixed(g, &r, "99G0190002", "重症监护床位费", 1, 201, 15000, CATALOG_SCOPE_INPATIENT, &g->bed_icu) ||
           fixed(g, &r, "99G0790001", "Ⅰ级护理", 7, 201, 2500, CATALOG_SCOPE_INPATIENT, &g->nurse1) ||
           fixed(g, &r, "99G0790002", "Ⅱ级护理", 7, 201, 1500, CATALOG_SCOPE_INPATIENT, &g->nurse2) ||
           fixed(g, &r, "99G0590001", "静脉输液", 5, 201, 800, CATALOG_SCOPE_ANY, &g->infusion) ||
           fixed(g, &r, "99G1490001", "住院其他费用", 14, 201, 2000, CATALOG_SCOPE_INPATIENT, &g->other_svc) ||
           fixed(g, &r, "99G0590002", "血液透析", 5, 201, 40000, CATALOG_SCOPE_ANY, &g->dialysis) ||
           fixed(g, &r, "C99G90000001", "血液透析器", 8, 301, 15000, CATALOG_SCOPE_ANY, &g->dialyzer) ||
           fixed(g, &r, "C99G90000002", "一次性使用无菌注射器 5ml", 8, 301, 50, CATALOG_SCOPE_ANY, &g->syringe) ||
           fixed(g, &r, "C99G90000003", "一次性输液器（带针）", 8, 301, 250, CATALOG_SCOPE_ANY, &g->infusion_set) ||
           fixed(g, &r, "XG90001A", "重组人促红素注射液 3000IU", 9, 101, 3500, CATALOG_SCOPE_ANY, &g->epo);
  if (rc) goto nomem;
  /* sizes: services ~30 %, materials 10 %, herbs 6 %, drugs the rest (at least 1 000 more) */
  int want = min_items - g->n;
  if (want < 1000) want = 1000;
  int svc_scale = want / 50; /* percent of the 1 500 service rows in add_services */
  int n_mat = want / 10, n_herb = want * 6 / 100;
  int n_svc = 0;
  for (int k = 0; k < 4; k++) n_svc += (k == 0 ? 300 : k == 1 ? 500 : k == 2 ? 400 : 300) * svc_scale / 100;
  int n_drug = want - n_mat - n_herb - n_svc;
  if (add_drugs(g, &r, n_drug) || add_herbs(g, &r, n_herb) || add_services(g, &r, svc_scale) ||
      add_materials(g, &r, n_mat))
    goto nomem;
  return 0;
nomem:
  gen_catalog_free(g);
  return yb_fail(e, YB_ENOMEM, "catalog", "out of memory");
}

void gen_catalog_free(gen_catalog *g) {
  free(g->items);
  free(g->price);
  for (int i = 0; i < GEN_POOL_COUNT; i++) free(g->pool[i]);
  memset(g, 0, sizeof *g);
}

static json_t *price_json(int64_t micro) {
  char b[40];
  money_format(micro, MONEY_SCALE_PRICE, 0, b);
  return json_string(b);
}

char *gen_catalog_json(const gen_catalog *g) {
  static const char *const scopes[] = {"any", "inpatient", "outpatient"};
  json_t *arr = json_array();
  char b[16];
  for (int i = 0; i < g->n; i++) {
    const catalog_item *it = &g->items[i];
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(it->code));
    json_object_set_new(o, "name", json_string(it->name));
    snprintf(b, sizeof b, "%02u", (unsigned)it->lv % 100u);
    json_object_set_new(o, "lv", json_string(b));
    snprintf(b, sizeof b, "%02u", (unsigned)it->chrgitm_type % 100u);
    json_object_set_new(o, "chrgitm_type", json_string(b));
    if (it->list_type) snprintf(b, sizeof b, "%u", (unsigned)it->list_type), json_object_set_new(o, "list_type", json_string(b));
    if (it->selfpay_bp) json_object_set_new(o, "selfpay_prop", jsonx_ratio(it->selfpay_bp));
    int lim = 0;
    for (int k = 0; k < 4; k++) lim |= it->price_limit[k] != 0;
    if (lim) {
      json_t *pl = json_object();
      for (int k = 0; k < 4; k++)
        if (it->price_limit[k]) snprintf(b, sizeof b, "%d", k), json_object_set_new(pl, b, price_json(it->price_limit[k]));
      json_object_set_new(o, "price_limit", pl);
    }
    if (it->gend) snprintf(b, sizeof b, "%u", (unsigned)it->gend % 10u), json_object_set_new(o, "gend", json_string(b));
    if (it->age_min >= 0) json_object_set_new(o, "age_min", json_integer(it->age_min));
    if (it->age_max >= 0) json_object_set_new(o, "age_max", json_integer(it->age_max));
    if (it->hosp_lv_min) json_object_set_new(o, "hosp_lv_min", json_integer(it->hosp_lv_min));
    if (it->scope) json_object_set_new(o, "scope", json_string(scopes[it->scope % 3]));
    if (it->lmt_used_flag) json_object_set_new(o, "lmt_used", json_true());
    if (it->n_ind) {
      json_t *ind = json_array();
      for (int k = 0; k < it->n_ind; k++) json_array_append_new(ind, json_string(it->indications[k]));
      json_object_set_new(o, "indications", ind);
    }
    if (it->bas_medn_flag) json_object_set_new(o, "bas_medn", json_true());
    if (it->hi_nego_drug_flag) json_object_set_new(o, "hi_nego", json_true());
    if (it->chld_medc_flag) json_object_set_new(o, "chld_medc", json_true());
    if (it->list_sp_item_flag) json_object_set_new(o, "list_sp_item", json_true());
    if (it->acct_excluded) json_object_set_new(o, "acct_excluded", json_true());
    if (it->ingredient[0]) json_object_set_new(o, "ingredient", json_string(it->ingredient));
    if (it->max_days) json_object_set_new(o, "max_days", json_integer(it->max_days));
    json_array_append_new(arr, o);
  }
  json_t *root = json_pack("{s:s,s:s,s:o}", "format", "yibao-catalog/1", "_note",
                           "yibao gen: the store's catalog plus synthetic items (docs/generator.md)", "items", arr);
  char *t = jsonx_dumps(root, JSON_COMPACT);
  json_decref(root);
  return t;
}
