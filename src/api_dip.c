/* api_dip.c — the console's DIP routes (/api/v1/dip/…): catalogue versions and their CSV, a
 * stay's score with its trace, the year's clearing, institution statements (an institution user
 * sees only its own), and the writes of the cycle (build, score, clear, special review,
 * deductions) through admin_write with parameters from the stored policy of the year. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "dip_cmd.h"
#include "dip_report.h"
#include "jsonx.h"
#include "money.h"
#include "store_dip.h"

static int year_of(const char *s, const char *field, int *out, yb_err *e) {
  char *end;
  long y = s ? strtol(s, &end, 10) : 0;
  if (!s || *end || y < 2000 || y > 2199) return yb_fail(e, YB_ERANGE, field, "must be a year in 2000–2199");
  *out = (int)y;
  return 0;
}

static int body_year(admin_req *r, int *out, yb_err *e) {
  json_t *v = r->body ? json_object_get(r->body, "year") : NULL;
  if (!v) return yb_fail(e, YB_EMISSING, "year", "required: the year");
  if (!json_is_integer(v) || json_integer_value(v) < 2000 || json_integer_value(v) > 2199)
    return yb_fail(e, YB_ERANGE, "year", "must be a year in 2000–2199");
  *out = (int)json_integer_value(v);
  return 0;
}

static const char *body_str(admin_req *r, const char *key) {
  json_t *v = r->body ? json_object_get(r->body, key) : NULL;
  return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

static void reply_json_text(admin_req *r, char *text) {
  free(r->text);
  r->text = text;
  snprintf(r->content_type, sizeof r->content_type, "application/json");
}

/* ---- reads ------------------------------------------------------------------------------------ */
static int cat_row(const char *version, int year, const char *built_at, int64_t n_cases, int64_t n_groups, void *arg) {
  json_array_append_new(arg, json_pack("{s:s,s:i,s:s,s:I,s:I}", "version", version, "year", year, "built_at",
                                       built_at, "n_cases", (json_int_t)n_cases, "n_groups", (json_int_t)n_groups));
  return 0;
}

static int route_catalogues(admin_req *r, yb_err *e) {
  long year;
  int rc = admin_query_int(r, "year", 0, 0, 2199, &year, e);
  if (rc) return rc;
  json_t *list = json_array();
  if ((rc = store_dip_catalogs_each(r->c, (int)year, cat_row, list, e))) return json_decref(list), rc;
  r->out = json_pack("{s:o}", "catalogues", list);
  return 0;
}

static int route_catalogue_csv(admin_req *r, yb_err *e) {
  dip_catalog *cat;
  char version[64];
  int rc = store_dip_catalog_get(r->c, r->param[0], 0, &cat, version, sizeof version, e);
  if (rc) return rc;
  dip_buf b = {0};
  dip_report_catalog_csv(cat, version, &b);
  dip_catalog_free(cat);
  if (b.failed) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  char name[80];
  snprintf(name, sizeof name, "dip-catalogue-%.60s.csv", version);
  admin_reply_csv(r, b.s, name);
  return 0;
}

typedef struct case_ctx {
  admin_req *r;
  yb_err *e;
} case_ctx;

static int case_row(const store_dip_case_row *x, int year, const char *version, void *arg) {
  case_ctx *c = arg;
  int rc = admin_own_inst(c->r, x->fixmedins_code, c->e);
  if (rc) return rc;
  char v[6][32];
  money_format(x->cost, 2, 2, v[0]), money_format(x->rw4, 4, 4, v[1]), money_format(x->ratio_bp, 4, 4, v[2]);
  money_format(x->base4, 4, 4, v[3]), money_format(x->factor_bp, 4, 4, v[4]), money_format(x->score4, 4, 4, v[5]);
  json_t *trace = json_loads(x->trace, 0, NULL);
  c->r->out = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:s,s:o}", "mdtrt_id",
                        x->mdtrt_id, "year", year, "catalogue", version, "fixmedins_code", x->fixmedins_code, "diag",
                        x->diag, "procs", x->procs, "group", x->group, "level", x->level, "cost", v[0], "group_rw",
                        v[1], "ratio", v[2], "kind", dip_case_kind_name(x->kind), "special_requested",
                        x->special_req, "special_refused", x->special_refused, "base", v[3], "factor", v[4], "score",
                        v[5], "trace", trace ? trace : json_array());
  return 0;
}

static int route_case(admin_req *r, yb_err *e) {
  case_ctx c = {r, e};
  return store_dip_case_get(r->c, r->param[0], case_row, &c, e);
}

static int route_clearing(admin_req *r, yb_err *e) {
  int year, rc = year_of(r->param[0], "year", &year, e);
  char *body = NULL;
  if (!rc) rc = store_dip_clearing_get(r->c, year, &body, e);
  if (!rc) reply_json_text(r, body);
  return rc;
}

static int statement(admin_req *r, int csv, yb_err *e) {
  int year, rc = year_of(r->param[0], "year", &year, e);
  char *text = NULL;
  if (!rc) rc = admin_own_inst(r, r->param[1], e);
  if (!rc) rc = store_dip_statement_get(r->c, year, r->param[1], csv ? NULL : &text, csv ? &text : NULL, e);
  if (rc) return rc;
  if (csv) {
    char name[80];
    snprintf(name, sizeof name, "dip-statement-%d-%.40s.csv", year, r->param[1]);
    admin_reply_csv(r, text, name);
  } else {
    reply_json_text(r, text);
  }
  return 0;
}

static int route_statement(admin_req *r, yb_err *e) { return statement(r, 0, e); }
static int route_statement_csv(admin_req *r, yb_err *e) { return statement(r, 1, e); }

static int adv_row(const char *inst, int month, int64_t fund, int32_t share_bp, int64_t amount, void *arg) {
  char f[32], a[32], sh[32];
  money_format(share_bp, 4, 1, sh);
  json_array_append_new(arg, json_pack("{s:s,s:i,s:s,s:s,s:s}", "fixmedins_code", inst, "month", month,
                                       "fund_settled", money_fen_str(fund, f), "share", sh, "advance",
                                       money_fen_str(amount, a)));
  return 0;
}

static int route_advances(admin_req *r, yb_err *e) {
  int year, rc = year_of(r->param[0], "year", &year, e);
  long month;
  if (!rc) rc = admin_query_int(r, "month", 0, 0, 12, &month, e);
  if (rc) return rc;
  json_t *list = json_array();
  if ((rc = store_dip_advances_each(r->c, year, (int)month, adv_row, list, e))) return json_decref(list), rc;
  r->out = json_pack("{s:i,s:o}", "year", year, "advances", list);
  return 0;
}

/* ---- writes ----------------------------------------------------------------------------------- */
typedef struct cycle {
  int year, month;
  dip_params p;
  const char *version;
  dip_build_out b;
  dip_score_out s;
  dip_clearing k;
} cycle;

static int cycle_prepare(admin_req *r, cycle *x, yb_err *e) {
  memset(x, 0, sizeof *x);
  int rc = body_year(r, &x->year, e);
  return rc ? rc : dip_cmd_params(r->c, NULL, x->year, &x->p, e);
}

static int build_tx(store_conn *w, void *arg, yb_err *e) {
  cycle *x = arg;
  return dip_build_tx(w, x->year, &x->p, &x->b, e);
}
static int score_tx(store_conn *w, void *arg, yb_err *e) {
  cycle *x = arg;
  return dip_score_tx(w, x->year, &x->p, x->version, &x->s, e);
}
static int clear_tx(store_conn *w, void *arg, yb_err *e) {
  cycle *x = arg;
  return dip_clear_tx(w, x->year, &x->p, &x->k, e);
}

static int advance_tx(store_conn *w, void *arg, yb_err *e) {
  cycle *x = arg;
  return dip_advance_tx(w, x->year, x->month, &x->p, e);
}

static int route_advance(admin_req *r, yb_err *e) {
  cycle x;
  int rc = cycle_prepare(r, &x, e);
  if (rc) return rc;
  json_t *m = json_object_get(r->body, "month");
  if (m && (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 12))
    return yb_fail(e, YB_ERANGE, "month", "must be 1–12");
  x.month = m ? (int)json_integer_value(m) : 0;
  snprintf(r->log_what, sizeof r->log_what, "DIP advances of %d months 1–%d", x.year, x.month ? x.month : 12);
  if ((rc = admin_write(r, advance_tx, &x, e))) return rc;
  json_t *list = json_array();
  if ((rc = store_dip_advances_each(r->c, x.year, x.month, adv_row, list, e))) return json_decref(list), rc;
  r->out = json_pack("{s:i,s:o}", "year", x.year, "advances", list);
  return 0;
}

static int route_build(admin_req *r, yb_err *e) {
  cycle x;
  int rc = cycle_prepare(r, &x, e);
  if (rc) return rc;
  snprintf(r->log_what, sizeof r->log_what, "DIP catalogue for %d", x.year);
  if ((rc = admin_write(r, build_tx, &x, e))) return rc;
  char m[32];
  money_format(x.b.overall_mean, 4, 2, m);
  r->out = json_pack("{s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I},s:s}", "version", x.b.version, "n_cases",
                     (json_int_t)x.b.n_cases, "n_groups", (json_int_t)x.b.n_groups, "kinds", "core",
                     (json_int_t)x.b.kinds[0], "category", (json_int_t)x.b.kinds[1], "chapter",
                     (json_int_t)x.b.kinds[2], "all", (json_int_t)x.b.kinds[3], "overall_mean", m);
  r->status = 201;
  return 0;
}

static int route_score(admin_req *r, yb_err *e) {
  cycle x;
  int rc = cycle_prepare(r, &x, e);
  if (rc) return rc;
  x.version = body_str(r, "version");
  snprintf(r->log_what, sizeof r->log_what, "DIP scores of %d", x.year);
  if ((rc = admin_write(r, score_tx, &x, e))) return rc;
  char t[32];
  money_format(x.s.total_score4, 4, 4, t);
  r->out = json_pack("{s:s,s:I,s:s,s:{s:I,s:I,s:I,s:I},s:I}", "version", x.s.version, "cases", (json_int_t)x.s.n,
                     "total_score", t, "kinds", "normal", (json_int_t)x.s.kinds[0], "low", (json_int_t)x.s.kinds[1],
                     "high", (json_int_t)x.s.kinds[2], "special", (json_int_t)x.s.kinds[3], "special_refused",
                     (json_int_t)x.s.refused);
  return 0;
}

static int route_clear(admin_req *r, yb_err *e) {
  cycle x;
  int rc = cycle_prepare(r, &x, e);
  if (rc) return rc;
  snprintf(r->log_what, sizeof r->log_what, "DIP clearing of %d", x.year);
  if ((rc = admin_write(r, clear_tx, &x, e))) return rc;
  char *body = NULL;
  if ((rc = store_dip_clearing_get(r->c, x.year, &body, e))) return rc;
  reply_json_text(r, body);
  return 0;
}

typedef struct special_ctx {
  const char *mdtrt, *by, *note;
} special_ctx;

static int special_tx(store_conn *w, void *arg, yb_err *e) {
  special_ctx *x = arg;
  dip_case k;
  int rc = store_dip_case_load(w, x->mdtrt, &k, e);
  return rc ? rc : store_dip_special_put(w, x->mdtrt, x->by, x->note, e);
}

static int route_special(admin_req *r, yb_err *e) {
  special_ctx x = {body_str(r, "mdtrt_id"), r->user->username, body_str(r, "note")};
  if (!x.mdtrt) return yb_fail(e, YB_EMISSING, "mdtrt_id", "required: the stay");
  snprintf(r->log_what, sizeof r->log_what, "DIP special review of %.60s", x.mdtrt);
  int rc = admin_write(r, special_tx, &x, e);
  if (!rc) r->out = json_pack("{s:s,s:s}", "mdtrt_id", x.mdtrt, "approved_by", x.by);
  return rc;
}

typedef struct ded_ctx {
  int year;
  const char *inst, *source, *note;
  int64_t amount;
} ded_ctx;

static int ded_tx(store_conn *w, void *arg, yb_err *e) {
  ded_ctx *x = arg;
  return store_dip_deduction_add(w, x->year, x->inst, x->amount, x->source, x->note, e);
}

static int route_deduction(admin_req *r, yb_err *e) {
  ded_ctx x = {0, body_str(r, "fixmedins_code"), body_str(r, "source"), body_str(r, "note"), 0};
  int rc = body_year(r, &x.year, e);
  if (rc) return rc;
  if (!x.inst) return yb_fail(e, YB_EMISSING, "fixmedins_code", "required: the institution");
  json_t *v = json_object_get(r->body, "amount");
  if (!v || jsonx_dec(v, 2, &x.amount) || x.amount < 0)
    return yb_fail(e, YB_EINVAL, "amount", "required: a non-negative amount in yuan with at most 2 decimals");
  if (!x.source) x.source = "console";
  char a[32];
  snprintf(r->log_what, sizeof r->log_what, "DIP deduction %s yuan from %.40s for %d", money_fen_str(x.amount, a),
           x.inst, x.year);
  if ((rc = admin_write(r, ded_tx, &x, e))) return rc;
  r->out = json_pack("{s:i,s:s,s:s}", "year", x.year, "fixmedins_code", x.inst, "amount", a);
  r->status = 201;
  return 0;
}

#define DIP_WRITERS (ADMIN_ROLE_ADMIN | ADMIN_ROLE_SUPERVISOR)
const admin_route admin_routes_dip[] = {
    {"GET", "/api/v1/dip/catalogues", route_catalogues, ADMIN_STAFF, "dip.catalogues"},
    {"GET", "/api/v1/dip/catalogues/:version/csv", route_catalogue_csv, ADMIN_STAFF, "dip.catalogue.csv"},
    {"GET", "/api/v1/dip/cases/:mdtrt_id", route_case, ADMIN_ANY, "dip.case"},
    {"GET", "/api/v1/dip/clearings/:year", route_clearing, ADMIN_STAFF, "dip.clearing"},
    {"GET", "/api/v1/dip/advances/:year", route_advances, ADMIN_STAFF, "dip.advances"},
    {"GET", "/api/v1/dip/statements/:year/:fixmedins_code", route_statement, ADMIN_ANY, "dip.statement"},
    {"GET", "/api/v1/dip/statements/:year/:fixmedins_code/csv", route_statement_csv, ADMIN_ANY, "dip.statement.csv"},
    {"POST", "/api/v1/dip/build", route_build, DIP_WRITERS, "dip.build"},
    {"POST", "/api/v1/dip/score", route_score, DIP_WRITERS, "dip.score"},
    {"POST", "/api/v1/dip/advance", route_advance, DIP_WRITERS, "dip.advance"},
    {"POST", "/api/v1/dip/clear", route_clear, DIP_WRITERS, "dip.clear"},
    {"POST", "/api/v1/dip/special", route_special, DIP_WRITERS, "dip.special"},
    {"POST", "/api/v1/dip/deductions", route_deduction, DIP_WRITERS, "dip.deduction"},
    {0},
};
