/* err.h — every error yibao can report, in one X-macro table.
 * A function returns 0 or a negative YB_E… code and fills a caller-owned yb_err
 * with the detail (the field or JSON path, and a message a person can act on). */
#ifndef YB_ERR_H
#define YB_ERR_H

#include <stddef.h>

/*        name            code  http  message */
#define YB_ERR_MAP(X) \
  X(OK,                0,   200, "ok") \
  X(INVAL,            -1,   400, "invalid value") \
  X(MISSING,          -2,   400, "required field missing") \
  X(TYPE,             -3,   400, "wrong type") \
  X(RANGE,            -4,   400, "value out of range") \
  X(UNKNOWN_CODE,     -5,   400, "unknown code") \
  X(NOMEM,            -6,   500, "out of memory") \
  X(OVERFLOW,         -7,   400, "amount overflow") \
  X(IO,               -8,   500, "i/o error") \
  X(PARSE,            -9,   400, "malformed JSON") \
  X(POLICY,          -10,   400, "policy has no rule for this case") \
  X(NOT_FOUND,       -11,   404, "not found") \
  X(CONFLICT,        -12,   409, "conflict with current state") \
  X(AUTH,            -13,   401, "not authenticated") \
  X(FORBIDDEN,       -14,   403, "forbidden") \
  X(LIMIT,           -15,   413, "request too large") \
  X(STORE,           -16,   500, "storage error") \
  X(MISMATCH,        -17,   400, "figures do not agree") \
  X(BUSY,            -18,   503, "busy, try again")

enum {
#define YB_ERR_ENUM(name, code, http, msg) YB_E##name = (code),
  YB_ERR_MAP(YB_ERR_ENUM)
#undef YB_ERR_ENUM
};

/* Detail of the last error. `field` names the input field or JSON path
 * (e.g. "feedetail[3].cnt", "schemes.390.inpatient.deductible[0].amount"). */
typedef struct yb_err {
  int code;
  char field[160];
  char msg[320];
} yb_err;

/* Fill `e` (may be NULL) and return `code`. printf-style message. */
int yb_fail(yb_err *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void yb_err_clear(yb_err *e);
const char *yb_strerror(int code);
int yb_err_http_status(int code);
/* "field: message" into buf; returns buf. */
const char *yb_err_text(const yb_err *e, char *buf, size_t n);

#endif
