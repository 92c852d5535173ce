/* err.c — the error table's lookups and the yb_err filler. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  int code, http;
  const char *msg;
} err_table[] = {
#define YB_ERR_ROW(name, code, http, msg) {code, http, msg},
    YB_ERR_MAP(YB_ERR_ROW)
#undef YB_ERR_ROW
};

int yb_fail(yb_err *e, int code, const char *field, const char *fmt, ...) {
  if (!e) return code;
  e->code = code;
  snprintf(e->field, sizeof e->field, "%s", field ? field : "");
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  } else {
    snprintf(e->msg, sizeof e->msg, "%s", yb_strerror(code));
  }
  return code;
}

void yb_err_clear(yb_err *e) {
  if (e) memset(e, 0, sizeof *e);
}

const char *yb_strerror(int code) {
  for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
    if (err_table[i].code == code) return err_table[i].msg;
  return "unknown error";
}

int yb_err_http_status(int code) {
  for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
    if (err_table[i].code == code) return err_table[i].http;
  return 500;
}

const char *yb_err_text(const yb_err *e, char *buf, size_t n) {
  if (!e || !e->code) {
    snprintf(buf, n, "ok");
  } else if (e->field[0]) {
    snprintf(buf, n, "%s: %s", e->field, e->msg[0] ? e->msg : yb_strerror(e->code));
  } else {
    snprintf(buf, n, "%s", e->msg[0] ? e->msg : yb_strerror(e->code));
  }
  return buf;
}
