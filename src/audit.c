/* audit.c — the rule types (one evaluator each, one static table) and the streaming pass that
 * runs every enabled rule over the compact records: per person, per visit in time order, per
 * line. Rule parameters come from the rule files in rules/ (audit_rules.c); docs/audit.md lists the types. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_types.h"
#include "money.h"

/* evidence is a sentence for people: cutting a long one short is intended */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- a u64 → slot map for the item-switching tallies ------------------------------------------ */
typedef struct sw_ent {
  uint64_t key; /* 0 empty */
  int64_t cnt, pric_sum;
  int32_t group; /* (institution, own code) group: index into audit_ctx.groups */
} sw_ent;
typedef struct sw_grp {   /* one (institution, own code): the dense id of ad_line.medins */
  int32_t item0, mode_item; /* the first national code seen; the most billed one */
  int64_t cnt0, pric0, mode_cnt, mode_pric_sum, total;
} sw_grp;
typedef struct sw_map {
  sw_ent *e;
  size_t n, mask;
} sw_map;

static uint64_t mix(uint64_t k) { /* murmur3's finalizer: every input bit reaches the low bits */
  k ^= k >> 33;
  k *= UINT64_C(0xff51afd7ed558ccd);
  k ^= k >> 33;
  k *= UINT64_C(0xc4ceb9fe1a85ec53);
  k ^= k >> 33;
  return k;
}

static sw_ent *sw_get(sw_map *m, uint64_t key, bool add) {
  if (add && 2 * (m->n + 1) > m->mask + 1) {
    size_t cap = m->e ? (m->mask + 1) * 2 : 4096;
    sw_ent *ne = calloc(cap, sizeof *ne);
    if (!ne) return NULL;
    for (size_t i = 0; m->e && i <= m->mask; i++)
      if (m->e[i].key) {
        size_t j = mix(m->e[i].key) & (cap - 1);
        while (ne[j].key) j = (j + 1) & (cap - 1);
        ne[j] = m->e[i];
      }
    free(m->e);
    m->e = ne;
    m->mask = cap - 1;
  }
  if (!m->e) return NULL;
  size_t j = mix(key) & m->mask;
  for (; m->e[j].key; j = (j + 1) & m->mask)
    if (m->e[j].key == key) return &m->e[j];
  if (!add) return NULL;
  m->e[j].key = key;
  m->n++;
  return &m->e[j];
}

struct audit_ctx {
  const audit_data *d;
  const ad_visit *v;         /* the visit whose lines are being checked */
  sw_map sw_item;            /* (group, item) tallies of the codes other than a group's first */
  sw_grp *groups;            /* by group (ad_line.medins) */
  uint64_t *multi;           /* bit per group billed under two or more national codes (small: stays in cache) */
  audit_peer *peers;
  size_t n_peers;
  int64_t vsum;              /* the current visit's total, fen */
  uint64_t *may;             /* by item id: bit k set when line rule k of the run can hit a line of the item */
  /* contraindicated pairs of each such rule as ingredient ids (-2: an ingredient no line has) */
  const audit_rule *contra[8];
  int32_t contra_ids[8][AUDIT_MAX_PAIRS][2];
  int n_contra;
};

static uint64_t key_item(int32_t group, int32_t item) { return ((uint64_t)(uint32_t)group << 32 | (uint32_t)item) + 1; }

static const ad_item *item_of(const audit_ctx *x, const ad_line *l) { return ad_item_of(x->d, l); }
static const ad_visit *visit_of(const audit_ctx *x, const ad_line *l) { return (void)l, x->v; }
static const catalog_item *cat_of(const audit_ctx *x, uint32_t item) {
  int32_t c = x->d->items[item].cat;
  return c >= 0 ? catalog_at(x->d->cat, (size_t)c) : NULL;
}
static const char *code_of(const audit_ctx *x, const ad_line *l) {
  const catalog_item *c = cat_of(x, l->item);
  return c ? c->code : "?";
}
static const char *name_of(const audit_ctx *x, const ad_line *l) {
  const catalog_item *c = cat_of(x, l->item);
  return c ? c->name : "(not in catalog)";
}
static const char *sn_of(const audit_ctx *x, const ad_line *l) { return ad_ltext(x->d, x->v, l->sn); }
static void yuan(int64_t fen, char *buf, size_t cap) {
  snprintf(buf, cap, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long)(fen < 0 ? -fen : fen) / 100,
           (long long)(fen < 0 ? -fen : fen) % 100);
}
static void price6(int64_t p, char *buf, size_t cap) {
  snprintf(buf, cap, "%lld.%06lld", (long long)(p / 1000000), (long long)(p % 1000000));
}
static void day_str(int32_t day, char *buf, size_t cap) {
  int64_t z = (int64_t)day + 10957 + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  snprintf(buf, cap, "%04lld-%02lld-%02lld", (long long)(yoe + era * 400 + (m <= 2)), (long long)m, (long long)dd);
}
static void date_of(int32_t t, char *buf, size_t cap) { day_str(ad_day(t), buf, cap); }

/* ---- line rules --------------------------------------------------------------------------------- */
static bool ln_gender(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  const ad_person *p = &x->d->psn[visit_of(x, l)->psn];
  if (!it || !it->gend || !p->gend || it->gend == p->gend) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s is for %s patients only; the person is %s", code_of(x, l), name_of(x, l),
           it->gend == 1 ? "male" : "female", p->gend == 1 ? "male" : "female");
  return true;
}

static bool ln_age(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  if (!it || (it->age_min < 0 && it->age_max < 0)) return false;
  const ad_person *p = &x->d->psn[visit_of(x, l)->psn];
  if (p->brdy == AD_NONE) return false;
  int age = ad_age(p->brdy, ad_day(l->t));
  if ((it->age_min < 0 || age >= it->age_min) && (it->age_max < 0 || age <= it->age_max)) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s is for ages %d–%d; the person was %d on the day", code_of(x, l),
           name_of(x, l), it->age_min < 0 ? 0 : it->age_min, it->age_max < 0 ? 150 : it->age_max, age);
  return true;
}

static bool ln_price(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (!it) return false;
  int lv = x->d->inst[visit_of(x, l)->inst].hosp_lv;
  int64_t lim = it->lim[lv < 4 ? lv : 0];
  if (!lim) lim = it->lim[0];
  if (!lim || l->pric * 10000 <= lim * (10000 + r->p[0])) return false;
  f->vola_amt = money_line_fen(l->cnt, l->pric - lim);
  char a[32], b[32];
  price6(l->pric, a, sizeof a), price6(lim, b, sizeof b);
  snprintf(f->evid, sizeof f->evid, "%s %s billed at %s a unit, above the level-%d price limit %s", code_of(x, l),
           name_of(x, l), a, lv, b);
  return true;
}

static bool ln_supply(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (!it || !it->drug || it->max_days <= 0 || l->prd_days <= it->max_days + r->p[0]) return false;
  f->vola_amt = money_div_round((__int128)l->sumamt * (l->prd_days - it->max_days), l->prd_days);
  snprintf(f->evid, sizeof f->evid, "%s %s prescribed for %d days; the limit is %d", code_of(x, l), name_of(x, l),
           l->prd_days, it->max_days);
  return true;
}

static bool ln_duplicate(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  const ad_visit *v = visit_of(x, l);
  if (!it || it->drug || l == v->ln) return false;
  const ad_line *p = l - 1; /* lines of a visit are sorted by (time, item, upload order) */
  if (p->item != l->item || p->t != l->t) return false;
  f->vola_amt = l->sumamt;
  char d[12];
  date_of(l->t, d, sizeof d);
  snprintf(f->evid, sizeof f->evid, "%s %s charged again at the same time (%s) in the same visit, as line %s",
           code_of(x, l), name_of(x, l), d, sn_of(x, p));
  return true;
}

static bool ln_dialysis(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  if (!it || !it->dialysis) return false;
  const ad_visit *v = visit_of(x, l);
  if (ad_set_has(&x->d->checkin, ad_checkin_key(v->psn, v->inst, ad_day(l->t)))) return false;
  f->vola_amt = l->sumamt;
  char d[12];
  date_of(l->t, d, sizeof d);
  snprintf(f->evid, sizeof f->evid, "dialysis %s on %s with no check-in of the person at the institution that day",
           code_of(x, l), d);
  return true;
}

static bool ln_doctor(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_visit *v = visit_of(x, l);
  int32_t di = x->d->dr_of[l->dr];
  if (di == -1) {
    if (!r->p[0]) return false;
    snprintf(f->evid, sizeof f->evid, "line names no billing doctor (bilg_dr_codg)");
  } else if (di == -2) {
    snprintf(f->evid, sizeof f->evid, "billing doctor is registered at no institution");
  } else {
    const ad_doc *dr = &x->d->doc[di];
    int32_t day = ad_day(l->t);
    if (dr->inst == v->inst && day >= dr->beg && (dr->end == AD_NONE || day <= dr->end)) return false;
    snprintf(f->evid, sizeof f->evid, "billing doctor %s is %s", ad_s(x->d, x->d->i_doc.offs[di]),
             dr->inst != v->inst ? "registered at another institution" : "not registered on the day of the line");
  }
  f->vola_amt = l->sumamt;
  return true;
}

static bool ln_switch(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  int32_t gi = (int32_t)l->mgroup - 1, item = (int32_t)l->item;
  if (gi < 0 || !item_of(x, l)) return false;
  if (!(x->multi[(uint32_t)gi >> 6] >> ((uint32_t)gi & 63) & 1)) return false;
  const sw_grp *g = &x->groups[gi];
  if (g->mode_item == item || g->mode_cnt < r->p[0]) return false;
  int64_t cnt = 0;
  if (item == g->item0) cnt = g->cnt0;
  else {
    sw_ent *me = sw_get((sw_map *)&x->sw_item, key_item(gi, item), false);
    cnt = me ? me->cnt : 0;
  }
  if (cnt * 10000 > r->p[1] * g->total) return false;
  int64_t mode_pric = g->mode_pric_sum / g->mode_cnt;
  if (l->pric <= mode_pric) return false;
  char own[160];
  f->vola_amt = money_line_fen(l->cnt, l->pric - mode_pric);
  snprintf(f->evid, sizeof f->evid,
           "institution item %s is billed as %s in %lld of %lld lines at this institution, here as the dearer %s",
           ad_mgroup_code(x->d, gi, own, sizeof own), cat_of(x, (uint32_t)g->mode_item)->code,
           (long long)g->mode_cnt, (long long)g->total, code_of(x, l));
  return true;
}

static bool ln_level(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  int lv = x->d->inst[visit_of(x, l)->inst].hosp_lv;
  if (!it || it->hosp_lv_min <= lv) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s needs an institution of level %d or above; this one is level %d",
           code_of(x, l), name_of(x, l), it->hosp_lv_min, lv);
  return true;
}

static bool ln_scope(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  const ad_visit *v = visit_of(x, l);
  if (!it || it->scope == CATALOG_SCOPE_ANY || (it->scope == CATALOG_SCOPE_INPATIENT) == (v->ipt != 0)) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s is for %s use only, billed in an %s visit", code_of(x, l), name_of(x, l),
           it->scope == CATALOG_SCOPE_INPATIENT ? "inpatient" : "outpatient", v->ipt ? "inpatient" : "outpatient");
  return true;
}

static bool ln_indication(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  (void)r;
  const ad_item *it = item_of(x, l);
  if (!it || !it->lmt || l->appr || !it->n_ind) return false;
  const ad_visit *v = visit_of(x, l);
  const catalog_item *c = cat_of(x, l->item);
  for (int i = 0; i < c->n_ind; i++) {
    uint32_t p = 0;
    for (int k = 0; k < 3 && c->indications[i][k]; k++) p = p << 8 | (unsigned char)c->indications[i][k];
    if (p == v->diag3) return false;
  }
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s is restricted to its indications (e.g. %s); the main diagnosis matches none and no approval was given",
           code_of(x, l), name_of(x, l), c->indications[0]);
  return true;
}

static bool ln_class_c(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (it && (!r->p[0] || it->lv != CATALOG_LV_C)) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s is %s, outside the fund's scope", code_of(x, l), name_of(x, l),
           it ? "丙类 (class C)" : "not in the catalog");
  return true;
}

/* Earlier drug lines of the same visit and day: for duplicate drugs and contraindicated pairs. */
static const ad_line *same_day_drug(const audit_ctx *x, const ad_line *l, const audit_rule *r, bool pair) {
  const ad_visit *v = visit_of(x, l);
  const ad_item *it = item_of(x, l);
  const int32_t(*ids)[2] = NULL;
  if (pair) { /* the other ingredient of each pair this line's ingredient is in, or none */
    for (int k = 0; k < x->n_contra && !ids; k++)
      if (x->contra[k] == r) ids = (const int32_t(*)[2])x->contra_ids[k];
    bool any = false;
    for (int k = 0; ids && k < r->n_pairs && !any; k++) any = ids[k][0] == it->ingr || ids[k][1] == it->ingr;
    if (!any) return NULL;
  }
  int32_t day = ad_day(l->t);
  for (const ad_line *p = l - 1; p >= v->ln && ad_day(p->t) == day; p--) {
    const ad_item *pi = item_of(x, p);
    if (!pi || !pi->drug || pi->ingr < 0 || p->item == l->item) continue;
    if (!pair && pi->ingr == it->ingr) return p;
    for (int k = 0; pair && k < r->n_pairs; k++)
      if ((ids[k][0] == it->ingr && ids[k][1] == pi->ingr) || (ids[k][0] == pi->ingr && ids[k][1] == it->ingr)) return p;
  }
  return NULL;
}

static bool ln_dup_drug(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (!it || !it->drug || it->ingr < 0) return false;
  const ad_line *p = same_day_drug(x, l, r, false);
  if (!p) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s has the same ingredient %s as %s (line %s) on the same day", code_of(x, l),
           name_of(x, l), ad_s(x->d, x->d->i_ingr.offs[it->ingr]), code_of(x, p), sn_of(x, p));
  return true;
}

static bool ln_contra(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (!it || !it->drug || it->ingr < 0) return false;
  const ad_line *p = same_day_drug(x, l, r, true);
  if (!p) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "%s %s with %s (line %s) on the same day: a contraindicated pair", code_of(x, l),
           name_of(x, l), code_of(x, p), sn_of(x, p));
  return true;
}

static bool ln_dose(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (!it || !it->drug || l->cnt <= r->p[0] * 10000) return false;
  f->vola_amt = money_div_round((__int128)l->sumamt * (l->cnt - r->p[0] * 10000), l->cnt);
  snprintf(f->evid, sizeof f->evid, "%s %s: %lld units on one line, above %lld", code_of(x, l), name_of(x, l),
           (long long)(l->cnt / 10000), (long long)r->p[0]);
  return true;
}

static bool ln_oprn(const audit_ctx *x, const audit_rule *r, const ad_line *l, audit_finding *f) {
  const ad_item *it = item_of(x, l);
  if (!it || it->type != 6) return false;
  const char *code = code_of(x, l);
  const ad_visit *v = visit_of(x, l);
  bool listed = false;
  for (int k = 0; k < r->n_pairs; k++) {
    if (strncmp(code, r->pairs[k][0], strlen(r->pairs[k][0]))) continue;
    listed = true;
    uint32_t p = 0;
    for (int i = 0; i < 3 && r->pairs[k][1][i]; i++) p = p << 8 | (unsigned char)r->pairs[k][1][i];
    if (p == v->diag3) return false;
  }
  if (!listed) return false;
  f->vola_amt = l->sumamt;
  snprintf(f->evid, sizeof f->evid, "surgery %s %s does not match the main diagnosis", code, name_of(x, l));
  return true;
}

/* ---- visit rules -------------------------------------------------------------------------------- */
static bool is_treatment(const ad_item *it) { return !it || (it->type != 1 && it->type != 7 && it->type != 14); }

/* Days of stay (出院日期 − 入院日期, at least 1) and days carrying a treatment line. */
static int stay(const audit_ctx *x, const ad_visit *v, int *tdays, int64_t *nontreat) {
  int32_t last = AD_NONE;
  *tdays = 0;
  *nontreat = 0;
  /* lines are sorted by time, so distinct days come in order */
  for (uint32_t i = 0; i < v->nl; i++) {
    const ad_line *l = &v->ln[i];
    if (!is_treatment(item_of(x, l))) {
      *nontreat += l->sumamt;
      continue;
    }
    int32_t day = ad_day(l->t);
    if (day != last) (*tdays)++, last = day;
  }
  if (v->end == AD_NONE) return -1;
  int los = ad_day(v->end) - ad_day(v->beg);
  return los < 1 ? 1 : los;
}

static bool vs_bed(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  const ad_visit *v = &x->d->visit[vi];
  if (!v->ipt) return false;
  int td;
  int64_t non;
  int los = stay(x, v, &td, &non);
  if (los < r->p[0] || td == 0 || (int64_t)td * 10000 >= r->p[1] * los) return false;
  f->vola_amt = non;
  snprintf(f->evid, sizeof f->evid, "stay of %d days with treatment on %d of them (below %lld %%)", los, td,
           (long long)(r->p[1] / 100));
  return true;
}

static bool vs_fake(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  (void)r;
  const ad_visit *v = &x->d->visit[vi];
  if (!v->ipt || !v->nl) return false;
  int td;
  int64_t non;
  int los = stay(x, v, &td, &non);
  if (td) return false;
  f->vola_amt = x->vsum;
  snprintf(f->evid, sizeof f->evid, "inpatient stay of %d days with no treatment line: only bed, nursing and other charges",
           los < 0 ? 0 : los);
  return true;
}

static bool vs_low(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  const ad_visit *v = &x->d->visit[vi];
  if (!v->ipt || v->end == AD_NONE || !v->nl) return false;
  int los = ad_day(v->end) - ad_day(v->beg);
  if (los > r->p[0] || x->vsum >= r->p[1] * 100) return false;
  f->vola_amt = x->vsum;
  char a[32];
  yuan(x->vsum, a, sizeof a);
  snprintf(f->evid, sizeof f->evid, "admission of %d days costing %s yuan: treatable as an outpatient", los, a);
  return true;
}

static bool vs_dead(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  (void)r;
  const ad_visit *v = &x->d->visit[vi];
  const ad_person *p = &x->d->psn[v->psn];
  if (p->death == AD_NONE || ad_day(v->beg) <= p->death) return false;
  f->vola_amt = x->vsum;
  char a[12], b[12];
  date_of(v->beg, a, sizeof a), day_str(p->death, b, sizeof b);
  snprintf(f->evid, sizeof f->evid, "visit begins %s, after the person's death on %s", a, b);
  return true;
}

static bool vs_split(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  const ad_visit *v = &x->d->visit[vi];
  if (!v->ipt) return false;
  const ad_person *p = &x->d->psn[v->psn];
  for (uint32_t u = vi; u-- > p->v0;) {
    const ad_visit *w = &x->d->visit[u];
    if (!w->ipt) continue;
    if (w->end == AD_NONE || w->end > v->beg) return false; /* overlapping or still open: not a readmission */
    int gap = ad_day(v->beg) - ad_day(w->end);
    if (gap > r->p[0] || w->diag3 != v->diag3 || !v->diag3) return false;
    f->vola_amt = x->vsum;
    snprintf(f->evid, sizeof f->evid, "readmitted %d days after discharge from %s with the same diagnosis group", gap,
             ad_mdtrt(x->d, w));
    return true;
  }
  return false;
}

static bool vs_frequent(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  const ad_visit *v = &x->d->visit[vi];
  if (!v->ipt) return false;
  const ad_person *p = &x->d->psn[v->psn];
  int64_t n = 1;
  int32_t day = ad_day(v->beg);
  for (uint32_t u = vi; u-- > p->v0;) {
    const ad_visit *w = &x->d->visit[u];
    if (day - ad_day(w->beg) > r->p[1]) break;
    if (w->ipt) n++;
  }
  if (n < r->p[0]) return false;
  f->vola_amt = x->vsum;
  snprintf(f->evid, sizeof f->evid, "admission number %lld of the person within %lld days", (long long)n, (long long)r->p[1]);
  return true;
}

static int64_t dist_m(const ad_inst *a, const ad_inst *b) {
  double la1 = a->lat * 1e-6 * M_PI / 180, la2 = b->lat * 1e-6 * M_PI / 180;
  double dla = la2 - la1, dlo = (b->lon - a->lon) * 1e-6 * M_PI / 180;
  double h = sin(dla / 2) * sin(dla / 2) + cos(la1) * cos(la2) * sin(dlo / 2) * sin(dlo / 2);
  return (int64_t)(2 * 6371000.0 * asin(sqrt(h)));
}

static bool vs_two_places(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  const ad_visit *v = &x->d->visit[vi];
  const ad_inst *a = &x->d->inst[v->inst];
  if (!a->has_geo) return false;
  const ad_person *p = &x->d->psn[v->psn];
  int32_t day = ad_day(v->beg);
  for (uint32_t u = vi; u-- > p->v0;) { /* earlier visits (sorted by begin) of the same day */
    const ad_visit *w = &x->d->visit[u];
    if (ad_day(w->beg) != day) break;
    const ad_inst *b = &x->d->inst[w->inst];
    if (!b->has_geo || w->inst == v->inst) continue;
    int64_t m = dist_m(a, b);
    if (m <= r->p[0] * 1000) continue;
    f->vola_amt = x->vsum;
    snprintf(f->evid, sizeof f->evid, "same day as visit %s at %s, %lld km away", ad_mdtrt(x->d, w),
             ad_s(x->d, b->code), (long long)(m / 1000));
    return true;
  }
  return false;
}

static bool vs_otp_in_ipt(const audit_ctx *x, const audit_rule *r, uint32_t vi, audit_finding *f) {
  (void)r;
  const ad_visit *v = &x->d->visit[vi];
  if (v->ipt) return false;
  const ad_person *p = &x->d->psn[v->psn];
  for (uint32_t u = p->v0; u < p->v0 + p->nv && x->d->visit[u].beg < v->beg; u++) {
    const ad_visit *w = &x->d->visit[u];
    if (!w->ipt || (w->end != AD_NONE && v->beg >= w->end)) continue;
    f->vola_amt = x->vsum;
    char a[12];
    date_of(w->beg, a, sizeof a);
    snprintf(f->evid, sizeof f->evid, "outpatient visit during inpatient stay %s at %s (admitted %s)",
             ad_mdtrt(x->d, w), ad_s(x->d, x->d->inst[w->inst].code), a);
    return true;
  }
  return false;
}

/* ---- which items each line rule can hit (audit_type.may) ---------------------------------------- */
static bool may_gender(const audit_rule *r, const ad_item *it) { return (void)r, it && it->gend; }
static bool may_age(const audit_rule *r, const ad_item *it) { return (void)r, it && (it->age_min >= 0 || it->age_max >= 0); }
static bool may_price(const audit_rule *r, const ad_item *it) {
  return (void)r, it && (it->lim[0] || it->lim[1] || it->lim[2] || it->lim[3]);
}
static bool may_supply(const audit_rule *r, const ad_item *it) { return (void)r, it && it->drug && it->max_days > 0; }
static bool may_nondrug(const audit_rule *r, const ad_item *it) { return (void)r, it && !it->drug; }
static bool may_dialysis(const audit_rule *r, const ad_item *it) { return (void)r, it && it->dialysis; }
static bool may_listed(const audit_rule *r, const ad_item *it) { return (void)r, it != NULL; }
static bool may_level(const audit_rule *r, const ad_item *it) { return (void)r, it && it->hosp_lv_min > 0; }
static bool may_scope(const audit_rule *r, const ad_item *it) { return (void)r, it && it->scope != CATALOG_SCOPE_ANY; }
static bool may_indication(const audit_rule *r, const ad_item *it) { return (void)r, it && it->lmt && it->n_ind; }
static bool may_class_c(const audit_rule *r, const ad_item *it) { return !it || (r->p[0] && it->lv == CATALOG_LV_C); }
static bool may_ingredient(const audit_rule *r, const ad_item *it) { return (void)r, it && it->drug && it->ingr >= 0; }
static bool may_drug(const audit_rule *r, const ad_item *it) { return (void)r, it && it->drug; }
static bool may_surgery(const audit_rule *r, const ad_item *it) { return (void)r, it && it->type == 6; }

/* ---- the table ---------------------------------------------------------------------------------- */
#define NOP 0, {{0}}
static const audit_type audit_types[] = {
    {"gender_limit", AUDIT_LEVEL_LINE, true, false, ln_gender, NULL, NOP, "item restricted to the other gender (限性别)", may_gender},
    {"age_limit", AUDIT_LEVEL_LINE, true, false, ln_age, NULL, NOP, "item outside its age range (限年龄)", may_age},
    {"over_price_limit", AUDIT_LEVEL_LINE, true, false, ln_price, NULL, 1,
     {{"tolerance_bp", 0, 0, 10000, "basis points above the limit tolerated"}}, "unit price above the level's limit (超限价)", may_price},
    {"over_supply", AUDIT_LEVEL_LINE, true, false, ln_supply, NULL, 1, {{"grace_days", 0, 0, 365, "days"}},
     "days of drug above the catalog's max_days (超量开药)", may_supply},
    {"duplicate_charge", AUDIT_LEVEL_LINE, true, false, ln_duplicate, NULL, NOP,
     "same service or material at the same time twice in a visit (重复收费)", may_nondrug},
    {"dialysis_no_checkin", AUDIT_LEVEL_LINE, false, false, ln_dialysis, NULL, NOP, "dialysis without check-in (透析无签到)", may_dialysis},
    {"unregistered_doctor", AUDIT_LEVEL_LINE, false, false, ln_doctor, NULL, 1, {{"flag_empty", 0, 0, 1, "0 or 1"}},
     "billing doctor not registered at the institution (医师未备案)", NULL},
    {"item_switching", AUDIT_LEVEL_LINE, false, false, ln_switch, NULL, 2,
     {{"min_mode_lines", 3, 1, 1000000, "lines"}, {"max_share_bp", 2000, 1, 5000, "basis points of the group's lines"}},
     "institution item billed as a dearer national code (串换项目)", may_listed},
    {"level_limit", AUDIT_LEVEL_LINE, true, false, ln_level, NULL, NOP, "item above the institution's level (限医院等级)", may_level},
    {"scope_limit", AUDIT_LEVEL_LINE, true, false, ln_scope, NULL, NOP, "inpatient-only item in an outpatient visit or the reverse", may_scope},
    {"indication_limit", AUDIT_LEVEL_LINE, true, false, ln_indication, NULL, NOP, "restricted item outside its indications (限适应症)", may_indication},
    {"class_c_billed", AUDIT_LEVEL_LINE, true, false, ln_class_c, NULL, 1, {{"include_class_c", 0, 0, 1, "0 or 1"}},
     "non-catalog (and with include_class_c, 丙类) item in a claim", may_class_c},
    {"duplicate_drug", AUDIT_LEVEL_LINE, true, false, ln_dup_drug, NULL, NOP, "two drugs of one ingredient on one day (重复用药)", may_ingredient},
    {"contraindicated", AUDIT_LEVEL_LINE, true, true, ln_contra, NULL, NOP, "contraindicated drug pair on one day (配伍禁忌)", may_ingredient},
    {"over_dose", AUDIT_LEVEL_LINE, true, false, ln_dose, NULL, 1, {{"max_units", 200, 1, 1000000, "units per line"}},
     "quantity per line above a ceiling (超剂量)", may_drug},
    {"oprn_diag_mismatch", AUDIT_LEVEL_LINE, true, true, ln_oprn, NULL, NOP, "surgery not matching the diagnosis (手术与诊断不符)", may_surgery},
    {"dead_person_card", AUDIT_LEVEL_VISIT, true, false, NULL, vs_dead, NOP, "visit after the death date (死亡后就医)", NULL},
    {"bed_holding", AUDIT_LEVEL_VISIT, false, false, NULL, vs_bed, 2,
     {{"min_days", 5, 1, 365, "days of stay"}, {"max_treat_bp", 3000, 1, 10000, "basis points of the days"}},
     "stay with few treatment days (挂床住院)", NULL},
    {"fake_admission", AUDIT_LEVEL_VISIT, false, false, NULL, vs_fake, NOP, "stay with no treatment at all (虚假住院)", NULL},
    {"low_threshold_admission", AUDIT_LEVEL_VISIT, false, false, NULL, vs_low, 2,
     {{"max_days", 1, 0, 30, "days of stay"}, {"max_yuan", 800, 1, 1000000, "yuan"}},
     "short cheap admission (低标准入院)", NULL},
    {"split_admission", AUDIT_LEVEL_VISIT, true, false, NULL, vs_split, 1, {{"days", 15, 1, 365, "days"}},
     "readmission soon after discharge, same diagnosis (分解住院)", NULL},
    {"frequent_admission", AUDIT_LEVEL_VISIT, true, false, NULL, vs_frequent, 2,
     {{"nth", 4, 2, 100, "admissions"}, {"window_days", 180, 1, 3660, "days"}}, "many admissions in a window (频繁住院)", NULL},
    {"two_places_same_day", AUDIT_LEVEL_VISIT, false, false, NULL, vs_two_places, 1, {{"km", 30, 1, 5000, "km"}},
     "two distant institutions on one day (冒名就医)", NULL},
    {"otp_during_ipt", AUDIT_LEVEL_VISIT, true, false, NULL, vs_otp_in_ipt, NOP, "outpatient visit during a stay (住院期间门诊)", NULL},
    {"peer_outlier", AUDIT_LEVEL_INST, false, false, NULL, NULL, 3,
     {{"indicator", 1, 1, 4, "1 cost per visit, 2 test share, 3 drug share, 4 length of stay"},
      {"min_z_x100", 300, 50, 10000, "robust z × 100"},
      {"min_peers", 5, 3, 100000, "institutions of the level"}},
     "institution far above its peers (同级机构偏离)", NULL},
};
#define N_TYPES ((int)(sizeof audit_types / sizeof audit_types[0]))

const audit_type *audit_type_find(const char *name) {
  for (int i = 0; i < N_TYPES; i++)
    if (!strcmp(audit_types[i].name, name)) return &audit_types[i];
  return NULL;
}
const char *audit_type_name(int i) { return i >= 0 && i < N_TYPES ? audit_types[i].name : NULL; }
int audit_type_count(void) { return N_TYPES; }

/* ---- the pass ----------------------------------------------------------------------------------- */
/* One sweep tallies each (institution, own code) group's national codes — the first seen in the
 * group itself, the others (rare) in a small map — then the most billed code of each group. */
static int prep_switching(audit_ctx *x, yb_err *e) {
  const audit_data *d = x->d;
  size_t ng = d->n_mgrp;
  if (!(x->groups = calloc(ng + 1, sizeof *x->groups)) || !(x->multi = calloc(ng / 64 + 1, sizeof *x->multi)))
    return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  for (size_t vi = 0; vi < d->n_visit; vi++)
    for (const ad_line *l = d->visit[vi].ln, *end = l + d->visit[vi].nl; l < end; l++) {
      __builtin_prefetch(l + 8);
      int32_t gi = (int32_t)l->mgroup - 1, item = (int32_t)l->item;
      if (gi < 0 || !ad_item_of(d, l)) continue;
      sw_grp *g = &x->groups[gi];
      g->total++;
      if (!g->cnt0 || g->item0 == item) {
        g->item0 = item, g->cnt0++, g->pric0 += l->pric;
        continue;
      }
      sw_ent *a = sw_get(&x->sw_item, key_item(gi, item), true);
      if (!a) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
      a->cnt++, a->pric_sum += l->pric;
      x->multi[(uint32_t)gi >> 6] |= UINT64_C(1) << ((uint32_t)gi & 63);
    }
  for (size_t i = 0; i < ng; i++) {
    sw_grp *g = &x->groups[i];
    g->mode_item = g->item0, g->mode_cnt = g->cnt0, g->mode_pric_sum = g->pric0;
  }
  for (size_t i = 0; x->sw_item.e && i <= x->sw_item.mask; i++) { /* the mode, ties to the lower catalog index */
    const sw_ent *a = &x->sw_item.e[i];
    if (!a->key) continue;
    int32_t item = (int32_t)((a->key - 1) & 0xFFFFFFFF);
    sw_grp *g = &x->groups[(a->key - 1) >> 32];
    if (a->cnt > g->mode_cnt || (a->cnt == g->mode_cnt && d->items[item].cat < d->items[g->mode_item].cat))
      g->mode_cnt = a->cnt, g->mode_item = item, g->mode_pric_sum = a->pric_sum;
  }
  return 0;
}

typedef struct run_set {
  const audit_rule *line[64], *visit[64], *inst[64];
  int n_line, n_visit, n_inst;
} run_set;

static bool class_ok(const audit_rule *r, const ad_item *it) {
  switch (r->list_class) {
  case 1: return it && it->drug;
  case 2: return !it || it->service;
  case 3: return it && it->material;
  default: return true;
  }
}

static int emit(const audit_ctx *x, const audit_rule *r, const ad_visit *v, const ad_line *l, audit_finding *f,
                audit_finding_fn fn, void *arg) {
  f->rule = r;
  f->level = l ? AUDIT_LEVEL_LINE : AUDIT_LEVEL_VISIT;
  f->psn_no = ad_s(x->d, x->d->psn[v->psn].code);
  f->fixmedins_code = ad_s(x->d, x->d->inst[v->inst].code);
  f->mdtrt_id = ad_mdtrt(x->d, v);
  f->feedetl_sn = l ? ad_ltext(x->d, v, l->sn) : "";
  f->setl_id = l && l->setl ? ad_ltext(x->d, v, l->setl) : ad_setl(x->d, v);
  date_of(v->beg, f->occur_date, sizeof f->occur_date);
  return fn(f, arg);
}

static int run_visit(const audit_ctx *cx, const run_set *s, uint32_t vi, audit_finding_fn fn, void *arg) {
  audit_ctx *x = (audit_ctx *)cx;
  const audit_data *d = x->d;
  const ad_visit *v = &d->visit[vi];
  audit_finding f;
  int rc;
  x->v = v;
  x->vsum = 0;
  for (uint32_t i = 0; i < v->nl; i++) x->vsum += v->ln[i].sumamt;
  for (int k = 0; k < s->n_visit; k++) {
    const audit_rule *r = s->visit[k];
    if ((r->visit_kind == 1 && v->ipt) || (r->visit_kind == 2 && !v->ipt)) continue;
    if (r->type->visit(x, r, vi, &f) && (rc = emit(x, r, v, NULL, &f, fn, arg))) return rc;
  }
  if (vi + 1 < d->n_visit) __builtin_prefetch(d->visit[vi + 1].ln); /* where the next visit's lines lie */
  for (uint32_t i = 0; i < v->nl; i++) {
    const ad_line *l = &v->ln[i];
    __builtin_prefetch(l + 8); /* ahead across page ends, where the hardware's prefetch stops */
    for (uint64_t m = x->may[l->item]; m; m &= m - 1) {
      const audit_rule *r = s->line[__builtin_ctzll(m)];
      if (r->type->line(x, r, l, &f) && (rc = emit(x, r, v, l, &f, fn, arg))) return rc;
    }
  }
  return 0;
}

int audit_peer_findings(const audit_data *d, const audit_rule *r, audit_peer *peers, size_t n, audit_finding_fn fn,
                        void *arg);

int audit_run(const audit_rules *rs, const audit_data *d, unsigned stages, const char *only_mdtrt,
              audit_finding_fn fn, void *arg, yb_err *e) {
  if (!d->finished) return yb_fail(e, YB_EINVAL, "audit", "data not finished (audit_data_finish)");
  run_set s = {0};
  bool need_sw = false;
  for (int i = 0; i < rs->n; i++) {
    const audit_rule *r = &rs->r[i];
    if (!r->enabled || !(r->stages & stages)) continue;
    if (s.n_line == 64 || s.n_visit == 64 || s.n_inst == 64) return yb_fail(e, YB_ELIMIT, "rules", "more than 64 rules of one level");
    if (r->type->level == AUDIT_LEVEL_LINE) s.line[s.n_line++] = r;
    else if (r->type->level == AUDIT_LEVEL_VISIT) s.visit[s.n_visit++] = r;
    else if (!only_mdtrt) s.inst[s.n_inst++] = r;
    if (r->type->line == ln_switch) need_sw = true;
  }
  audit_ctx x = {.d = d};
  for (int i = 0; i < s.n_line; i++) {
    const audit_rule *r = s.line[i];
    if (r->type->line != ln_contra) continue;
    if (x.n_contra == 8) return yb_fail(e, YB_ELIMIT, "rules", "more than 8 contraindication rules");
    for (int k = 0; k < r->n_pairs; k++)
      for (int j = 0; j < 2; j++) {
        int id = ad_intern_find(d, &d->i_ingr, r->pairs[k][j]);
        x.contra_ids[x.n_contra][k][j] = id < 0 ? -2 : id;
      }
    x.contra[x.n_contra++] = r;
  }
  int rc = 0;
  if (!(x.may = calloc(d->n_items, sizeof *x.may))) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  for (size_t i = 0; i < d->n_items; i++) {
    const ad_item *it = d->items[i].cat >= 0 ? &d->items[i] : NULL;
    for (int k = 0; k < s.n_line; k++) {
      const audit_rule *r = s.line[k];
      if ((!r->list_class || class_ok(r, it)) && (!r->type->may || r->type->may(r, it))) x.may[i] |= UINT64_C(1) << k;
    }
  }
  if (need_sw && (rc = prep_switching(&x, e))) goto out;
  if (only_mdtrt) {
    int vi = ad_intern_find(d, &d->i_visit, only_mdtrt);
    if (vi < 0) {
      rc = yb_fail(e, YB_ENOT_FOUND, "mdtrt_id", "visit '%s' is not in the audit data", only_mdtrt);
      goto out;
    }
    rc = run_visit(&x, &s, (uint32_t)vi, fn, arg);
    goto out;
  }
  /* the institutions' figures for peer rules are added up as each visit is checked (its lines at hand) */
  ad_tally t = {0};
  if (s.n_inst && (rc = ad_tally_new(d, &t, e))) goto out;
  for (uint32_t vi = 0; vi < d->n_visit && !rc; vi++)
    if (d->visit[vi].in_scope) {
      rc = run_visit(&x, &s, vi, fn, arg);
      if (t.p) ad_tally_visit(d, &d->visit[vi], &t);
    }
  if (!rc && t.p) {
    size_t n = 0;
    ad_tally_peers(&t, &x.peers, &n);
    for (int k = 0; k < s.n_inst && !rc; k++) rc = audit_peer_findings(d, s.inst[k], x.peers, n, fn, arg);
  }
  ad_tally_free(&t);
out:
  free(x.sw_item.e);
  free(x.groups);
  free(x.multi);
  free(x.peers);
  free(x.may);
  return rc;
}
