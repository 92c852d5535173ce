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
/* The text (caller frees), or NULL after a failure; b is emptied either way. */
char *jsonw_take(jsonw_buf *b);

/* json_dumps(v, flags) with the same result (NULL where it gives NULL). Caller frees. */
char *jsonw_dumps(const json_t *v, size_t flags);

#endif
