/* enroll_view.c — the read side of the enrollment operations (enroll_ops.h): find a person,
 * show a person's whole record (一人一档) with the waiting period and incentive spelled out,
 * the personal account statement, and the monitoring lists, with CSV export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll_ops.h"
#include "jsonx.h"
#include "money.h"
#include "store_enroll.h"

#define S(k, req, buf) jsonx_get_str(in, "", k, req, buf, sizeof buf, e)

void enroll_json_yuan(json_t *v) {
  size_t i;
  json_t *x;
  if (json_is_array(v)) {
    json_array_foreach(v, i, x) enroll_json_yuan(x);
    return;
  }
  if (!json_is_object(v)) return;
  const char *k;
  void *tmp;
  json_t *add = json_object();
  json_object_foreach_safe(v, tmp, k, x) {
    size_t n = strlen(k);
    if (n > 4 && !strcmp(k + n - 4, "_fen") && json_is_integer(x)) {
      char name[64];
      snprintf(name, sizeof name, "%.*s", (int)(n - 4), k);
      json_object_set_new(add, name, jsonx_money((int64_t)json_integer_value(x)));
      json_object_del(v, k);
    } else {
      enroll_json_yuan(x);
    }
  }
  json_object_update(v, add);
  json_decref(add);
}

static void csv_cell(FILE *f, json_t *v) {
  char *t = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
  if (!t) return;
  if (strpbrk(t, ",\"\n")) {
    fputc('"', f);
    for (const char *c = t; *c; c++) {
      if (*c == '"') fputc('"', f);
      fputc(*c, f);
    }
    fputc('"', f);
  } else {
    fputs(t, f);
  }
  free(t);
}

char *enroll_rows_csv(json_t *rows) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  json_t *first = json_array_get(rows, 0), *x, *r;
  const char *k;
  size_t i;
  int col = 0;
  json_object_foreach(first, k, x) fprintf(f, "%s%s", col++ ? "," : "", k);
  if (first) fputc('\n', f);
  json_array_foreach(rows, i, r) {
    col = 0;
    json_object_foreach(first, k, x) {
      if (col++) fputc(',', f);
      csv_cell(f, json_object_get(r, k));
    }
    fputc('\n', f);
  }
  fclose(f);
  return buf;
}

static json_t *person_json(const store_person *p) {
  json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "psn_no", p->psn_no, "psn_cert_type",
                        p->psn_cert_type, "certno", p->certno, "psn_name", p->psn_name, "gend", p->gend, "brdy", p->brdy,
                        "insuplc_admdvs", p->insuplc_admdvs, "emp_name", p->emp_name, "family_psn_no",
                        p->family_psn_no, "death_date", p->death_date);
  json_object_set_new(j, "acct_balc", jsonx_money(p->acct_balc));
  return j;
}

int enroll_op_find_person(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  (void)env;
  char psn_no[32] = "", certno[40] = "", name[64] = "", brdy[12] = "";
  int rc;
  if ((rc = S("psn_no", false, psn_no)) || (rc = S("certno", false, certno)) || (rc = S("psn_name", false, name)) ||
      (rc = S("brdy", false, brdy)))
    return rc;
  json_t *list = json_array();
  store_person p;
  if (psn_no[0] || certno[0]) {
    rc = psn_no[0] ? store_person_get(c, psn_no, &p, e) : store_person_find(c, "02", certno, &p, e);
    if (!rc) json_array_append_new(list, person_json(&p));
    else if (rc != YB_ENOT_FOUND) goto fail;
  } else if (name[0] && brdy[0]) {
    char key[80];
    json_t *rows, *r;
    size_t i;
    snprintf(key, sizeof key, "%s\t%s", name, brdy);
    if ((rc = store_enr_query(c, STORE_ENR_Q_FIND_NAME, key, 0, &rows, e))) goto fail;
    json_array_foreach(rows, i, r) {
      if (!store_person_get(c, json_string_value(json_object_get(r, "psn_no")), &p, e))
        json_array_append_new(list, person_json(&p));
    }
    json_decref(rows);
  } else {
    json_decref(list);
    return yb_fail(e, YB_EMISSING, "psn_no", "give psn_no, certno, or psn_name with brdy");
  }
  *out = json_pack("{s:o}", "persons", list);
  return 0;
fail:
  json_decref(list);
  return rc;
}

typedef struct show_ctx {
  const enroll_env *env;
  store_conn *c;
  int year;
  json_t *periods;
  yb_err *e;
  int rc;
} show_ctx;

static int show_one(const store_enroll *r, void *arg) {
  show_ctx *x = arg;
  if (r->year != x->year) return 0;
  enroll_wait_out w;
  enroll_incentive_out o;
  int rc = enroll_compute(x->env, x->c, r, &w, &o, x->e);
  if (rc) return x->rc = rc;
  json_t *j = json_pack("{s:i,s:s,s:s,s:s}", "year", r->year, "insutype", r->insutype, "psn_type", r->psn_type,
                        "psn_insu_stas", r->psn_insu_stas);
  json_t *st = json_pack("{s:s,s:s}", "wait_until", r->wait_until, "wait_reason", r->wait_reason);
  json_object_set_new(st, "ci_cap_raise", jsonx_money(r->ci_cap_raise));
  json_object_set_new(j, "stored", st);
  json_object_set_new(j, "waiting", enroll_wait_json(&w));
  json_object_set_new(j, "incentive", enroll_incentive_json(&o));
  json_array_append_new(x->periods, j);
  return 0;
}

typedef struct rows_ctx {
  store_enroll r[128];
  int n, latest;
} rows_ctx;
static int collect_rows(const store_enroll *r, void *arg) {
  rows_ctx *x = arg;
  if (r->year > x->latest) x->latest = r->year;
  if (x->n < 128) x->r[x->n++] = *r;
  return 0;
}

static const struct {
  const char *key;
  int q;
} show_lists[] = {
    {"enrollments", STORE_ENR_Q_ENROLLMENTS}, {"contributions", STORE_ENR_Q_CONTRIBS}, {"history", STORE_ENR_Q_HIST},
    {"households", STORE_ENR_Q_HOUSEHOLD},    {"family", STORE_ENR_Q_FAMILY},          {"filings", STORE_ENR_Q_FILINGS},
    {"filing_history", STORE_ENR_Q_FILING_LOG}, {"account_ledger", STORE_ENR_Q_LEDGER}, {"log", STORE_ENR_Q_LOG},
};

int enroll_op_show(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  char psn_no[32];
  int64_t y = 0;
  store_person p;
  int rc;
  if ((rc = S("psn_no", true, psn_no)) || (rc = jsonx_get_int(in, "", "year", false, &y, e))) return rc;
  rc = store_person_get(c, psn_no, &p, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, "psn_no", "no person %s in the registry (一人一档)", psn_no);
  if (rc) return rc;
  json_t *j = json_pack("{s:o}", "person", person_json(&p));
  show_ctx x = {.env = env, .c = c, .year = (int)y, .periods = json_array(), .e = e};
  json_object_set_new(j, "benefit_periods", x.periods);
  /* collect first: computing a period reads the same statements again */
  rows_ctx *rows_all = calloc(1, sizeof *rows_all);
  if (!rows_all) rc = yb_fail(e, YB_ENOMEM, "psn_no", "out of memory");
  if (!rc) rc = store_enr_years_each(c, psn_no, collect_rows, rows_all, e);
  if (rc >= 0 && !x.year) x.year = rows_all->latest;
  for (int i = 0; rc >= 0 && i < rows_all->n && !x.rc; i++) show_one(&rows_all->r[i], &x);
  free(rows_all);
  if (x.rc) rc = x.rc;
  for (size_t i = 0; rc >= 0 && i < sizeof show_lists / sizeof show_lists[0]; i++) {
    json_t *rows;
    if ((rc = store_enr_query(c, show_lists[i].q, psn_no, 0, &rows, e))) break;
    json_t *r;
    size_t k;
    json_array_foreach(rows, k, r) { /* the change log's detail is JSON text */
      json_t *d = json_object_get(r, "detail");
      json_t *parsed = json_is_string(d) ? json_loads(json_string_value(d), 0, NULL) : NULL;
      if (parsed) json_object_set_new(r, "detail", parsed);
    }
    enroll_json_yuan(rows);
    json_object_set_new(j, show_lists[i].key, rows);
  }
  if (rc < 0) {
    json_decref(j);
    return rc;
  }
  *out = j;
  return 0;
}

int enroll_op_statement(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  (void)env;
  char psn_no[32];
  store_person p;
  int rc;
  if ((rc = S("psn_no", true, psn_no))) return rc;
  rc = store_person_get(c, psn_no, &p, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, "psn_no", "no person %s in the registry (一人一档)", psn_no);
  if (rc) return rc;
  json_t *ledger, *setl;
  if ((rc = store_enr_query(c, STORE_ENR_Q_LEDGER, psn_no, 0, &ledger, e))) return rc;
  if ((rc = store_enr_query(c, STORE_ENR_Q_ACCT_SETL, psn_no, 0, &setl, e))) {
    json_decref(ledger);
    return rc;
  }
  /* totals by kind: credits and debits of the ledger, and what settlements took */
  int64_t in_sum = 0, out_sum = 0, own = 0, fam = 0;
  size_t i;
  json_t *r;
  json_array_foreach(ledger, i, r) {
    int64_t a = (int64_t)json_integer_value(json_object_get(r, "amount_fen"));
    if (a > 0) in_sum += a;
    else out_sum -= a;
  }
  json_array_foreach(setl, i, r) {
    own += (int64_t)json_integer_value(json_object_get(r, "acct_pay_fen"));
    fam += (int64_t)json_integer_value(json_object_get(r, "acct_mulaid_pay_fen"));
  }
  enroll_json_yuan(ledger);
  enroll_json_yuan(setl);
  json_t *j = json_pack("{s:s,s:s,s:o,s:o}", "psn_no", psn_no, "psn_name", p.psn_name, "ledger", ledger,
                        "settlements", setl);
  json_object_set_new(j, "balance", jsonx_money(p.acct_balc));
  json_object_set_new(j, "credited", jsonx_money(in_sum));
  json_object_set_new(j, "debited", jsonx_money(out_sum));
  json_object_set_new(j, "paid_own_care", jsonx_money(own));
  json_object_set_new(j, "paid_relatives_care", jsonx_money(fam));
  *out = j;
  return 0;
}

static int monitor(store_conn *c, json_t *in, int q, json_t **out, int *year, yb_err *e) {
  int64_t y;
  int rc = jsonx_get_int(in, "", "year", true, &y, e);
  if (rc) return rc;
  if (y < 2000 || y > 2199) return yb_fail(e, YB_ERANGE, "year", "year %lld is out of range", (long long)y);
  *year = (int)y;
  return store_enr_query(c, q, "", y, out, e);
}

static int wrap(json_t *rows, const char *kind, int year, json_t **out) {
  enroll_json_yuan(rows);
  *out = json_pack("{s:s,s:i,s:I,s:o}", "list", kind, "year", year, "count", (json_int_t)json_array_size(rows), "rows", rows);
  return 0;
}

int enroll_op_monitor_broken(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  (void)env;
  json_t *rows;
  int year, rc = monitor(c, in, STORE_ENR_Q_BROKEN, &rows, &year, e);
  return rc ? rc : wrap(rows, "broken", year, out);
}

int enroll_op_monitor_household(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  (void)env;
  json_t *rows;
  int year, rc = monitor(c, in, STORE_ENR_Q_HH_UNENROLLED, &rows, &year, e);
  return rc ? rc : wrap(rows, "household_unenrolled", year, out);
}

/* Persons whose self-burden in the year passed the threshold of their category. */
int enroll_op_monitor_high_cost(const enroll_env *env, store_conn *c, json_t *in, json_t **out, yb_err *e) {
  json_t *rows;
  int year, rc = monitor(c, in, STORE_ENR_Q_SELF_BURDEN, &rows, &year, e);
  if (rc) return rc;
  json_t *hit = json_array(), *r;
  size_t i;
  json_array_foreach(rows, i, r) {
    const char *psn_no = json_string_value(json_object_get(r, "psn_no"));
    store_person p;
    if ((rc = store_person_get(c, psn_no, &p, e))) break;
    const policy *pol = enroll_policy_near(env, p.insuplc_admdvs, year);
    if (!pol) continue;
    const enroll_policy *ep = pol->enrollment;
    uint32_t g = enroll_groups_on(c, pol, psn_no, NULL, year * 10000 + 1231, NULL, 0, e);
    const enroll_threshold *t = NULL;
    for (int k = 0; k < ep->n_high && !t; k++)
      if (!ep->high[k].group_mask || (ep->high[k].group_mask & g)) t = &ep->high[k];
    int64_t burden = (int64_t)json_integer_value(json_object_get(r, "self_burden_fen"));
    if (!t || burden <= t->amount) continue;
    char cat[128] = "";
    for (int k = 0; k < pol->n_groups; k++)
      if (t->group_mask & g & (1u << k)) snprintf(cat + strlen(cat), sizeof cat - strlen(cat), "%s%s", cat[0] ? "," : "", pol->groups[k]);
    json_t *o = json_deep_copy(r);
    json_object_set_new(o, "category", json_string(cat[0] ? cat : "general"));
    json_object_set_new(o, "threshold_fen", json_integer(t->amount));
    json_array_append_new(hit, o);
  }
  json_decref(rows);
  if (rc) {
    json_decref(hit);
    return rc;
  }
  return wrap(hit, "high_cost", year, out);
}
