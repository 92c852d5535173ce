/* audit_int.h — what audit.c (rules, the pass, screening) and audit_data.c (the compact records
 * and their builders) share; not for other modules. Times are seconds since 2000-01-01 00:00:00,
 * days are days since that date. */
#ifndef YB_AUDIT_INT_H
#define YB_AUDIT_INT_H

#include "audit.h"
#include "audit_extract.h"

#define AD_NONE INT32_MAX /* a missing day or time */

typedef struct ad_item {
  uint8_t type, gend, lv, hosp_lv_min, scope, lmt, n_ind;
  bool dialysis, drug, material, service;
  bool ready; /* filled from the catalog when a line first names it */
  int32_t cat; /* its catalog index; -1 a code not in the catalog (or no code) */
  int16_t age_min, age_max;
  int32_t max_days, ingr; /* ingr: interned ingredient, -1 none */
  int64_t lim[4];
} ad_item;

typedef struct ad_person {
  uint8_t gend;            /* 1 male, 2 female, 0 unknown */
  int32_t brdy, death;     /* days; death AD_NONE when alive */
  uint32_t v0, nv;         /* visits, sorted by begin */
  uint32_t code;           /* string offset */
} ad_person;

typedef struct ad_inst {
  uint8_t hosp_lv, has_geo;
  int32_t lat, lon;
  uint32_t code;
} ad_inst;

typedef struct ad_doc {
  int32_t inst, beg, end; /* days; end AD_NONE open */
} ad_doc;

typedef struct ad_visit {
  int32_t psn, inst;
  uint8_t ipt, in_scope;
  uint8_t copy;           /* loaded: its lines are copied together (and sorted) at finish */
  int32_t beg, end;       /* seconds; end AD_NONE when not discharged */
  uint32_t diag3;         /* first three characters of the main diagnosis, packed */
  uint32_t nl;            /* lines: ln[0 … nl-1], by (time, catalog index, upload order) */
  uint32_t mdtrt, setl;   /* text offsets from str (setl 0 = ""): ad_mdtrt, ad_setl */
  const struct ax_line *ln; /* in d->line, or where a segment lies (set by audit_data_finish) */
  const char *str;        /* the texts its lines' sn and setl are offsets in; NULL: d->str */
} ad_visit;

/* A fee line (audit_extract.h): item indexes audit_data.items, dr audit_data.dr_of, mgroup is the
 * own-code group + 1 (0 none). */
typedef struct ax_line ad_line;

/* string → dense id */
typedef struct ad_intern {
  uint32_t *slots;        /* id + 1, 0 empty */
  uint32_t *offs;         /* id → string offset */
  size_t n, cap, mask;
} ad_intern;

typedef struct ad_set64 {  /* open-addressing set of non-zero uint64 keys */
  uint64_t *k;
  size_t n, mask;
} ad_set64;

typedef struct ad_map64 {  /* open-addressing map of non-zero uint64 keys to uint32 values */
  uint64_t *k;
  uint32_t *v;
  size_t n, mask;
} ad_map64;

struct audit_data {
  const catalog *cat;
  ad_item *items;          /* by a line's item id: numbered as items are met when built, a dictionary id when loaded (0 none) */
  size_t n_items, cap_items;
  ad_map64 item_of;        /* built lines: catalog index + 1 → item id (not an array over the whole catalog:
                            * a live audit of one visit would clear and scan one entry per catalog item) */
  int32_t *dr_of;          /* a line's doctor id → doc index, -1 none, -2 registered nowhere, -3 unknown id */
  size_t n_dr_of;
  char *str;               /* string arena; offset 0 is "" */
  size_t str_n, str_cap;
  ad_intern i_psn, i_inst, i_visit, i_doc, i_mcode, i_ingr; /* i_mcode: institutions' own item codes */
  ad_map64 mgrp;           /* (institution, own code) → group: ad_line.medins */
  uint32_t *mgrp_code;     /* group → its own code (string offset), for the first n_mgrp_text groups */
  size_t n_mgrp, cap_mgrp, n_mgrp_text;
  /* the own code of a group without a text here (an extract's groups are millions, their codes are
   * wanted only in evidence): fills out, returns 0 */
  int (*mgrp_lookup)(void *ctx, int32_t group, char *out, size_t cap);
  void *mgrp_ctx;
  ad_person *psn;
  ad_inst *inst;
  ad_doc *doc;
  ad_visit *visit;
  ad_line *line;           /* built lines (and visits' lines copied together at finish) */
  uint32_t *line_visit;    /* built lines: their visit */
  bool loaded;             /* lines come from segments (ax_load), not audit_data_line */
  int32_t line_from;       /* loaded: lines before this time are left out */
  struct ad_span *span;    /* loaded: later settlements' lines of visits met again */
  size_t n_span, cap_span;
  struct { void *base; size_t len; int fd; } hold; /* a mapping (and its file) released when d is freed */
  size_t n_psn, n_inst, n_doc, n_visit, n_line;
  size_t cap_psn, cap_inst, cap_doc, cap_visit, cap_line;
  ad_set64 checkin;        /* (person, inst, day) */
  bool finished;
};

/* A line's catalog item, NULL when its code is not in the catalog. */
static inline const ad_item *ad_item_of(const audit_data *d, const ad_line *l) {
  const ad_item *it = &d->items[l->item];
  return it->cat >= 0 ? it : NULL;
}
/* A line's texts: sn, setl (0: the visit's settlement). */
static inline const char *ad_ltext(const audit_data *d, const ad_visit *v, uint32_t off) {
  return (v->str ? v->str : d->str) + off;
}

static inline const char *ad_mdtrt(const audit_data *d, const ad_visit *v) { return ad_ltext(d, v, v->mdtrt); }
static inline const char *ad_setl(const audit_data *d, const ad_visit *v) { return ad_ltext(d, v, v->setl); }

/* Screening figures per institution (audit_screen.c), added up one in-scope visit at a time and
 * then set against the level's peers; ad_tally_peers hands out the figures and frees the rest. */
typedef struct ad_tally {
  audit_peer *p;
  int64_t *test, *drug, *los, *ndis, *buf;
  size_t n;
} ad_tally;
int ad_tally_new(const audit_data *d, ad_tally *t, yb_err *e);
void ad_tally_visit(const audit_data *d, const ad_visit *v, ad_tally *t);
void ad_tally_peers(ad_tally *t, audit_peer **out, size_t *n);
void ad_tally_free(ad_tally *t);

/* FNV-1a of a text, mixed: the engine's and the extract's string hash. */
uint64_t ad_hash(const char *s);
/* Room for `need` elements of `size` in *p (capacity *cap, doubling); -1 on memory failure. */
int ad_grow(void **p, size_t *cap, size_t need, size_t size);
/* A line's prescribed days as the records hold them: 0 … 32767. */
static inline int16_t ad_days16(int d) { return (int16_t)(d < 0 ? 0 : d > 32767 ? 32767 : d); }
/* A line record's figures from an uploaded line at time t (the engine's builder and the extract's
 * encoder alike; codes and texts are each one's own). */
static inline void ad_line_figures(ad_line *l, const audit_line_in *in, int32_t t) {
  l->t = t;
  l->seq = (int32_t)in->seq;
  l->prd_days = ad_days16(in->prd_days);
  l->appr = (uint8_t)(in->hosp_appr_flag != 0);
  l->cnt = in->cnt;
  l->pric = in->pric;
  l->sumamt = in->sumamt;
}
/* The first three characters of a diagnosis code packed into an integer (the 3-character category). */
uint32_t ad_pack3(const char *s);
/* The own code of group g (medins_list_codg), through buf when it must be looked up. */
const char *ad_mgroup_code(const audit_data *d, int32_t g, char *buf, size_t cap);
static inline const char *ad_s(const audit_data *d, uint32_t off) { return d->str + off; }
static inline int32_t ad_day(int32_t t) { return t == AD_NONE ? AD_NONE : (t >= 0 ? t / 86400 : -((-t + 86399) / 86400)); }
/* Seconds since 2000 of yyyy-MM-dd[ HH:mm:ss]; AD_NONE for "" ; -1 return on a bad text. */
int ad_time(const char *s, int32_t *out);
uint64_t ad_checkin_key(int32_t psn, int32_t inst, int32_t day);
bool ad_set_has(const ad_set64 *s, uint64_t k);
int ad_intern_find(const audit_data *d, const ad_intern *in, const char *s);
/* Age in whole years on day `day` of a person born on day `brdy`. */
int ad_age(int32_t brdy, int32_t day);

#endif
