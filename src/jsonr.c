/* jsonr.c — a strict subset of JSON parsed straight into jansson values (json_loadb spent
 * ~120 K instructions on a 700-byte request body, a sixth of the server's work per request).
 * It declines anything unusual rather than judge it: json_loadb then decides, so whatever is
 * accepted here is what jansson accepts, as the same tree (tests/unit/test_jsonr.c). */
#include "jsonr.h"
#include "jsonw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JR_MAX_DEPTH 64 /* deeper documents go to jansson */

typedef struct rd {
  const unsigned char *p, *end;
  size_t flags;
  int depth, max; /* nesting now, and the most it may reach */
} rd;

static void ws(rd *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}


static int hex4(const unsigned char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v << 4 | d;
  }
  *out = v;
  return 0;
}

/* A string at r->p (on the opening quote). Plain strings point into the input (*heap 0);
 * strings with escapes are unescaped into a malloc'd buffer (*heap 1). */
static int string(rd *r, const char **out, size_t *len, int *heap) {
  const unsigned char *s = ++r->p;
  *heap = 0;
  while (r->p < r->end) {
    unsigned c = *r->p;
    if (c == '"') {
      *out = (const char *)s, *len = (size_t)(r->p - s);
      r->p++;
      return 0;
    }
    if (c == '\\') break;
    if (c < 0x20) return -1;
    if (c < 0x80) {
      r->p++;
      continue;
    }
    size_t l = jsonw_utf8_len(r->p, (size_t)(r->end - r->p));
    if (!l) return -1;
    r->p += l;
  }
  if (r->p >= r->end) return -1;
  /* escapes: unescaped text is never longer than the escaped one */
  char *buf = malloc((size_t)(r->end - s) + 1);
  if (!buf) return -1;
  size_t n = (size_t)(r->p - s);
  memcpy(buf, s, n);
  while (r->p < r->end) {
    unsigned c = *r->p;
    if (c == '"') {
      r->p++;
      *out = buf, *len = n, *heap = 1;
      return 0;
    }
    if (c < 0x20) break;
    if (c >= 0x80) {
      size_t l = jsonw_utf8_len(r->p, (size_t)(r->end - r->p));
      if (!l) break;
      memcpy(buf + n, r->p, l);
      n += l, r->p += l;
      continue;
    }
    if (c != '\\') {
      buf[n++] = (char)c, r->p++;
      continue;
    }
    if (r->end - r->p < 2) break;
    unsigned e = r->p[1], cp;
    r->p += 2;
    switch (e) {
    case '"': buf[n++] = '"'; continue;
    case '\\': buf[n++] = '\\'; continue;
    case '/': buf[n++] = '/'; continue;
    case 'b': buf[n++] = '\b'; continue;
    case 'f': buf[n++] = '\f'; continue;
    case 'n': buf[n++] = '\n'; continue;
    case 'r': buf[n++] = '\r'; continue;
    case 't': buf[n++] = '\t'; continue;
    case 'u':
      if (r->end - r->p < 4 || hex4(r->p, &cp)) goto fail;
      r->p += 4;
      /* surrogates (pairs or lone) and NUL are left to jansson */
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) goto fail;
      if (cp < 0x80) buf[n++] = (char)cp;
      else if (cp < 0x800) buf[n++] = (char)(0xC0 | cp >> 6), buf[n++] = (char)(0x80 | (cp & 0x3F));
      else
        buf[n++] = (char)(0xE0 | cp >> 12), buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        buf[n++] = (char)(0x80 | (cp & 0x3F));
      continue;
    default: goto fail;
    }
  }
fail:
  free(buf);
  return -1;
}

static json_t *number(rd *r) {
  const unsigned char *s = r->p, *p = r->p;
  int neg = 0, real = 0;
  if (*p == '-') neg = 1, p++;
  if (p >= r->end) return NULL;
  if (*p == '0') {
    p++;
    if (p < r->end && *p >= '0' && *p <= '9') return NULL;
  } else if (*p >= '1' && *p <= '9') {
    while (p < r->end && *p >= '0' && *p <= '9') p++;
  } else {
    return NULL;
  }
  size_t int_digits = (size_t)(p - s) - (size_t)neg;
  if (p < r->end && *p == '.') {
    p++;
    if (p >= r->end || *p < '0' || *p > '9') return NULL;
    while (p < r->end && *p >= '0' && *p <= '9') p++;
    real = 1;
  }
  if (p < r->end && (*p == 'e' || *p == 'E')) return NULL; /* exponents: jansson */
  r->p = p;
  if (!real) {
    if (int_digits > 18) return NULL; /* could overflow: jansson decides */
    long long v = 0;
    for (const unsigned char *q = s + neg; q < p; q++) v = v * 10 + (*q - '0');
    return json_integer(neg ? -v : v);
  }
  char t[64];
  size_t tl = (size_t)(p - s);
  if (tl >= sizeof t) return NULL;
  memcpy(t, s, tl);
  t[tl] = 0;
  return json_real(strtod(t, NULL)); /* jansson's strtod in the C locale */
}

static json_t *value(rd *r);

static json_t *object(rd *r) {
  json_t *o = json_object();
  if (!o) return NULL;
  r->p++;
  ws(r);
  if (r->p < r->end && *r->p == '}') {
    r->p++;
    return o;
  }
  while (r->p < r->end && *r->p == '"') {
    const char *k;
    size_t kl;
    int heap;
    if (string(r, &k, &kl, &heap)) break;
    json_t *v = NULL;
    ws(r);
    if (!memchr(k, 0, kl) && r->p < r->end && *r->p == ':') {
      r->p++;
      ws(r);
      v = value(r);
    }
    /* a repeated key keeps its place and takes the later value, as in jansson */
    int bad = !v || json_object_setn_new_nocheck(o, k, kl, v);
    if (heap) free((char *)k);
    if (bad) break;
    ws(r);
    if (r->p >= r->end) break;
    if (*r->p == '}') {
      r->p++;
      return o;
    }
    if (*r->p != ',') break;
    r->p++;
    ws(r);
  }
  json_decref(o);
  return NULL;
}

static json_t *array(rd *r) {
  json_t *a = json_array();
  if (!a) return NULL;
  r->p++;
  ws(r);
  if (r->p < r->end && *r->p == ']') {
    r->p++;
    return a;
  }
  for (;;) {
    json_t *v = value(r);
    if (!v || json_array_append_new(a, v)) break;
    ws(r);
    if (r->p >= r->end) break;
    if (*r->p == ']') {
      r->p++;
      return a;
    }
    if (*r->p != ',') break;
    r->p++;
    ws(r);
  }
  json_decref(a);
  return NULL;
}

static json_t *value(rd *r) {
  if (r->p >= r->end) return NULL;
  size_t left = (size_t)(r->end - r->p);
  switch (*r->p) {
  case '{':
  case '[': {
    if (++r->depth > r->max) return NULL;
    json_t *v = *r->p == '{' ? object(r) : array(r);
    r->depth--;
    return v;
  }
  case '"': {
    const char *s;
    size_t n;
    int heap;
    if (string(r, &s, &n, &heap)) return NULL;
    if (memchr(s, 0, n) && !(r->flags & JSON_ALLOW_NUL)) { /* cannot happen: NUL is declined */
      if (heap) free((char *)s);
      return NULL;
    }
    json_t *v = json_stringn_nocheck(s, n);
    if (heap) free((char *)s);
    return v;
  }
  case 't':
    if (left >= 4 && !memcmp(r->p, "true", 4)) return r->p += 4, json_true();
    return NULL;
  case 'f':
    if (left >= 5 && !memcmp(r->p, "false", 5)) return r->p += 5, json_false();
    return NULL;
  case 'n':
    if (left >= 4 && !memcmp(r->p, "null", 4)) return r->p += 4, json_null();
    return NULL;
  default: return number(r);
  }
}

json_t *jsonr_fast(const char *s, size_t n, size_t flags) { return jsonr_fast_max(s, n, flags, JR_MAX_DEPTH); }

json_t *jsonr_fast_max(const char *s, size_t n, size_t flags, int max_depth) {
  if (flags & ~(size_t)JSON_ALLOW_NUL) return NULL;
  rd r = {(const unsigned char *)s, (const unsigned char *)s + n, flags, 0,
          max_depth < JR_MAX_DEPTH ? max_depth : JR_MAX_DEPTH};
  ws(&r);
  if (r.p >= r.end || (*r.p != '{' && *r.p != '[')) return NULL;
  json_t *v = value(&r);
  if (!v) return NULL;
  ws(&r);
  if (r.p != r.end) { /* trailing text: jansson's error */
    json_decref(v);
    return NULL;
  }
  return v;
}

json_t *jsonr_loadb(const char *s, size_t n, size_t flags, json_error_t *err) {
  json_t *v = jsonr_fast(s, n, flags);
  return v ? v : json_loadb(s, n, flags, err);
}

/* ---- the arena (jsonr.h) -------------------------------------------------------------------
 * Chunks are CHUNK bytes at CHUNK-aligned addresses, so the chunk of any pointer is its
 * address rounded down; a fixed open-addressing table of chunk addresses (entries only ever
 * added: chunks are recycled, never freed) answers "is this arena memory" without a lock. A
 * heap block cannot lie inside a chunk, so the answer is exact. */
#include <pthread.h>
#include <stdatomic.h>

#define AR_CHUNK ((size_t)32 << 10)
#define AR_BIG (AR_CHUNK / 4) /* larger allocations go to the heap */
#define AR_SLOTS 8192         /* at most half of them used: 128 MiB of chunks */

static _Atomic uintptr_t ar_table[AR_SLOTS];
static atomic_size_t ar_nchunks;
static _Thread_local jsonr_arena *ar_cur;
static pthread_mutex_t ar_mu = PTHREAD_MUTEX_INITIALIZER;
static void *ar_free_list; /* spare chunks, under ar_mu */

static size_t ar_hash(uintptr_t c) { return (size_t)((c / AR_CHUNK) * 0x9E3779B97F4A7C15ULL >> 51) % AR_SLOTS; }

static int ar_known(uintptr_t c) {
  for (size_t i = ar_hash(c), k = 0; k < AR_SLOTS; k++, i = (i + 1) % AR_SLOTS) {
    uintptr_t v = atomic_load_explicit(&ar_table[i], memory_order_acquire);
    if (v == c) return 1;
    if (!v) return 0;
  }
  return 0;
}

static int ar_register(uintptr_t c) {
  for (size_t i = ar_hash(c), k = 0; k < AR_SLOTS; k++, i = (i + 1) % AR_SLOTS) {
    uintptr_t zero = 0;
    if (atomic_compare_exchange_strong(&ar_table[i], &zero, c)) return 0;
  }
  return -1;
}

static void *ar_chunk(void) {
  pthread_mutex_lock(&ar_mu);
  void *c = ar_free_list;
  if (c) ar_free_list = *(void **)c;
  pthread_mutex_unlock(&ar_mu);
  if (c) return c;
  if (atomic_load(&ar_nchunks) >= AR_SLOTS / 2) return NULL; /* the table stays sparse */
  c = aligned_alloc(AR_CHUNK, AR_CHUNK);
  if (!c) return NULL;
  if (ar_register((uintptr_t)c)) { /* cannot happen below half full */
    free(c);
    return NULL;
  }
  atomic_fetch_add(&ar_nchunks, 1);
  return c;
}

static void *ar_malloc(size_t n) {
  jsonr_arena *a = ar_cur;
  if (!a || n > AR_BIG) return malloc(n);
  n = (n + 15) & ~(size_t)15;
  if ((size_t)(a->end - a->at) < n) {
    char *c = ar_chunk();
    if (!c) return malloc(n);
    *(void **)c = a->chunks;
    a->chunks = c;
    a->at = c + 16;
    a->end = c + AR_CHUNK;
  }
  void *p = a->at;
  a->at += n;
  return p;
}

static void ar_free(void *p) {
  if (!p) return;
  if (ar_known((uintptr_t)p & ~(uintptr_t)(AR_CHUNK - 1))) return; /* arena memory: dropped with it */
  free(p);
}

void jsonr_arena_install(void) {
  json_malloc_t m;
  json_free_t f;
  json_get_alloc_funcs(&m, &f);
  if (m != ar_malloc) json_set_alloc_funcs(ar_malloc, ar_free);
}

jsonr_arena *jsonr_arena_use(jsonr_arena *a) {
  jsonr_arena *prev = ar_cur;
  ar_cur = a;
  return prev;
}

void jsonr_arena_drop(jsonr_arena *a) {
  if (ar_cur == a) ar_cur = NULL;
  void *c = a->chunks;
  if (c) {
    void *last = c;
    while (*(void **)last) last = *(void **)last;
    pthread_mutex_lock(&ar_mu);
    *(void **)last = ar_free_list;
    ar_free_list = c;
    pthread_mutex_unlock(&ar_mu);
  }
  a->chunks = NULL;
  a->at = a->end = NULL;
}

size_t jsonr_arena_chunks(void) { return atomic_load(&ar_nchunks); }
