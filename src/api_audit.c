/* api_audit.c — the console's fund-supervision routes (/api/v1/audit/…): findings, the case
 * workflow (open, review, confirm or dismiss with a reason, recoveries), the per-institution
 * deductions year-end clearing takes, credit scores and the negative list (CSV). Every change goes
 * through admin_write (who and when in write_log) and is also an event of its case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "jsonx.h"
#include "money.h"
#include "store_audit.h"

static void now19(char *out) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static json_t *finding_json(const store_audit_finding *f) {
  return json_pack("{s:I,s:I,s:I,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s}", "finding_id",
                   (json_int_t)f->finding_id, "run_id", (json_int_t)f->run_id, "case_id", (json_int_t)f->case_id,
                   "rule_id", f->rule_id, "kind", f->kind, "sev_deg", f->sev_deg, "fixmedins_code", f->fixmedins_code,
                   "psn_no", f->psn_no, "mdtrt_id", f->mdtrt_id, "setl_id", f->setl_id, "feedetl_sn", f->feedetl_sn,
                   "occur_date", f->occur_date, "state", f->state, "vola_amt", jsonx_money(f->vola_amt), "evid",
                   f->evid, "stage", f->stage);
}

static json_t *case_json(const store_audit_case *k) {
  return json_pack("{s:I,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:o}", "case_id", (json_int_t)k->case_id,
                   "fixmedins_code", k->fixmedins_code, "year", k->year, "state", k->state, "title", k->title,
                   "reason", k->reason, "opened_by", k->opened_by, "opened_at", k->opened_at, "updated_at",
                   k->updated_at, "n_findings", (json_int_t)k->n_findings, "amt_flagged", jsonx_money(k->amt_flagged),
                   "amt_confirmed", jsonx_money(k->amt_confirmed), "amt_recovered", jsonx_money(k->amt_recovered),
                   "amt_due", jsonx_money(k->amt_confirmed - k->amt_recovered));
}

static int push_finding(const store_audit_finding *f, void *arg) {
  return json_array_append_new(arg, finding_json(f)) ? YB_ENOMEM : 0;
}
static int push_case(const store_audit_case *k, void *arg) { return json_array_append_new(arg, case_json(k)) ? YB_ENOMEM : 0; }
static int push_event(const store_audit_event *v, void *arg) {
  return json_array_append_new(arg, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "event_id", (json_int_t)v->event_id, "at",
                                              v->at, "who", v->who, "action", v->action, "note", v->note, "amount",
                                              jsonx_money(v->amount)))
             ? YB_ENOMEM
             : 0;
}

/* An inst user sees only its institution: the filter is forced to it. */
static const char *inst_filter(admin_req *r) {
  if (r->user && r->user->role_bit == ADMIN_ROLE_INST) return r->user->fixmedins_code;
  return admin_query(r, "fixmedins_code");
}

static int64_t param_id(admin_req *r, int i, const char *field, yb_err *e) {
  char *end;
  long long v = i < r->n_param ? strtoll(r->param[i], &end, 10) : 0;
  if (i >= r->n_param || *end || v <= 0) {
    yb_fail(e, YB_EINVAL, field, "must be a positive integer");
    return -1;
  }
  return v;
}

static int route_findings(admin_req *r, yb_err *e) {
  long limit, offset, case_id;
  int rc;
  if ((rc = admin_query_int(r, "limit", 100, 1, 10000, &limit, e)) ||
      (rc = admin_query_int(r, "offset", 0, 0, 1L << 40, &offset, e)) ||
      (rc = admin_query_int(r, "case_id", 0, 0, 1L << 40, &case_id, e)))
    return rc;
  store_audit_filter q = {inst_filter(r), admin_query(r, "rule_id"), admin_query(r, "kind"), admin_query(r, "state"),
                          admin_query(r, "psn_no"), admin_query(r, "from"), admin_query(r, "to"), case_id, limit,
                          offset};
  json_t *list = json_array();
  if ((rc = store_audit_finding_each(r->c, &q, push_finding, list, e))) {
    json_decref(list);
    return rc == YB_ENOMEM ? yb_fail(e, rc, "findings", "out of memory") : rc;
  }
  r->out = json_pack("{s:o}", "findings", list);
  return 0;
}

static int route_finding(admin_req *r, yb_err *e) {
  int64_t id = param_id(r, 0, "id", e);
  if (id < 0) return e->code;
  store_audit_finding f;
  int rc = store_audit_finding_get(r->c, id, &f, e);
  if (!rc) rc = admin_own_inst(r, f.fixmedins_code, e);
  if (!rc) r->out = finding_json(&f);
  return rc;
}

/* ---- cases ------------------------------------------------------------------------------------ */
typedef struct case_tx {
  admin_req *r;
  int64_t ids[256], case_id, amount;
  int n;
  char title[128], reason[256], action[16], at[20];
} case_tx;

static int open_tx(store_conn *w, void *arg, yb_err *e) {
  case_tx *x = arg;
  return store_audit_case_open(w, x->ids, x->n, x->title, x->r->user->username, x->at, &x->case_id, e);
}

static int reply_case(admin_req *r, int64_t id, yb_err *e) {
  store_audit_case k;
  store_conn *c = store_reader(r->st, e);
  int rc = c ? store_audit_case_get(c, id, &k, e) : YB_ESTORE;
  if (rc) return rc;
  json_t *o = case_json(&k), *fs = json_array(), *ev = json_array();
  store_audit_filter q = {.case_id = id, .limit = 10000};
  if (!(rc = store_audit_finding_each(c, &q, push_finding, fs, e))) rc = store_audit_event_each(c, id, push_event, ev, e);
  json_object_set_new(o, "findings", fs);
  json_object_set_new(o, "events", ev);
  if (rc) {
    json_decref(o);
    return rc;
  }
  r->out = o;
  return 0;
}

static int route_case_open(admin_req *r, yb_err *e) {
  case_tx x = {.r = r};
  json_t *ids = r->body ? json_object_get(r->body, "finding_ids") : NULL;
  if (!json_is_array(ids) || !json_array_size(ids))
    return yb_fail(e, YB_EMISSING, "finding_ids", "a non-empty list of finding ids");
  if (json_array_size(ids) > 256) return yb_fail(e, YB_ELIMIT, "finding_ids", "at most 256 findings a case");
  size_t i;
  json_t *v;
  json_array_foreach(ids, i, v) {
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
      char f[48];
      snprintf(f, sizeof f, "finding_ids[%zu]", i);
      return yb_fail(e, YB_ETYPE, f, "must be a positive integer");
    }
    x.ids[x.n++] = json_integer_value(v);
  }
  int rc = jsonx_get_str(r->body, "body", "title", false, x.title, sizeof x.title, e);
  if (rc) return rc;
  now19(x.at);
  snprintf(r->log_what, sizeof r->log_what, "open a case over %d findings", x.n);
  if ((rc = admin_write(r, open_tx, &x, e))) return rc;
  r->status = 201;
  return reply_case(r, x.case_id, e);
}

static int move_tx(store_conn *w, void *arg, yb_err *e) {
  case_tx *x = arg;
  if (!strcmp(x->action, "recover"))
    return store_audit_case_recover(w, x->case_id, x->amount, x->reason, x->r->user->username, x->at, e);
  return store_audit_case_move(w, x->case_id, x->action, x->reason, x->amount, x->r->user->username, x->at, e);
}

static int case_action(admin_req *r, const char *action, yb_err *e) {
  case_tx x = {.r = r, .amount = -1};
  if ((x.case_id = param_id(r, 0, "id", e)) < 0) return e->code;
  snprintf(x.action, sizeof x.action, "%s", action);
  json_t *b = r->body ? r->body : json_object();
  int rc = jsonx_get_str(b, "body", !strcmp(action, "recover") ? "note" : "reason", false, x.reason, sizeof x.reason, e);
  if (!rc && json_object_get(b, "amount")) {
    rc = jsonx_get_dec(b, "body", "amount", true, MONEY_SCALE_FEN, &x.amount, e);
    if (!rc && x.amount < 0) rc = yb_fail(e, YB_ERANGE, "amount", "must not be negative");
  } else if (!rc && !strcmp(action, "recover"))
    rc = yb_fail(e, YB_EMISSING, "amount", "the amount recovered, in yuan");
  if (!r->body) json_decref(b);
  if (rc) return rc;
  now19(x.at);
  snprintf(r->log_what, sizeof r->log_what, "%s case %lld", action, (long long)x.case_id);
  if ((rc = admin_write(r, move_tx, &x, e))) return rc;
  return reply_case(r, x.case_id, e);
}

static int route_case_review(admin_req *r, yb_err *e) { return case_action(r, "review", e); }
static int route_case_confirm(admin_req *r, yb_err *e) { return case_action(r, "confirm", e); }
static int route_case_dismiss(admin_req *r, yb_err *e) { return case_action(r, "dismiss", e); }
static int route_case_recover(admin_req *r, yb_err *e) {
  int rc = case_action(r, "recover", e);
  if (!rc) r->status = 201;
  return rc;
}

static int route_cases(admin_req *r, yb_err *e) {
  json_t *list = json_array();
  int rc = store_audit_case_each(r->c, inst_filter(r), admin_query(r, "state"), push_case, list, e);
  if (rc) {
    json_decref(list);
    return rc;
  }
  r->out = json_pack("{s:o}", "cases", list);
  return 0;
}

static int route_case(admin_req *r, yb_err *e) {
  int64_t id = param_id(r, 0, "id", e);
  if (id < 0) return e->code;
  store_audit_case k;
  int rc = store_audit_case_get(r->c, id, &k, e);
  if (!rc) rc = admin_own_inst(r, k.fixmedins_code, e);
  return rc ? rc : reply_case(r, id, e);
}

/* ---- year end ----------------------------------------------------------------------------------- */
static int year_of(admin_req *r, long *y, yb_err *e) { return admin_query_int(r, "year", 0, 2000, 2100, y, e); }

typedef struct ded_acc {
  json_t *list;
  const char *only;
} ded_acc;
static int push_ded(const char *code, int64_t conf, int64_t rec, int64_t ded, void *arg) {
  ded_acc *a = arg;
  if (a->only && *a->only && strcmp(a->only, code)) return 0;
  json_array_append_new(a->list, json_pack("{s:s,s:o,s:o,s:o}", "fixmedins_code", code, "confirmed", jsonx_money(conf),
                                           "recovered", jsonx_money(rec), "deduction", jsonx_money(ded)));
  return 0;
}

static int route_deductions(admin_req *r, yb_err *e) {
  long y;
  int rc = year_of(r, &y, e);
  if (!rc && !y) rc = yb_fail(e, YB_EMISSING, "year", "give ?year=YYYY");
  if (rc) return rc;
  ded_acc a = {json_array(), inst_filter(r)};
  if ((rc = store_audit_deductions(r->c, (int)y, push_ded, &a, e))) {
    json_decref(a.list);
    return rc;
  }
  r->out = json_pack("{s:i,s:o}", "year", (int)y, "deductions", a.list);
  return 0;
}

static int push_credit(const audit_credit *c, void *arg) {
  ded_acc *a = arg;
  if (a->only && *a->only && strcmp(a->only, c->fixmedins_code)) return 0;
  json_array_append_new(a->list, json_pack("{s:s,s:i,s:s,s:I,s:I,s:I,s:o}", "fixmedins_code", c->fixmedins_code,
                                           "score", c->score, "grade", audit_credit_grade(c->score), "sev1",
                                           (json_int_t)c->n[1], "sev2", (json_int_t)c->n[2], "sev3",
                                           (json_int_t)c->n[3], "amount", jsonx_money(c->amt)));
  return 0;
}

static int route_credit(admin_req *r, yb_err *e) {
  long y;
  int rc = year_of(r, &y, e);
  if (!rc && !y) rc = yb_fail(e, YB_EMISSING, "year", "give ?year=YYYY");
  if (rc) return rc;
  ded_acc a = {json_array(), inst_filter(r)};
  if ((rc = audit_credit_each(r->c, (int)y, push_credit, &a, e))) {
    json_decref(a.list);
    return rc;
  }
  r->out = json_pack("{s:i,s:o}", "year", (int)y, "credit", a.list);
  return 0;
}

typedef struct csv {
  char *t;
  size_t n, cap;
} csv;
static int csv_add(csv *c, const char *s) {
  size_t len = strlen(s);
  if (c->n + len + 1 > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->n + len + 1) cap *= 2;
    char *t = realloc(c->t, cap);
    if (!t) return YB_ENOMEM;
    c->t = t, c->cap = cap;
  }
  memcpy(c->t + c->n, s, len + 1);
  c->n += len;
  return 0;
}
static int push_neg(const char *rule_id, const char *kind, const char *inst, int64_t n, int64_t amt, void *arg) {
  char line[256], a[32];
  snprintf(line, sizeof line, "%s,%s,%s,%lld,%s\n", rule_id, kind, inst, (long long)n, money_fen_str(amt, a));
  return csv_add(arg, line);
}

static int route_negative(admin_req *r, yb_err *e) {
  long y;
  int rc = year_of(r, &y, e);
  if (!rc && !y) rc = yb_fail(e, YB_EMISSING, "year", "give ?year=YYYY");
  if (rc) return rc;
  csv c = {0};
  if ((rc = csv_add(&c, "rule_id,kind,fixmedins_code,confirmed_findings,amount\n")) ||
      (rc = store_audit_negative_list(r->c, (int)y, push_neg, &c, e))) {
    free(c.t);
    return rc == YB_ENOMEM ? yb_fail(e, rc, "negative-list", "out of memory") : rc;
  }
  char fn[64];
  snprintf(fn, sizeof fn, "negative-list-%ld.csv", y);
  admin_reply_csv(r, c.t, fn);
  return 0;
}

#define SUP (ADMIN_ROLE_ADMIN | ADMIN_ROLE_SUPERVISOR)
const admin_route admin_routes_audit[] = {
    {"GET", "/api/v1/audit/findings", route_findings, SUP | ADMIN_ROLE_INST, "audit.findings"},
    {"GET", "/api/v1/audit/findings/:id", route_finding, SUP | ADMIN_ROLE_INST, "audit.finding"},
    {"GET", "/api/v1/audit/cases", route_cases, SUP | ADMIN_ROLE_INST, "audit.cases"},
    {"POST", "/api/v1/audit/cases", route_case_open, SUP, "audit.case.open"},
    {"GET", "/api/v1/audit/cases/:id", route_case, SUP | ADMIN_ROLE_INST, "audit.case"},
    {"POST", "/api/v1/audit/cases/:id/review", route_case_review, SUP, "audit.case.review"},
    {"POST", "/api/v1/audit/cases/:id/confirm", route_case_confirm, SUP, "audit.case.confirm"},
    {"POST", "/api/v1/audit/cases/:id/dismiss", route_case_dismiss, SUP, "audit.case.dismiss"},
    {"POST", "/api/v1/audit/cases/:id/recoveries", route_case_recover, SUP, "audit.case.recover"},
    {"GET", "/api/v1/audit/deductions", route_deductions, SUP | ADMIN_ROLE_INST, "audit.deductions"},
    {"GET", "/api/v1/audit/credit", route_credit, SUP | ADMIN_ROLE_INST, "audit.credit"},
    {"GET", "/api/v1/audit/negative-list", route_negative, SUP, "audit.negative_list"},
    {0},
};
