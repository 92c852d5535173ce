/* jsonw.h — JSON text out: the exact bytes json_dumps(v, flags) gives for the compact flags
 * yibao uses, written straight into a growing buffer (no per-value callbacks, amounts without
 * printf), plus appenders to build a reply around texts already serialized. */
#ifndef YB_JSONW_H
#define YB_JSONW_H

#include <jansson.h>
#include <stddef.h>

typedef struct jsonw_buf {
  char *p;      /* malloc'd, NUL-terminated while ok */
  size_t n, cap;
  int failed;   /* out of memory, invalid UTF-8, or a value json_dumps refuses */
} jsonw_buf;

/* Append v as json_dumps(v, flags) would write it. Supported flags: JSON_COMPACT,
 * JSON_SORT_KEYS, JSON_REAL_PRECISION(n) (0 = 17 like jansson); other flags, and a value
 * json_dumps would refuse (invalid UTF-8, NaN), set b->failed. */
void jsonw_value(jsonw_buf *b, const json_t *v, size_t flags);
/* Append a number as jansson writes a json_real at `precision` (0 = 17) / a json_integer. */
void jsonw_real(jsonw_buf *b, double d, int precision);
void jsonw_int(jsonw_buf *b, long long v);
/* Length of the valid UTF-8 sequence at s (n bytes left) by jansson's rules — no overlong
 * forms, surrogates or code points above U+10FFFF — or 0. */
size_t jsonw_utf8_len(const unsigned char *s, size_t n);
/* Would json_string(s) take s (valid UTF-8 by jansson's rules)? */
int jsonw_utf8_ok(const char *s);
/* Append raw bytes (already JSON) / a JSON string literal for s (escaped like jansson). */
void jsonw_raw(jsonw_buf *b, const char *s, size_t n);
void jsonw_str(jsonw_buf *b, const char *s);
#define JW_LIT(b, s) jsonw_raw(b, s, sizeof s - 1) /* a literal, already JSON */
/* The text (caller frees), or NULL after a failure; b is emptied either way. */
char *jsonw_take(jsonw_buf *b);

/* Exact decimals: v / 10^scale (scale 0..6) as jansson writes json_real((double)v / 10^scale)
 * at precision 15 — amounts in fen (scale 2), ratios in bp (4), counts (4), prices (6) —
 * without printf where the digits are plain (|value| in [1e-4, 1e15)). */
void jsonw_dec(jsonw_buf *b, long long v, int scale);
#define jsonw_fen(b, fen) jsonw_dec(b, fen, 2)

/* An object written member by member, the bytes json_object_set_new + json_dumps(JSON_COMPACT)
 * give: a member jansson would refuse (a NULL string, a key or value that is not UTF-8) is left
 * out, as json_object_set_new leaves it out. Keys given as literals (JW_KEY, JW_STR) must be
 * plain ASCII needing no escapes. */
typedef struct jsonw_obj {
  jsonw_buf *b;
  int n; /* members written */
} jsonw_obj;
void jsonw_obj_open(jsonw_obj *o, jsonw_buf *b);
void jsonw_obj_close(jsonw_obj *o);
void jsonw_key_lit(jsonw_obj *o, const char *key, size_t n); /* then write the value */
int jsonw_key(jsonw_obj *o, const char *key);                /* checked; 0: left out, write nothing */
void jsonw_mstr(jsonw_obj *o, const char *key, size_t kn, const char *v);
#define JW_KEY(o, k) jsonw_key_lit(o, k, sizeof k - 1)
#define JW_STR(o, k, v) jsonw_mstr(o, k, sizeof k - 1, v)
#define JW_FEN(o, k, v) (JW_KEY(o, k), jsonw_fen((o)->b, v))
#define JW_DEC(o, k, v, s) (JW_KEY(o, k), jsonw_dec((o)->b, v, s))

/* json_dumps(v, flags) with the same result (NULL where it gives NULL). Caller frees. */
char *jsonw_dumps(const json_t *v, size_t flags);

#endif
