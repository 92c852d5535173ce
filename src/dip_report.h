/* dip_report.h — the texts a bureau and an institution read: the catalogue as CSV, and an
 * institution's year statement (JSON and CSV) whose every case line and total can be checked. */
#ifndef YB_DIP_REPORT_H
#define YB_DIP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dip.h"

typedef struct dip_buf { /* growable text; s is malloc'd (free it), NULL after a failed grow */
  char *s;
  size_t n, cap;
  int failed;
} dip_buf;
void dip_buf_printf(dip_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One catalogue as CSV: code,kind,n_cases,n_y3,n_y2,n_y1,used_y3,used_y2,used_y1,mean,rw. */
void dip_report_catalog_csv(const dip_catalog *cat, const char *version, dip_buf *out);

/* A case line of a statement (strings borrowed). */
typedef struct dip_line {
  const char *mdtrt_id, *group, *diag, *procs;
  int level, kind, special_req, special_refused;
  int64_t cost, rw4, ratio_bp, factor_bp, base4, score4;
} dip_line;

/* An institution's statement: begin (header and the clearing figures), lines, end. */
void dip_statement_begin(const dip_params *p, const dip_clearing *k, const dip_inst *x, const char *version,
                         dip_buf *json, dip_buf *csv);
void dip_statement_line(const dip_line *l, int first, dip_buf *json, dip_buf *csv);
void dip_statement_end(dip_buf *json, dip_buf *csv);

/* The clearing as JSON (for dip_clearing.body and `dip clear`): figures and every institution. */
void dip_report_clearing(const dip_params *p, const dip_clearing *k, const dip_inst *inst, int64_t n,
                         const char *version, dip_buf *out);

#endif
