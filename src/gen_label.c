/* gen_label.c — the ground truth of the kinds whose pattern spans visits (split and frequent
 * admissions, a dead person's card, two places on one day, outpatient during a stay), computed
 * on a person's whole history exactly as docs/fraud-labels.md defines them. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

/* Labels whose pattern spans visits, computed on the person's whole history exactly as
 * docs/fraud-labels.md defines them; a match the generator did not inject is noted natural. */
static int label_if(store_conn *w, gen_region *g, gen_person *p, const gen_vsum *v, int kind, const char *why,
                    gen_stats *st, yb_err *e) {
  char note[96];
  if (v->fraud == kind + 1) snprintf(note, sizeof note, "injected");
  else snprintf(note, sizeof note, "natural: %s", why);
  return gen_write_label(w, kind, p, &g->inst[v->inst], v->mdtrt_id, v->setl_id, "", note, st, e);
}

static int vsum_cmp(const void *a, const void *b) {
  const gen_vsum *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->bsec < y->bsec ? -1 : x->bsec > y->bsec;
}

int gen_person_done(store_conn *w, gen_region *g, gen_person *p, gen_stats *st, yb_err *e) {
  gen_hist *h = g->hist;
  qsort(h->v, (size_t)h->n, sizeof *h->v, vsum_cmp);
  int rc = 0;
  for (int i = 0; i < h->n && !rc; i++) {
    const gen_vsum *v = &h->v[i];
    if (p->death && v->begin > p->death) rc = label_if(w, g, p, v, GEN_DEAD_PERSON_CARD, "after death", st, e);
    if (!rc && v->ipt) {
      int n180 = 1;
      const gen_vsum *prev = NULL;
      for (int j = 0; j < i; j++)
        if (h->v[j].ipt) {
          if (gen_date_diff(h->v[j].begin, v->begin) <= 180) n180++;
          if (!prev || h->v[j].end > prev->end) prev = &h->v[j];
        }
      if (prev && prev->end <= v->begin && gen_date_diff(prev->end, v->begin) <= 15 && !strcmp(prev->diag3, v->diag3))
        rc = label_if(w, g, p, v, GEN_SPLIT_ADMISSION, "readmission", st, e);
      if (!rc && n180 >= 4) rc = label_if(w, g, p, v, GEN_FREQUENT_ADMISSION, "4th in 180 days", st, e);
    }
    if (!rc && !v->ipt)
      for (int j = 0; j < h->n; j++) {
        const gen_vsum *s = &h->v[j];
        int64_t vb = (int64_t)gen_date_diff(20000101, v->begin) * 86400 + v->bsec;
        int64_t sb = (int64_t)gen_date_diff(20000101, s->begin) * 86400 + s->bsec;
        int64_t se = (int64_t)gen_date_diff(20000101, s->end) * 86400 + s->esec;
        if (s->ipt && vb > sb && vb < se) {
          rc = label_if(w, g, p, v, GEN_OTP_DURING_IPT, "inside a stay", st, e);
          break;
        }
      }
    for (int j = 0; j < i && !rc; j++)
      if (h->v[j].begin == v->begin && gen_km(&g->inst[h->v[j].inst], &g->inst[v->inst]) > 30.0) {
        rc = label_if(w, g, p, v, GEN_TWO_PLACES_SAME_DAY, "same day far apart", st, e);
        break;
      }
  }
  h->n = 0;
  memset(h->busy, 0, sizeof h->busy);
  return rc;
}
