/* jsonw.c — json_dumps' output for compact dumps, written into one growing buffer: the
 * settlement path serializes several KB of JSON per request inside the single writer thread,
 * where jansson's callback per value and printf per amount were the largest cost. */
#include "jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JW_FLAGS_OK (JSON_COMPACT | JSON_SORT_KEYS | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | (0x1F << 11))

static int grow(jsonw_buf *b, size_t more) {
  if (b->failed) return -1;
  if (b->n + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 1024; /* most texts here are 0.3–2 KB: one realloc at most */
  while (cap < b->n + more + 1) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) {
    b->failed = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void jsonw_raw(jsonw_buf *b, const char *s, size_t n) {
  if (grow(b, n)) return;
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void put_c(jsonw_buf *b, char c) {
  if (grow(b, 1)) return;
  b->p[b->n++] = c;
  b->p[b->n] = 0;
}

/* Length of the valid UTF-8 sequence at s (jansson's rules: no overlong forms, surrogates or
 * code points above U+10FFFF), or 0. */
size_t jsonw_utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0], cp;
  size_t len;
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) len = 2, cp = c & 0x1F;
  else if (c < 0xF0) len = 3, cp = c & 0x0F;
  else if (c <= 0xF4) len = 4, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  return len;
}

/* Are the 8 bytes at s all printable ASCII other than '"' and '\\' (nothing to escape or check)? */
static int plain8(const unsigned char *s) {
  uint64_t w;
  memcpy(&w, s, 8);
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t ctl = (w - ones * 0x20) & ~w;           /* a byte below 0x20 (or >= 0x80) sets its high bit */
  uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
  uint64_t zq = (q - ones) & ~q, zb = (bs - ones) & ~bs; /* a zero byte: '"' or '\\' */
  return !((ctl | zq | zb | w) & high);
}

/* A string literal; -1 (nothing kept of it) when str is not valid UTF-8, which the caller
 * either fails on (put_strn) or leaves out (jsonw_mstr). */
static int put_strn_chk(jsonw_buf *b, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str, *end = s + n, *run = s;
  size_t n0 = b->n;
  if (grow(b, n + 2)) return 0;
  b->p[b->n++] = '"';
  while (s < end) {
    while (end - s >= 8 && plain8(s)) s += 8; /* eight plain ASCII bytes at a time */
    if (s >= end) break;
    unsigned c = *s;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      s++;
      continue;
    }
    /* three bytes led by E1..EC or EE..EF and two continuation bytes are always valid (U+1000
     * to U+FFFF without the surrogates, never overlong): Chinese text, checked inline */
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && end - s >= 3 && (s[1] & 0xC0) == 0x80 &&
        (s[2] & 0xC0) == 0x80) {
      s += 3;
      continue;
    }
    if (c >= 0x80) {
      size_t l = jsonw_utf8_len(s, (size_t)(end - s));
      if (!l) {
        b->n = n0;
        if (b->p) b->p[n0] = 0;
        return -1;
      }
      s += l;
      continue;
    }
    jsonw_raw(b, (const char *)run, (size_t)(s - run));
    char esc[8];
    const char *t = esc;
    size_t tl = 2;
    switch (c) {
    case '"': t = "\\\""; break;
    case '\\': t = "\\\\"; break;
    case '\b': t = "\\b"; break;
    case '\f': t = "\\f"; break;
    case '\n': t = "\\n"; break;
    case '\r': t = "\\r"; break;
    case '\t': t = "\\t"; break;
    default: tl = (size_t)snprintf(esc, sizeof esc, "\\u%04X", c); break;
    }
    jsonw_raw(b, t, tl);
    run = ++s;
  }
  jsonw_raw(b, (const char *)run, (size_t)(s - run));
  put_c(b, '"');
  return 0;
}

static void put_strn(jsonw_buf *b, const char *str, size_t n) {
  if (put_strn_chk(b, str, n)) b->failed = 1;
}

void jsonw_str(jsonw_buf *b, const char *s) { put_strn(b, s, strlen(s)); }

static void put_int(jsonw_buf *b, long long v) {
  char t[24], *p = t + sizeof t;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do *--p = (char)('0' + u % 10); while (u /= 10);
  if (v < 0) *--p = '-';
  jsonw_raw(b, p, (size_t)(t + sizeof t - p));
}

/* jansson's jsonp_dtostr: "%.*g", a ".0" when neither '.' nor 'e' shows, and no '+' or
 * leading zeros in the exponent. Amounts (whole cents) skip printf: for |k| < 1e13, k/100
 * has at most 15 significant digits, so %.15g of the double nearest k/100 prints exactly
 * k/100; %.17g does too when k/100 is a binary fraction (k a multiple of 25). */
static void put_real(jsonw_buf *b, double d, int prec) {
  if (!isfinite(d)) {
    b->failed = 1;
    return;
  }
  if (d == 0) {
    jsonw_raw(b, signbit(d) ? "-0.0" : "0.0", signbit(d) ? 4 : 3);
    return;
  }
  if (prec == 15 || prec == 17) {
    if (fabs(d) < 1e15 && d == (double)(long long)d) {
      put_int(b, (long long)d);
      jsonw_raw(b, ".0", 2);
      return;
    }
    double x = d * 100;
    if (fabs(x) < 1e13) {
      long long k = llround(x);
      if ((double)k / 100.0 == d && (prec == 15 || k % 25 == 0)) {
        long long a = k < 0 ? -k : k;
        char t[8];
        size_t tl = 0;
        if (k < 0) put_c(b, '-');
        put_int(b, a / 100);
        t[tl++] = '.';
        t[tl++] = (char)('0' + a % 100 / 10);
        if (a % 10) t[tl++] = (char)('0' + a % 10);
        jsonw_raw(b, t, tl);
        return;
      }
    }
  }
  char t[64];
  int len = snprintf(t, sizeof t, "%.*g", prec, d);
  if (len <= 0 || (size_t)len >= sizeof t - 3) {
    b->failed = 1;
    return;
  }
  for (char *c = t; *c; c++)
    if (*c == ',') *c = '.'; /* a locale's decimal comma, as jansson's from_locale */
  if (!strchr(t, '.') && !strchr(t, 'e')) {
    t[len++] = '.', t[len++] = '0';
    t[len] = 0;
  }
  char *e = strchr(t, 'e');
  if (e) {
    char *start = e + 1, *end = start + 1;
    if (*start == '-') start++;
    while (*end == '0') end++;
    if (end != start) {
      memmove(start, end, (size_t)(len - (end - t)) + 1);
      len -= (int)(end - start);
    }
  }
  jsonw_raw(b, t, (size_t)len);
}

void jsonw_dec(jsonw_buf *b, long long v, int scale) {
  static const unsigned long long p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  static const double d10[] = {1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0};
  if (scale < 0 || scale > 6) {
    b->failed = 1;
    return;
  }
  if (v == 0) {
    jsonw_raw(b, "0.0", 3);
    return;
  }
  unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  /* "%.15g" of the double nearest a / 10^scale prints its exact decimal when that has at most
   * 15 digits and shows no exponent: a < 10^15 and a / 10^scale >= 1e-4 */
  if (a >= 1000000000000000ULL || (scale > 4 && a < p10[scale - 4])) {
    put_real(b, (double)v / d10[scale], 15);
    return;
  }
  char t[40], *p = t + sizeof t;
  unsigned long long ip = a / p10[scale], fp = a % p10[scale];
  if (!fp) {
    *--p = '0';
  } else {
    int k = scale;
    while (fp % 10 == 0) fp /= 10, k--; /* no trailing zeros */
    for (; k > 0; k--, fp /= 10) *--p = (char)('0' + fp % 10);
  }
  *--p = '.';
  do *--p = (char)('0' + ip % 10); while (ip /= 10);
  if (v < 0) *--p = '-';
  jsonw_raw(b, p, (size_t)(t + sizeof t - p));
}

void jsonw_obj_open(jsonw_obj *o, jsonw_buf *b) {
  o->b = b;
  o->n = 0;
  put_c(b, '{');
}

void jsonw_obj_close(jsonw_obj *o) { put_c(o->b, '}'); }

void jsonw_key_lit(jsonw_obj *o, const char *key, size_t n) {
  jsonw_buf *b = o->b;
  if (grow(b, n + 4)) return;
  char *p = b->p + b->n;
  if (o->n++) *p++ = ',';
  *p++ = '"';
  memcpy(p, key, n);
  p += n;
  *p++ = '"';
  *p++ = ':';
  b->n = (size_t)(p - b->p);
  b->p[b->n] = 0;
}

int jsonw_key(jsonw_obj *o, const char *key) {
  if (!key || !jsonw_utf8_ok(key)) return 0;
  if (o->n++) put_c(o->b, ',');
  jsonw_str(o->b, key);
  put_c(o->b, ':');
  return 1;
}

void jsonw_mstr(jsonw_obj *o, const char *key, size_t kn, const char *v) {
  if (!v) return;
  jsonw_buf *b = o->b;
  size_t n0 = b->n;
  int m0 = o->n;
  jsonw_key_lit(o, key, kn);
  if (put_strn_chk(b, v, strlen(v))) { /* not UTF-8: json_string refuses it, the key stays out */
    b->n = n0;
    if (b->p) b->p[n0] = 0;
    o->n = m0;
  }
}

void jsonw_real(jsonw_buf *b, double d, int precision) { put_real(b, d, precision ? precision : 17); }
void jsonw_int(jsonw_buf *b, long long v) { put_int(b, v); }

int jsonw_utf8_ok(const char *s) {
  const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
  while (p < end) {
    size_t l = jsonw_utf8_len(p, (size_t)(end - p));
    if (!l) return 0;
    p += l;
  }
  return 1;
}

typedef struct jw_kv { /* a member, for sorting (jansson refuses NUL in keys: strcmp orders them) */
  const char *k;
  json_t *v;
} jw_kv;

static int key_cmp(const void *a, const void *b) {
  return strcmp(((const jw_kv *)a)->k, ((const jw_kv *)b)->k);
}

static void put_value(jsonw_buf *b, const json_t *v, size_t flags, int prec, int depth) {
  if (b->failed) return;
  if (depth > 2048) { /* jansson recurses too; this only guards the stack */
    b->failed = 1;
    return;
  }
  const char *isep = flags & JSON_COMPACT ? "," : ", ", *ksep = flags & JSON_COMPACT ? ":" : ": ";
  size_t il = strlen(isep), kl = strlen(ksep);
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    size_t n = json_object_size(v);
    if (!n) {
      jsonw_raw(b, "{}", 2);
      return;
    }
    put_c(b, '{');
    if (flags & JSON_SORT_KEYS) {
      jw_kv stack[32], *keys = n <= 32 ? stack : malloc(n * sizeof *keys);
      if (!keys) {
        b->failed = 1;
        return;
      }
      size_t k = 0;
      const char *key;
      json_t *val;
      json_object_foreach((json_t *)v, key, val) keys[k].k = key, keys[k++].v = val;
      if (k > 32) {
        qsort(keys, k, sizeof *keys, key_cmp);
      } else { /* the few keys of a request's object: an insertion sort, no calls through qsort */
        for (size_t i = 1; i < k; i++) {
          jw_kv x = keys[i];
          size_t j = i;
          for (; j > 0 && strcmp(keys[j - 1].k, x.k) > 0; j--) keys[j] = keys[j - 1];
          keys[j] = x;
        }
      }
      for (size_t i = 0; i < k && !b->failed; i++) {
        if (i) jsonw_raw(b, isep, il);
        jsonw_str(b, keys[i].k);
        jsonw_raw(b, ksep, kl);
        put_value(b, keys[i].v, flags, prec, depth + 1);
      }
      if (keys != stack) free(keys);
    } else {
      const char *key;
      json_t *val;
      int first = 1;
      json_object_foreach((json_t *)v, key, val) {
        if (!first) jsonw_raw(b, isep, il);
        first = 0;
        jsonw_str(b, key);
        jsonw_raw(b, ksep, kl);
        put_value(b, val, flags, prec, depth + 1);
        if (b->failed) return;
      }
    }
    put_c(b, '}');
    return;
  }
  case JSON_ARRAY: {
    size_t n = json_array_size(v);
    put_c(b, '[');
    for (size_t i = 0; i < n && !b->failed; i++) {
      if (i) jsonw_raw(b, isep, il);
      put_value(b, json_array_get(v, i), flags, prec, depth + 1);
    }
    put_c(b, ']');
    return;
  }
  case JSON_STRING: put_strn(b, json_string_value(v), json_string_length(v)); return;
  case JSON_INTEGER: put_int(b, (long long)json_integer_value(v)); return;
  case JSON_REAL: put_real(b, json_real_value(v), prec); return;
  case JSON_TRUE: jsonw_raw(b, "true", 4); return;
  case JSON_FALSE: jsonw_raw(b, "false", 5); return;
  case JSON_NULL: jsonw_raw(b, "null", 4); return;
  }
  b->failed = 1;
}

void jsonw_value(jsonw_buf *b, const json_t *v, size_t flags) {
  if (!v || (flags & ~(size_t)JW_FLAGS_OK) || (flags & 0x1F)) { /* indents etc.: not ours */
    b->failed = 1;
    return;
  }
  int prec = (int)((flags >> 11) & 0x1F);
  put_value(b, v, flags, prec ? prec : 17, 0);
}

char *jsonw_take(jsonw_buf *b) {
  char *p = b->failed ? NULL : b->p;
  if (b->failed) free(b->p);
  else if (!p) p = calloc(1, 1);
  b->p = NULL;
  b->n = b->cap = 0;
  b->failed = 0;
  return p;
}

char *jsonw_dumps(const json_t *v, size_t flags) {
  if (!v || (flags & ~(size_t)JW_FLAGS_OK) || (flags & 0x1F)) return json_dumps(v, flags);
  if (!(flags & JSON_ENCODE_ANY) && !json_is_object(v) && !json_is_array(v)) return NULL;
  jsonw_buf b = {0};
  if (grow(&b, 1024)) return NULL;
  jsonw_value(&b, v, flags);
  return jsonw_take(&b);
}
