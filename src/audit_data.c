/* audit_data.c — the audit engine's compact records: builders that intern codes into dense ids,
 * convert times to integers once, then sort visits by person and time and group lines by visit
 * (by time, item and upload order), so that the rule pass reads memory in one direction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit_extract.h"
#include "audit_int.h"

/* ---- small helpers ---------------------------------------------------------------------------- */
uint64_t ad_hash(const char *s) {
  uint64_t h = UINT64_C(14695981039346656037);
  for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
  return h ^ (h >> 29);
}

int ad_grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * size);
  if (!q) return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* Memory for n elements of `size` in *p (contents kept), in huge pages where the kernel offers them
 * on request: a whole period's lines fault in 2 MiB at a time instead of 4 KiB. */
static int reserve(void **p, size_t *cap, size_t n, size_t size, size_t used) {
  if (n <= *cap) return 0;
  const size_t huge = (size_t)2 << 20, bytes = (n * size + huge - 1) / huge * huge;
  void *q = NULL;
  if (posix_memalign(&q, huge, bytes)) return -1;
#ifdef MADV_HUGEPAGE
  madvise(q, bytes, MADV_HUGEPAGE);
#endif
  if (*p) memcpy(q, *p, used * size);
  free(*p);
  *p = q;
  *cap = bytes / size;
  return 0;
}

static uint32_t str_add(audit_data *d, const char *s) {
  if (!s || !*s) return 0;
  size_t len = strlen(s) + 1;
  if (ad_grow((void **)&d->str, &d->str_cap, d->str_n + len, 1)) return UINT32_MAX;
  memcpy(d->str + d->str_n, s, len);
  uint32_t off = (uint32_t)d->str_n;
  d->str_n += len;
  return off;
}

int ad_intern_find(const audit_data *d, const ad_intern *in, const char *s) {
  if (!in->cap || !s) return -1;
  for (size_t i = ad_hash(s) & in->mask;; i = (i + 1) & in->mask) {
    uint32_t v = in->slots[i];
    if (!v) return -1;
    if (!strcmp(d->str + in->offs[v - 1], s)) return (int)(v - 1);
  }
}

/* Id of s, adding it when absent (*added set). -1 on memory failure. */
static int intern(audit_data *d, ad_intern *in, const char *s, bool *added) {
  if (added) *added = false;
  if (2 * (in->n + 1) > in->cap) {
    size_t cap = in->cap ? in->cap * 2 : 64; /* small first: a live audit holds one person */
    uint32_t *sl = calloc(cap, sizeof *sl), *offs = realloc(in->offs, cap * sizeof *offs);
    if (!sl || !offs) {
      free(sl);
      if (offs) in->offs = offs;
      return -1;
    }
    in->offs = offs;
    for (size_t k = 0; k < in->n; k++) {
      size_t i = ad_hash(d->str + offs[k]) & (cap - 1);
      while (sl[i]) i = (i + 1) & (cap - 1);
      sl[i] = (uint32_t)k + 1;
    }
    free(in->slots);
    in->slots = sl;
    in->cap = cap;
    in->mask = cap - 1;
  }
  size_t i = ad_hash(s) & in->mask;
  for (; in->slots[i]; i = (i + 1) & in->mask)
    if (!strcmp(d->str + in->offs[in->slots[i] - 1], s)) return (int)(in->slots[i] - 1);
  uint32_t off = str_add(d, s);
  if (off == UINT32_MAX) return -1;
  in->offs[in->n] = off;
  in->slots[i] = (uint32_t)++in->n;
  if (added) *added = true;
  return (int)(in->n - 1);
}

static void intern_free(ad_intern *in) {
  free(in->slots);
  free(in->offs);
}

uint64_t ad_checkin_key(int32_t psn, int32_t inst, int32_t day) {
  return ((uint64_t)(uint32_t)psn << 36 | (uint64_t)((uint32_t)inst & 0xFFFFF) << 16 | ((uint32_t)day & 0xFFFF)) + 1;
}

static uint64_t mix64(uint64_t k) {
  k ^= k >> 33;
  k *= UINT64_C(0xff51afd7ed558ccd);
  return k ^ (k >> 33);
}

static int set_add(ad_set64 *s, uint64_t k) {
  if (2 * (s->n + 1) > s->mask + 1 || !s->k) {
    size_t cap = s->k ? (s->mask + 1) * 2 : 64;
    uint64_t *nk = calloc(cap, sizeof *nk);
    if (!nk) return -1;
    if (s->k)
      for (size_t i = 0; i <= s->mask; i++)
        if (s->k[i]) {
          size_t j = mix64(s->k[i]) & (cap - 1);
          while (nk[j]) j = (j + 1) & (cap - 1);
          nk[j] = s->k[i];
        }
    free(s->k);
    s->k = nk;
    s->mask = cap - 1;
  }
  size_t j = mix64(k) & s->mask;
  for (; s->k[j]; j = (j + 1) & s->mask)
    if (s->k[j] == k) return 0;
  s->k[j] = k;
  s->n++;
  return 0;
}

/* The value of k, adding k → next (*added) when absent; UINT32_MAX on memory failure. */
static uint32_t map_get(ad_map64 *m, uint64_t k, uint32_t next, bool *added) {
  *added = false;
  if (2 * (m->n + 1) > m->mask + 1 || !m->k) {
    size_t cap = m->k ? (m->mask + 1) * 2 : 64;
    uint64_t *nk = calloc(cap, sizeof *nk);
    uint32_t *nv = calloc(cap, sizeof *nv);
    if (!nk || !nv) {
      free(nk), free(nv);
      return UINT32_MAX;
    }
    for (size_t i = 0; m->k && i <= m->mask; i++)
      if (m->k[i]) {
        size_t j = mix64(m->k[i]) & (cap - 1);
        while (nk[j]) j = (j + 1) & (cap - 1);
        nk[j] = m->k[i], nv[j] = m->v[i];
      }
    free(m->k), free(m->v);
    m->k = nk, m->v = nv;
    m->mask = cap - 1;
  }
  size_t j = mix64(k) & m->mask;
  for (; m->k[j]; j = (j + 1) & m->mask)
    if (m->k[j] == k) return m->v[j];
  m->k[j] = k, m->v[j] = next;
  m->n++;
  *added = true;
  return next;
}

bool ad_set_has(const ad_set64 *s, uint64_t k) {
  if (!s->k) return false;
  for (size_t j = mix64(k) & s->mask; s->k[j]; j = (j + 1) & s->mask)
    if (s->k[j] == k) return true;
  return false;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) { /* H. Hinnant's algorithm */
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Days since 2000 and seconds within the day of a date text; -1 when malformed. */
static int parse_dt(const char *s, int64_t *days, int *secs) {
  int y, mo, dd, h = 0, mi = 0, se = 0;
  if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
      digits(s + 8, 2, &dd) || mo < 1 || mo > 12 || dd < 1 || dd > 31)
    return -1;
  if (s[10]) {
    if ((s[10] != ' ' && s[10] != 'T') || strlen(s) < 19 || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
        digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 60)
      return -1;
  }
  *days = days_from_civil(y, mo, dd) - 10957; /* 1970 → 2000 */
  *secs = h * 3600 + mi * 60 + se;
  return 0;
}

int ad_time(const char *s, int32_t *out) {
  if (!s || !*s) {
    *out = AD_NONE;
    return 0;
  }
  int64_t days;
  int secs;
  if (parse_dt(s, &days, &secs)) return -1;
  int64_t t = days * 86400 + secs; /* 1932 … 2068 */
  if (t <= INT32_MIN || t >= INT32_MAX) return -1;
  *out = (int32_t)t;
  return 0;
}

/* A date as days since 2000 (any year): birth, death and registration dates. */
static int ad_date(const char *s, int32_t *out) {
  if (!s || !*s) {
    *out = AD_NONE;
    return 0;
  }
  int64_t days;
  int secs;
  if (parse_dt(s, &days, &secs) || days <= -3000000 || days >= 3000000) return -1;
  *out = (int32_t)days;
  return 0;
}

int ad_age(int32_t brdy, int32_t day) {
  /* whole years: compare (month, day) through the civil dates */
  int64_t z[2] = {brdy, day}, y[2], md[2];
  for (int i = 0; i < 2; i++) {
    int64_t zz = z[i] + 10957 + 719468, era = (zz >= 0 ? zz : zz - 146096) / 146097, doe = zz - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    y[i] = yoe + era * 400 + (m <= 2);
    md[i] = m * 100 + dd;
  }
  int64_t a = y[1] - y[0] - (md[1] < md[0]);
  return (int)a;
}

static int bad_time(yb_err *e, const char *field, const char *v) {
  return yb_fail(e, YB_EINVAL, field, "'%s' is not a date yyyy-MM-dd[ HH:mm:ss]", v);
}

/* ---- builders ----------------------------------------------------------------------------------- */
/* The engine's copy of catalog item i, made when a line first names it (a live check of one visit
 * touches a few of the catalog's thousands). */
static void item_fill(audit_data *d, size_t id, size_t i) {
  const catalog_item *c = catalog_at(d->cat, i);
  ad_item *it = &d->items[id];
  it->cat = (int32_t)i;
  it->type = c->chrgitm_type;
  it->gend = c->gend;
  it->lv = c->lv;
  it->hosp_lv_min = c->hosp_lv_min;
  it->scope = c->scope;
  it->lmt = c->lmt_used_flag;
  it->n_ind = c->n_ind;
  it->age_min = c->age_min;
  it->age_max = c->age_max;
  it->max_days = c->max_days;
  memcpy(it->lim, c->price_limit, sizeof it->lim);
  it->drug = c->list_type ? (c->list_type < 200) : (c->chrgitm_type >= 9 && c->chrgitm_type <= 11);
  it->material = c->list_type ? (c->list_type >= 300) : c->chrgitm_type == 8;
  it->service = !it->drug && !it->material;
  it->dialysis = c->chrgitm_type == 5 && strstr(c->name, "透析") != NULL;
  it->ingr = c->ingredient[0] ? intern(d, &d->i_ingr, c->ingredient, NULL) : -1;
  it->ready = true;
}

audit_data *audit_data_new(const catalog *cat) {
  audit_data *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->cat = cat;
  if (ad_grow((void **)&d->str, &d->str_cap, 1 << 12, 1)) goto fail;
  d->str[0] = 0;
  d->str_n = 1;
  d->n_items = d->cap_items = 1; /* item 0: none; built lines add theirs as they are met */
  if (!(d->items = calloc(1, sizeof *d->items))) goto fail;
  d->items[0] = (ad_item){.ready = true, .cat = -1, .ingr = -1};
  d->hold.fd = -1;
  return d;
fail:
  audit_data_free(d);
  return NULL;
}

void audit_data_free(audit_data *d) {
  if (!d) return;
  intern_free(&d->i_psn), intern_free(&d->i_inst), intern_free(&d->i_visit);
  intern_free(&d->i_doc), intern_free(&d->i_mcode), intern_free(&d->i_ingr);
  free(d->mgrp.k), free(d->mgrp.v), free(d->mgrp_code);
  free(d->item_of.k), free(d->item_of.v);
  free(d->items), free(d->str), free(d->psn), free(d->inst), free(d->doc), free(d->visit), free(d->line);
  free(d->line_visit), free(d->span), free(d->dr_of), free(d->checkin.k);
  if (d->hold.base) munmap(d->hold.base, d->hold.len);
  if (d->hold.fd >= 0) close(d->hold.fd);
  free(d);
}

static int nomem(yb_err *e) { return yb_fail(e, YB_ENOMEM, "audit", "out of memory"); }

int audit_data_person(audit_data *d, const char *psn_no, const char *gend, const char *brdy,
                      const char *death_date, yb_err *e) {
  int32_t b, dd;
  if (ad_date(brdy, &b)) return bad_time(e, "person.brdy", brdy);
  if (ad_date(death_date, &dd)) return bad_time(e, "person.death_date", death_date);
  bool added;
  int id = intern(d, &d->i_psn, psn_no, &added);
  if (id < 0 || ad_grow((void **)&d->psn, &d->cap_psn, (size_t)id + 1, sizeof *d->psn)) return nomem(e);
  if (added) d->n_psn = (size_t)id + 1;
  ad_person *p = &d->psn[id];
  memset(p, 0, sizeof *p);
  p->gend = (uint8_t)(gend && (gend[0] == '1' || gend[0] == '2') ? gend[0] - '0' : 0);
  p->brdy = b;
  p->death = dd;
  p->code = d->i_psn.offs[id];
  return 0;
}

bool audit_data_has_person(const audit_data *d, const char *psn_no) {
  return ad_intern_find(d, &d->i_psn, psn_no) >= 0;
}

bool audit_data_has_inst(const audit_data *d, const char *code) { return ad_intern_find(d, &d->i_inst, code) >= 0; }

int audit_data_visit_ipt(const audit_data *d, const char *mdtrt_id) {
  int vi = ad_intern_find(d, &d->i_visit, mdtrt_id);
  return vi < 0 ? -1 : d->visit[vi].ipt;
}

int audit_data_inst(audit_data *d, const char *code, int hosp_lv, bool has_geo, int64_t lat_e6,
                    int64_t lon_e6, yb_err *e) {
  bool added;
  int id = intern(d, &d->i_inst, code, &added);
  if (id < 0 || ad_grow((void **)&d->inst, &d->cap_inst, (size_t)id + 1, sizeof *d->inst)) return nomem(e);
  if (added) d->n_inst = (size_t)id + 1;
  ad_inst *s = &d->inst[id];
  s->hosp_lv = (uint8_t)(hosp_lv >= 0 && hosp_lv <= 3 ? hosp_lv : 0);
  s->has_geo = has_geo;
  s->lat = (int32_t)lat_e6;
  s->lon = (int32_t)lon_e6;
  s->code = d->i_inst.offs[id];
  return 0;
}

static int need(audit_data *d, const ad_intern *in, const char *v, const char *field, int *id, yb_err *e) {
  if ((*id = ad_intern_find(d, in, v)) < 0)
    return yb_fail(e, YB_ENOT_FOUND, field, "'%s' was not added before", v ? v : "");
  return 0;
}

int audit_data_doctor(audit_data *d, const char *dr_code, const char *inst, const char *begndate,
                      const char *enddate, yb_err *e) {
  int in, rc;
  int32_t b, en;
  if ((rc = need(d, &d->i_inst, inst, "doctor.fixmedins_code", &in, e))) return rc;
  if (ad_date(begndate, &b)) return bad_time(e, "doctor.begndate", begndate);
  if (ad_date(enddate, &en)) return bad_time(e, "doctor.enddate", enddate);
  bool added;
  int id = intern(d, &d->i_doc, dr_code, &added);
  if (id < 0 || ad_grow((void **)&d->doc, &d->cap_doc, (size_t)id + 1, sizeof *d->doc)) return nomem(e);
  if (added) d->n_doc = (size_t)id + 1;
  d->doc[id] = (ad_doc){in, b == AD_NONE ? INT32_MIN : b, en};
  return 0;
}

int audit_data_checkin(audit_data *d, const char *psn_no, const char *inst, const char *time, yb_err *e) {
  int p, in, rc;
  int32_t t;
  if ((rc = need(d, &d->i_psn, psn_no, "dialysis_checkin.psn_no", &p, e)) ||
      (rc = need(d, &d->i_inst, inst, "dialysis_checkin.fixmedins_code", &in, e)))
    return rc;
  if (ad_time(time, &t) || t == AD_NONE) return bad_time(e, "dialysis_checkin.checkin_time", time);
  return set_add(&d->checkin, ad_checkin_key(p, in, ad_day(t))) ? nomem(e) : 0;
}

/* The (institution, own code) group of an own code already interned in i_mcode. -1 on memory. */
static int32_t medins_group(audit_data *d, int32_t inst, int32_t code) {
  bool added;
  uint32_t g = map_get(&d->mgrp, ((uint64_t)(uint32_t)inst << 32 | (uint32_t)code) + 1, (uint32_t)d->n_mgrp, &added);
  if (g == UINT32_MAX) return -1;
  if (added) {
    if (ad_grow((void **)&d->mgrp_code, &d->cap_mgrp, d->n_mgrp + 1, sizeof *d->mgrp_code)) return -1;
    d->mgrp_code[d->n_mgrp++] = d->i_mcode.offs[code];
    d->n_mgrp_text = d->n_mgrp;
  }
  return (int32_t)g;
}

uint32_t ad_pack3(const char *s) {
  uint32_t v = 0;
  for (int i = 0; i < 3 && s && s[i]; i++) v = v << 8 | (unsigned char)s[i];
  return v;
}

int audit_data_visit(audit_data *d, const char *mdtrt_id, const char *psn_no, const char *inst,
                     const char *kind, const char *begntime, const char *endtime, const char *main_diag,
                     bool in_scope, yb_err *e) {
  int p, in, rc;
  int32_t b, en;
  if ((rc = need(d, &d->i_psn, psn_no, "visit.psn_no", &p, e)) ||
      (rc = need(d, &d->i_inst, inst, "visit.fixmedins_code", &in, e)))
    return rc;
  if (ad_time(begntime, &b) || b == AD_NONE) return bad_time(e, "visit.begntime", begntime);
  if (ad_time(endtime, &en)) return bad_time(e, "visit.endtime", endtime);
  bool added;
  int id = intern(d, &d->i_visit, mdtrt_id, &added);
  if (id < 0 || ad_grow((void **)&d->visit, &d->cap_visit, (size_t)id + 1, sizeof *d->visit)) return nomem(e);
  if (!added) return yb_fail(e, YB_ECONFLICT, "visit.mdtrt_id", "'%s' added twice", mdtrt_id);
  d->n_visit = (size_t)id + 1;
  ad_visit *v = &d->visit[id];
  memset(v, 0, sizeof *v);
  v->psn = p;
  v->inst = in;
  v->ipt = kind && !strcmp(kind, "ipt");
  v->in_scope = in_scope;
  v->beg = b;
  v->end = en;
  v->diag3 = ad_pack3(main_diag);
  v->mdtrt = d->i_visit.offs[id];
  return 0;
}

int audit_data_setl(audit_data *d, const char *mdtrt_id, const char *setl_id, yb_err *e) {
  int v, rc;
  if ((rc = need(d, &d->i_visit, mdtrt_id, "settlement.mdtrt_id", &v, e))) return rc;
  if (!d->visit[v].setl && setl_id && *setl_id) {
    uint32_t off = str_add(d, setl_id);
    if (off == UINT32_MAX) return nomem(e);
    d->visit[v].setl = off;
  }
  return 0;
}

int audit_data_line(audit_data *d, const audit_line_in *in, yb_err *e) {
  int v, rc;
  int32_t t;
  if (d->loaded) return yb_fail(e, YB_EINVAL, "audit", "lines are loaded from the extract here");
  if ((rc = need(d, &d->i_visit, in->mdtrt_id, "fee.mdtrt_id", &v, e))) return rc;
  if (ad_time(in->fee_ocur_time, &t) || t == AD_NONE) return bad_time(e, "fee.fee_ocur_time", in->fee_ocur_time);
  size_t cap = d->cap_line;
  if (ad_grow((void **)&d->line, &d->cap_line, d->n_line + 1, sizeof *d->line) ||
      ad_grow((void **)&d->line_visit, &cap, d->cap_line, sizeof *d->line_visit))
    return nomem(e);
  ad_line *l = &d->line[d->n_line];
  memset(l, 0, sizeof *l);
  d->line_visit[d->n_line] = (uint32_t)v;
  const catalog_item *it = d->cat ? catalog_find(d->cat, in->med_list_codg) : NULL;
  if (it) {
    size_t ci = (size_t)(it - catalog_at(d->cat, 0));
    bool added;
    uint32_t id = map_get(&d->item_of, (uint64_t)ci + 1, (uint32_t)d->n_items, &added);
    if (id == UINT32_MAX || (added && ad_grow((void **)&d->items, &d->cap_items, d->n_items + 1, sizeof *d->items)))
      return nomem(e);
    if (added) {
      d->items[id] = (ad_item){.cat = -1, .ingr = -1};
      item_fill(d, id, ci);
      d->n_items++;
    }
    l->item = id;
  }
  if (in->bilg_dr_codg && *in->bilg_dr_codg) { /* doctor ids when built: 0 none, 1 registered nowhere, doc + 2 */
    int dr = ad_intern_find(d, &d->i_doc, in->bilg_dr_codg);
    l->dr = dr < 0 ? 1 : (uint32_t)dr + 2;
  }
  /* an institution's own code means something only there: grouped with the institution */
  if (in->medins_list_codg && *in->medins_list_codg) {
    int code = intern(d, &d->i_mcode, in->medins_list_codg, NULL);
    int32_t g = code < 0 ? -1 : medins_group(d, d->visit[v].inst, code);
    if (g < 0) return nomem(e);
    l->mgroup = (uint32_t)g + 1;
  }
  uint32_t sn = str_add(d, in->feedetl_sn), st = in->setl_id && *in->setl_id ? str_add(d, in->setl_id) : 0;
  if (sn == UINT32_MAX || st == UINT32_MAX) return nomem(e);
  l->sn = sn;
  l->setl = st;
  ad_line_figures(l, in, t);
  d->n_line++;
  return 0;
}

/* ---- finishing: visits by (person, begin), each visit's lines by (time, catalog index, seq) ---- */
struct ad_span { /* a later settlement's lines of a loaded visit met again */
  uint32_t visit, n, setl, ord; /* setl: its settlement's text offset in d->str; ord: order met */
  const ad_line *ln;
  const char *str;
};

static int visit_cmp(const audit_data *d, const ad_visit *x, const ad_visit *y) {
  if (x->psn != y->psn) return x->psn < y->psn ? -1 : 1;
  if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
  return strcmp(ad_mdtrt(d, x), ad_mdtrt(d, y));
}
static int line_cmp(const audit_data *d, const ad_line *x, const ad_line *y) {
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  int32_t i = d->items[x->item].cat, j = d->items[y->item].cat;
  if (i != j) return i < j ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}
static const audit_data *sort_d;
static int cmp_line(const void *a, const void *b) { return line_cmp(sort_d, a, b); }
static int cmp_span(const void *a, const void *b) {
  const struct ad_span *x = a, *y = b;
  return x->visit != y->visit ? (x->visit < y->visit ? -1 : 1) : (x->ord > y->ord) - (x->ord < y->ord);
}
static void sort_lines(const audit_data *d, ad_line *ls, size_t n) {
  size_t i = 1;
  while (i < n && line_cmp(d, &ls[i - 1], &ls[i]) <= 0) i++;
  if (i >= n) return;
  sort_d = d;
  qsort(ls, n, sizeof *ls, cmp_line);
}

/* Visits into (person, begin) order: a stable counting pass by person, then an insertion pass that
 * moves a visit only among its person's (a region's settlements arrive in time order, so there
 * is little to move). Built lines and spans follow their visits. */
static int sort_visits(audit_data *d, yb_err *e) {
  size_t nv = d->n_visit, i = 1;
  while (i < nv && visit_cmp(d, &d->visit[i - 1], &d->visit[i]) <= 0) i++;
  if (i >= nv) return 0;
  uint32_t *ord = malloc((nv + 1) * sizeof *ord), *rank = malloc((nv + 1) * sizeof *rank);
  uint32_t *at = calloc(d->n_psn + 1, sizeof *at);
  ad_visit *vs = malloc((nv + 1) * sizeof *vs);
  if (!ord || !rank || !at || !vs) {
    free(ord), free(rank), free(at), free(vs);
    return nomem(e);
  }
  for (i = 0; i < nv; i++) at[d->visit[i].psn + 1]++;
  for (i = 0; i < d->n_psn; i++) at[i + 1] += at[i];
  for (i = 0; i < nv; i++) ord[at[d->visit[i].psn]++] = (uint32_t)i;
  for (i = 1; i < nv; i++) {
    uint32_t o = ord[i];
    size_t j = i;
    for (; j > 0 && visit_cmp(d, &d->visit[ord[j - 1]], &d->visit[o]) > 0; j--) ord[j] = ord[j - 1];
    ord[j] = o;
  }
  for (i = 0; i < nv; i++) {
    rank[ord[i]] = (uint32_t)i;
    vs[i] = d->visit[ord[i]];
  }
  for (i = 0; i < d->n_line && d->line_visit; i++) d->line_visit[i] = rank[d->line_visit[i]];
  for (i = 0; i < d->n_span; i++) d->span[i].visit = rank[d->span[i].visit];
  /* the visit intern (when visits were added by code) now maps to sorted positions */
  for (i = 0; i <= d->i_visit.mask && d->i_visit.slots; i++)
    if (d->i_visit.slots[i]) d->i_visit.slots[i] = rank[d->i_visit.slots[i] - 1] + 1;
  if (d->i_visit.n == nv)
    for (i = 0; i < nv; i++) d->i_visit.offs[i] = vs[i].mdtrt;
  free(d->visit), free(ord), free(rank), free(at);
  d->visit = vs;
  d->cap_visit = nv + 1;
  return 0;
}

/* Built lines grouped by visit (stable), each visit's sorted. */
static int group_built(audit_data *d, yb_err *e) {
  size_t nv = d->n_visit, nl = d->n_line;
  uint32_t *pos = calloc(nv + 1, sizeof *pos);
  ad_line *ls = malloc((nl + 1) * sizeof *ls);
  int32_t *dr = malloc((d->n_doc + 2) * sizeof *dr);
  if (!pos || !ls || !dr) {
    free(pos), free(ls), free(dr);
    return nomem(e);
  }
  dr[0] = -1, dr[1] = -2; /* the ids audit_data_line gives: 0 none, 1 registered nowhere, doc + 2 */
  for (size_t i = 0; i < d->n_doc; i++) dr[i + 2] = (int32_t)i;
  free(d->dr_of);
  d->dr_of = dr;
  d->n_dr_of = d->n_doc + 2;
  for (size_t i = 0; i < nl; i++) pos[d->line_visit[i]]++;
  uint32_t acc = 0;
  for (size_t i = 0; i < nv; i++) {
    ad_visit *v = &d->visit[i];
    v->ln = ls + acc, v->nl = pos[i], v->str = NULL;
    pos[i] = acc;
    acc += v->nl;
  }
  for (size_t i = 0; i < nl; i++) ls[pos[d->line_visit[i]]++] = d->line[i];
  for (size_t i = 0; i < nv; i++) sort_lines(d, (ad_line *)d->visit[i].ln, d->visit[i].nl);
  free(d->line), free(d->line_visit), free(pos);
  d->line = ls, d->line_visit = NULL, d->cap_line = nl + 1;
  return 0;
}

/* Lines of src (texts at base) from the period's start on, to dst with their texts copied into
 * d->str; setl 0 becomes `setl`. The count copied, or -1 on memory failure. */
static int64_t copy_lines(audit_data *d, ad_line *dst, const ad_line *src, size_t n, const char *base, uint32_t setl) {
  int64_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (src[i].t < d->line_from) continue;
    ad_line x = src[i];
    uint32_t sn = str_add(d, base + x.sn), st = x.setl ? str_add(d, base + x.setl) : setl;
    if (sn == UINT32_MAX || st == UINT32_MAX) return -1;
    x.sn = sn, x.setl = st;
    dst[k++] = x;
  }
  return k;
}

/* Loaded visits whose lines lie apart (a stay settled more than once) or out of order: copied
 * together into d->line and sorted. Every other visit reads its lines where the segment lies. */
static int copy_loaded(audit_data *d, yb_err *e) {
  size_t need = 0, sp = 0;
  for (size_t i = 0; i < d->n_visit; i++)
    if (d->visit[i].copy) need += d->visit[i].nl;
  for (size_t i = 0; i < d->n_span; i++) need += d->span[i].n;
  if (!need) return 0;
  ad_line *ls = malloc(need * sizeof *ls);
  if (!ls) return nomem(e);
  qsort(d->span, d->n_span, sizeof *d->span, cmp_span);
  size_t k = 0;
  for (size_t i = 0; i < d->n_visit; i++) {
    ad_visit *v = &d->visit[i];
    if (!v->copy) continue;
    size_t l0 = k;
    int64_t n = copy_lines(d, ls + k, v->ln, v->nl, ad_ltext(d, v, 0), 0);
    for (k += n < 0 ? 0 : (size_t)n; n >= 0 && sp < d->n_span && d->span[sp].visit == i; sp++) {
      const struct ad_span *a = &d->span[sp];
      if ((n = copy_lines(d, ls + k, a->ln, a->n, a->str, a->setl)) >= 0) k += (size_t)n;
    }
    uint32_t mo = n < 0 ? UINT32_MAX : str_add(d, ad_mdtrt(d, v)), so = mo == UINT32_MAX ? mo : str_add(d, ad_setl(d, v));
    if (so == UINT32_MAX) return free(ls), nomem(e);
    v->ln = ls + l0, v->nl = (uint32_t)(k - l0), v->str = NULL, v->copy = 0, v->mdtrt = mo, v->setl = so;
    sort_lines(d, ls + l0, v->nl);
  }
  free(d->line);
  d->line = ls, d->cap_line = need;
  return 0;
}

int audit_data_finish(audit_data *d, yb_err *e) {
  if (d->finished) return 0;
  int rc;
  if ((rc = sort_visits(d, e)) || (rc = d->loaded ? copy_loaded(d, e) : group_built(d, e))) return rc;
  for (size_t i = 0; i < d->n_psn; i++) d->psn[i].v0 = d->psn[i].nv = 0;
  size_t nl = 0;
  for (size_t i = 0; i < d->n_visit; i++) {
    ad_person *p = &d->psn[d->visit[i].psn];
    if (!p->nv) p->v0 = (uint32_t)i;
    p->nv++;
    nl += d->visit[i].nl;
  }
  d->n_line = nl;
  d->finished = true;
  return 0;
}

size_t audit_data_lines(const audit_data *d) { return d->n_line; }
size_t audit_data_visits(const audit_data *d) { return d->n_visit; }

/* ---- the extract's segments (audit_extract.h) ------------------------------------------------------ */
typedef struct idmap { /* store row id or dictionary id → audit_data id; -3 absent */
  int32_t *v;
  size_t n;
} idmap;

struct ax_load {
  audit_data *d;
  int32_t since, from, until;
  idmap psn, inst;
  uint32_t *visit; /* by visit row id: audit visit id + 1 */
  size_t n_visit;
  ad_intern voids;
};

static int map_put(idmap *m, int64_t key, int32_t v) {
  if (key < 0 || key > INT32_MAX) return -1;
  size_t k = (size_t)key, old = m->n;
  if (ad_grow((void **)&m->v, &m->n, k + 1, sizeof *m->v)) return -1;
  for (size_t i = old; i < m->n; i++) m->v[i] = -3;
  m->v[k] = v;
  return 0;
}

static int32_t map_at(const idmap *m, int64_t key) {
  return key >= 0 && (uint64_t)key < m->n ? m->v[key] : -3;
}

ax_load *ax_load_new(audit_data *d, int32_t since, int32_t from, int32_t until) {
  ax_load *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->d = d;
  l->since = since, l->from = from, l->until = until;
  /* a loaded line's item and doctor ids are the extract's dictionary ids */
  ad_item *items = realloc(d->items, sizeof *items);
  int32_t *dr = malloc(sizeof *dr);
  if (!items || !dr || d->n_line) {
    if (items) d->items = items;
    free(dr), free(l);
    return NULL;
  }
  d->items = items, d->n_items = d->cap_items = 1;
  d->dr_of = dr, d->dr_of[0] = -1, d->n_dr_of = 1;
  d->loaded = true;
  d->line_from = from;
  return l;
}

audit_data *ax_load_data(ax_load *l) { return l->d; }

int ax_load_reserve(ax_load *l, int64_t setls, yb_err *e) {
  audit_data *d = l->d;
  if (setls < 0) return 0;
  return reserve((void **)&d->visit, &d->cap_visit, d->n_visit + (size_t)setls, sizeof *d->visit, d->n_visit) ? nomem(e) : 0;
}

void ax_load_free(ax_load *l) {
  if (!l) return;
  free(l->psn.v), free(l->inst.v), free(l->visit);
  intern_free(&l->voids);
  free(l);
}

/* Persons are named by row id in the extract and in check-ins: no code intern (a city's millions). */
int ax_load_person(ax_load *l, int64_t rowid, const char *psn_no, const char *gend, const char *brdy,
                   const char *death_date, yb_err *e) {
  audit_data *d = l->d;
  int32_t b, dd;
  if (ad_date(brdy, &b)) return bad_time(e, "person.brdy", brdy);
  if (ad_date(death_date, &dd)) return bad_time(e, "person.death_date", death_date);
  if (map_at(&l->psn, rowid) != -3) return yb_fail(e, YB_ECONFLICT, "person.rowid", "%lld added twice", (long long)rowid);
  uint32_t code = str_add(d, psn_no);
  if (code == UINT32_MAX || ad_grow((void **)&d->psn, &d->cap_psn, d->n_psn + 1, sizeof *d->psn) ||
      map_put(&l->psn, rowid, (int32_t)d->n_psn))
    return nomem(e);
  d->psn[d->n_psn++] = (ad_person){.gend = (uint8_t)(gend && (gend[0] == '1' || gend[0] == '2') ? gend[0] - '0' : 0),
                                   .brdy = b, .death = dd, .code = code};
  return 0;
}

int ax_load_checkin(ax_load *l, int64_t psn_rowid, const char *inst, const char *time, yb_err *e) {
  int32_t p = map_at(&l->psn, psn_rowid), t;
  int in, rc;
  if (p < 0) return yb_fail(e, YB_ENOT_FOUND, "dialysis_checkin.psn_no", "person row %lld is missing", (long long)psn_rowid);
  if ((rc = need(l->d, &l->d->i_inst, inst, "dialysis_checkin.fixmedins_code", &in, e))) return rc;
  if (ad_time(time, &t) || t == AD_NONE) return bad_time(e, "dialysis_checkin.checkin_time", time);
  return set_add(&l->d->checkin, ad_checkin_key(p, in, ad_day(t))) ? nomem(e) : 0;
}

int ax_load_inst(ax_load *l, int64_t rowid, const char *code, int hosp_lv, bool has_geo, int64_t lat_e6,
                 int64_t lon_e6, yb_err *e) {
  int rc = audit_data_inst(l->d, code, hosp_lv, has_geo, lat_e6, lon_e6, e);
  if (rc) return rc;
  return map_put(&l->inst, rowid, ad_intern_find(l->d, &l->d->i_inst, code)) ? nomem(e) : 0;
}

int ax_load_dict(ax_load *l, int kind, int64_t id, const char *text, yb_err *e) {
  audit_data *d = l->d;
  if (id < 1 || id > INT32_MAX) return yb_fail(e, YB_EINVAL, "audit_extract_dict.id", "%lld is out of range", (long long)id);
  size_t k = (size_t)id;
  if (kind == AX_DICT_ITEM) {
    size_t old = d->n_items;
    if (ad_grow((void **)&d->items, &d->n_items, k + 1, sizeof *d->items)) return nomem(e);
    for (size_t i = old; i < d->n_items; i++) d->items[i] = (ad_item){.cat = -1, .ingr = -1}; /* not ready: no entry */
    const catalog_item *it = d->cat ? catalog_find(d->cat, text) : NULL;
    if (it) item_fill(d, k, (size_t)(it - catalog_at(d->cat, 0)));
    else d->items[k] = (ad_item){.ready = true, .cat = -1, .ingr = -1};
  } else if (kind == AX_DICT_DOCTOR) {
    size_t old = d->n_dr_of;
    if (ad_grow((void **)&d->dr_of, &d->n_dr_of, k + 1, sizeof *d->dr_of)) return nomem(e);
    for (size_t i = old; i < d->n_dr_of; i++) d->dr_of[i] = -3;
    int v = ad_intern_find(d, &d->i_doc, text);
    d->dr_of[k] = v < 0 ? -2 : v; /* -2: named but not registered anywhere */
  } else if (kind == AX_DICT_MGROUP) { /* fixmedins_code \x1f own code: a group of its own, id = group + 1 */
    if (k != d->n_mgrp + 1)
      return yb_fail(e, YB_EINVAL, "audit_extract_dict.id", "own-code group %lld follows %zu", (long long)id, d->n_mgrp);
    const char *own = strchr(text, '\x1f');
    uint32_t off = str_add(d, own ? own + 1 : text);
    if (off == UINT32_MAX || ad_grow((void **)&d->mgrp_code, &d->cap_mgrp, d->n_mgrp + 1, sizeof *d->mgrp_code))
      return nomem(e);
    d->mgrp_code[d->n_mgrp++] = off;
    d->n_mgrp_text = d->n_mgrp;
  } else {
    return yb_fail(e, YB_EINVAL, "audit_extract_dict.kind", "%d is not a dictionary kind", kind);
  }
  return 0;
}

int ax_load_groups(ax_load *l, int64_t n, int (*lookup)(void *, int32_t, char *, size_t), void *ctx, yb_err *e) {
  audit_data *d = l->d;
  if (d->n_mgrp || n < 0 || n > INT32_MAX)
    return yb_fail(e, YB_EINVAL, "audit_extract_dict", "own-code groups given twice or %lld of them", (long long)n);
  d->n_mgrp = (size_t)n; /* dictionary id k is group k - 1 */
  d->mgrp_lookup = lookup;
  d->mgrp_ctx = ctx;
  return 0;
}

const char *ad_mgroup_code(const audit_data *d, int32_t g, char *buf, size_t cap) {
  if (g >= 0 && (size_t)g < d->n_mgrp_text) return ad_s(d, d->mgrp_code[g]);
  buf[0] = 0;
  if (g >= 0 && d->mgrp_lookup && !d->mgrp_lookup(d->mgrp_ctx, g, buf, cap)) return buf;
  return "?";
}

int ax_load_void(ax_load *l, const char *setl_id, yb_err *e) {
  return intern(l->d, &l->voids, setl_id, NULL) < 0 ? nomem(e) : 0;
}

static int bad_seg(yb_err *e, const char *why) { return yb_fail(e, YB_ESTORE, "audit_extract", "segment %s", why); }

typedef ax_seg seg_view;

static const char *seg_text(const seg_view *v, uint32_t off) { return off < v->h.str_bytes ? v->str + off : NULL; }

/* A line whose ids and text name what the data holds (its record is read in place later). */
static bool line_ok(const audit_data *d, const ad_line *x, uint32_t str_bytes) {
  return x->item < d->n_items && d->items[x->item].ready && x->dr < d->n_dr_of && d->dr_of[x->dr] != -3 &&
         x->mgroup <= d->n_mgrp && x->sn < str_bytes && !x->setl;
}

static int seg_setl(ax_load *l, const seg_view *v, const ax_setl *s, yb_err *e) {
  audit_data *d = l->d;
  const char *mdtrt = seg_text(v, s->mdtrt), *setl_id = seg_text(v, s->setl);
  if (!mdtrt || !setl_id) return bad_seg(e, "names a text out of range");
  if (l->voids.n && ad_intern_find(d, &l->voids, setl_id) >= 0) return 0;
  int32_t p = map_at(&l->psn, s->psn), in = map_at(&l->inst, s->inst);
  if (p < 0) return yb_fail(e, YB_ENOT_FOUND, "settlement.psn_no", "person row %lld of %s is missing", (long long)s->psn, setl_id);
  if (in < 0) return yb_fail(e, YB_ENOT_FOUND, "settlement.fixmedins_code", "institution row %lld of %s is missing", (long long)s->inst, setl_id);
  if (s->visit < 0 || s->visit > INT32_MAX) return bad_seg(e, "names a bad visit row");
  if (s->l0 > v->h.n_line || s->nl > v->h.n_line - s->l0) return bad_seg(e, "names lines out of range");
  /* its lines: checked, and from the period's start on a suffix when in the engine's order */
  const ad_line *ln = (const ad_line *)(const void *)v->lines + s->l0;
  uint32_t first = s->nl, n = 0;
  bool in_order = true;
  for (uint32_t k = 0; k < s->nl; k++) {
    __builtin_prefetch(&ln[k + 48]); /* ahead across page ends, where the hardware's prefetch stops */
    if (!line_ok(d, &ln[k], v->h.str_bytes)) return bad_seg(e, "names a code its dictionary lacks or a text out of range");
    if (ln[k].t >= l->from) first = first < k ? first : k, n++;
    if (k && in_order && line_cmp(d, &ln[k - 1], &ln[k]) > 0) in_order = false;
  }
  if (in_order) ln += first;
  size_t vr = (size_t)s->visit, old = l->n_visit;
  if (ad_grow((void **)&l->visit, &l->n_visit, vr + 1, sizeof *l->visit)) return nomem(e);
  if (l->n_visit > old) memset(l->visit + old, 0, (l->n_visit - old) * sizeof *l->visit);
  uint32_t id = l->visit[vr];
  if (!id) { /* its texts stay in the segment too */
    if (ad_grow((void **)&d->visit, &d->cap_visit, d->n_visit + 1, sizeof *d->visit)) return nomem(e);
    d->visit[d->n_visit] = (ad_visit){.psn = p, .inst = in, .ipt = s->ipt, .in_scope = s->beg >= l->from, .beg = s->beg,
                                      .end = s->end, .diag3 = s->diag3, .mdtrt = s->mdtrt, .setl = s->setl, .ln = ln,
                                      .nl = in_order ? n : s->nl, .str = v->str, .copy = !in_order};
    id = (uint32_t)++d->n_visit;
    l->visit[vr] = id;
  } else { /* a later settlement of the stay: its newer view of the visit, its lines copied in at finish */
    ad_visit *w = &d->visit[id - 1];
    w->end = s->end;
    w->diag3 = s->diag3;
    w->copy = 1;
    uint32_t setl = str_add(d, setl_id);
    if (setl == UINT32_MAX || ad_grow((void **)&d->span, &d->cap_span, d->n_span + 1, sizeof *d->span)) return nomem(e);
    d->span[d->n_span] = (struct ad_span){.visit = id - 1, .n = s->nl, .setl = setl, .ord = (uint32_t)d->n_span, .ln = ln - (in_order ? first : 0), .str = v->str};
    d->n_span++;
  }
  d->n_line += n; /* the period's lines so far (audit_data_lines before finish recounts them) */
  return 0;
}

int ax_load_segment(ax_load *l, const void *blob, size_t len, yb_err *e) {
  if (l->d->finished) return yb_fail(e, YB_EINVAL, "audit", "data already finished");
  seg_view v;
  int rc = ax_seg_view(blob, len, &v, e);
  if (rc) return rc;
  if (v.h.beg_max < l->since || v.h.beg_min > l->until) return 0;
  for (uint32_t i = 0; !rc && i < v.h.n_setl; i++) {
    ax_setl s;
    memcpy(&s, v.setls + (size_t)i * sizeof s, sizeof s);
    if (s.beg >= l->since && s.beg <= l->until) rc = seg_setl(l, &v, &s, e);
  }
  return rc;
}

void audit_data_hold(audit_data *d, void *base, size_t len, int fd) {
  d->hold.base = base, d->hold.len = len, d->hold.fd = fd;
}
