/* jsonx.h — reading and writing the national interface's JSON values exactly.
 * Clients send amounts as numbers, as "12.0000" strings or as doubles, flags as "1" or 1,
 * dates as yyyy-MM-dd HH:mm:ss, yyyy-MM-ddTHH:mm:ss or yyyy/M/d H:mm:ss. Each getter
 * accepts all of those, converts once into integers, and on anything it cannot read
 * exactly fails with the field's path — never a guess. */
#ifndef YB_JSONX_H
#define YB_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* Each getter: `path` is the object's path ("input.data", "feedetail[2]"), used in errors.
 * required=false: a missing, null or "" value leaves *out untouched and returns 0. */
int jsonx_get_str(json_t *obj, const char *path, const char *key, bool required,
                  char *out, size_t cap, yb_err *e);
/* Decimal at `scale` (MONEY_SCALE_*), from number or numeric string. */
int jsonx_get_dec(json_t *obj, const char *path, const char *key, bool required, int scale,
                  int64_t *out, yb_err *e);
/* Integer from number or string ("1" or 1). */
int jsonx_get_int(json_t *obj, const char *path, const char *key, bool required,
                  int64_t *out, yb_err *e);
/* Date or date-time → yyyymmdd (and optionally seconds since midnight). */
int jsonx_get_date(json_t *obj, const char *path, const char *key, bool required,
                   int32_t *date, int32_t *secs, yb_err *e);

/* Value → decimal at scale; for lists and other shapes the caller walks. */
int jsonx_dec(json_t *v, int scale, int64_t *out);
/* Parse a date text in any accepted format; returns 0 or -1. */
int jsonx_parse_date(const char *s, int32_t *date, int32_t *secs);
/* yyyymmdd → "yyyy-MM-dd" into an 11-byte buffer. */
const char *jsonx_date_str(int32_t date, char *buf);

/* New JSON number for an amount in fen (34.98) / a ratio in bp (0.6). */
json_t *jsonx_money(int64_t fen);
json_t *jsonx_ratio(int32_t bp);
/* Serialize with the precision that keeps those numbers exact. Caller frees. */
char *jsonx_dumps(const json_t *v, size_t flags);

#endif
