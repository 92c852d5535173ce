/* audit_screen.c — statistical screening beside the rules: each institution's cost per visit,
 * test share, drug share and length of stay against the peers of its level (robust z: distance
 * from the median in units of 1.4826 × MAD), and the drugs and materials that take the most
 * money per institution with their growth (key-drug monitoring, 重点药品耗材监控). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int64_t median(int64_t *v, size_t n) {
  if (!n) return 0;
  qsort(v, n, sizeof *v, cmp_i64);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void ad_tally_free(ad_tally *t) {
  free(t->p), free(t->test), free(t->drug), free(t->los), free(t->ndis), free(t->buf);
  memset(t, 0, sizeof *t);
}

int ad_tally_new(const audit_data *d, ad_tally *t, yb_err *e) {
  size_t ni = d->n_inst;
  *t = (ad_tally){calloc(ni + 1, sizeof *t->p), calloc(ni + 1, sizeof(int64_t)), calloc(ni + 1, sizeof(int64_t)),
                  calloc(ni + 1, sizeof(int64_t)), calloc(ni + 1, sizeof(int64_t)), calloc(ni + 1, sizeof(int64_t)), ni};
  if (!t->p || !t->test || !t->drug || !t->los || !t->ndis || !t->buf) {
    ad_tally_free(t);
    return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  }
  for (size_t i = 0; i < ni; i++) {
    t->p[i].fixmedins_code = ad_s(d, d->inst[i].code);
    t->p[i].hosp_lv = d->inst[i].hosp_lv;
  }
  return 0;
}

void ad_tally_visit(const audit_data *d, const ad_visit *v, ad_tally *t) {
  audit_peer *q = &t->p[v->inst];
  q->visits++;
  if (v->ipt) {
    q->ipt_visits++;
    if (v->end != AD_NONE) {
      int l = ad_day(v->end) - ad_day(v->beg);
      t->los[v->inst] += l < 1 ? 1 : l;
      t->ndis[v->inst]++;
    }
  }
  for (uint32_t i = 0; i < v->nl; i++) {
    const ad_line *l = &v->ln[i];
    q->lines++;
    q->amt += l->sumamt;
    const ad_item *it = ad_item_of(d, l);
    if (!it) continue;
    if (it->type == 3 || it->type == 4) t->test[v->inst] += l->sumamt;
    if (it->drug) t->drug[v->inst] += l->sumamt;
  }
}

int audit_peers(const audit_data *d, audit_peer **out, size_t *n, yb_err *e) {
  ad_tally t;
  int rc = ad_tally_new(d, &t, e);
  if (rc) return rc;
  for (size_t vi = 0; vi < d->n_visit; vi++)
    if (d->visit[vi].in_scope) ad_tally_visit(d, &d->visit[vi], &t);
  ad_tally_peers(&t, out, n);
  return 0;
}

void ad_tally_peers(ad_tally *t, audit_peer **out, size_t *n) {
  size_t ni = t->n;
  audit_peer *p = t->p;
  int64_t *test = t->test, *drug = t->drug, *los = t->los, *ndis = t->ndis, *buf = t->buf;
  for (size_t i = 0; i < ni; i++) {
    audit_peer *q = &p[i];
    if (!q->visits) continue;
    q->cost_per_visit = q->amt / q->visits;
    q->test_bp = q->amt ? test[i] * 10000 / q->amt : 0;
    q->drug_bp = q->amt ? drug[i] * 10000 / q->amt : 0;
    q->avg_los_x100 = ndis[i] ? los[i] * 100 / ndis[i] : 0;
  }
  for (int lv = 0; lv <= 3; lv++)
    for (int k = 0; k < 4; k++) {
      size_t m = 0;
      for (size_t i = 0; i < ni; i++)
        if (p[i].visits && p[i].hosp_lv == lv && (k != 3 || p[i].ipt_visits)) {
          int64_t x = k == 0 ? p[i].cost_per_visit : k == 1 ? p[i].test_bp : k == 2 ? p[i].drug_bp : p[i].avg_los_x100;
          buf[m++] = x;
        }
      int64_t med = median(buf, m);
      for (size_t j = 0; j < m; j++) buf[j] = buf[j] > med ? buf[j] - med : med - buf[j];
      int64_t mad = median(buf, m);
      for (size_t i = 0; i < ni; i++)
        if (p[i].visits && p[i].hosp_lv == lv && (k != 3 || p[i].ipt_visits)) {
          int64_t x = k == 0 ? p[i].cost_per_visit : k == 1 ? p[i].test_bp : k == 2 ? p[i].drug_bp : p[i].avg_los_x100;
          p[i].med[k] = med;
          p[i].n_peers = (int64_t)m;
          /* a screening figure, not money: ×100 fixed point of (x − med) / (1.4826 MAD) */
          p[i].z_x100[k] = mad ? (x - med) * 100 * 10000 / (mad * 14826) : 0;
        }
    }
  t->p = NULL;
  ad_tally_free(t);
  *out = p;
  *n = ni;
}

int audit_peer_findings(const audit_data *d, const audit_rule *r, audit_peer *peers, size_t n, audit_finding_fn fn,
                        void *arg);
int audit_peer_findings(const audit_data *d, const audit_rule *r, audit_peer *peers, size_t n, audit_finding_fn fn,
                        void *arg) {
  (void)d;
  static const char *const what[] = {"cost per visit", "test share", "drug share", "length of stay"};
  int k = (int)r->p[0] - 1;
  for (size_t i = 0; i < n; i++) {
    audit_peer *q = &peers[i];
    if (!q->visits || q->n_peers < r->p[2] || q->z_x100[k] < r->p[1]) continue;
    if (k == 3 && !q->ipt_visits) continue;
    audit_finding f = {.rule = r, .level = AUDIT_LEVEL_INST, .psn_no = "", .fixmedins_code = q->fixmedins_code,
                       .mdtrt_id = "", .setl_id = "", .feedetl_sn = ""};
    int64_t x = k == 0 ? q->cost_per_visit : k == 1 ? q->test_bp : k == 2 ? q->drug_bp : q->avg_los_x100;
    if (k == 0) f.vola_amt = (x - q->med[0]) * q->visits;
    else if (k == 1 || k == 2) f.vola_amt = (x - q->med[k]) * q->amt / 10000;
    else f.vola_amt = (x - q->med[3]) * (q->amt / (q->ipt_visits ? q->ipt_visits : 1)) / (q->avg_los_x100 ? q->avg_los_x100 : 1) * q->ipt_visits;
    snprintf(f.evid, sizeof f.evid, "%s %lld against the level-%d median %lld (robust z %lld.%02lld, %lld peers)",
             what[k], (long long)x, q->hosp_lv, (long long)q->med[k], (long long)(q->z_x100[k] / 100),
             (long long)(q->z_x100[k] % 100), (long long)q->n_peers);
    int rc = fn(&f, arg);
    if (rc) return rc;
  }
  return 0;
}

typedef struct use_ent {
  uint64_t key;
  int32_t inst, item;
  int64_t a, b;
} use_ent;

static int cmp_use(const void *x, const void *y) {
  const audit_item_use *a = x, *b = y;
  int c = strcmp(a->fixmedins_code, b->fixmedins_code);
  if (c) return c;
  int64_t sa = a->amt_first + a->amt_second, sb = b->amt_first + b->amt_second;
  if (sa != sb) return sa > sb ? -1 : 1;
  return strcmp(a->med_list_codg, b->med_list_codg);
}

int audit_items(const audit_data *d, size_t k, audit_item_use **out, size_t *n, yb_err *e) {
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (size_t vi = 0; vi < d->n_visit; vi++)
    for (uint32_t i = 0; i < d->visit[vi].nl; i++) {
      int32_t t = d->visit[vi].ln[i].t;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  int32_t mid = lo + (int32_t)(((int64_t)hi - lo) / 2);
  size_t cap = 1024;
  while (cap < 2 * d->n_line + 2) cap *= 2;
  if (cap > (1u << 26)) cap = 1u << 26;
  use_ent *h = calloc(cap, sizeof *h);
  if (!h) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  size_t used = 0;
  for (size_t vi = 0; vi < d->n_visit; vi++)
    for (uint32_t li = 0; li < d->visit[vi].nl; li++) {
      const ad_line *l = &d->visit[vi].ln[li];
      const ad_item *it = ad_item_of(d, l);
      if (!it || !(it->drug || it->material)) continue;
      int32_t inst = d->visit[vi].inst;
      uint64_t key = ((uint64_t)(uint32_t)inst << 32 | l->item) + 1;
      size_t j = (key * UINT64_C(0x9E3779B97F4A7C15) >> 20) & (cap - 1);
      while (h[j].key && h[j].key != key) j = (j + 1) & (cap - 1);
      if (!h[j].key) {
        if (2 * (used + 1) > cap) goto full; /* table full: the rest is dropped (never at sane sizes) */
        h[j].key = key, h[j].inst = inst, h[j].item = (int32_t)l->item, used++;
      }
      if (l->t <= mid) h[j].a += l->sumamt;
      else h[j].b += l->sumamt;
    }
full:;
  audit_item_use *u = calloc(used + 1, sizeof *u);
  if (!u) {
    free(h);
    return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  }
  size_t m = 0;
  for (size_t j = 0; j < cap; j++)
    if (h[j].key) {
      const catalog_item *c = catalog_at(d->cat, (size_t)d->items[h[j].item].cat);
      u[m] = (audit_item_use){ad_s(d, d->inst[h[j].inst].code), c->code, c->name, h[j].a, h[j].b,
                              h[j].a ? (h[j].b - h[j].a) * 10000 / h[j].a : INT64_MAX};
      m++;
    }
  free(h);
  qsort(u, m, sizeof *u, cmp_use);
  size_t w = 0, run = 0;
  for (size_t i = 0; i < m; i++) {
    run = (i && !strcmp(u[i].fixmedins_code, u[i - 1].fixmedins_code)) ? run + 1 : 0;
    if (run < k) u[w++] = u[i];
  }
  *out = u;
  *n = w;
  return 0;
}
