/* money.c — parsing and formatting of exact decimal amounts. */
#include "money.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int money_add(int64_t a, int64_t b, int64_t *out) {
  int64_t s;
  if (__builtin_add_overflow(a, b, &s) || s > MONEY_FEN_MAX || s < -MONEY_FEN_MAX) return -1;
  *out = s;
  return 0;
}

int money_parse(const char *s, int scale, int64_t *out) {
  if (!s) return -1;
  while (*s == ' ') s++;
  bool neg = false;
  if (*s == '-' || *s == '+') neg = (*s++ == '-');
  int64_t v = 0;
  int ndig = 0, frac = -1; /* frac: decimals seen, -1 before the point */
  for (; *s; s++) {
    if (*s == '.') {
      if (frac >= 0) return -1;
      frac = 0;
      continue;
    }
    if (*s < '0' || *s > '9') break;
    int d = *s - '0';
    if (frac >= 0 && frac >= scale) {
      if (d != 0) return -1; /* more precision than the field carries */
      continue;
    }
    if (v > (MONEY_FEN_MAX - d) / 10) return -1;
    v = v * 10 + d;
    ndig++;
    if (frac >= 0) frac++;
  }
  while (*s == ' ') s++;
  if (*s || ndig == 0) return -1;
  for (int i = frac < 0 ? 0 : frac; i < scale; i++) {
    if (v > MONEY_FEN_MAX / 10) return -1;
    v *= 10;
  }
  *out = neg ? -v : v;
  return 0;
}

int money_from_double(double d, int scale, int64_t *out) {
  if (!isfinite(d) || fabs(d) > 1e16) return -1;
  /* Three more decimals than the field keeps: binary noise (34.97999…) rounds
   * away, a genuine extra decimal (12.345 for a fen field) stays and is refused. */
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", scale + 3, d);
  return money_parse(buf, scale, out);
}

int money_format(int64_t v, int scale, int min_decimals, char *buf) {
  char tmp[32];
  uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
  int n = 0;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u || n <= scale);
  /* tmp holds digits reversed; the first `scale` are decimals */
  int drop = 0;
  while (drop < scale - min_decimals && tmp[drop] == '0') drop++;
  int len = 0;
  if (v < 0) buf[len++] = '-';
  for (int i = n - 1; i >= scale; i--) buf[len++] = tmp[i];
  if (scale - drop > 0) {
    buf[len++] = '.';
    for (int i = scale - 1; i >= drop; i--) buf[len++] = tmp[i];
  }
  buf[len] = 0;
  return len;
}

const char *money_fen_str(int64_t fen, char *buf) {
  money_format(fen, MONEY_SCALE_FEN, 2, buf);
  return buf;
}

const char *money_bp_str(int32_t bp, char *buf) {
  money_format(bp, MONEY_SCALE_BP, 1, buf);
  return buf;
}
