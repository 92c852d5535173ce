/* jsonr.h — JSON text in: json_loadb's result for request bodies, faster. A small strict parser
 * builds the jansson tree for the plain documents HIS clients send; anything it does not take
 * (exponents, surrogate pairs, huge numbers, any error) goes to json_loadb itself, so the
 * accepted documents, the trees and the error texts are jansson's. */
#ifndef YB_JSONR_H
#define YB_JSONR_H

#include <jansson.h>
#include <stddef.h>

/* json_loadb(s, n, flags, err) with the same result (a new reference, or NULL and *err).
 * flags: 0 or JSON_ALLOW_NUL take the fast path; other flags go to jansson directly. */
json_t *jsonr_loadb(const char *s, size_t n, size_t flags, json_error_t *err);
/* The fast path alone: NULL where it declines (the caller then asks jansson). */
json_t *jsonr_fast(const char *s, size_t n, size_t flags);
/* The same, declining too any document nested deeper than max_depth arrays/objects. */
json_t *jsonr_fast_max(const char *s, size_t n, size_t flags, int max_depth);

/* ---- a per-call arena for jansson's allocations ------------------------------------------
 * jsonr_arena_install() (once, before threads use jansson) routes jansson's malloc and free
 * through hooks: while a thread has an arena in use (jsonr_arena_use), jansson's allocations
 * are carved from that arena's 32 KiB chunks; a free of memory inside any arena chunk does
 * nothing (a registry of chunk addresses tells), every other free is free(). jsonr_arena_drop
 * gives the chunks back for reuse (never to the system): after it nothing may touch values
 * allocated while the arena was in use. Callers keep the arena on only around code that
 * builds trees it drops with the arena and never hands jansson-allocated text to free()
 * (json_dumps' result would be such text): api_core.c uses it for the request's parse. */
typedef struct jsonr_arena {
  void *chunks;   /* the chunks taken, linked through their first word */
  char *at, *end; /* free space of the newest */
} jsonr_arena;
void jsonr_arena_install(void);
/* Make a (NULL: none) this thread's arena; returns the previous one. */
jsonr_arena *jsonr_arena_use(jsonr_arena *a);
void jsonr_arena_drop(jsonr_arena *a);
/* Chunks made so far (each AR_CHUNK = 32 KiB; for tests). */
size_t jsonr_arena_chunks(void);

#endif
