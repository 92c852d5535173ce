/* store_sqlite_cache.h — the writer's cache of the rows its jobs read again and again: a
 * person with enrollments, identities, registered diseases and filings, and visits.
 *
 * A flow (2201 → 2203 → 2204 → 2207) reads the same person four times and the same visit
 * five, each time in another batch. The writer is the only connection that changes them, so
 * it keeps what it read: every change to those tables on its connection, by any statement,
 * drops the rows it touches (SQLite's preupdate hook, column 0 being psn_no or mdtrt_id), a
 * rollback drops everything, and so does a change made by another connection (PRAGMA
 * data_version at each batch). Only jobs inside a batch read through it (store_sqlite.c). */
#ifndef YB_STORE_SQLITE_CACHE_H
#define YB_STORE_SQLITE_CACHE_H

#include "store.h"

#include <sqlite3.h>

typedef struct store_cache store_cache;

/* A cache watching db (its preupdate and rollback hooks); NULL when out of memory. */
store_cache *store_cache_new(sqlite3 *db);
void store_cache_free(store_cache *c);
/* Forget everything (a rollback, another connection's commit, a failed batch). */
void store_cache_clear(store_cache *c);
/* Hits, misses and clears so far (operations). */
void store_cache_stats(const store_cache *c, uint64_t *hits, uint64_t *misses, uint64_t *clears);

/* A person's cached rows. Each getter returns 1 with *out filled (or the list's rows and
 * count) on a hit, 0 on a miss; each putter records what a read found. A list of more than
 * STORE_CACHE_ROWS rows is not kept. */
#define STORE_CACHE_ROWS 8
int store_cache_person(store_cache *c, const char *psn_no, store_person *out);
void store_cache_put_person(store_cache *c, const store_person *p);
int store_cache_enroll(store_cache *c, const char *psn_no, int year, const char *insutype,
                       store_enroll *out);
void store_cache_put_enroll(store_cache *c, const store_enroll *r);

typedef enum { STORE_CACHE_IDET, STORE_CACHE_DISE, STORE_CACHE_FILING, STORE_CACHE_LISTS } store_cache_kind;
/* The list's rows (store_idet, store_dise or store_filing; borrowed until the cache next
 * changes) with *n set, or NULL on a miss. */
const void *store_cache_list(store_cache *c, store_cache_kind which, const char *psn_no, int *n);
/* Room for the list's rows (STORE_CACHE_ROWS of them) to read into, then the count read;
 * until then the list is not kept. fill returns NULL when out of memory. */
void *store_cache_list_fill(store_cache *c, store_cache_kind which, const char *psn_no);
void store_cache_list_set(store_cache *c, store_cache_kind which, const char *psn_no, int n);

/* The statement about to run changes only the visit mdtrt_id (an insert of it, an update by
 * its key): the hook drops it without decoding each row. NULL after the statement. */
void store_cache_expect_visit(store_cache *c, const char *mdtrt_id);

/* A visit with its info text (copied into *out, info strdup'ed when want_info, else NULL). */
int store_cache_visit(store_cache *c, const char *mdtrt_id, store_visit *out, int want_info);
void store_cache_put_visit(store_cache *c, const store_visit *v, const char *info);

/* The last fee seq of a visit's lines as the current job read it or store_fee_put gave it (-1: not
 * known; 0: the visit has no line), so that a call uploading many lines does not look up max(seq)
 * over the visit's lines for each. A job begins with it forgotten: then nothing but the job's own
 * puts can have changed the visit's lines since it was set. */
void store_cache_job_begins(store_cache *c);
int64_t store_cache_fee_seq(store_cache *c, const char *mdtrt_id);
void store_cache_put_fee_seq(store_cache *c, const char *mdtrt_id, int64_t seq);

#endif
