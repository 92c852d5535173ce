/* api_enroll.c — the console routes of the enrollment side (docs/api.md, "Enrollment"): each
 * route names an operation of enroll_ops.h; path parameters and, for GETs, the query string
 * become its JSON input; writes run through admin_write (one transaction, write-logged). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "enroll_ops.h"

static const policy *adm_policy(void *ctx, const char *region, int year) {
  return api_policy_for(ctx, region, year);
}

typedef struct op_run {
  const enroll_op *op;
  enroll_env env;
  json_t *in, *out;
} op_run;

static int op_tx(store_conn *w, void *arg, yb_err *e) {
  op_run *x = arg;
  return x->op->fn(&x->env, w, x->in, &x->out, e);
}

/* Route name "enroll.<op>" → op; path parameters named in the route (":psn_no", ":hh_no") and
 * the query keys below join the input. */
static const char *const query_keys[] = {"psn_no", "certno", "psn_name", "brdy", "year", NULL};

static int route_op(admin_req *r, yb_err *e) {
  const enroll_op *op = enroll_op_find(r->route->name + strlen("enroll."));
  if (!op) return yb_fail(e, YB_ENOT_FOUND, "route", "no operation for %s", r->route->name);
  op_run x = {.op = op};
  x.in = r->body ? json_deep_copy(r->body) : json_object();
  if (!json_is_object(x.in)) {
    json_decref(x.in);
    return yb_fail(e, YB_ETYPE, "body", "must be a JSON object");
  }
  /* path parameters, by the names of the ':' segments */
  const char *p = r->route->path;
  for (int i = 0; i < r->n_param && (p = strchr(p, ':')); i++) {
    char key[32];
    size_t n = strcspn(p + 1, "/");
    snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), p + 1);
    json_object_set_new(x.in, key, json_string(r->param[i]));
    p += 1 + n;
  }
  for (int i = 0; !strcmp(r->method, "GET") && query_keys[i]; i++) {
    const char *v = admin_query(r, query_keys[i]);
    if (!v) continue;
    if (!strcmp(query_keys[i], "year")) json_object_set_new(x.in, "year", json_integer(atoi(v)));
    else json_object_set_new(x.in, query_keys[i], json_string(v));
  }
  x.env.policy_for = adm_policy;
  x.env.ctx = r->srv;
  x.env.who = r->user ? r->user->username : "";
  x.env.region = api_region(r->srv);
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(x.env.today, sizeof x.env.today, "%Y-%m-%d", &tm);
  int rc;
  if (op->writes) {
    const char *psn = json_string_value(json_object_get(x.in, "psn_no"));
    snprintf(r->log_psn_no, sizeof r->log_psn_no, "%s", psn ? psn : "");
    snprintf(r->log_what, sizeof r->log_what, "enroll %s", op->name);
    rc = admin_write(r, op_tx, &x, e);
  } else {
    rc = op->fn(&x.env, r->c, x.in, &x.out, e);
  }
  json_decref(x.in);
  if (rc) {
    json_decref(x.out);
    return rc;
  }
  const char *fmt = admin_query(r, "format");
  if (fmt && !strcmp(fmt, "csv") && json_object_get(x.out, "rows")) {
    char fname[80];
    snprintf(fname, sizeof fname, "%s-%s.csv", op->name, admin_query(r, "year") ? admin_query(r, "year") : "");
    admin_reply_csv(r, enroll_rows_csv(json_object_get(x.out, "rows")), fname);
    json_decref(x.out);
    return 0;
  }
  r->out = x.out;
  return 0;
}

#define W (ADMIN_ROLE_ADMIN | ADMIN_ROLE_CLERK)
#define R ADMIN_STAFF
const admin_route admin_routes_enroll[] = {
    {"POST", "/api/v1/persons", route_op, W, "enroll.person.create"},
    {"GET", "/api/v1/persons", route_op, R, "enroll.person.find"},
    {"GET", "/api/v1/persons/:psn_no", route_op, R, "enroll.show"},
    {"POST", "/api/v1/persons/:psn_no", route_op, W, "enroll.person.update"},
    {"POST", "/api/v1/persons/:psn_no/categories", route_op, W, "enroll.person.category"},
    {"POST", "/api/v1/persons/:psn_no/death", route_op, W, "enroll.person.death"},
    {"POST", "/api/v1/deaths/import", route_op, W, "enroll.death.import"},
    {"POST", "/api/v1/households/:hh_no/members", route_op, W, "enroll.household.add"},
    {"POST", "/api/v1/enrollments", route_op, W, "enroll.enroll"},
    {"POST", "/api/v1/enrollments/payback", route_op, W, "enroll.payback"},
    {"POST", "/api/v1/enrollments/refund", route_op, W, "enroll.refund"},
    {"POST", "/api/v1/enrollments/transfer", route_op, W, "enroll.transfer"},
    {"POST", "/api/v1/enrollments/recompute", route_op, W, "enroll.recompute"},
    {"POST", "/api/v1/contributions/employee", route_op, W, "enroll.employee.contribution"},
    {"POST", "/api/v1/family", route_op, W, "enroll.family.bind"},
    {"POST", "/api/v1/family/unbind", route_op, W, "enroll.family.unbind"},
    {"POST", "/api/v1/family/contribution", route_op, W, "enroll.family.pay_contribution"},
    {"POST", "/api/v1/filings", route_op, W, "enroll.filing.add"},
    {"POST", "/api/v1/filings/cancel", route_op, W, "enroll.filing.cancel"},
    {"GET", "/api/v1/accounts/:psn_no/statement", route_op, R, "enroll.statement"},
    {"GET", "/api/v1/monitor/broken", route_op, R, "enroll.monitor.broken"},
    {"GET", "/api/v1/monitor/household", route_op, R, "enroll.monitor.household"},
    {"GET", "/api/v1/monitor/high-cost", route_op, R, "enroll.monitor.high_cost"},
    {0},
};
