/* audit_extract.c — encoding the audit extract's segments (layout in audit_extract.h): records
 * appended to growing arrays, codes turned into ids of the extract's dictionaries (kept here as
 * hash tables, the new entries handed to the store), the whole laid out as one blob at ax_finish. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_extract.h"
#include "audit_int.h"

_Static_assert(sizeof(ax_head) % 8 == 0 && sizeof(ax_line) % 8 == 0, "records keep 8-byte alignment");

/* ---- a dictionary: text → dense id ------------------------------------------------------------ */
typedef struct strtab {
  char *s;
  size_t n, cap;           /* bytes */
  uint32_t *offs;          /* id → offset */
  size_t n_id, cap_id;
  uint64_t *slots;         /* hash << 32 | id + 1, 0 empty: a text is compared only on equal hashes */
  size_t mask;
} strtab;


static void st_free(strtab *t) { free(t->s), free(t->offs), free(t->slots); }

/* Slot of s (hash h): its id + 1 when present, else 0 and where it would go (*slot). */
static uint32_t st_find(const strtab *t, const char *s, uint64_t h, size_t *slot) {
  size_t i = h & t->mask;
  uint64_t tag = h >> 32 << 32;
  for (; t->slots[i]; i = (i + 1) & t->mask)
    if ((t->slots[i] & ~UINT64_C(0xffffffff)) == tag && !strcmp(t->s + t->offs[(uint32_t)t->slots[i] - 1], s)) break;
  *slot = i;
  return (uint32_t)t->slots[i];
}

static int st_rehash(strtab *t) {
  size_t cap = t->slots ? (t->mask + 1) * 2 : 1024;
  uint64_t *sl = calloc(cap, sizeof *sl);
  if (!sl) return -1;
  for (size_t k = 0; k < t->n_id; k++) {
    uint64_t h = ad_hash(t->s + t->offs[k]);
    size_t i = h & (cap - 1);
    while (sl[i]) i = (i + 1) & (cap - 1);
    sl[i] = h >> 32 << 32 | ((uint64_t)k + 1);
  }
  free(t->slots);
  t->slots = sl;
  t->mask = cap - 1;
  return 0;
}

/* Id of s (NULL and "" are id 0 once the table holds ""), adding it when absent; UINT32_MAX on
 * memory failure. */
static uint32_t st_id(strtab *t, const char *s) {
  if (!s) s = "";
  if ((!t->slots || 2 * (t->n_id + 1) > t->mask + 1) && st_rehash(t)) return UINT32_MAX;
  size_t slot;
  uint64_t h = ad_hash(s);
  uint32_t v = st_find(t, s, h, &slot);
  if (v) return v - 1;
  size_t len = strlen(s) + 1;
  if (ad_grow((void **)&t->s, &t->cap, t->n + len, 1) || ad_grow((void **)&t->offs, &t->cap_id, t->n_id + 1, sizeof *t->offs))
    return UINT32_MAX;
  memcpy(t->s + t->n, s, len);
  t->offs[t->n_id] = (uint32_t)t->n;
  t->n += len;
  t->slots[slot] = h >> 32 << 32 | ++t->n_id;
  return (uint32_t)(t->n_id - 1);
}

/* ---- the writer ---------------------------------------------------------------------------------- */
struct ax_writer {
  const catalog *cat;       /* orders each settlement's lines as audit_data_finish will (NULL: as given) */
  int32_t *item_at;         /* item dictionary id → catalog index, -1 not in it, -3 not looked up */
  size_t n_item_at;
  strtab dict[AX_DICT_N];
  size_t stored[AX_DICT_N]; /* entries the store holds already */
  ax_line *line;
  size_t n_line, cap_line;
  ax_setl *setl;
  size_t n_setl, cap_setl;
  char *str; /* the segment's texts */
  size_t n_str, cap_str;
  char *blob;
  size_t cap_blob;
};

ax_writer *ax_writer_new(const catalog *cat) {
  ax_writer *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->cat = cat;
  for (int k = 1; k < AX_DICT_N; k++) {
    if (st_id(&w->dict[k], "") != 0) { /* id 0: none */
      ax_writer_free(w);
      return NULL;
    }
    w->stored[k] = 1;
  }
  return w;
}

void ax_writer_free(ax_writer *w) {
  if (!w) return;
  for (int k = 0; k < AX_DICT_N; k++) st_free(&w->dict[k]);
  free(w->line), free(w->setl), free(w->str), free(w->blob), free(w->item_at);
  free(w);
}

static int nomem(yb_err *e) { return yb_fail(e, YB_ENOMEM, "audit extract", "out of memory"); }

static int bad_time(yb_err *e, const char *field, const char *v) {
  return yb_fail(e, YB_EINVAL, field, "'%s' is not a date yyyy-MM-dd[ HH:mm:ss]", v ? v : "");
}

int ax_writer_dict(ax_writer *w, int kind, int64_t id, const char *text, yb_err *e) {
  if (kind < 1 || kind >= AX_DICT_N) return yb_fail(e, YB_EINVAL, "audit_extract_dict.kind", "%d is not a kind", kind);
  strtab *t = &w->dict[kind];
  if (id != (int64_t)t->n_id || !text || !*text)
    return yb_fail(e, YB_ESTORE, "audit_extract_dict", "entry %lld of kind %d is out of sequence", (long long)id, kind);
  if (st_id(t, text) != (uint32_t)id)
    return st_id(t, text) == UINT32_MAX ? nomem(e)
                                        : yb_fail(e, YB_ESTORE, "audit_extract_dict", "'%s' is in it twice", text);
  w->stored[kind] = t->n_id;
  return 0;
}

int ax_new_dict(ax_writer *w, int (*fn)(int kind, int64_t id, const char *text, void *), void *arg) {
  for (int k = 1; k < AX_DICT_N; k++) {
    strtab *t = &w->dict[k];
    for (; w->stored[k] < t->n_id; w->stored[k]++) {
      int rc = fn(k, (int64_t)w->stored[k], t->s + t->offs[w->stored[k]], arg);
      if (rc) return rc;
    }
  }
  return 0;
}

/* Offset of a copy of s in the segment's texts (0 for ""); UINT32_MAX on memory failure. */
static uint32_t text(ax_writer *w, const char *s) {
  if (!w->n_str) {
    if (ad_grow((void **)&w->str, &w->cap_str, 1, 1)) return UINT32_MAX;
    w->str[w->n_str++] = 0;
  }
  if (!s || !*s) return 0;
  size_t len = strlen(s) + 1;
  if (w->n_str + len > UINT32_MAX || ad_grow((void **)&w->str, &w->cap_str, w->n_str + len, 1)) return UINT32_MAX;
  memcpy(w->str + w->n_str, s, len);
  uint32_t off = (uint32_t)w->n_str;
  w->n_str += len;
  return off;
}

/* The catalog index of an item dictionary id (-1: not in the catalog). */
static int32_t item_index(ax_writer *w, uint32_t id) {
  if (!id) return -1;
  if (id >= w->n_item_at) {
    size_t old = w->n_item_at;
    if (ad_grow((void **)&w->item_at, &w->n_item_at, (size_t)id + 1, sizeof *w->item_at)) return -1;
    for (size_t i = old; i < w->n_item_at; i++) w->item_at[i] = -3;
  }
  if (w->item_at[id] == -3) {
    const catalog_item *it = catalog_find(w->cat, w->dict[AX_DICT_ITEM].s + w->dict[AX_DICT_ITEM].offs[id]);
    w->item_at[id] = it ? (int32_t)(it - catalog_at(w->cat, 0)) : -1;
  }
  return w->item_at[id];
}

static ax_writer *sort_w;
static int cmp_line(const void *a, const void *b) { /* audit_data_finish's order: time, item, upload order */
  const ax_line *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  int32_t i = item_index(sort_w, x->item), j = item_index(sort_w, y->item);
  if (i != j) return i < j ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The last settlement's lines in the order the loader's index wants, so that it need not sort. */
static void order_last(ax_writer *w) {
  if (!w->cat || !w->n_setl) return;
  ax_setl *s = &w->setl[w->n_setl - 1];
  bool in_order = true;
  sort_w = w;
  for (uint32_t k = 1; k < s->nl && in_order; k++) in_order = cmp_line(&w->line[s->l0 + k - 1], &w->line[s->l0 + k]) <= 0;
  if (!in_order) qsort(w->line + s->l0, s->nl, sizeof *w->line, cmp_line);
}

int ax_add_setl(ax_writer *w, const ax_setl_in *in, yb_err *e) {
  order_last(w);
  int32_t b, en;
  if (ad_time(in->begntime, &b) || b == AD_NONE) return bad_time(e, "visit.begntime", in->begntime);
  if (ad_time(in->endtime, &en)) return bad_time(e, "visit.endtime", in->endtime);
  if (ad_grow((void **)&w->setl, &w->cap_setl, w->n_setl + 1, sizeof *w->setl)) return nomem(e);
  ax_setl *s = &w->setl[w->n_setl];
  memset(s, 0, sizeof *s);
  s->psn = in->psn_rowid, s->inst = in->inst_rowid, s->visit = in->visit_rowid;
  if ((s->setl = text(w, in->setl_id)) == UINT32_MAX || (s->mdtrt = text(w, in->mdtrt_id)) == UINT32_MAX)
    return nomem(e);
  s->diag3 = ad_pack3(in->main_diag);
  s->beg = b;
  s->end = en;
  s->ipt = in->kind && !strcmp(in->kind, "ipt");
  s->l0 = (uint32_t)w->n_line;
  w->n_setl++;
  return 0;
}

/* The id of a code in dictionary `kind` (0 for none), adding it when new. */
static int code_id(ax_writer *w, int kind, const char *code, uint32_t *id, yb_err *e) {
  if (!code || !*code) return *id = 0, 0;
  return (*id = st_id(&w->dict[kind], code)) == UINT32_MAX ? nomem(e) : 0;
}

int ax_add_line(ax_writer *w, const audit_line_in *in, const char *fixmedins_code, yb_err *e) {
  if (!w->n_setl) return yb_fail(e, YB_EINVAL, "audit extract", "a line before its settlement");
  int32_t t;
  if (ad_time(in->fee_ocur_time, &t) || t == AD_NONE) return bad_time(e, "fee.fee_ocur_time", in->fee_ocur_time);
  if (ad_grow((void **)&w->line, &w->cap_line, w->n_line + 1, sizeof *w->line)) return nomem(e);
  ax_line *l = &w->line[w->n_line];
  memset(l, 0, sizeof *l);
  int rc;
  if ((rc = code_id(w, AX_DICT_ITEM, in->med_list_codg, &l->item, e)) ||
      (rc = code_id(w, AX_DICT_DOCTOR, in->bilg_dr_codg, &l->dr, e)))
    return rc;
  if (in->medins_list_codg && *in->medins_list_codg) { /* an own code means something only at its institution */
    char key[224];
    size_t a = strlen(fixmedins_code), b = strlen(in->medins_list_codg);
    if (a + b + 2 > sizeof key) return yb_fail(e, YB_ERANGE, "fee.medins_list_codg", "'%s' is too long", in->medins_list_codg);
    memcpy(key, fixmedins_code, a), key[a] = '\x1f', memcpy(key + a + 1, in->medins_list_codg, b + 1);
    if ((rc = code_id(w, AX_DICT_MGROUP, key, &l->mgroup, e))) return rc;
  }
  if ((l->sn = text(w, in->feedetl_sn)) == UINT32_MAX) return nomem(e);
  ad_line_figures(l, in, t);
  w->n_line++;
  w->setl[w->n_setl - 1].nl++;
  return 0;
}

size_t ax_lines(const ax_writer *w) { return w->n_line; }
size_t ax_setls(const ax_writer *w) { return w->n_setl; }
size_t ax_text_bytes(const ax_writer *w) { return w->n_str; }

int ax_seg_view(const void *blob, size_t len, ax_seg *v, yb_err *e) {
  if (len < sizeof v->h) return yb_fail(e, YB_ESTORE, "audit_extract", "segment too short");
  memcpy(&v->h, blob, sizeof v->h);
  if (v->h.magic != AX_MAGIC) return yb_fail(e, YB_ESTORE, "audit_extract", "segment of an unknown format");
  uint64_t need = sizeof v->h + (uint64_t)v->h.n_line * sizeof(ax_line) + (uint64_t)v->h.n_setl * sizeof(ax_setl) + v->h.str_bytes;
  if (need != len || !v->h.str_bytes) return yb_fail(e, YB_ESTORE, "audit_extract", "segment of a wrong size");
  v->lines = (const char *)blob + sizeof v->h;
  v->setls = v->lines + (size_t)v->h.n_line * sizeof(ax_line);
  v->str = v->setls + (size_t)v->h.n_setl * sizeof(ax_setl);
  if (v->str[v->h.str_bytes - 1]) return yb_fail(e, YB_ESTORE, "audit_extract", "segment with an unterminated text");
  if ((uintptr_t)v->lines % _Alignof(ax_line)) return yb_fail(e, YB_ESTORE, "audit_extract", "segment not 8-byte aligned");
  return 0;
}

/* ---- compaction ---------------------------------------------------------------------------------- */
typedef struct ax_ref { /* a settlement where it lies */
  int64_t psn, visit;
  int32_t beg;
  uint32_t seg, i;
} ax_ref;
static int cmp_ref(const void *a, const void *b) {
  const ax_ref *x = a, *y = b;
  if (x->psn != y->psn) return x->psn < y->psn ? -1 : 1;
  if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
  if (x->visit != y->visit) return x->visit < y->visit ? -1 : 1;
  if (x->seg != y->seg) return x->seg < y->seg ? -1 : 1; /* a stay's settlements keep their order */
  return (x->i > y->i) - (x->i < y->i);
}

/* Copy one packed settlement (texts at str, str_bytes of them) into w as it is. */
static int copy_setl(ax_writer *w, const ax_seg *v, const ax_setl *s, yb_err *e) {
  uint32_t nb = v->h.str_bytes;
  if (s->l0 > v->h.n_line || s->nl > v->h.n_line - s->l0 || s->setl >= nb || s->mdtrt >= nb)
    return yb_fail(e, YB_ESTORE, "audit_extract", "segment names lines or texts out of range");
  if (ad_grow((void **)&w->setl, &w->cap_setl, w->n_setl + 1, sizeof *w->setl) ||
      ad_grow((void **)&w->line, &w->cap_line, w->n_line + s->nl, sizeof *w->line))
    return nomem(e);
  ax_setl *o = &w->setl[w->n_setl];
  *o = *s;
  o->l0 = (uint32_t)w->n_line;
  if ((o->setl = text(w, v->str + s->setl)) == UINT32_MAX || (o->mdtrt = text(w, v->str + s->mdtrt)) == UINT32_MAX)
    return nomem(e);
  for (uint32_t k = 0; k < s->nl; k++) {
    ax_line l;
    memcpy(&l, v->lines + (size_t)(s->l0 + k) * sizeof l, sizeof l);
    if (l.sn >= nb) return yb_fail(e, YB_ESTORE, "audit_extract", "segment names a text out of range");
    if ((l.sn = text(w, v->str + l.sn)) == UINT32_MAX) return nomem(e);
    w->line[w->n_line++] = l;
  }
  w->n_setl++;
  return 0;
}

int ax_compact(ax_writer *w, const void *const *blobs, const size_t *lens, size_t n, size_t seg_lines,
               int (*flush)(void *arg, yb_err *e), void *arg, int64_t *setls, yb_err *e) {
  ax_seg *v = calloc(n + 1, sizeof *v);
  size_t total = 0;
  int rc = v ? 0 : nomem(e);
  for (size_t i = 0; !rc && i < n; i++)
    if (!(rc = ax_seg_view(blobs[i], lens[i], &v[i], e))) total += v[i].h.n_setl;
  ax_ref *r = rc ? NULL : malloc((total + 1) * sizeof *r);
  if (!rc && !r) rc = nomem(e);
  size_t k = 0;
  for (size_t i = 0; !rc && i < n; i++)
    for (uint32_t j = 0; j < v[i].h.n_setl; j++) {
      ax_setl s;
      memcpy(&s, v[i].setls + (size_t)j * sizeof s, sizeof s);
      r[k++] = (ax_ref){s.psn, s.visit, s.beg, (uint32_t)i, j};
    }
  if (!rc) qsort(r, total, sizeof *r, cmp_ref);
  for (k = 0; !rc && k < total; k++) {
    ax_setl s;
    memcpy(&s, v[r[k].seg].setls + (size_t)r[k].i * sizeof s, sizeof s);
    if (!(rc = copy_setl(w, &v[r[k].seg], &s, e)) && w->n_line >= seg_lines) rc = flush(arg, e);
  }
  if (!rc) rc = flush(arg, e);
  if (setls) *setls = rc ? 0 : (int64_t)total;
  free(v), free(r);
  return rc;
}

int ax_finish(ax_writer *w, const void **blob, size_t *len, int32_t *beg_min, int32_t *beg_max, yb_err *e) {
  order_last(w);
  if (text(w, NULL) == UINT32_MAX) return nomem(e); /* the texts hold at least "" */
  ax_head h = {AX_MAGIC, (uint32_t)w->n_line, (uint32_t)w->n_setl, (uint32_t)w->n_str, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < w->n_setl; i++) {
    if (w->setl[i].beg < h.beg_min) h.beg_min = w->setl[i].beg;
    if (w->setl[i].beg > h.beg_max) h.beg_max = w->setl[i].beg;
  }
  size_t n = sizeof h + w->n_line * sizeof *w->line + w->n_setl * sizeof *w->setl + w->n_str;
  if (ad_grow((void **)&w->blob, &w->cap_blob, n, 1)) return nomem(e);
  char *p = w->blob;
  memcpy(p, &h, sizeof h), p += sizeof h;
  memcpy(p, w->line, w->n_line * sizeof *w->line), p += w->n_line * sizeof *w->line;
  memcpy(p, w->setl, w->n_setl * sizeof *w->setl), p += w->n_setl * sizeof *w->setl;
  memcpy(p, w->str, w->n_str);
  *blob = w->blob;
  *len = n;
  *beg_min = h.beg_min;
  *beg_max = h.beg_max;
  w->n_line = w->n_setl = w->n_str = 0;
  return 0;
}
