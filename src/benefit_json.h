/* benefit_json.h — the engine's inputs and outputs in the national interface's JSON shape.
 * Used by `yibao adjudicate`, `yibao cases` and the server's settlement handlers, so one
 * piece of code decides what a settlement looks like on the wire. All returned json_t
 * are new references the caller owns; inputs are borrowed. */
#ifndef YB_BENEFIT_JSON_H
#define YB_BENEFIT_JSON_H

#include <jansson.h>

#include "benefit.h"
#include "jsonw.h"

/* Read a person / visit / fee lines from case-file JSON (field names in docs/cases.md).
 * Lines resolve med_list_codg through the catalog; unknown codes fail naming the line. */
int benefit_json_person(json_t *j, const char *path, benefit_person *out, yb_err *e);
int benefit_json_visit(json_t *j, const char *path, benefit_visit *out, yb_err *e);
int benefit_json_lines(json_t *arr, const char *path, const catalog *cat, benefit_line *out,
                       int max, int *n, yb_err *e);
/* Accumulators as {"bucket": yuan, "bucket@3": yuan, "admissions": count}. */
int benefit_json_accum_read(json_t *j, const char *path, const policy *p, accum *out, yb_err *e);
json_t *benefit_json_accum(const policy *p, const accum *a);

/* The SETLINFO amounts (medfee_sumamt … balc, pool_prop_selfpay, clr_type); the caller
 * adds the identity fields (mdtrt_id, setl_id, psn_no, psn_name …). */
json_t *benefit_json_setlinfo(const benefit_result *r);
/* The SETLDETAIL list. */
json_t *benefit_json_setldetail(const benefit_result *r);
/* One FEE-RESULT row (2204/2301 output) for a line. */
json_t *benefit_json_fee_result(const benefit_line *l, const benefit_line_out *o);
/* The explanation: [{step, key, rule, layer, base, ratio, amount, limit, reason}]. */
json_t *benefit_json_trace(const benefit_result *r);
/* The same as compact text, byte for byte jsonx_dumps(benefit_json_trace(r), JSON_COMPACT),
 * written without building the tree (the settlement stores it). Caller frees; NULL on OOM. */
char *benefit_json_trace_text(const benefit_result *r);

/* The same texts written straight into jsonw buffers, byte for byte jsonx_dumps(tree,
 * JSON_COMPACT) of the trees above (the server stores and sends these; the unit tests hold
 * them equal over the golden cases). _setlinfo writes its members into an open object. A
 * FEE-RESULT row with `negate` set has its amounts and count negated (a return). */
void benefit_jw_setlinfo(jsonw_obj *o, const benefit_result *r);
void benefit_jw_setldetail(jsonw_buf *b, const benefit_result *r);
void benefit_jw_accum(jsonw_buf *b, const policy *p, const accum *a);
void benefit_jw_fee_result(jsonw_buf *b, const benefit_line *l, const benefit_line_out *o, int negate);

#endif
