/* simvisit.c — draws persons, visits, prior accumulators and fee lines across every
 * scheme, category, class, group, level and area a policy names. */
#include "simvisit.h"

#include <stdio.h>
#include <string.h>

#include "money.h"

uint64_t simvisit_rand(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * UINT64_C(2685821657736338717);
}

static int64_t pick(uint64_t *s, int64_t lo, int64_t hi) { /* inclusive */
  return lo + (int64_t)(simvisit_rand(s) % (uint64_t)(hi - lo + 1));
}

static const policy_benefit *pick_benefit(const policy *p, const policy_scheme *sc, uint64_t *s,
                                          const char **med_type) {
  for (int tries = 0; tries < 64; tries++) {
    const policy_code_map *m = &p->med_types[pick(s, 0, p->n_med_types - 1)];
    const policy_benefit *b = policy_benefit_find(sc, m->id);
    if (b) {
      *med_type = m->code;
      return b;
    }
  }
  return NULL;
}

int simvisit_make(const policy *p, const catalog *c, uint64_t *s, int nlines, simvisit *o) {
  memset(o, 0, sizeof *o);
  if (!p->n_schemes || !p->n_med_types || !p->n_psn_types || !catalog_count(c)) return -1;
  const policy_scheme *sc = &p->schemes[pick(s, 0, p->n_schemes - 1)];
  const char *med_type = NULL;
  const policy_benefit *bn = pick_benefit(p, sc, s, &med_type);
  if (!bn) return -1;
  benefit_person *psn = &o->psn;
  benefit_visit *v = &o->visit;
  snprintf(psn->psn_no, sizeof psn->psn_no, "SIM%016llx", (unsigned long long)simvisit_rand(s));
  psn->gend = (uint8_t)pick(s, 1, 2);
  snprintf(psn->psn_type, sizeof psn->psn_type, "%.7s", p->psn_types[pick(s, 0, p->n_psn_types - 1)].code);
  if (p->n_idet_types && pick(s, 0, 9) < 3) {
    psn->n_idet = 1;
    snprintf(psn->idet[0], sizeof psn->idet[0], "%.7s", p->idet_types[pick(s, 0, p->n_idet_types - 1)].code);
  }
  psn->cvlserv_flag = (uint8_t)(pick(s, 0, 9) == 0);
  v->date = p->year * 10000 + (int32_t)pick(s, 1, 12) * 100 + (int32_t)pick(s, 1, 28);
  psn->brdy = (int32_t)pick(s, p->year - 95, p->year - 1) * 10000 + (int32_t)pick(s, 1, 12) * 100 +
              (int32_t)pick(s, 1, 28);
  if (pick(s, 0, 19) == 0) psn->wait_until = v->date + (int32_t)pick(s, 0, 1) * 100 + 1;
  psn->acct_balc = pick(s, 0, 9) < 6 ? pick(s, 0, 500000) : 0;
  psn->family_balc = pick(s, 0, 9) < 3 ? pick(s, 0, 300000) : 0;
  psn->ci_cap_raise = pick(s, 0, 9) < 2 ? pick(s, 0, 1000000) : 0;
  snprintf(v->insutype, sizeof v->insutype, "%s", sc->insutype);
  snprintf(v->med_type, sizeof v->med_type, "%.7s", med_type);
  v->hosp_lv = (uint8_t)pick(s, 0, 3);
  v->area = (uint8_t)(pick(s, 0, 9) < 7 ? AREA_LOCAL : pick(s, 1, AREA_COUNT - 1));
  v->xprov = v->area != AREA_LOCAL && pick(s, 0, 1);
  v->acct_used = pick(s, 0, 9) < 7;
  if (bn->n_diseases) {
    const policy_disease *d = &bn->diseases[pick(s, 0, bn->n_diseases - 1)];
    snprintf(v->dise_codg, sizeof v->dise_codg, "%s", d->code);
  } else if (bn->needs_disease) {
    snprintf(v->dise_codg, sizeof v->dise_codg, "I10");
  }
  if (v->dise_codg[0]) {
    psn->n_dise = 1;
    snprintf(psn->dise[0], sizeof psn->dise[0], "%s", v->dise_codg);
  }
  v->n_diag = 1;
  snprintf(v->diag[0], sizeof v->diag[0], "%s", pick(s, 0, 1) ? "I10" : "E11.9");
  /* prior accumulators: some buckets part-used, some past their caps */
  for (int b = 0; b < p->n_buckets; b++)
    if (pick(s, 0, 9) < 3) accum_add(&o->acc, b, 0, b == 0 ? pick(s, 0, 4) : pick(s, 0, 20000000));
  o->n = nlines < 64 ? nlines : 64;
  for (int i = 0; i < o->n; i++) {
    benefit_line *l = &o->lines[i];
    snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%d", i + 1);
    l->item = catalog_at(c, (size_t)pick(s, 0, (int64_t)catalog_count(c) - 1));
    l->cnt = pick(s, 1, 5) * 10000 + (pick(s, 0, 3) == 0 ? pick(s, 1, 9999) : 0);
    l->pric = pick(s, 0, 9) < 8 ? pick(s, 500000, 300000000) : pick(s, 0, 20000000000);
    l->sumamt = money_line_fen(l->cnt, l->pric);
    l->hosp_appr_flag = (uint8_t)(pick(s, 0, 9) < 7 ? 1 : pick(s, 0, 2));
  }
  return 0;
}
