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
  int depth;
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
    if (++r->depth > JR_MAX_DEPTH) return NULL;
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

json_t *jsonr_fast(const char *s, size_t n, size_t flags) {
  if (flags & ~(size_t)JSON_ALLOW_NUL) return NULL;
  rd r = {(const unsigned char *)s, (const unsigned char *)s + n, flags, 0};
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
