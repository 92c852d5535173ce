/* gen_console.c — what a generator chunk adds to the console's summary tables while the store's
 * own console sums are held (store_gen_bulk): item totals by fee year, settlements by month,
 * scheme, institution and visit kind, and by main diagnosis — the deltas the store would have
 * added, summed in memory over the whole chunk (no visit lookups) and upserted once before it
 * commits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"
#include "store_gen.h"

typedef struct mcell { /* console_month: key = yyyymm << 32 | inst << 2 | scheme << 1 | ipt, plus 1 */
  uint64_t key;
  int64_t v[5]; /* n, medfee, fund, acct, cash */
} mcell;

typedef struct dcell { /* console_dise */
  char year[5], code[24], name[64];
  int64_t n, fund, medfee;
} dcell;

struct gen_console {
  int64_t *item_lines, *item_sum; /* [fee year - y0][catalog item] */
  int y0, ny;
  mcell *m;
  size_t m_cap, m_n;
  dcell *d;
  size_t d_cap, d_n;
};

int gen_console_open(gen_region *g) {
  gen_console *c = calloc(1, sizeof *c);
  if (!c) return -1;
  g->con = c;
  c->y0 = g->first_year - 1, c->ny = g->years + 2; /* the generated years and one either side */
  c->item_lines = calloc((size_t)c->ny * (size_t)g->cat.n, sizeof *c->item_lines);
  c->item_sum = calloc((size_t)c->ny * (size_t)g->cat.n, sizeof *c->item_sum);
  return c->item_lines && c->item_sum ? 0 : -1;
}

void gen_console_close(gen_region *g) {
  gen_console *c = g->con;
  if (!c) return;
  free(c->item_lines), free(c->item_sum), free(c->m), free(c->d);
  free(c);
  g->con = NULL;
}

void gen_console_begin(gen_region *g, int on) {
  gen_console *c = g->con;
  g->con_on = on;
  memset(c->item_lines, 0, (size_t)c->ny * (size_t)g->cat.n * sizeof *c->item_lines);
  memset(c->item_sum, 0, (size_t)c->ny * (size_t)g->cat.n * sizeof *c->item_sum);
  if (c->m) memset(c->m, 0, c->m_cap * sizeof *c->m);
  if (c->d) memset(c->d, 0, c->d_cap * sizeof *c->d);
  c->m_n = c->d_n = 0;
}

int gen_console_fee(gen_region *g, const catalog_item *it, int32_t day, int64_t cnt, int64_t sumamt) {
  gen_console *c = g->con;
  int yr = day / 10000 - c->y0;
  if (yr < 0 || yr >= c->ny || it < g->cat.items || it >= g->cat.items + g->cat.n) return -1;
  size_t k = (size_t)yr * (size_t)g->cat.n + (size_t)(it - g->cat.items);
  c->item_lines[k] += cnt > 0;
  c->item_sum[k] += sumamt;
  return 0;
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 33, x *= UINT64_C(0xff51afd7ed558ccd), x ^= x >> 33, x *= UINT64_C(0xc4ceb9fe1a85ec53);
  return x ^ (x >> 33);
}

static mcell *month_cell(gen_console *c, uint64_t key) {
  if (2 * (c->m_n + 1) > c->m_cap) { /* grow: at most half full */
    size_t cap = c->m_cap ? c->m_cap * 2 : 4096;
    mcell *n = calloc(cap, sizeof *n);
    if (!n) return NULL;
    for (size_t i = 0; i < c->m_cap; i++)
      if (c->m[i].key) {
        size_t j = mix(c->m[i].key) & (cap - 1);
        while (n[j].key) j = (j + 1) & (cap - 1);
        n[j] = c->m[i];
      }
    free(c->m);
    c->m = n, c->m_cap = cap;
  }
  size_t j = mix(key) & (c->m_cap - 1);
  while (c->m[j].key && c->m[j].key != key) j = (j + 1) & (c->m_cap - 1);
  if (!c->m[j].key) c->m[j].key = key, c->m_n++;
  return &c->m[j];
}

static dcell *dise_cell(gen_console *c, const char *year, const char *code) {
  for (size_t i = 0; i < c->d_n; i++) /* a few hundred codes at most */
    if (!strcmp(c->d[i].code, code) && !strcmp(c->d[i].year, year)) return &c->d[i];
  if (c->d_n == c->d_cap) {
    size_t cap = c->d_cap ? c->d_cap * 2 : 64;
    dcell *n = realloc(c->d, cap * sizeof *n);
    if (!n) return NULL;
    c->d = n, c->d_cap = cap;
  }
  dcell *d = &c->d[c->d_n++];
  memset(d, 0, sizeof *d);
  memcpy(d->year, year, 4);
  size_t n = strlen(code);
  memcpy(d->code, code, n < sizeof d->code ? n : sizeof d->code - 1);
  return d;
}

int gen_console_setl(gen_region *g, int inst, int ipt, const char *insutype, const char *setl_time,
                     const char *main_dise, const char *dise_name, const int64_t v[5]) {
  gen_console *c = g->con;
  int y = atoi(setl_time), m = atoi(setl_time + 5);
  if (strlen(main_dise) >= sizeof c->d->code || strlen(dise_name) >= sizeof c->d->name) return -1;
  if (strcmp(insutype, "310") && strcmp(insutype, "390")) return -1; /* the generator's two schemes */
  uint64_t key = ((uint64_t)(y * 100 + m) << 32 | (uint64_t)inst << 2 | (uint64_t)(strcmp(insutype, "310") != 0) << 1 |
                  (uint64_t)(ipt != 0)) + 1;
  mcell *mc = month_cell(c, key);
  if (!mc) return -1;
  for (int i = 0; i < 5; i++) mc->v[i] += v[i];
  char year[5] = {setl_time[0], setl_time[1], setl_time[2], setl_time[3], 0};
  dcell *d = dise_cell(c, year, main_dise);
  if (!d) return -1;
  if (!d->name[0]) memcpy(d->name, dise_name, strlen(dise_name) + 1); /* the first name given */
  d->n += v[0], d->fund += v[2], d->medfee += v[1];
  return 0;
}

int gen_console_flush(store_conn *w, gen_region *g, yb_err *e) {
  gen_console *c = g->con;
  int rc = 0;
  for (int y = 0; y < c->ny && !rc; y++)
    for (int i = 0; i < g->cat.n && !rc; i++) {
      size_t k = (size_t)y * (size_t)g->cat.n + (size_t)i;
      if (!c->item_lines[k] && !c->item_sum[k]) continue;
      char year[8];
      snprintf(year, sizeof year, "%04d", c->y0 + y);
      rc = store_gen_console_item(w, year, g->cat.items[i].code, c->item_lines[k], c->item_sum[k], e);
    }
  for (size_t i = 0; i < c->m_cap && !rc; i++) {
    if (!c->m[i].key) continue;
    uint64_t key = c->m[i].key - 1;
    int ym = (int)(key >> 32), inst = (int)((key & 0xffffffffu) >> 2);
    char month[8] = {(char)('0' + ym / 100000 % 10), (char)('0' + ym / 10000 % 10), (char)('0' + ym / 1000 % 10),
                     (char)('0' + ym / 100 % 10), '-', (char)('0' + ym / 10 % 10), (char)('0' + ym % 10), 0};
    rc = store_gen_console_month(w, month, key & 2 ? "390" : "310", g->inst[inst].code, key & 1 ? "ipt" : "otp",
                                 c->m[i].v, e);
  }
  for (size_t i = 0; i < c->d_n && !rc; i++)
    rc = store_gen_console_dise(w, c->d[i].year, c->d[i].code, c->d[i].name, c->d[i].n, c->d[i].fund, c->d[i].medfee, e);
  return rc;
}
