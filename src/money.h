/* money.h — exact money: int64_t fen (0.01 yuan), basis points (1 bp = 0.01 %),
 * rounding half away from zero (half-up for the non-negative amounts that pay),
 * and conversion from the decimal text or doubles that clients send.
 * No double ever holds an amount on a path that pays: doubles are turned into
 * their shortest-correct decimal text first and parsed from there. */
#ifndef YB_MONEY_H
#define YB_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONEY_BP_ONE 10000           /* 100 % */
#define MONEY_FEN_MAX INT64_C(999999999999999999) /* > N16,2; guards sums */

/* Scales used at the boundary: amounts 2 decimals (fen), quantities 4 (cnt N16,4),
 * unit prices 6 (pric N16,6, micro-yuan), ratios 4 (basis points). */
enum { MONEY_SCALE_FEN = 2, MONEY_SCALE_CNT = 4, MONEY_SCALE_PRICE = 6, MONEY_SCALE_BP = 4 };

/* num / den rounded half away from zero. den > 0. */
static inline int64_t money_div_round(__int128 num, int64_t den) {
  if (num >= -INT64_MAX && num <= INT64_MAX) { /* the common case, without 128-bit division */
    int64_t n = (int64_t)num, q = n / den, r = n % den;
    if (r < 0) r = -r;
    if (2 * r >= den) q += (n < 0 ? -1 : 1);
    return q;
  }
  __int128 q = num / den, r = num % den;
  if (r < 0) r = -r;
  if (2 * r >= den) q += (num < 0 ? -1 : 1);
  return (int64_t)q;
}

/* amount × bp / 10000, half away from zero. Exact for every int64 amount. */
static inline int64_t money_mul_bp(int64_t fen, int32_t bp) {
  return money_div_round((__int128)fen * bp, MONEY_BP_ONE);
}

/* cnt (1e-4 units) × pric (micro-yuan) in fen, half away from zero. */
static inline int64_t money_line_fen(int64_t cnt4, int64_t pric6) {
  return money_div_round((__int128)cnt4 * pric6, INT64_C(100000000));
}

static inline int64_t money_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t money_max(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t money_clamp0(int64_t a) { return a < 0 ? 0 : a; }

/* a + b into *out; returns 0, or -1 if the sum passes ±MONEY_FEN_MAX. */
int money_add(int64_t a, int64_t b, int64_t *out);

/* Parse decimal text ("12", "-3.5", "12.0000", "1e2" is refused) into an integer
 * at `scale` decimals. Digits beyond `scale` must be zeros. Returns 0 or -1. */
int money_parse(const char *s, int scale, int64_t *out);

/* The same for a double a client sent: formatted with 9 decimals, then parsed,
 * so 34.98 (stored as 34.97999…) becomes 3498 fen exactly. */
int money_from_double(double d, int scale, int64_t *out);

/* Write v (at `scale` decimals) as decimal text, trailing zeros kept to
 * `min_decimals`. Returns the length. buf must hold 32 bytes. */
int money_format(int64_t v, int scale, int min_decimals, char *buf);
/* Shorthands: fen as "34.98", bp as "0.6" (ratio), both into 32-byte buffers. */
const char *money_fen_str(int64_t fen, char *buf);
const char *money_bp_str(int32_t bp, char *buf);

#endif
