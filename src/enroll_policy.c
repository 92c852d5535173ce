/* enroll_policy.c — parse and validate a policy's optional `enrollment` section (format in
 * docs/policy.md) into enroll_policy. Like policy.c it never stops at the first problem:
 * each is reported with its JSON path, so `yibao policy check` lists them all. */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "jsonx.h"
#include "money.h"

typedef struct eld {
  const policy *p;
  enroll_policy *ep;
  FILE *report;
  yb_err *first;
  int problems;
} eld;

__attribute__((format(printf, 3, 4)))
static void fail(eld *l, const char *path, const char *fmt, ...) {
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (l->problems++ == 0 && l->first && !l->first->code) yb_fail(l->first, YB_EINVAL, path, "%s", msg);
  if (l->report) fprintf(l->report, "%s: %s\n", path, msg);
}

static const char *pk(char *b, const char *path, const char *key) {
  if (snprintf(b, 200, "%s.%s", path, key) < 0) b[0] = 0;
  return b;
}

static const char *pi(char *b, const char *path, size_t i) {
  if (snprintf(b, 200, "%s[%zu]", path, i) < 0) b[0] = 0;
  return b;
}

static void keys(eld *l, json_t *o, const char *path, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int i = 0;
    while (allowed[i] && strcmp(allowed[i], k)) i++;
    char b[200];
    if (!allowed[i] && k[0] != '_') fail(l, pk(b, path, k), "unknown field (prefix a comment key with _)");
  }
}

static json_t *obj(eld *l, json_t *parent, const char *path, const char *key, bool required) {
  json_t *v = json_object_get(parent, key);
  char b[200];
  if (!v || json_is_null(v)) {
    if (required) fail(l, pk(b, path, key), "required");
    return NULL;
  }
  return v;
}

static void get_int(eld *l, json_t *o, const char *path, const char *key, int lo, int hi, int *out) {
  json_t *v = obj(l, o, path, key, false);
  char b[200];
  if (!v) return;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
    fail(l, pk(b, path, key), "must be an integer in [%d, %d]", lo, hi);
  else *out = (int)json_integer_value(v);
}

static void get_amount(eld *l, json_t *o, const char *path, const char *key, bool required, int64_t *out) {
  json_t *v = obj(l, o, path, key, required);
  char b[200];
  if (!v) return;
  if (jsonx_dec(v, MONEY_SCALE_FEN, out) != 0 || *out < 0)
    fail(l, pk(b, path, key), "must be a non-negative amount in yuan with at most 2 decimals");
}

static void get_ratio(eld *l, json_t *o, const char *path, const char *key, int32_t *out) {
  json_t *v = obj(l, o, path, key, false);
  int64_t bp;
  char b[200];
  if (!v) return;
  if (jsonx_dec(v, MONEY_SCALE_BP, &bp) != 0 || bp < 0 || bp > MONEY_BP_ONE)
    fail(l, pk(b, path, key), "must be a ratio in [0, 1] with at most 4 decimals");
  else *out = (int32_t)bp;
}

static void get_bool(eld *l, json_t *o, const char *path, const char *key, bool *out) {
  json_t *v = obj(l, o, path, key, false);
  char b[200];
  if (!v) return;
  if (!json_is_boolean(v)) fail(l, pk(b, path, key), "must be true or false");
  else *out = json_is_true(v);
}

/* "MM-DD" → month*100+day */
static void get_md(eld *l, json_t *o, const char *path, const char *key, int *out) {
  json_t *v = obj(l, o, path, key, true);
  char b[200];
  int m, d;
  char tail;
  if (!v) return;
  if (!json_is_string(v) || sscanf(json_string_value(v), "%2d-%2d%c", &m, &d, &tail) != 2 || m < 1 || m > 12 ||
      d < 1 || d > 31)
    fail(l, pk(b, path, key), "must be a month and day \"MM-DD\"");
  else *out = m * 100 + d;
}

static void get_schemes(eld *l, json_t *o, const char *path, const char *key, char (*out)[8], uint8_t *n) {
  json_t *v = obj(l, o, path, key, false), *x;
  char b[200], c[200];
  size_t i;
  if (!v) return;
  if (!json_is_array(v) || json_array_size(v) > ENROLL_MAX_SCHEMES) {
    fail(l, pk(b, path, key), "must be a list of at most %d insutype codes", ENROLL_MAX_SCHEMES);
    return;
  }
  *n = 0;
  json_array_foreach(v, i, x) {
    if (!json_is_string(x) || !policy_scheme_find(l->p, json_string_value(x)))
      fail(l, pi(c, pk(b, path, key), i), "not a scheme of this policy");
    else snprintf(out[(*n)++], 8, "%s", json_string_value(x));
  }
}

static int group_of(eld *l, json_t *v, const char *path) {
  for (int g = 0; json_is_string(v) && g < l->p->n_groups; g++)
    if (!strcmp(l->p->groups[g], json_string_value(v))) return g;
  fail(l, path, "not a group of idet_types");
  return -1;
}

static int class_of(eld *l, json_t *v, const char *path) {
  for (int c = 0; json_is_string(v) && c < l->p->n_classes; c++)
    if (!strcmp(l->p->classes[c], json_string_value(v))) return c;
  fail(l, path, "not a class of psn_types");
  return -1;
}

static json_t *list(eld *l, json_t *o, const char *path, const char *key, const char *what) {
  json_t *v = obj(l, o, path, key, false);
  char b[200];
  if (v && (!json_is_array(v) || json_array_size(v) > ENROLL_MAX_ROWS)) {
    fail(l, pk(b, path, key), "must be a list of at most %d %s", ENROLL_MAX_ROWS, what);
    return NULL;
  }
  return v;
}

static void parse_waiting(eld *l, json_t *w, const char *path) {
  static const char *const k[] = {"schemes", "counted_schemes", "fixed_months", "per_broken_year_months",
                                  "repair_months_per_year", "floor_after_broken_years", "floor_months",
                                  "count_from_year", "max_gap_months", NULL};
  enroll_policy *ep = l->ep;
  keys(l, w, path, k);
  get_int(l, w, path, "max_gap_months", 0, 11, &ep->max_gap_months);
  get_schemes(l, w, path, "schemes", ep->wait_schemes, &ep->n_wait_schemes);
  get_schemes(l, w, path, "counted_schemes", ep->counted, &ep->n_counted);
  get_int(l, w, path, "fixed_months", 0, 24, &ep->fixed_months);
  get_int(l, w, path, "per_broken_year_months", 0, 12, &ep->per_broken_year);
  get_int(l, w, path, "repair_months_per_year", 0, 12, &ep->repair_per_year);
  get_int(l, w, path, "floor_after_broken_years", 0, 50, &ep->floor_after_years);
  get_int(l, w, path, "floor_months", 0, 24, &ep->floor_months);
  get_int(l, w, path, "count_from_year", 0, 2199, &ep->count_from_year);
}

static void parse_incentive(eld *l, json_t *w, const char *path) {
  static const char *const k[] = {"schemes", "layer", "continuity_after_years", "continuity_amount",
                                  "zero_claim_amount", "ceiling", "break_resets_zero_claim", NULL};
  enroll_policy *ep = l->ep;
  char b[200];
  keys(l, w, path, k);
  get_schemes(l, w, path, "schemes", ep->inc_schemes, &ep->n_inc_schemes);
  json_t *v = obj(l, w, path, "layer", true);
  if (v) {
    bool found = false;
    for (int s = 0; json_is_string(v) && s < ep->n_inc_schemes; s++) {
      const policy_scheme *sc = policy_scheme_find(l->p, ep->inc_schemes[s]);
      for (int i = 0; sc && i < sc->n_layers; i++) found |= !strcmp(sc->layers[i].name, json_string_value(v));
    }
    if (!found) fail(l, pk(b, path, "layer"), "not a layer of the incentive schemes");
    else snprintf(ep->inc_layer, sizeof ep->inc_layer, "%s", json_string_value(v));
  }
  get_int(l, w, path, "continuity_after_years", 0, 50, &ep->continuity_after);
  get_amount(l, w, path, "continuity_amount", false, &ep->continuity_amount);
  get_amount(l, w, path, "zero_claim_amount", false, &ep->zero_claim_amount);
  get_ratio(l, w, path, "ceiling", &ep->ceiling);
  get_bool(l, w, path, "break_resets_zero_claim", &ep->break_resets_zero);
}

static void parse_rates(eld *l, json_t *v, const char *path) {
  static const char *const k[] = {"insutype", "year", "individual", "fiscal", NULL};
  json_t *x;
  size_t i;
  json_array_foreach(v, i, x) {
    char b[200], c[200];
    enroll_contrib_rate *r = &l->ep->rates[l->ep->n_rates];
    pi(b, path, i);
    if (!json_is_object(x)) { fail(l, b, "must be an object"); continue; }
    keys(l, x, b, k);
    json_t *t = obj(l, x, b, "insutype", true);
    if (t && (!json_is_string(t) || !policy_scheme_find(l->p, json_string_value(t))))
      fail(l, pk(c, b, "insutype"), "not a scheme of this policy");
    else if (t) snprintf(r->insutype, sizeof r->insutype, "%s", json_string_value(t));
    r->year = 0;
    get_int(l, x, b, "year", 2000, 2199, &r->year);
    if (!r->year) fail(l, pk(c, b, "year"), "required");
    get_amount(l, x, b, "individual", true, &r->individual);
    get_amount(l, x, b, "fiscal", false, &r->fiscal);
    for (int j = 0; j < l->ep->n_rates; j++)
      if (l->ep->rates[j].year == r->year && !strcmp(l->ep->rates[j].insutype, r->insutype))
        fail(l, b, "a second rate for scheme %s in %d", r->insutype, r->year);
    l->ep->n_rates++;
  }
}

static void parse_assist(eld *l, json_t *v, const char *path) {
  static const char *const k[] = {"group", "share", "amount", NULL};
  json_t *x;
  size_t i;
  json_array_foreach(v, i, x) {
    char b[200], c[200];
    enroll_assist_rule *a = &l->ep->assist[l->ep->n_assist++];
    pi(b, path, i);
    if (!json_is_object(x)) { fail(l, b, "must be an object"); continue; }
    keys(l, x, b, k);
    json_t *g = obj(l, x, b, "group", true);
    if (g) a->group = group_of(l, g, pk(c, b, "group"));
    if (a->group < 0) a->group = 0;
    get_ratio(l, x, b, "share", &a->share);
    get_amount(l, x, b, "amount", false, &a->amount);
    if (!!obj(l, x, b, "share", false) == !!obj(l, x, b, "amount", false))
      fail(l, b, "give exactly one of share (of the individual part) or amount");
  }
}

static void parse_employee(eld *l, json_t *w, const char *path) {
  static const char *const k[] = {"employer_rate", "employee_rate", "allocation", NULL};
  static const char *const ak[] = {"psn_class", "age_min", "age_max", "of_contribution", "of_base", "monthly", NULL};
  enroll_policy *ep = l->ep;
  keys(l, w, path, k);
  get_ratio(l, w, path, "employer_rate", &ep->employer_rate);
  get_ratio(l, w, path, "employee_rate", &ep->employee_rate);
  char b[200], c[200], d[200];
  json_t *v = list(l, w, path, "allocation", "allocation rows"), *x;
  size_t i;
  json_array_foreach(v, i, x) {
    enroll_alloc_rule *a = &ep->alloc[ep->n_alloc++];
    a->psn_class = a->age_min = a->age_max = -1;
    pi(c, pk(b, path, "allocation"), i);
    if (!json_is_object(x)) { fail(l, c, "must be an object"); continue; }
    keys(l, x, c, ak);
    json_t *pc = obj(l, x, c, "psn_class", false);
    if (pc) a->psn_class = class_of(l, pc, pk(d, c, "psn_class"));
    get_int(l, x, c, "age_min", 0, 150, &a->age_min);
    get_int(l, x, c, "age_max", 0, 150, &a->age_max);
    get_ratio(l, x, c, "of_contribution", &a->of_contribution);
    get_ratio(l, x, c, "of_base", &a->of_base);
    get_amount(l, x, c, "monthly", false, &a->monthly);
  }
}

static void parse_family(eld *l, json_t *w, const char *path) {
  static const char *const k[] = {"relations", "max_relatives", "pay_contribution", NULL};
  enroll_policy *ep = l->ep;
  char b[200], c[200];
  keys(l, w, path, k);
  json_t *v = obj(l, w, path, "relations", true), *x;
  size_t i;
  if (v && (!json_is_array(v) || json_array_size(v) > 8)) fail(l, pk(b, path, "relations"), "must be a list of at most 8 names");
  else if (v) json_array_foreach(v, i, x) {
    if (!json_is_string(x) || !json_string_length(x) || json_string_length(x) >= 12)
      fail(l, pi(c, pk(b, path, "relations"), i), "must be a relation name of 1 to 11 bytes");
    else snprintf(ep->relations[ep->n_relations++], 12, "%s", json_string_value(x));
  }
  get_int(l, w, path, "max_relatives", 0, 100, &ep->max_relatives);
  get_bool(l, w, path, "pay_contribution", &ep->pay_contribution);
}

static void parse_high(eld *l, json_t *v, const char *path) {
  static const char *const k[] = {"group", "amount", NULL};
  json_t *x;
  size_t i;
  json_array_foreach(v, i, x) {
    char b[200], c[200], d[200];
    enroll_threshold *t = &l->ep->high[l->ep->n_high++];
    pi(b, path, i);
    if (!json_is_object(x)) { fail(l, b, "must be an object"); continue; }
    keys(l, x, b, k);
    json_t *g = obj(l, x, b, "group", false), *y;
    size_t j;
    if (g && !json_is_array(g)) fail(l, pk(c, b, "group"), "must be a list of groups");
    else if (g) json_array_foreach(g, j, y) {
      int id = group_of(l, y, pi(d, pk(c, b, "group"), j));
      if (id >= 0) t->group_mask |= 1u << id;
    }
    get_amount(l, x, b, "amount", true, &t->amount);
  }
}

static void parse_filing(eld *l, json_t *w, const char *path) {
  const char *k;
  json_t *x;
  char b[200];
  json_object_foreach(w, k, x) {
    if (k[0] == '_') continue;
    pk(b, path, k);
    if (l->ep->n_filing >= 8 || strlen(k) >= 16) { fail(l, b, "at most 8 types of up to 15 bytes"); continue; }
    enroll_filing_type *f = &l->ep->filing[l->ep->n_filing++];
    snprintf(f->name, sizeof f->name, "%s", k);
    if (!json_is_object(x)) { fail(l, b, "must be an object {\"max_months\": N}"); continue; }
    static const char *const fk[] = {"max_months", NULL};
    keys(l, x, b, fk);
    get_int(l, x, b, "max_months", 0, 600, &f->max_months);
  }
}

int enroll_policy_parse(void *json_v, const policy *p, enroll_policy **out, FILE *report, yb_err *first) {
  static const char *const k[] = {"concentrated_period", "waiting", "incentive", "contributions", "payback",
                                  "assistance", "employee", "family", "filing", "high_cost", "sources", NULL};
  static const char *const pk2[] = {"from", "to", NULL};
  json_t *v = json_v, *x;
  const char *path = "enrollment";
  eld l = {.p = p, .report = report, .first = first};
  *out = NULL;
  if (!json_is_object(v)) return fail(&l, path, "must be an object"), 1;
  if (!(l.ep = calloc(1, sizeof *l.ep))) return fail(&l, path, "out of memory"), 1;
  keys(&l, v, path, k);
  char b[200];
  if ((x = obj(&l, v, path, "concentrated_period", false))) {
    l.ep->has_period = true;
    pk(b, path, "concentrated_period");
    keys(&l, x, b, pk2);
    get_md(&l, x, b, "from", &l.ep->from_md);
    get_md(&l, x, b, "to", &l.ep->to_md);
  }
  if ((x = obj(&l, v, path, "waiting", false))) parse_waiting(&l, x, pk(b, path, "waiting"));
  if ((x = obj(&l, v, path, "incentive", false))) parse_incentive(&l, x, pk(b, path, "incentive"));
  if ((x = list(&l, v, path, "contributions", "rates"))) parse_rates(&l, x, pk(b, path, "contributions"));
  if ((x = obj(&l, v, path, "payback", false))) {
    if (!json_is_string(x) || (strcmp(json_string_value(x), "full") && strcmp(json_string_value(x), "individual")))
      fail(&l, pk(b, path, "payback"), "must be \"full\" (individual + fiscal) or \"individual\"");
    else l.ep->payback_full = !strcmp(json_string_value(x), "full");
  }
  if ((x = list(&l, v, path, "assistance", "rules"))) parse_assist(&l, x, pk(b, path, "assistance"));
  if ((x = obj(&l, v, path, "employee", false))) parse_employee(&l, x, pk(b, path, "employee"));
  if ((x = obj(&l, v, path, "family", false))) parse_family(&l, x, pk(b, path, "family"));
  if ((x = obj(&l, v, path, "filing", false))) {
    if (json_is_object(x)) parse_filing(&l, x, pk(b, path, "filing"));
    else fail(&l, pk(b, path, "filing"), "must be an object: type → {max_months}");
  }
  if ((x = list(&l, v, path, "high_cost", "thresholds"))) parse_high(&l, x, pk(b, path, "high_cost"));
  if (l.ep->floor_months && !l.ep->floor_after_years)
    fail(&l, "enrollment.waiting.floor_after_broken_years", "required when floor_months is given");
  if (l.problems) {
    free(l.ep);
    return l.problems;
  }
  *out = l.ep;
  return 0;
}
