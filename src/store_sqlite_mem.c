/* store_sqlite_mem.c — SQLite's memory allocator: small blocks from per-thread free lists.
 *
 * Debian's libsqlite3 is built with SQLITE_OMIT_LOOKASIDE, so every small allocation SQLite
 * makes (a cursor, a record being assembled, a bound text) goes to malloc and free: ~630 of
 * them per settlement flow in the writer, ~9 % of its instructions (callgrind). Here a block
 * of up to STORE_MEM_MAX bytes comes from the calling thread's free list of its size class and
 * goes back to the freeing thread's list, so the common case is a few loads and stores with no
 * lock. A list holds at most STORE_MEM_KEEP blocks and STORE_MEM_KEEP_BYTES (the rest go back
 * to malloc: at most ~8 MiB a thread over all classes) and is returned to malloc when its thread
 * ends. Larger blocks (the page cache's ~4.3 KB pages among them) are plain malloc.
 *
 * Every block carries a 16-byte header (its class, or its size when large) so that xSize and
 * xFree need no lookup, and the payload keeps malloc's 16-byte alignment. Under
 * AddressSanitizer SQLite keeps its own allocator, so that ASan sees every block. */
#include "store_sqlite.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__SANITIZE_ADDRESS__)
#define STORE_MEM_MAX 4096 /* the largest block served from a list */
#define STORE_MEM_KEEP_BYTES 262144 /* a thread keeps at most this much of each class, */
#define STORE_MEM_KEEP 1024          /* and at most this many blocks */
#define HDR 16

/* Classes: 16-byte steps to 256, then four steps per power of two up to STORE_MEM_MAX. */
enum { NCLASS = 16 + 4 * 4 };
static const uint32_t class_size[NCLASS] = {
    16,  32,  48,  64,  80,  96,  112, 128, 144,  160,  176,  192,  208,  224,  240,  256,
    320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096};
#define LARGE 0xffffffffu

typedef struct block {
  struct block *next;
} block;

typedef struct mem_cache {
  block *head[NCLASS];
  uint32_t n[NCLASS];
} mem_cache;

static __thread mem_cache *tl_cache;
static pthread_key_t cache_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void cache_free(void *arg) {
  mem_cache *c = arg;
  for (int k = 0; k < NCLASS; k++)
    for (block *b = c->head[k], *next; b; b = next) {
      next = b->next;
      free((char *)b - HDR);
    }
  free(c);
  tl_cache = NULL;
}

static void key_make(void) { pthread_key_create(&cache_key, cache_free); }

static mem_cache *cache(void) {
  if (tl_cache) return tl_cache;
  pthread_once(&key_once, key_make);
  tl_cache = calloc(1, sizeof *tl_cache);
  if (tl_cache) pthread_setspecific(cache_key, tl_cache);
  return tl_cache;
}

static int class_of(uint32_t n) {
  if (n <= 256) return n ? (int)((n + 15) / 16) - 1 : 0;
  int k = 16;
  while (class_size[k] < n) k++;
  return k;
}

static void *x_malloc(int n) {
  if (n <= 0) n = 1;
  if (n > STORE_MEM_MAX) {
    char *p = malloc((size_t)n + HDR);
    if (!p) return NULL;
    ((uint32_t *)p)[0] = LARGE;
    ((uint32_t *)p)[1] = (uint32_t)n;
    return p + HDR;
  }
  int k = class_of((uint32_t)n);
  mem_cache *c = cache();
  if (c && c->head[k]) {
    block *b = c->head[k];
    c->head[k] = b->next;
    c->n[k]--;
    return b;
  }
  char *p = malloc(class_size[k] + HDR);
  if (!p) return NULL;
  ((uint32_t *)p)[0] = (uint32_t)k;
  return p + HDR;
}

static void x_free(void *v) {
  if (!v) return;
  char *p = (char *)v - HDR;
  uint32_t k = ((uint32_t *)p)[0];
  mem_cache *c;
  if (k == LARGE || !(c = cache()) || c->n[k] >= STORE_MEM_KEEP ||
      c->n[k] * class_size[k] >= STORE_MEM_KEEP_BYTES) {
    free(p);
    return;
  }
  block *b = v;
  b->next = c->head[k];
  c->head[k] = b;
  c->n[k]++;
}

static int x_size(void *v) {
  if (!v) return 0;
  const uint32_t *h = (const uint32_t *)((char *)v - HDR);
  return h[0] == LARGE ? (int)h[1] : (int)class_size[h[0]];
}

static void *x_realloc(void *v, int n) {
  if (!v) return x_malloc(n);
  uint32_t k = ((const uint32_t *)((char *)v - HDR))[0];
  if (k != LARGE && n > 0 && n <= STORE_MEM_MAX && class_of((uint32_t)n) == (int)k) return v;
  int have = x_size(v);
  void *w = x_malloc(n);
  if (!w) return NULL;
  memcpy(w, v, (size_t)(have < n ? have : n));
  x_free(v);
  return w;
}

static int x_roundup(int n) {
  if (n <= 0) return 16;
  return n > STORE_MEM_MAX ? (n + 15) & ~15 : (int)class_size[class_of((uint32_t)n)];
}

static int x_init(void *arg) {
  (void)arg;
  return SQLITE_OK;
}

static void x_shutdown(void *arg) { (void)arg; }

void store_sqlite_mem_install(void) {
  static const sqlite3_mem_methods m = {x_malloc, x_free, x_realloc, x_size,
                                        x_roundup, x_init, x_shutdown, NULL};
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m); /* SQLITE_MISUSE once SQLite is initialized: then
                                             * it keeps malloc, which is only slower */
}
#else
void store_sqlite_mem_install(void) {}
#endif
