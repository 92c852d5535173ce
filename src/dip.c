/* dip.c — the DIP catalogue, case grouping and scoring, advances and the year-end clearing.
 * Pure integer arithmetic with the fixed-point scales of dip.h; every rounding is half-up once
 * per figure, and the budget is split to the fen by the largest-remainder rule. */
#include "dip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

void dip_params_default(dip_params *p) {
  memset(p, 0, sizeof *p);
  p->weight[0] = 1, p->weight[1] = 2, p->weight[2] = 7;
  p->trim_low_bp = 250, p->trim_high_bp = 9750;
  p->core_threshold = 15;
  p->diag_len = 4;
  p->low_bp = 5000, p->high_bp = 20000;
  p->special_permille = 5;
  p->advance_bp = 9000;
  p->deposit_bp = 500;
  p->pay_ratio_bp = 10000;
  for (int i = 0; i < DIP_LEVELS; i++) p->level_factor_bp[i] = MONEY_BP_ONE;
}

/* ---- keys ------------------------------------------------------------------------------------ */

static char up(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }
static int alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_sep(char c) { return c == ',' || c == ';' || c == '|' || c == '+' || c == ' ' || c == '\t'; }

/* ICD-9-CM-3 chapters by the code's first two digits: 00–86 operations (S, 相关手术),
 * 87–91 diagnostic procedures (D, 诊断性操作), 92–99 therapeutic procedures (T, 治疗性操作). */
static int proc_rank(const char *code, char *attr) {
  if (code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9') {
    int n = (code[0] - '0') * 10 + (code[1] - '0');
    if (n <= 86) return *attr = 'S', 3;
    if (n <= 91) return *attr = 'D', 1;
  }
  return *attr = 'T', 2;
}

int dip_case_keys(const dip_case *c, int diag_len, dip_keys *out, yb_err *e) {
  char d[DIP_DIAG_LEN];
  int n = 0;
  for (const char *s = c->diag; *s && n < diag_len && n < DIP_DIAG_LEN - 1; s++) {
    if (*s == '.' || *s == ' ') continue;
    if (!alnum(*s)) return yb_fail(e, YB_EINVAL, "diag", "'%s' is not an ICD-10 code", c->diag);
    d[n++] = up(*s);
  }
  d[n] = 0;
  if (n < 3 || d[0] < 'A' || d[0] > 'Z')
    return yb_fail(e, YB_EINVAL, "diag", "'%s' is not an ICD-10 code (letter and at least 2 more)", c->diag);
  char pc[DIP_MAX_PROCS][16];
  int np = 0;
  const char *s = c->procs;
  while (*s) {
    while (*s && is_sep(*s)) s++;
    if (!*s) break;
    char code[16];
    int k = 0;
    for (; *s && !is_sep(*s); s++) {
      if (*s == '.') continue;
      if (!alnum(*s) || k >= 15)
        return yb_fail(e, YB_EINVAL, "procs", "'%s' is not a list of ICD-9-CM-3 codes", c->procs);
      code[k++] = up(*s);
    }
    code[k] = 0;
    if (!k) continue;
    int dup = 0;
    for (int i = 0; i < np; i++) dup |= !strcmp(pc[i], code);
    if (dup) continue;
    if (np == DIP_MAX_PROCS)
      return yb_fail(e, YB_ERANGE, "procs", "more than %d procedure codes", DIP_MAX_PROCS);
    memcpy(pc[np++], code, (size_t)k + 1);
  }
  for (int i = 1; i < np; i++) /* insertion sort: at most DIP_MAX_PROCS codes */
    for (int j = i; j > 0 && strcmp(pc[j - 1], pc[j]) > 0; j--) {
      char t[16];
      memcpy(t, pc[j], sizeof t), memcpy(pc[j], pc[j - 1], sizeof t), memcpy(pc[j - 1], t, sizeof t);
    }
  /* keys built by hand: this is the scoring hot path (snprintf costs more than the rest) */
  char attr = 'C';
  int rank = 0;
  size_t at = (size_t)n;
  memcpy(out->core, d, (size_t)n);
  out->core[at++] = '|';
  for (int i = 0; i < np; i++) {
    char a;
    int r = proc_rank(pc[i], &a);
    if (r > rank) rank = r, attr = a;
    size_t l = strlen(pc[i]);
    if (at + l + 2 > sizeof out->core) return yb_fail(e, YB_ERANGE, "procs", "procedure list too long");
    if (i) out->core[at++] = '+';
    memcpy(out->core + at, pc[i], l);
    at += l;
  }
  out->core[at] = 0;
  out->attr = attr;
  memcpy(out->category, d, 3);
  out->category[3] = '*', out->category[4] = attr, out->category[5] = 0;
  out->chapter[0] = d[0], out->chapter[1] = '*', out->chapter[2] = '*', out->chapter[3] = attr, out->chapter[4] = 0;
  return 0;
}

/* "what[i].field" in e's field. */
static void field_prefix(yb_err *e, const char *what, int64_t i) {
  if (!e) return;
  char f[64];
  snprintf(f, sizeof f, "%.40s", e->field);
  snprintf(e->field, sizeof e->field, "%s[%lld].%s", what, (long long)i, f);
}

/* ---- a string → id hash map (open addressing, FNV-1a) ---------------------------------------- */

typedef struct smap {
  char (*key)[DIP_KEY_LEN];
  int64_t *count;
  uint32_t *slot; /* id + 1, 0 empty */
  uint32_t cap, n, kcap;
  int failed;     /* out of memory once: every later get answers id 0 */
} smap;

static uint64_t fnv(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211u;
  return h;
}

/* Room for kcap keys; slots at least twice that. */
static int smap_grow(smap *m, uint32_t kcap) {
  char (*key)[DIP_KEY_LEN] = realloc(m->key, (size_t)kcap * sizeof *m->key);
  if (key) m->key = key;
  int64_t *count = key ? realloc(m->count, (size_t)kcap * sizeof *m->count) : NULL;
  if (count) m->count = count;
  uint32_t cap = 16;
  while (cap < kcap * 2u) cap <<= 1;
  uint32_t *slot = count ? calloc(cap, sizeof *slot) : NULL;
  if (!slot) return m->failed = 1, -1;
  memset(m->count + m->kcap, 0, (size_t)(kcap - m->kcap) * sizeof *m->count);
  for (uint32_t id = 0; id < m->n; id++) {
    uint32_t i = (uint32_t)fnv(m->key[id]) & (cap - 1);
    while (slot[i]) i = (i + 1) & (cap - 1);
    slot[i] = id + 1;
  }
  free(m->slot);
  m->slot = slot, m->cap = cap, m->kcap = kcap;
  return 0;
}

static int smap_init(smap *m, uint32_t hint) {
  memset(m, 0, sizeof *m);
  return smap_grow(m, hint < 64 ? 64 : hint > 4096 ? 4096 : hint);
}

static void smap_free(smap *m) { free(m->key), free(m->count), free(m->slot); }

/* Id of key, adding it when `add`; -1 when absent. */
static int64_t smap_get(smap *m, const char *key, int add) {
  if (m->failed) return 0;
  uint32_t i = (uint32_t)fnv(key) & (m->cap - 1);
  for (;; i = (i + 1) & (m->cap - 1)) {
    uint32_t s = m->slot[i];
    if (!s) break;
    if (!strcmp(m->key[s - 1], key)) return s - 1;
  }
  if (!add) return -1;
  if (m->n + 1 > m->kcap) {
    if (smap_grow(m, m->kcap * 2)) return 0;
    return smap_get(m, key, add);
  }
  snprintf(m->key[m->n], DIP_KEY_LEN, "%s", key);
  m->slot[i] = ++m->n;
  return m->n - 1;
}

/* ---- catalogue ------------------------------------------------------------------------------- */

const char *dip_group_kind_name(int kind) {
  static const char *const names[] = {"core", "category", "chapter", "all"};
  return kind >= 0 && kind <= DIP_GROUP_ALL ? names[kind] : "?";
}

dip_catalog *dip_catalog_new(int64_t n_groups) {
  dip_catalog *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->groups = calloc((size_t)(n_groups ? n_groups : 1), sizeof *c->groups);
  if (!c->groups) return free(c), NULL;
  c->n_groups = n_groups;
  return c;
}

void dip_catalog_free(dip_catalog *cat) {
  if (!cat) return;
  free(cat->groups), free(cat->index), free(cat);
}

static int cmp_group(const void *a, const void *b) {
  return strcmp(((const dip_group *)a)->code, ((const dip_group *)b)->code);
}

int dip_catalog_index(dip_catalog *cat, yb_err *e) {
  qsort(cat->groups, (size_t)cat->n_groups, sizeof *cat->groups, cmp_group);
  uint32_t cap = 16;
  while (cap < (uint64_t)cat->n_groups * 2u) cap <<= 1;
  free(cat->index);
  if (!(cat->index = calloc(cap, sizeof *cat->index))) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  cat->index_cap = cap;
  for (int64_t g = 0; g < cat->n_groups; g++) {
    uint32_t i = (uint32_t)fnv(cat->groups[g].code) & (cap - 1);
    while (cat->index[i]) {
      if (!strcmp(cat->groups[cat->index[i] - 1].code, cat->groups[g].code))
        return yb_fail(e, YB_ECONFLICT, "groups", "group %s twice", cat->groups[g].code);
      i = (i + 1) & (cap - 1);
    }
    cat->index[i] = (uint32_t)g + 1;
  }
  return 0;
}

const dip_group *dip_catalog_find(const dip_catalog *cat, const char *code) {
  if (!cat->index_cap) return NULL;
  uint32_t i = (uint32_t)fnv(code) & (cat->index_cap - 1);
  for (; cat->index[i]; i = (i + 1) & (cat->index_cap - 1))
    if (!strcmp(cat->groups[cat->index[i] - 1].code, code)) return &cat->groups[cat->index[i] - 1];
  return NULL;
}

typedef struct hcase {
  int64_t cost;
  uint32_t g;   /* group id in the final map */
  int8_t yi, level;
} hcase;

static int cmp_hcase(const void *a, const void *b) {
  const hcase *x = a, *y = b;
  if (x->g != y->g) return x->g < y->g ? -1 : 1;
  if (x->yi != y->yi) return x->yi < y->yi ? -1 : 1;
  return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* Weighted mean of per-year means over the years that have cases; 1/100 fen, half-up. */
static int64_t weighted(const dip_params *p, const int64_t *mean, const int64_t *used) {
  __int128 num = 0;
  int64_t den = 0;
  for (int y = 0; y < 3; y++)
    if (used[y]) num += (__int128)mean[y] * p->weight[y], den += p->weight[y];
  return den ? money_div_round(num, den) : 0;
}

/* Fold every case to its group: core when its combination has the threshold, else its
 * diagnosis category × procedure attribute, else its chapter × attribute, else "*". */
static int assign_groups(const dip_params *p, const dip_keys *k, hcase *h, int64_t n, smap *gm) {
  smap core, cat, chap;
  uint32_t max = (uint32_t)n + 1;
  int rc = -1;
  if (smap_init(&core, max) || smap_init(&cat, max) || smap_init(&chap, max)) goto out;
  int64_t *lvl = malloc((size_t)n * sizeof *lvl + 1);
  if (!lvl) goto out;
  for (int64_t i = 0; i < n; i++) core.count[smap_get(&core, k[i].core, 1)]++;
  for (int64_t i = 0; i < n; i++) {
    lvl[i] = core.count[smap_get(&core, k[i].core, 0)] >= p->core_threshold ? 0 : 1;
    if (lvl[i]) cat.count[smap_get(&cat, k[i].category, 1)]++;
  }
  for (int64_t i = 0; i < n; i++)
    if (lvl[i] == 1 && cat.count[smap_get(&cat, k[i].category, 0)] < p->core_threshold)
      lvl[i] = 2, chap.count[smap_get(&chap, k[i].chapter, 1)]++;
  for (int64_t i = 0; i < n; i++)
    if (lvl[i] == 2 && chap.count[smap_get(&chap, k[i].chapter, 0)] < p->core_threshold) lvl[i] = 3;
  smap_get(gm, "*", 1);
  for (int64_t i = 0; i < n; i++) {
    const char *key = lvl[i] == 0 ? k[i].core : lvl[i] == 1 ? k[i].category : lvl[i] == 2 ? k[i].chapter : "*";
    int64_t g = smap_get(gm, key, 1);
    gm->count[g] = lvl[i]; /* the group's kind */
    h[i].g = (uint32_t)g;
  }
  gm->count[0] = DIP_GROUP_ALL;
  free(lvl);
  rc = core.failed || cat.failed || chap.failed || gm->failed ? -1 : 0;
out:
  smap_free(&core), smap_free(&cat), smap_free(&chap);
  return rc;
}

/* Trimmed per-year sums of each group (h sorted by group, year, cost), and the overall ones. */
static void group_stats(const dip_params *p, const hcase *h, int64_t n, dip_group *gr, int64_t *all_sum,
                        int64_t *all_n) {
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j < n && h[j].g == h[i].g && h[j].yi == h[i].yi) j++;
    int64_t cnt = j - i;
    int64_t lo = cnt * p->trim_low_bp / MONEY_BP_ONE, hi = cnt * (MONEY_BP_ONE - p->trim_high_bp) / MONEY_BP_ONE;
    int64_t sum = 0, used = cnt - lo - hi;
    for (int64_t k = i + lo; k < j - hi; k++) sum += h[k].cost;
    dip_group *g = &gr[h[i].g];
    int y = h[i].yi;
    g->n_year[y] = cnt, g->n_used[y] = used, g->n_cases += cnt;
    g->mean_year[y] = used ? money_div_round((__int128)sum * DIP_MEAN_SCALE, used) : 0;
    all_sum[y] += sum, all_n[y] += used;
    i = j;
  }
}

int dip_catalog_build(const dip_params *p, int32_t year, const dip_case *hist, int64_t n,
                      dip_catalog **out, yb_err *e) {
  *out = NULL;
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++) m += hist[i].year >= year - 3 && hist[i].year < year;
  if (!m) return yb_fail(e, YB_EPOLICY, "history", "no inpatient case in %d–%d to build from", year - 3, year - 1);
  dip_keys *k = malloc((size_t)m * sizeof *k);
  hcase *h = malloc((size_t)m * sizeof *h);
  smap gm = {0};
  dip_catalog *cat = NULL;
  int rc = 0;
  if (!k || !h || smap_init(&gm, (uint32_t)m + 1)) {
    rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
    goto out;
  }
  int64_t j = 0;
  for (int64_t i = 0; i < n; i++) {
    if (hist[i].year < year - 3 || hist[i].year >= year) continue;
    if ((rc = dip_case_keys(&hist[i], p->diag_len, &k[j], e))) {
      field_prefix(e, "history", i);
      goto out;
    }
    if (hist[i].cost < 0) {
      rc = yb_fail(e, YB_ERANGE, "history", "case %s has a negative cost", hist[i].id);
      goto out;
    }
    h[j].cost = hist[i].cost, h[j].yi = (int8_t)(hist[i].year - (year - 3));
    h[j].level = (int8_t)(hist[i].level >= 0 && hist[i].level < DIP_LEVELS ? hist[i].level : 0);
    j++;
  }
  if (assign_groups(p, k, h, m, &gm) || !(cat = dip_catalog_new(gm.n))) {
    rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
    goto out;
  }
  cat->year = year, cat->diag_len = p->diag_len, cat->core_threshold = p->core_threshold, cat->n_cases = m;
  for (uint32_t g = 0; g < gm.n; g++) {
    snprintf(cat->groups[g].code, sizeof cat->groups[g].code, "%s", gm.key[g]);
    cat->groups[g].kind = (int)gm.count[g];
  }
  qsort(h, (size_t)m, sizeof *h, cmp_hcase);
  int64_t all_sum[3] = {0}, all_n[3] = {0}, all_mean[3] = {0};
  group_stats(p, h, m, cat->groups, all_sum, all_n);
  for (int y = 0; y < 3; y++) all_mean[y] = all_n[y] ? money_div_round((__int128)all_sum[y] * DIP_MEAN_SCALE, all_n[y]) : 0;
  cat->overall_mean = weighted(p, all_mean, all_n);
  if (cat->overall_mean <= 0) {
    rc = yb_fail(e, YB_EPOLICY, "history", "the history's mean cost is zero");
    goto out;
  }
  for (int64_t g = 0; g < cat->n_groups; g++) {
    dip_group *gr = &cat->groups[g];
    gr->mean = gr->n_cases ? weighted(p, gr->mean_year, gr->n_used) : cat->overall_mean;
    gr->rw4 = money_div_round((__int128)gr->mean * 1000 * DIP_SCORE_ONE, cat->overall_mean);
  }
  /* observed level factors: the level's cost over its cases' group means */
  __int128 lc[DIP_LEVELS] = {0}, lm[DIP_LEVELS] = {0};
  for (int64_t i = 0; i < m; i++)
    lc[h[i].level] += (__int128)h[i].cost * DIP_MEAN_SCALE, lm[h[i].level] += cat->groups[h[i].g].mean;
  for (int l = 0; l < DIP_LEVELS; l++)
    cat->level_factor_bp[l] = lm[l] ? (int32_t)money_div_round(lc[l] * MONEY_BP_ONE, (int64_t)lm[l]) : MONEY_BP_ONE;
  if ((rc = dip_catalog_index(cat, e))) goto out;
  *out = cat;
  cat = NULL;
out:
  free(k), free(h), smap_free(&gm);
  dip_catalog_free(cat);
  return rc;
}

/* ---- scoring --------------------------------------------------------------------------------- */

const char *dip_case_kind_name(int kind) {
  static const char *const names[] = {"normal", "low", "high", "special"};
  return kind >= 0 && kind <= DIP_CASE_SPECIAL ? names[kind] : "?";
}

static int score_one(const dip_catalog *cat, const dip_params *p, const dip_case *c, int special,
                     dip_score *s, yb_err *e) {
  dip_keys k;
  int rc = dip_case_keys(c, cat->diag_len, &k, e);
  if (rc) return rc;
  const char *try[4] = {k.core, k.category, k.chapter, "*"};
  const dip_group *g = NULL;
  int fold = 0;
  for (; fold < 4 && !g; fold++) g = dip_catalog_find(cat, try[fold]);
  if (!g) return yb_fail(e, YB_ECONFLICT, "catalog", "the catalogue has no all-cases group");
  memset(s, 0, sizeof *s);
  s->group = g - cat->groups, s->fold = fold - 1;
  int lv = c->level >= 0 && c->level < DIP_LEVELS ? c->level : 0;
  s->factor_bp = p->level_factors_from_catalogue ? cat->level_factor_bp[lv] : p->level_factor_bp[lv];
  __int128 cost = (__int128)c->cost * DIP_MEAN_SCALE; /* at the mean's scale */
  __int128 num = 1, den = 1;                          /* the multiplier of RW */
  if (g->mean > 0) s->ratio_bp = (int64_t)(cost * MONEY_BP_ONE / g->mean);
  if (g->mean <= 0) {
    s->kind = DIP_CASE_NORMAL;
  } else if (special) {
    s->kind = DIP_CASE_SPECIAL, num = cost, den = g->mean;
  } else if (cost * MONEY_BP_ONE < (__int128)g->mean * p->low_bp) {
    s->kind = DIP_CASE_LOW, num = cost, den = g->mean;
  } else if (cost * MONEY_BP_ONE > (__int128)g->mean * p->high_bp) {
    /* (ratio − high + 1) × RW: the part above the bound is paid, the bound's own span is not */
    s->kind = DIP_CASE_HIGH;
    num = cost * MONEY_BP_ONE - (__int128)g->mean * (p->high_bp - MONEY_BP_ONE);
    den = (__int128)g->mean * MONEY_BP_ONE;
  }
  s->base4 = money_div_round((__int128)g->rw4 * num / den, 1);
  /* one rounding for the final score: RW × multiplier × factor */
  __int128 sn = (__int128)g->rw4 * num * s->factor_bp, sd = den * MONEY_BP_ONE;
  __int128 q = sn / sd, r = sn % sd;
  if (2 * r >= sd) q++;
  s->score4 = (int64_t)q;
  return 0;
}

int dip_score_case(const dip_catalog *cat, const dip_params *p, const dip_case *c, dip_score *out, yb_err *e) {
  return score_one(cat, p, c, c->special, out, e);
}

typedef struct sreq {
  const dip_case *c;
  int64_t i;
} sreq;

static int cmp_sreq(const void *a, const void *b) {
  const dip_case *x = ((const sreq *)a)->c, *y = ((const sreq *)b)->c;
  int d = strcmp(x->inst, y->inst);
  if (d) return d;
  if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
  return strcmp(x->id, y->id);
}

int dip_score_all(const dip_catalog *cat, const dip_params *p, const dip_case *cases, int64_t n, dip_score *out,
                  yb_err *e) {
  int64_t nreq = 0;
  for (int64_t i = 0; i < n; i++) {
    int rc = score_one(cat, p, &cases[i], 0, &out[i], e);
    if (rc) {
      field_prefix(e, "cases", i);
      return rc;
    }
    nreq += cases[i].special != 0;
  }
  if (!nreq) return 0;
  sreq *q = malloc((size_t)nreq * sizeof *q);
  smap inst;
  if (!q || smap_init(&inst, (uint32_t)n + 1)) {
    free(q);
    smap_free(&inst);
    return yb_fail(e, YB_ENOMEM, "", "out of memory");
  }
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++) {
    inst.count[smap_get(&inst, cases[i].inst, 1)]++;
    if (cases[i].special) q[k].c = &cases[i], q[k++].i = i;
  }
  qsort(q, (size_t)nreq, sizeof *q, cmp_sreq);
  int rc = inst.failed ? yb_fail(e, YB_ENOMEM, "", "out of memory") : 0;
  for (int64_t a = 0; a < nreq && !rc;) {
    int64_t b = a;
    while (b < nreq && !strcmp(q[b].c->inst, q[a].c->inst)) b++;
    int64_t limit = inst.count[smap_get(&inst, q[a].c->inst, 0)] * p->special_permille / 1000;
    for (int64_t r = a; r < b && !rc; r++) {
      if (r - a < limit) rc = score_one(cat, p, q[r].c, 1, &out[q[r].i], e);
      else out[q[r].i].special_refused = 1;
    }
    a = b;
  }
  free(q);
  smap_free(&inst);
  return rc;
}

int dip_score_trace(const dip_catalog *cat, const dip_params *p, const dip_case *c, const dip_score *s,
                    char *buf, size_t cap) {
  static const char *const rules[] = {"RW", "RW × cost ÷ mean (low outlier)",
                                      "RW × (cost ÷ mean − high bound + 1) (high outlier)",
                                      "RW × cost ÷ mean (special review 特例单议)"};
  dip_keys k;
  if (dip_case_keys(c, cat->diag_len, &k, NULL)) k.core[0] = k.category[0] = k.chapter[0] = 0;
  const dip_group *g = &cat->groups[s->group];
  char rw[32], mean[32], cost[32], ratio[32], base[32], fac[32], score[32], lo[32], hi[32];
  money_format(g->rw4, 4, 4, rw);
  money_format(g->mean, 4, 4, mean);
  money_format(c->cost, 2, 2, cost);
  money_format(s->ratio_bp, 4, 4, ratio);
  money_format(s->base4, 4, 4, base);
  money_format(s->factor_bp, 4, 4, fac);
  money_format(s->score4, 4, 4, score);
  money_format(p->low_bp, 4, 1, lo);
  money_format(p->high_bp, 4, 1, hi);
  int n = snprintf(buf, cap,
                   "[{\"step\":\"group\",\"core\":\"%s\",\"category\":\"%s\",\"chapter\":\"%s\",\"group\":\"%s\","
                   "\"group_kind\":\"%s\",\"fold\":%d},"
                   "{\"step\":\"rw\",\"group_mean\":%s,\"rw\":%s},"
                   "{\"step\":\"ratio\",\"cost\":%s,\"ratio\":%s,\"low_bound\":%s,\"high_bound\":%s,\"kind\":\"%s\"%s},"
                   "{\"step\":\"base\",\"rule\":\"%s\",\"score\":%s},"
                   "{\"step\":\"level\",\"level\":%d,\"factor\":%s,\"from\":\"%s\",\"score\":%s}]",
                   k.core, k.category, k.chapter, g->code, dip_group_kind_name(g->kind), s->fold, mean, rw, cost,
                   ratio, lo, hi, dip_case_kind_name(s->kind),
                   s->special_refused ? ",\"special\":\"refused: over the institution's limit\"" : "",
                   rules[s->kind], base, c->level, fac, p->level_factors_from_catalogue ? "catalogue" : "policy",
                   score);
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* ---- advances and clearing ------------------------------------------------------------------- */

int64_t dip_advance(const dip_params *p, int64_t fund_settled) { return money_mul_bp(fund_settled, p->advance_bp); }

static int cmp_inst(const void *a, const void *b) {
  return strcmp(((const dip_inst *)a)->code, ((const dip_inst *)b)->code);
}

typedef struct share {
  __int128 rem;
  int64_t i;
} share;

static int cmp_share(const void *a, const void *b) {
  const share *x = a, *y = b;
  if (x->rem != y->rem) return x->rem > y->rem ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i; /* institutions are sorted by code: ties by code */
}

/* Split `total` fen over the members idx[k] in proportion to weight[k] to the fen: floors,
 * then one more fen to the largest remainders, ties by code. out[k] receives the shares. */
static int split(int64_t total, const int64_t *weight, int64_t k, int64_t *out, int64_t *extra) {
  __int128 wsum = 0;
  for (int64_t i = 0; i < k; i++) wsum += weight[i];
  share *sh = malloc((size_t)(k ? k : 1) * sizeof *sh);
  if (!sh) return -1;
  int64_t given = 0;
  for (int64_t i = 0; i < k; i++) {
    __int128 x = wsum ? (__int128)total * weight[i] : 0;
    out[i] = wsum ? (int64_t)(x / wsum) : (i == 0 ? total : 0);
    sh[i].rem = wsum ? x % wsum : 0, sh[i].i = i;
    given += out[i];
    if (extra) extra[i] = 0;
  }
  qsort(sh, (size_t)k, sizeof *sh, cmp_share);
  for (int64_t r = 0; r < total - given && r < k; r++) {
    out[sh[r].i]++;
    if (extra) extra[sh[r].i] = 1;
  }
  free(sh);
  return 0;
}

static int member_of(const dip_params *p, const char *code) {
  for (int c = 0; c < p->n_communities; c++)
    for (int m = 0; m < p->communities[c].n_members; m++)
      if (!strcmp(p->communities[c].members[m], code)) return c;
  return -1;
}

int dip_clear(const dip_params *p, int32_t year, dip_inst *inst, int64_t n, dip_clearing *out, yb_err *e) {
  memset(out, 0, sizeof *out);
  out->year = year, out->budget = p->budget, out->pay_ratio_bp = p->pay_ratio_bp;
  qsort(inst, (size_t)n, sizeof *inst, cmp_inst);
  for (int64_t i = 0; i < n; i++) {
    if (i && !strcmp(inst[i].code, inst[i - 1].code))
      return yb_fail(e, YB_ECONFLICT, "institutions", "institution %s twice", inst[i].code);
    if (inst[i].score4 < 0) return yb_fail(e, YB_ERANGE, "institutions", "%s has a negative score", inst[i].code);
    out->total_score4 += inst[i].score4;
  }
  if (!out->total_score4 && p->budget)
    return yb_fail(e, YB_EPOLICY, "scores", "no scored case in %d: the budget cannot be split", year);
  if (p->pay_ratio_bp <= 0) return yb_fail(e, YB_EPOLICY, "dip.payment_ratio", "must be above 0");
  int64_t *w = malloc((size_t)(n ? n : 1) * sizeof *w), *sh = malloc((size_t)(n ? n : 1) * sizeof *sh);
  int64_t *ex = malloc((size_t)(n ? n : 1) * sizeof *ex);
  if (!w || !sh || !ex) {
    free(w), free(sh), free(ex);
    return yb_fail(e, YB_ENOMEM, "", "out of memory");
  }
  for (int64_t i = 0; i < n; i++) w[i] = inst[i].score4;
  split(p->budget, w, n, sh, ex);
  __int128 S = out->total_score4;
  if (S) {
    __int128 num = (__int128)p->budget * MONEY_BP_ONE * DIP_SCORE_ONE * DIP_PV_SCALE;
    __int128 den = (__int128)p->pay_ratio_bp * S;
    out->pv_e6 = (int64_t)((num + den / 2) / den);
    num = (__int128)p->budget * DIP_SCORE_ONE * DIP_PV_SCALE;
    out->fund_pv_e6 = (int64_t)((num + S / 2) / S);
  }
  for (int64_t i = 0; i < n; i++) {
    inst[i].entitled = sh[i], inst[i].remainder_fen = ex[i];
    out->remainder_fen += ex[i], out->sum_entitled += sh[i];
    inst[i].recognised = money_div_round((__int128)inst[i].score4 * out->pv_e6, DIP_SCORE_ONE * DIP_PV_SCALE);
    inst[i].community = member_of(p, inst[i].code);
    inst[i].community_adj = 0;
  }
  int rc = 0;
  if (out->sum_entitled != p->budget)
    rc = yb_fail(e, YB_EMISMATCH, "clearing", "shares add to %lld, not the budget %lld",
                 (long long)out->sum_entitled, (long long)p->budget);
  /* 医共体: surplus kept, overspend shared, spread over the members by their shares */
  for (int c = 0; c < p->n_communities && !rc; c++) {
    const dip_community *cm = &p->communities[c];
    int64_t k = 0, ent = 0;
    for (int64_t i = 0; i < n; i++)
      if (inst[i].community == c) w[k++] = inst[i].entitled, ent += inst[i].entitled;
    int64_t diff = cm->budget - ent;
    int64_t adj = diff >= 0 ? money_mul_bp(diff, cm->surplus_keep_bp) : -money_mul_bp(-diff, cm->overspend_share_bp);
    out->community_budget[c] = cm->budget, out->community_entitled[c] = ent;
    if (!k) continue; /* no member had a case or a payment: nothing to adjust */
    out->community_adj[c] = adj;
    int64_t mag = adj < 0 ? -adj : adj;
    split(mag, w, k, sh, NULL);
    k = 0;
    for (int64_t i = 0; i < n; i++)
      if (inst[i].community == c) inst[i].community_adj = adj < 0 ? -sh[k++] : sh[k++];
  }
  for (int64_t i = 0; i < n; i++) {
    dip_inst *x = &inst[i];
    x->deposit = x->entitled > 0 ? money_mul_bp(x->entitled, p->deposit_bp) : 0;
    x->payment = x->entitled + x->community_adj - x->advances - x->deductions - x->deposit;
    out->sum_payment += x->payment, out->sum_advances += x->advances, out->sum_deductions += x->deductions;
    out->sum_deposit += x->deposit, out->sum_adj += x->community_adj;
  }
  free(w), free(sh), free(ex);
  return rc;
}
