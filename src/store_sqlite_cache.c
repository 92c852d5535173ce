/* store_sqlite_cache.c — the writer's cache of persons and visits (store_sqlite_cache.h).
 *
 * Two direct-mapped tables of slots, allocated on first use: a slot holds one key's rows, and
 * a key hashing to a taken slot replaces what was there. */
#define SQLITE_ENABLE_PREUPDATE_HOOK /* Debian builds libsqlite3 with it (PRAGMA compile_options) */
#include "store_sqlite_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PSN_SLOTS 2048
#define VISIT_SLOTS 2048
#define ENROLLS 4 /* enrollments (year, insutype) kept per person */

enum { HAVE_PERSON = 1 << 3 }; /* bits 0..2: the lists */

typedef struct psn_slot {
  char psn_no[32];
  unsigned have; /* 1 << list, HAVE_PERSON */
  store_person p;
  int n_enroll, n[STORE_CACHE_LISTS];
  store_enroll enroll[ENROLLS];
  store_idet idet[STORE_CACHE_ROWS];
  store_dise dise[STORE_CACHE_ROWS];
  store_filing filing[STORE_CACHE_ROWS];
} psn_slot;

typedef struct visit_slot {
  store_visit v; /* v.mdtrt_id[0] == 0: empty */
  char *info;
} visit_slot;

struct store_cache {
  sqlite3 *db;
  psn_slot *psn[PSN_SLOTS];
  visit_slot *visit[VISIT_SLOTS];
  uint64_t hits, misses, clears;
  char fee_mdtrt[32]; /* the visit whose last fee seq is fee_seq */
  bool expect;         /* store_cache_expect_visit: the statement running changes only ... */
  char expect_key[32]; /* ... the visit with this mdtrt_id */
  int64_t fee_seq;
};

static unsigned hash(const char *s) {
  unsigned h = 2166136261u; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static void psn_empty(psn_slot *s) { s->psn_no[0] = 0, s->have = 0, s->n_enroll = 0; }

static psn_slot *psn_find(store_cache *c, const char *psn_no) {
  psn_slot *s = c->psn[hash(psn_no) % PSN_SLOTS];
  return s && !strcmp(s->psn_no, psn_no) ? s : NULL;
}

/* The key's slot, emptied if it held another key; NULL when out of memory or the key too long. */
static psn_slot *psn_take(store_cache *c, const char *psn_no) {
  if (strlen(psn_no) >= sizeof ((psn_slot *)0)->psn_no) return NULL;
  psn_slot **at = &c->psn[hash(psn_no) % PSN_SLOTS];
  if (!*at && !(*at = calloc(1, sizeof **at))) return NULL;
  psn_slot *s = *at;
  if (strcmp(s->psn_no, psn_no)) {
    psn_empty(s);
    strcpy(s->psn_no, psn_no);
  }
  return s;
}

static void psn_drop(store_cache *c, const char *psn_no) {
  psn_slot *s = psn_find(c, psn_no);
  if (s) psn_empty(s);
}

static void visit_drop(store_cache *c, const char *mdtrt_id) {
  visit_slot *s = c->visit[hash(mdtrt_id) % VISIT_SLOTS];
  if (s && !strcmp(s->v.mdtrt_id, mdtrt_id)) s->v.mdtrt_id[0] = 0;
}

void store_cache_clear(store_cache *c) {
  for (int i = 0; i < PSN_SLOTS; i++)
    if (c->psn[i]) psn_empty(c->psn[i]);
  for (int i = 0; i < VISIT_SLOTS; i++)
    if (c->visit[i]) c->visit[i]->v.mdtrt_id[0] = 0;
  c->fee_mdtrt[0] = 0;
  c->clears++;
}

/* ---- what drops rows ------------------------------------------------------------------- */
typedef enum { KEY_PSN, KEY_VISIT } key_kind;
/* pk: column 0 is the whole primary key, so an UPDATE that moves a row to another key moves it to
 * one no row had, which nothing cached holds: its old key is all there is to drop (reading a
 * row's values in the hook decodes the row, ~1.5 K instructions). */
static const struct {
  const char *table;
  key_kind kind;
  bool pk;
} watched[] = {
    {"person", KEY_PSN, true},       {"enrollment", KEY_PSN, false},    {"person_idet", KEY_PSN, false},
    {"person_dise", KEY_PSN, false}, {"person_filing", KEY_PSN, false}, {"visit", KEY_VISIT, true},
};

static void drop_value(store_cache *c, key_kind kind, sqlite3_value *v) {
  const unsigned char *t = v ? sqlite3_value_text(v) : NULL;
  if (!t) {
    store_cache_clear(c); /* a key we cannot read: forget everything */
    return;
  }
  if (kind == KEY_PSN)
    psn_drop(c, (const char *)t);
  else
    visit_drop(c, (const char *)t);
}

/* Before any row of a watched table changes, by any statement on the writer's connection. */
static void on_preupdate(void *arg, sqlite3 *db, int op, const char *zdb, const char *table,
                         sqlite3_int64 k1, sqlite3_int64 k2) {
  (void)k1, (void)k2;
  store_cache *c = arg;
  if (strcmp(zdb, "main")) return;
  if (c->expect && !strcmp(table, "visit")) { /* no need to decode the row */
    visit_drop(c, c->expect_key);
    return;
  }
  for (size_t i = 0; i < sizeof watched / sizeof *watched; i++) {
    if (strcmp(table, watched[i].table)) continue;
    sqlite3_value *v = NULL;
    if (op != SQLITE_INSERT) {
      if (sqlite3_preupdate_old(db, 0, &v) != SQLITE_OK) v = NULL;
      drop_value(c, watched[i].kind, v);
    }
    if (op == SQLITE_INSERT || (op == SQLITE_UPDATE && !watched[i].pk)) {
      v = NULL;
      if (sqlite3_preupdate_new(db, 0, &v) != SQLITE_OK) v = NULL;
      drop_value(c, watched[i].kind, v);
    }
    return;
  }
}

static void on_rollback(void *arg) { store_cache_clear(arg); }

void store_cache_expect_visit(store_cache *c, const char *mdtrt_id) {
  if (!c) return;
  c->expect = mdtrt_id && strlen(mdtrt_id) < sizeof c->expect_key;
  if (c->expect) strcpy(c->expect_key, mdtrt_id);
}

store_cache *store_cache_new(sqlite3 *db) {
  store_cache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->db = db;
  sqlite3_preupdate_hook(db, on_preupdate, c);
  sqlite3_rollback_hook(db, on_rollback, c);
  return c;
}

void store_cache_free(store_cache *c) {
  if (!c) return;
  sqlite3_preupdate_hook(c->db, NULL, NULL);
  sqlite3_rollback_hook(c->db, NULL, NULL);
  for (int i = 0; i < PSN_SLOTS; i++) free(c->psn[i]);
  for (int i = 0; i < VISIT_SLOTS; i++)
    if (c->visit[i]) free(c->visit[i]->info), free(c->visit[i]);
  free(c);
}

void store_cache_stats(const store_cache *c, uint64_t *hits, uint64_t *misses, uint64_t *clears) {
  *hits = c->hits, *misses = c->misses, *clears = c->clears;
}

static int count(store_cache *c, int hit) {
  if (hit)
    c->hits++;
  else
    c->misses++;
  return hit;
}

/* ---- persons ----------------------------------------------------------------------------- */
int store_cache_person(store_cache *c, const char *psn_no, store_person *out) {
  psn_slot *s = psn_find(c, psn_no);
  if (!count(c, s && (s->have & HAVE_PERSON))) return 0;
  *out = s->p;
  return 1;
}

void store_cache_put_person(store_cache *c, const store_person *p) {
  psn_slot *s = psn_take(c, p->psn_no);
  if (s) s->p = *p, s->have |= HAVE_PERSON;
}

int store_cache_enroll(store_cache *c, const char *psn_no, int year, const char *insutype,
                       store_enroll *out) {
  psn_slot *s = psn_find(c, psn_no);
  for (int i = 0; s && i < s->n_enroll; i++)
    if (s->enroll[i].year == year && !strcmp(s->enroll[i].insutype, insutype)) {
      *out = s->enroll[i];
      return count(c, 1);
    }
  return count(c, 0);
}

void store_cache_put_enroll(store_cache *c, const store_enroll *r) {
  psn_slot *s = psn_take(c, r->psn_no);
  if (!s) return;
  for (int i = 0; i < s->n_enroll; i++)
    if (s->enroll[i].year == r->year && !strcmp(s->enroll[i].insutype, r->insutype)) {
      s->enroll[i] = *r;
      return;
    }
  if (s->n_enroll < ENROLLS) s->enroll[s->n_enroll++] = *r;
}

static void *rows_of(psn_slot *s, store_cache_kind which) {
  switch (which) {
  case STORE_CACHE_IDET: return s->idet;
  case STORE_CACHE_DISE: return s->dise;
  default: return s->filing;
  }
}

const void *store_cache_list(store_cache *c, store_cache_kind which, const char *psn_no, int *n) {
  psn_slot *s = psn_find(c, psn_no);
  if (!count(c, s && (s->have & (1u << which)))) return NULL;
  *n = s->n[which];
  return rows_of(s, which);
}

void *store_cache_list_fill(store_cache *c, store_cache_kind which, const char *psn_no) {
  psn_slot *s = psn_take(c, psn_no);
  if (!s) return NULL;
  s->have &= ~(1u << which);
  return rows_of(s, which);
}

void store_cache_list_set(store_cache *c, store_cache_kind which, const char *psn_no, int n) {
  psn_slot *s = psn_find(c, psn_no);
  if (s && n >= 0 && n <= STORE_CACHE_ROWS) s->n[which] = n, s->have |= 1u << which;
}

/* ---- visits ------------------------------------------------------------------------------ */
int store_cache_visit(store_cache *c, const char *mdtrt_id, store_visit *out, int want_info) {
  visit_slot *s = c->visit[hash(mdtrt_id) % VISIT_SLOTS];
  if (!count(c, s && s->v.mdtrt_id[0] && !strcmp(s->v.mdtrt_id, mdtrt_id))) return 0;
  char *info = want_info ? strdup(s->info) : NULL;
  if (want_info && !info) return 0; /* out of memory: the caller reads it */
  *out = s->v;
  out->info = info;
  return 1;
}

void store_cache_put_visit(store_cache *c, const store_visit *v, const char *info) {
  visit_slot **at = &c->visit[hash(v->mdtrt_id) % VISIT_SLOTS];
  if (!*at && !(*at = calloc(1, sizeof **at))) return;
  char *copy = strdup(info ? info : "{}");
  if (!copy) return;
  free((*at)->info);
  (*at)->v = *v;
  (*at)->v.info = NULL;
  (*at)->info = copy;
}

/* ---- fee seq: kept within one job (store_cache_job_begins), whose own lines it numbers ---- */
void store_cache_job_begins(store_cache *c) {
  if (c) c->fee_mdtrt[0] = 0;
}

int64_t store_cache_fee_seq(store_cache *c, const char *mdtrt_id) {
  return c->fee_mdtrt[0] && !strcmp(c->fee_mdtrt, mdtrt_id) ? c->fee_seq : -1;
}

void store_cache_put_fee_seq(store_cache *c, const char *mdtrt_id, int64_t seq) {
  if (strlen(mdtrt_id) >= sizeof c->fee_mdtrt) return;
  strcpy(c->fee_mdtrt, mdtrt_id);
  c->fee_seq = seq;
}
