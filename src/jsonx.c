/* jsonx.c — exact readers for numbers, flags and dates in any of the shapes clients send. */
#include "jsonx.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "money.h"

static json_t *field(json_t *obj, const char *key) {
  json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
  if (v && json_is_null(v)) return NULL;
  if (v && json_is_string(v) && json_string_length(v) == 0) return NULL;
  return v;
}

static const char *fpath(char *buf, size_t n, const char *path, const char *key) {
  if (path && *path)
    snprintf(buf, n, "%s.%s", path, key);
  else
    snprintf(buf, n, "%s", key);
  return buf;
}

int jsonx_dec(json_t *v, int scale, int64_t *out) {
  if (json_is_integer(v)) {
    int64_t x = (int64_t)json_integer_value(v);
    for (int i = 0; i < scale; i++) {
      if (x > MONEY_FEN_MAX / 10 || x < -MONEY_FEN_MAX / 10) return -1;
      x *= 10;
    }
    *out = x;
    return 0;
  }
  if (json_is_real(v)) return money_from_double(json_real_value(v), scale, out);
  if (json_is_string(v)) return money_parse(json_string_value(v), scale, out);
  return -1;
}

int jsonx_get_str(json_t *obj, const char *path, const char *key, bool required,
                  char *out, size_t cap, yb_err *e) {
  char p[160];
  json_t *v = field(obj, key);
  if (!v) return required ? yb_fail(e, YB_EMISSING, fpath(p, sizeof p, path, key), "required") : 0;
  if (json_is_integer(v)) {
    snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    return 0;
  }
  if (!json_is_string(v))
    return yb_fail(e, YB_ETYPE, fpath(p, sizeof p, path, key), "must be a string");
  size_t len = json_string_length(v);
  if (len >= cap)
    return yb_fail(e, YB_ERANGE, fpath(p, sizeof p, path, key), "longer than %zu characters", cap - 1);
  memcpy(out, json_string_value(v), len + 1);
  return 0;
}

int jsonx_get_dec(json_t *obj, const char *path, const char *key, bool required, int scale,
                  int64_t *out, yb_err *e) {
  char p[160];
  json_t *v = field(obj, key);
  if (!v) return required ? yb_fail(e, YB_EMISSING, fpath(p, sizeof p, path, key), "required") : 0;
  if (jsonx_dec(v, scale, out) != 0)
    return yb_fail(e, YB_EINVAL, fpath(p, sizeof p, path, key),
                   "not a number with at most %d decimals", scale);
  return 0;
}

int jsonx_get_int(json_t *obj, const char *path, const char *key, bool required,
                  int64_t *out, yb_err *e) {
  return jsonx_get_dec(obj, path, key, required, 0, out, e);
}

static int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return d[m - 1];
}

static int dig2(const char *s) {
  return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' ? (s[0] - '0') * 10 + s[1] - '0' : -1;
}

int jsonx_parse_date(const char *s, int32_t *date, int32_t *secs) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, n = 0;
  char sep1 = 0, sep2 = 0;
  const char *rest;
  /* the usual yyyy-MM-dd[ HH:mm:ss] without sscanf (a settlement parses a dozen dates); every
   * other shape goes through the scanf reading below, which gives the same on this one */
  int y1 = dig2(s), y2 = y1 < 0 ? -1 : dig2(s + 2);
  if (y2 >= 0 && (s[4] == '-' || s[4] == '/') && (mo = dig2(s + 5)) >= 0 && s[7] == s[4] &&
      (d = dig2(s + 8)) >= 0 && (s[10] == 0 || ((s[10] == ' ' || s[10] == 'T') && dig2(s + 11) >= 0 &&
                                                s[13] == ':' && dig2(s + 14) >= 0 && s[16] == ':' &&
                                                dig2(s + 17) >= 0))) {
    y = y1 * 100 + y2;
    rest = s + 10;
    if (*rest) {
      h = dig2(s + 11), mi = dig2(s + 14), se = dig2(s + 17);
      rest = s + 19;
      if (*rest == '.') /* fractional seconds */
        for (rest++; *rest >= '0' && *rest <= '9'; rest++) {
        }
    }
    goto check;
  }
  if (sscanf(s, "%4d%c%2d%c%2d%n", &y, &sep1, &mo, &sep2, &d, &n) != 5) return -1;
  if (!((sep1 == '-' && sep2 == '-') || (sep1 == '/' && sep2 == '/'))) return -1;
  rest = s + n;
  if (*rest == ' ' || *rest == 'T') {
    int m = 0;
    if (sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &m) != 3) return -1;
    rest += 1 + m;
    if (*rest == '.') /* fractional seconds */
      for (rest++; *rest >= '0' && *rest <= '9'; rest++) {
      }
  }
check:
  if (*rest) return -1;
  if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
      h > 23 || mi > 59 || se > 59 || h < 0 || mi < 0 || se < 0)
    return -1;
  *date = y * 10000 + mo * 100 + d;
  if (secs) *secs = h * 3600 + mi * 60 + se;
  return 0;
}

int jsonx_get_date(json_t *obj, const char *path, const char *key, bool required,
                   int32_t *date, int32_t *secs, yb_err *e) {
  char p[160];
  json_t *v = field(obj, key);
  if (!v) return required ? yb_fail(e, YB_EMISSING, fpath(p, sizeof p, path, key), "required") : 0;
  if (!json_is_string(v) || jsonx_parse_date(json_string_value(v), date, secs) != 0)
    return yb_fail(e, YB_EINVAL, fpath(p, sizeof p, path, key),
                   "not a date (yyyy-MM-dd[ HH:mm:ss])");
  return 0;
}

const char *jsonx_date_str(int32_t date, char *buf) {
  unsigned y = (unsigned)(date / 10000) % 10000u, m = (unsigned)(date / 100) % 100u, d = (unsigned)date % 100u;
  buf[0] = (char)('0' + y / 1000), buf[1] = (char)('0' + y / 100 % 10), buf[2] = (char)('0' + y / 10 % 10);
  buf[3] = (char)('0' + y % 10), buf[4] = '-', buf[5] = (char)('0' + m / 10), buf[6] = (char)('0' + m % 10);
  buf[7] = '-', buf[8] = (char)('0' + d / 10), buf[9] = (char)('0' + d % 10), buf[10] = 0;
  return buf;
}

/* An amount below 1e13 yuan has at most 15 significant digits, so %.15g (the
 * precision jsonx_dumps sets) prints the exact decimal: 3498 fen → 34.98. */
json_t *jsonx_money(int64_t fen) { return json_real((double)fen / 100.0); }
json_t *jsonx_ratio(int32_t bp) { return json_real((double)bp / 10000.0); }

char *jsonx_dumps(const json_t *v, size_t flags) {
  return jsonw_dumps(v, flags | JSON_REAL_PRECISION(15));
}
