/* policy.c — load and validate a region's policy file (docs/policy.md) into the
 * read-only tables the engine walks, and match rows against a visit.
 * Loading never stops at the first problem: every problem is reported with its JSON
 * path, so `policy check` lists them all and `policy_load` returns the first. */
#include "policy.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dip_policy.h"
#include "enroll.h"
#include "jsonx.h"
#include "money.h"

#define PATH_LEN 256

/* ---- arena: every string and array of one policy, freed at once ---- */

typedef struct arena_blk {
  struct arena_blk *next;
  size_t used, cap;
  max_align_t data[];
} arena_blk;

enum { ARENA_BLOCK = 64 * 1024 };

/* n zeroed bytes owned by *a, or NULL when out of memory. */
static void *arena_alloc(arena_blk **a, size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  if (!*a || (*a)->cap - (*a)->used < n) {
    size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    arena_blk *b = calloc(1, sizeof *b + cap);
    if (!b) return NULL;
    b->cap = cap;
    b->next = *a;
    *a = b;
  }
  void *p = (char *)(*a)->data + (*a)->used;
  (*a)->used += n;
  return p;
}

static void arena_free(arena_blk *a) {
  while (a) {
    arena_blk *next = a->next;
    free(a);
    a = next;
  }
}

/* ---- the loader: the policy being built and the problems found so far ---- */

typedef struct loader {
  policy *p;
  arena_blk *arena;
  yb_err *e;         /* the first problem */
  FILE *report;      /* every problem as "path: message", or NULL */
  int problems;
  uint32_t special;  /* groups marked special in idet_types */
} loader;

__attribute__((format(printf, 4, 5)))
static int ld_fail(loader *l, int code, const char *path, const char *fmt, ...) {
  char msg[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (l->problems++ == 0) yb_fail(l->e, code, path, "%s", msg);
  if (l->report) fprintf(l->report, "%s: %s\n", path, msg);
  return code;
}

static void *ld_alloc(loader *l, size_t n, const char *path) {
  void *q = arena_alloc(&l->arena, n ? n : 1);
  if (!q) ld_fail(l, YB_ENOMEM, path, "out of memory");
  return q;
}

static const char *ld_strdup(loader *l, const char *s) {
  size_t n = strlen(s) + 1;
  char *q = ld_alloc(l, n, s);
  if (q) memcpy(q, s, n);
  return q ? q : "";
}

/* JSON paths: "a.b", "a[2]". b must not alias path; a path past PATH_LEN is cut short. */
static const char *pkey(char *b, const char *path, const char *key) {
  if (snprintf(b, PATH_LEN, "%s%s%s", path, *path ? "." : "", key) < 0) b[0] = 0;
  return b;
}

static const char *pidx(char *b, const char *path, size_t i) {
  if (snprintf(b, PATH_LEN, "%s[%zu]", path, i) < 0) b[0] = 0;
  return b;
}

/* ---- keys: unknown keys are typos and are refused ---- */

static void names_list(char *b, size_t n, const char *const *names) {
  size_t at = 0;
  b[0] = 0;
  for (int i = 0; names[i] && at < n; i++)
    at += (size_t)snprintf(b + at, n - at, "%s%s", i ? ", " : "", names[i]);
}

/* Report every key of obj that is not in `allowed` (NULL-terminated) and does not start with '_'. */
static void check_keys(loader *l, json_t *obj, const char *path, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    int i = 0;
    while (allowed[i] && strcmp(allowed[i], k) != 0) i++;
    if (allowed[i] || k[0] == '_') continue;
    char pb[PATH_LEN], names[256];
    names_list(names, sizeof names, allowed);
    ld_fail(l, YB_EINVAL, pkey(pb, path, k), "unknown field (allowed here: %s; prefix a comment key with _)", names);
  }
}

/* A present value, or NULL when the key is absent or null. */
static json_t *opt(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_null(v) ? NULL : v;
}

static json_t *req(loader *l, json_t *obj, const char *path, const char *key, const char *what) {
  json_t *v = opt(obj, key);
  char pb[PATH_LEN];
  if (!v) ld_fail(l, YB_EMISSING, pkey(pb, path, key), "required: %s", what);
  return v;
}

static bool is_obj(loader *l, json_t *v, const char *path, const char *what) {
  if (json_is_object(v)) return true;
  ld_fail(l, YB_ETYPE, path, "must be an object (%s)", what);
  return false;
}

/* ---- scalar readers; each reports its own problem and returns 0 or -1 ---- */

static int get_str(loader *l, json_t *v, const char *path, char *out, size_t cap) {
  if (!json_is_string(v)) return ld_fail(l, YB_ETYPE, path, "must be a string"), -1;
  size_t n = json_string_length(v);
  if (n == 0) return ld_fail(l, YB_EINVAL, path, "must not be empty"), -1;
  if (n >= cap) return ld_fail(l, YB_ERANGE, path, "longer than %zu bytes", cap - 1), -1;
  memcpy(out, json_string_value(v), n + 1);
  return 0;
}

/* A code: a string of 1..cap-1 digits. */
static int get_code(loader *l, json_t *v, const char *path, char *out, size_t cap) {
  if (get_str(l, v, path, out, cap) != 0) return -1;
  for (const char *c = out; *c; c++)
    if (*c < '0' || *c > '9') return ld_fail(l, YB_EINVAL, path, "'%s' is not a code of digits", out), -1;
  return 0;
}

static int get_amount(loader *l, json_t *v, const char *path, int64_t *out) {
  if (!json_is_number(v) && !json_is_string(v))
    return ld_fail(l, YB_ETYPE, path, "must be an amount in yuan (number or string, e.g. 1500 or \"1500.50\")"), -1;
  if (jsonx_dec(v, MONEY_SCALE_FEN, out) != 0)
    return ld_fail(l, YB_EINVAL, path, "not an amount in yuan with at most 2 decimals"), -1;
  if (*out < 0) return ld_fail(l, YB_ERANGE, path, "must not be negative"), -1;
  return 0;
}

static int get_ratio(loader *l, json_t *v, const char *path, int32_t *out) {
  int64_t bp;
  if (!json_is_number(v) && !json_is_string(v))
    return ld_fail(l, YB_ETYPE, path, "must be a ratio (number or string, e.g. 0.7)"), -1;
  if (jsonx_dec(v, MONEY_SCALE_BP, &bp) != 0)
    return ld_fail(l, YB_EINVAL, path, "not a ratio with at most 4 decimals"), -1;
  if (bp < 0 || bp > MONEY_BP_ONE)
    return ld_fail(l, YB_ERANGE, path, "ratio must lie in [0, 1] (0.7 means 70 %%)"), -1;
  *out = (int32_t)bp;
  return 0;
}

static int get_bool(loader *l, json_t *v, const char *path, bool *out) {
  if (!json_is_boolean(v)) return ld_fail(l, YB_ETYPE, path, "must be true or false"), -1;
  *out = json_is_true(v);
  return 0;
}

static int get_int(loader *l, json_t *v, const char *path, long lo, long hi, long *out) {
  if (!json_is_integer(v)) return ld_fail(l, YB_ETYPE, path, "must be an integer"), -1;
  long long x = json_integer_value(v);
  if (x < lo || x > hi) return ld_fail(l, YB_ERANGE, path, "must lie in [%ld, %ld]", lo, hi), -1;
  *out = (long)x;
  return 0;
}

/* One of `names` (NULL-terminated) → its index. */
static int get_enum(loader *l, json_t *v, const char *path, const char *const *names, int *out) {
  char list[160];
  names_list(list, sizeof list, names);
  if (json_is_string(v))
    for (int i = 0; names[i]; i++)
      if (strcmp(names[i], json_string_value(v)) == 0) return *out = i, 0;
  return ld_fail(l, json_is_string(v) ? YB_EINVAL : YB_ETYPE, path, "must be one of: %s", list), -1;
}

/* Index of s in a table of fixed-width names, or -1. */
static int name_find(const char *base, size_t stride, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (strcmp(base + (size_t)i * stride, s) == 0) return i;
  return -1;
}

/* "a, b, c" from a table of fixed-width names (strings at base + i × stride). */
static const char *name_join(char *b, size_t n, const char *base, size_t stride, int count) {
  size_t at = 0;
  b[0] = 0;
  for (int i = 0; i < count && at < n; i++)
    at += (size_t)snprintf(b + at, n - at, "%s%s", i ? ", " : "", base + (size_t)i * stride);
  return b;
}

/* Find or add s in a table of fixed-width names; -1 (reported) when full or too long. */
static int name_intern(loader *l, char *base, size_t stride, int *n, int max, const char *s,
                       const char *path, const char *what) {
  int i = name_find(base, stride, *n, s);
  if (i >= 0) return i;
  if (strlen(s) >= stride) return ld_fail(l, YB_ERANGE, path, "%s name longer than %zu bytes", what, stride - 1), -1;
  if (*n >= max) return ld_fail(l, YB_ERANGE, path, "more than %d %s names", max, what), -1;
  snprintf(base + (size_t)*n * stride, stride, "%s", s);
  return (*n)++;
}

/* A bucket name → its index, interning it. */
static int16_t get_bucket(loader *l, json_t *v, const char *path) {
  char name[64];
  if (get_str(l, v, path, name, sizeof name) != 0) return -1;
  if (strcmp(name, "admissions") == 0)
    return ld_fail(l, YB_EINVAL, path, "'admissions' is the built-in admission count; name the accumulator otherwise"), -1;
  int n = l->p->n_buckets;
  int i = name_intern(l, &l->p->buckets[0][0], sizeof l->p->buckets[0], &n, POLICY_MAX_BUCKETS, name, path, "bucket");
  l->p->n_buckets = (uint16_t)n;
  return (int16_t)i;
}

/* ---- lists: a lone value counts as a list of one ---- */

static size_t list_len(json_t *v) { return json_is_array(v) ? json_array_size(v) : 1; }
static json_t *list_at(json_t *v, size_t i) { return json_is_array(v) ? json_array_get(v, i) : v; }
static const char *list_path(char *b, json_t *v, const char *path, size_t i) {
  return json_is_array(v) ? pidx(b, path, i) : strcpy(b, path);
}

static int list_nonempty(loader *l, json_t *v, const char *path) {
  if (json_is_array(v) && json_array_size(v) == 0)
    return ld_fail(l, YB_EINVAL, path, "empty list (omit the field to mean any)"), -1;
  return 0;
}

/* Names of a table (classes, groups) → bit mask. */
static uint32_t get_name_mask(loader *l, json_t *v, const char *path, const char (*names)[24], int n,
                              const char *what) {
  uint32_t mask = 0;
  if (list_nonempty(l, v, path) != 0) return 0;
  for (size_t i = 0; i < list_len(v); i++) {
    char pb[PATH_LEN];
    json_t *x = list_at(v, i);
    list_path(pb, v, path, i);
    if (!json_is_string(x)) {
      ld_fail(l, YB_ETYPE, pb, "must be a %s name (string) or a list of them", what);
      continue;
    }
    int k = name_find(&names[0][0], sizeof names[0], n, json_string_value(x));
    if (k < 0) {
      char known[256];
      ld_fail(l, YB_EUNKNOWN_CODE, pb, "unknown %s '%s' (known: %s)", what, json_string_value(x),
              name_join(known, sizeof known, &names[0][0], sizeof names[0], n));
      continue;
    }
    mask |= 1u << k;
  }
  return mask;
}

/* ---- when ---- */

static const char *const when_keys[] = {"psn_class", "group", "not_group", "special", "hosp_lv",
                                        "area", "xprov", "cvlserv", "nth_min", "nth_max",
                                        "age_min", "age_max", "dise_any", "dise_all", NULL};
static const char *const area_names[] = {"local", "filed", "temporary", "unfiled", NULL};

static void when_any(policy_when *w) {
  memset(w, 0, sizeof *w);
  w->xprov = w->cvlserv = -1;
  w->age_min = w->age_max = -1;
}

static uint8_t get_dise(loader *l, json_t *v, const char *path, char (*out)[POLICY_CODE_LEN]) {
  if (list_nonempty(l, v, path) != 0) return 0;
  if (list_len(v) > 4) return ld_fail(l, YB_ERANGE, path, "at most 4 disease codes"), 0;
  uint8_t n = 0;
  for (size_t i = 0; i < list_len(v); i++) {
    char pb[PATH_LEN];
    if (get_str(l, list_at(v, i), list_path(pb, v, path, i), out[n], POLICY_CODE_LEN) == 0) n++;
  }
  return n;
}

static void get_bound(loader *l, json_t *w, const char *path, const char *key, long lo, long hi, int16_t *out) {
  json_t *v = opt(w, key);
  char pb[PATH_LEN];
  long x;
  if (v && get_int(l, v, pkey(pb, path, key), lo, hi, &x) == 0) *out = (int16_t)x;
}

static void parse_when(loader *l, json_t *v, const char *path, policy_when *w) {
  char pb[PATH_LEN];
  json_t *x;
  bool b;
  when_any(w);
  if (!is_obj(l, v, path, "conditions, see docs/policy.md `when`")) return;
  check_keys(l, v, path, when_keys);
  const policy *p = l->p;
  if ((x = opt(v, "psn_class")))
    w->psn_class_mask = get_name_mask(l, x, pkey(pb, path, "psn_class"), p->classes, p->n_classes, "class");
  if ((x = opt(v, "group")))
    w->group_mask = get_name_mask(l, x, pkey(pb, path, "group"), p->groups, p->n_groups, "group");
  if ((x = opt(v, "not_group")))
    w->group_none = get_name_mask(l, x, pkey(pb, path, "not_group"), p->groups, p->n_groups, "group");
  if ((x = opt(v, "special")) && get_bool(l, x, pkey(pb, path, "special"), &b) == 0) {
    /* One mask cannot say "in group A and in a special group": refuse the mix. */
    if (b && opt(v, "group"))
      ld_fail(l, YB_EINVAL, pb, "special: true cannot be combined with group (list the groups instead)");
    else if (b)
      w->group_mask = l->special;
    else
      w->group_none |= l->special;
  }
  if ((x = opt(v, "hosp_lv")) && list_nonempty(l, x, pkey(pb, path, "hosp_lv")) == 0)
    for (size_t i = 0; i < list_len(x); i++) {
      long lv;
      char ib[PATH_LEN];
      if (get_int(l, list_at(x, i), list_path(ib, x, pb, i), 0, 3, &lv) == 0) w->hosp_lv_mask |= (uint8_t)(1u << lv);
    }
  if ((x = opt(v, "area")) && list_nonempty(l, x, pkey(pb, path, "area")) == 0)
    for (size_t i = 0; i < list_len(x); i++) {
      int a;
      char ib[PATH_LEN];
      if (get_enum(l, list_at(x, i), list_path(ib, x, pb, i), area_names, &a) == 0) w->area_mask |= (uint8_t)(1u << a);
    }
  if ((x = opt(v, "xprov")) && get_bool(l, x, pkey(pb, path, "xprov"), &b) == 0) w->xprov = b;
  if ((x = opt(v, "cvlserv")) && get_bool(l, x, pkey(pb, path, "cvlserv"), &b) == 0) w->cvlserv = b;
  get_bound(l, v, path, "nth_min", 1, 999, &w->nth_min);
  get_bound(l, v, path, "nth_max", 1, 999, &w->nth_max);
  get_bound(l, v, path, "age_min", 0, 150, &w->age_min);
  get_bound(l, v, path, "age_max", 0, 150, &w->age_max);
  if (w->nth_min && w->nth_max && w->nth_min > w->nth_max)
    ld_fail(l, YB_ERANGE, pkey(pb, path, "nth_max"), "nth_max %d is below nth_min %d", w->nth_max, w->nth_min);
  if (w->age_min >= 0 && w->age_max >= 0 && w->age_min > w->age_max)
    ld_fail(l, YB_ERANGE, pkey(pb, path, "age_max"), "age_max %d is below age_min %d", w->age_max, w->age_min);
  if ((x = opt(v, "dise_any"))) w->n_dise_any = get_dise(l, x, pkey(pb, path, "dise_any"), w->dise_any);
  if ((x = opt(v, "dise_all"))) w->n_dise_all = get_dise(l, x, pkey(pb, path, "dise_all"), w->dise_all);
}

static bool when_is_any(const policy_when *w) {
  policy_when any;
  when_any(&any);
  return memcmp(w, &any, sizeof any) == 0;
}

/* ---- rows and tables ---- */

typedef enum { RK_DEDUCT, RK_POOL_RATIO, RK_RATIO, RK_SHARE, RK_CAP, RK_AMOUNT, RK_BANDED } row_kind;

static const char *const row_keys[][6] = {
    [RK_DEDUCT] = {"when", "amount", "share", "floor", "ceiling", NULL},
    [RK_POOL_RATIO] = {"when", "ratio", "bands", NULL},
    [RK_RATIO] = {"when", "ratio", NULL},
    [RK_SHARE] = {"when", "share", NULL},
    [RK_CAP] = {"when", "amount", "no_cap", NULL},
    [RK_AMOUNT] = {"when", "amount", NULL},
    [RK_BANDED] = {"when", "amount", "bands", NULL},
};

static void parse_bands(loader *l, json_t *v, const char *path, policy_row *r) {
  static const char *const band_keys[] = {"from", "ratio", NULL};
  if (!json_is_array(v) || json_array_size(v) == 0) {
    ld_fail(l, YB_ETYPE, path, "must be a non-empty list of {\"from\": yuan, \"ratio\": r}");
    return;
  }
  if (json_array_size(v) > POLICY_MAX_BANDS) {
    ld_fail(l, YB_ERANGE, path, "more than %d bands", POLICY_MAX_BANDS);
    return;
  }
  for (size_t i = 0; i < json_array_size(v); i++) {
    char pb[PATH_LEN], kb[PATH_LEN];
    json_t *b = json_array_get(v, i), *x;
    policy_band *band = &r->bands[r->n_bands++];
    pidx(pb, path, i);
    if (!is_obj(l, b, pb, "a band: {\"from\": yuan, \"ratio\": r}")) continue;
    check_keys(l, b, pb, band_keys);
    if ((x = req(l, b, pb, "from", "where the band starts, in yuan")) &&
        get_amount(l, x, pkey(kb, pb, "from"), &band->from) == 0) {
      if (i == 0 && band->from != 0)
        ld_fail(l, YB_EINVAL, kb, "the first band must start from 0");
      else if (i > 0 && band->from <= band[-1].from)
        ld_fail(l, YB_EINVAL, kb, "bands must be strictly increasing: from must exceed the previous band's from");
    }
    if ((x = req(l, b, pb, "ratio", "the band's ratio"))) get_ratio(l, x, pkey(kb, pb, "ratio"), &band->ratio);
  }
}

/* Exactly one of two alternative keys; returns which (0 or 1), or -1 (reported). */
static int one_of(loader *l, json_t *r, const char *path, const char *a, const char *b, const char *what) {
  bool ha = opt(r, a) != NULL, hb = opt(r, b) != NULL;
  if (ha != hb) return ha ? 0 : 1;
  char pb[PATH_LEN];
  if (ha) return ld_fail(l, YB_EINVAL, pkey(pb, path, b), "give either %s or %s, not both", a, b), -1;
  return ld_fail(l, YB_EMISSING, pkey(pb, path, a), "required: %s", what), -1;
}

static void parse_row(loader *l, json_t *v, const char *path, row_kind k, policy_row *r) {
  char pb[PATH_LEN];
  json_t *x;
  when_any(&r->when);
  r->path = ld_strdup(l, path);
  if (!is_obj(l, v, path, "a row: {\"when\": {…}, values}")) return;
  check_keys(l, v, path, row_keys[k]);
  if ((x = opt(v, "when"))) parse_when(l, x, pkey(pb, path, "when"), &r->when);
  switch (k) {
  case RK_DEDUCT:
    if (one_of(l, v, path, "amount", "share", "amount (yuan), or share with floor and ceiling") == 1) {
      get_ratio(l, opt(v, "share"), pkey(pb, path, "share"), &r->share);
      if ((x = opt(v, "floor"))) get_amount(l, x, pkey(pb, path, "floor"), &r->floor);
      if ((x = opt(v, "ceiling")) && get_amount(l, x, pkey(pb, path, "ceiling"), &r->ceiling) == 0 &&
          r->ceiling > 0 && r->ceiling < r->floor)
        ld_fail(l, YB_ERANGE, pb, "ceiling is below floor");
      return;
    }
    if ((x = opt(v, "amount"))) get_amount(l, x, pkey(pb, path, "amount"), &r->amount);
    if (opt(v, "floor") || opt(v, "ceiling"))
      ld_fail(l, YB_EINVAL, pkey(pb, path, opt(v, "floor") ? "floor" : "ceiling"), "floor and ceiling go with share, not amount");
    return;
  case RK_POOL_RATIO:
  case RK_RATIO:
    if (k == RK_RATIO || one_of(l, v, path, "ratio", "bands", "ratio, or bands") == 0) {
      if ((x = req(l, v, path, "ratio", "the payment ratio"))) get_ratio(l, x, pkey(pb, path, "ratio"), &r->ratio);
    } else if ((x = opt(v, "bands"))) {
      parse_bands(l, x, pkey(pb, path, "bands"), r);
    }
    return;
  case RK_SHARE:
    if ((x = req(l, v, path, "share", "a share in [0, 1]"))) get_ratio(l, x, pkey(pb, path, "share"), &r->share);
    return;
  case RK_CAP:
    if (one_of(l, v, path, "amount", "no_cap", "amount (yuan), or \"no_cap\": true") == 1) {
      if (get_bool(l, opt(v, "no_cap"), pkey(pb, path, "no_cap"), &r->no_cap) == 0 && !r->no_cap)
        ld_fail(l, YB_EINVAL, pb, "no_cap may only be true; give amount for a cap");
    } else if ((x = opt(v, "amount"))) {
      get_amount(l, x, pkey(pb, path, "amount"), &r->amount);
    }
    return;
  case RK_AMOUNT:
    if ((x = req(l, v, path, "amount", "an amount in yuan"))) get_amount(l, x, pkey(pb, path, "amount"), &r->amount);
    return;
  case RK_BANDED:
    if ((x = req(l, v, path, "amount", "the threshold in yuan"))) get_amount(l, x, pkey(pb, path, "amount"), &r->amount);
    if ((x = req(l, v, path, "bands", "the bands"))) parse_bands(l, x, pkey(pb, path, "bands"), r);
    return;
  }
}

static void parse_rows(loader *l, json_t *v, const char *path, row_kind k, policy_table *t) {
  if (!json_is_array(v) || json_array_size(v) == 0) {
    ld_fail(l, json_is_array(v) ? YB_EINVAL : YB_ETYPE, path, "must be a non-empty list of rows");
    return;
  }
  size_t n = json_array_size(v);
  if (n > UINT16_MAX) {
    ld_fail(l, YB_ERANGE, path, "more than %d rows", UINT16_MAX);
    return;
  }
  if (!(t->rows = ld_alloc(l, n * sizeof *t->rows, path))) return;
  t->n = (uint16_t)n;
  for (size_t i = 0; i < n; i++) {
    char pb[PATH_LEN];
    pidx(pb, path, i);
    parse_row(l, json_array_get(v, i), pb, k, &t->rows[i]);
    if (i > 0 && json_is_object(json_array_get(v, i - 1)) && when_is_any(&t->rows[i - 1].when))
      ld_fail(l, YB_EINVAL, pb, "unreachable: the row before has no conditions and always holds (put the default last)");
  }
}

/* A table: {"rows": […], extra keys…} or a bare list of rows. Returns the object, or NULL for a bare list. */
static json_t *parse_table(loader *l, json_t *v, const char *path, row_kind k, const char *const *keys,
                           policy_table *t) {
  char pb[PATH_LEN];
  if (json_is_array(v)) {
    parse_rows(l, v, path, k, t);
    return NULL;
  }
  if (!is_obj(l, v, path, "a table: {\"rows\": […]} or a list of rows")) return NULL;
  check_keys(l, v, path, keys);
  json_t *rows = req(l, v, path, "rows", "the table's rows");
  if (rows) parse_rows(l, rows, pkey(pb, path, "rows"), k, t);
  return v;
}

static const char *const tk_rows[] = {"rows", NULL};
static const char *const tk_deduct[] = {"rows", "per", "bucket", NULL};
static const char *const tk_ratio[] = {"rows", "band_bucket", NULL};
static const char *const tk_cap[] = {"rows", "kind", "period", "bucket", NULL};
static const char *const per_names[] = {"visit", "year", NULL};

static void parse_deductible(loader *l, json_t *v, const char *path, policy_deductible *d) {
  char pb[PATH_LEN];
  json_t *obj = parse_table(l, v, path, RK_DEDUCT, tk_deduct, &d->rows), *x;
  int per = DEDUCT_PER_VISIT;
  d->bucket = -1;
  if (obj && (x = opt(obj, "per"))) get_enum(l, x, pkey(pb, path, "per"), per_names, &per);
  d->per = (policy_deduct_per)per;
  x = obj ? opt(obj, "bucket") : NULL;
  if (per == DEDUCT_PER_YEAR && !x)
    ld_fail(l, YB_EMISSING, pkey(pb, path, "bucket"), "required with per: year (the accumulator of the deductible paid this year)");
  else if (per == DEDUCT_PER_VISIT && x)
    ld_fail(l, YB_EINVAL, pkey(pb, path, "bucket"), "a per-visit deductible has no bucket (use per: year)");
  else if (x)
    d->bucket = get_bucket(l, x, pkey(pb, path, "bucket"));
}

static void parse_cap(loader *l, json_t *v, const char *path, policy_cap *c) {
  static const char *const kinds[] = {"payment", "expense", NULL}, *const periods[] = {"year", "month", NULL};
  char pb[PATH_LEN];
  json_t *x;
  int kind = CAP_PAYMENT, period = CAP_PERIOD_YEAR;
  c->bucket = -1;
  if (!is_obj(l, v, path, "a cap: {\"kind\", \"bucket\", \"rows\"}")) return;
  parse_table(l, v, path, RK_CAP, tk_cap, &c->rows);
  if ((x = req(l, v, path, "kind", "payment or expense"))) get_enum(l, x, pkey(pb, path, "kind"), kinds, &kind);
  if ((x = opt(v, "period"))) get_enum(l, x, pkey(pb, path, "period"), periods, &period);
  if ((x = req(l, v, path, "bucket", "the accumulator counted against the cap")))
    c->bucket = get_bucket(l, x, pkey(pb, path, "bucket"));
  c->kind = (policy_cap_kind)kind;
  c->period = (policy_cap_period)period;
}

/* The pooled-fund part of a benefit or a chronic disease. */
static void parse_pool(loader *l, json_t *v, const char *path, policy_pool *pool) {
  static const char *const parts[] = {"deductible", "cap", "ratio_cut", "first_selfpay", "copay", NULL};
  char pb[PATH_LEN];
  char rb[PATH_LEN];
  json_t *ratio = opt(v, "ratio"), *x;
  pool->band_bucket = -1;
  pool->deductible.bucket = pool->cap.bucket = -1;
  if (!ratio) {
    for (int i = 0; parts[i]; i++)
      if (opt(v, parts[i]))
        ld_fail(l, YB_EINVAL, pkey(pb, path, parts[i]), "has no effect without ratio (no ratio = no pooled-fund payment)");
    return;
  }
  pool->present = true;
  json_t *obj = parse_table(l, ratio, pkey(rb, path, "ratio"), RK_POOL_RATIO, tk_ratio, &pool->ratio);
  bool banded = false;
  for (int i = 0; i < pool->ratio.n; i++) banded |= pool->ratio.rows[i].n_bands > 0;
  x = obj ? opt(obj, "band_bucket") : NULL;
  if (banded && !x)
    ld_fail(l, YB_EMISSING, pkey(pb, rb, "band_bucket"), "required when a row has bands (the year's cumulative in-scope expense)");
  else if (!banded && x)
    ld_fail(l, YB_EINVAL, pkey(pb, rb, "band_bucket"), "has no effect: no row has bands");
  else if (x)
    pool->band_bucket = get_bucket(l, x, pkey(pb, rb, "band_bucket"));
  if ((x = req(l, v, path, "deductible", "a deductible (amount 0 for none) wherever there is a ratio")))
    parse_deductible(l, x, pkey(pb, path, "deductible"), &pool->deductible);
  if ((x = req(l, v, path, "cap", "a cap (a no_cap row for none) wherever there is a ratio")))
    parse_cap(l, x, pkey(pb, path, "cap"), &pool->cap);
  if ((x = opt(v, "ratio_cut"))) parse_table(l, x, pkey(pb, path, "ratio_cut"), RK_SHARE, tk_rows, &pool->ratio_cut);
  if ((x = opt(v, "first_selfpay")))
    parse_table(l, x, pkey(pb, path, "first_selfpay"), RK_SHARE, tk_rows, &pool->first_selfpay);
  if ((x = opt(v, "copay"))) parse_table(l, x, pkey(pb, path, "copay"), RK_AMOUNT, tk_rows, &pool->copay);
}

/* ---- layers ---- */

static const char *const payer_names[PAYER_COUNT + 1] = {
    [PAYER_HIFP] = "hifp_pay",   [PAYER_CVLSERV] = "cvlserv_pay", [PAYER_HIFES] = "hifes_pay",
    [PAYER_HIFMI] = "hifmi_pay", [PAYER_HIFOB] = "hifob_pay",     [PAYER_MAF] = "maf_pay",
    [PAYER_OTH] = "oth_pay",     [PAYER_ACCT] = "acct_pay",       [PAYER_ACCT_MULAID] = "acct_mulaid_pay",
};
static const char *const burden_names[] = {"inscp", "pre", "out", "overflow", NULL};

static uint8_t get_burdens(loader *l, json_t *v, const char *path) {
  uint8_t bits = 0;
  if (!json_is_array(v) || json_array_size(v) == 0)
    return ld_fail(l, YB_ETYPE, path, "must be a non-empty list of: inscp, pre, out, overflow"), 0;
  for (size_t i = 0; i < json_array_size(v); i++) {
    char pb[PATH_LEN];
    int b;
    if (get_enum(l, json_array_get(v, i), pidx(pb, path, i), burden_names, &b) == 0) bits |= (uint8_t)(1u << b);
  }
  return bits;
}

static void parse_layer_payer(loader *l, json_t *v, const char *path, policy_layer *ly) {
  char pb[PATH_LEN];
  json_t *x = req(l, v, path, "payer", "the output field it pays into");
  int payer = PAYER_OTH;
  if (!x || get_enum(l, x, pkey(pb, path, "payer"), payer_names, &payer) != 0) return;
  if (payer == PAYER_HIFP || payer == PAYER_ACCT_MULAID)
    ld_fail(l, YB_EINVAL, pb, "%s is not a layer's payer (the pool pays hifp_pay; family sharing pays acct_mulaid_pay)",
            payer_names[payer]);
  else if ((payer == PAYER_ACCT) != (ly->kind == LAYER_ACCT))
    ld_fail(l, YB_EINVAL, pb, "acct_pay goes with kind acct, and kind acct with acct_pay");
  ly->payer = (policy_payer)payer;
}

static void parse_layer_banded(loader *l, json_t *v, const char *path, policy_layer *ly) {
  static const char *const modes[] = {"marginal", "whole", NULL}, *const edges[] = {"excess", "total", NULL};
  char pb[PATH_LEN];
  json_t *x;
  int per = DEDUCT_PER_YEAR, mode = 0, edge = 0;
  if ((x = req(l, v, path, "rows", "rows of threshold amount and bands")))
    parse_rows(l, x, pkey(pb, path, "rows"), RK_BANDED, &ly->banded);
  if ((x = req(l, v, path, "base", "the burdens that add to the base"))) ly->base = get_burdens(l, x, pkey(pb, path, "base"));
  if ((x = opt(v, "base_deductible"))) get_bool(l, x, pkey(pb, path, "base_deductible"), &ly->base_deductible);
  if ((x = opt(v, "per"))) get_enum(l, x, pkey(pb, path, "per"), per_names, &per);
  ly->per_visit = per == DEDUCT_PER_VISIT;
  x = opt(v, "base_bucket");
  if (!ly->per_visit && !x)
    ld_fail(l, YB_EMISSING, pkey(pb, path, "base_bucket"), "required: the yearly base accumulator (or per: visit)");
  else if (ly->per_visit && x)
    ld_fail(l, YB_EINVAL, pkey(pb, path, "base_bucket"), "a per-visit layer has no yearly base (drop base_bucket or per: visit)");
  else if (x)
    ly->base_bucket = get_bucket(l, x, pkey(pb, path, "base_bucket"));
  if ((x = opt(v, "band_mode"))) get_enum(l, x, pkey(pb, path, "band_mode"), modes, &mode);
  if ((x = opt(v, "band_edges"))) get_enum(l, x, pkey(pb, path, "band_edges"), edges, &edge);
  ly->band_whole = mode == 1;
  ly->band_on_total = edge == 1;
  if ((x = req(l, v, path, "cap", "a cap (a no_cap row for none)"))) parse_cap(l, x, pkey(pb, path, "cap"), &ly->cap);
  if ((x = opt(v, "incentive_ceiling"))) get_ratio(l, x, pkey(pb, path, "incentive_ceiling"), &ly->incentive_ceiling);
}

static void parse_layer(loader *l, json_t *v, const char *path, const char *name, policy_layer *ly) {
  static const char *const kinds[] = {"ratio", "banded", "acct", NULL};
  static const char *const keys[][16] = {
      [LAYER_RATIO] = {"kind", "payer", "fund_pay_type", "fund_pay_type_name", "applies", "covers", "deductible",
                       "ratio", "cap", NULL},
      [LAYER_BANDED] = {"kind", "payer", "fund_pay_type", "fund_pay_type_name", "applies", "covers", "rows", "base",
                        "base_deductible", "base_bucket", "per", "band_mode", "band_edges", "cap",
                        "incentive_ceiling", NULL},
      [LAYER_ACCT] = {"kind", "payer", "fund_pay_type", "fund_pay_type_name", "applies", "covers", "family", NULL},
  };
  char pb[PATH_LEN];
  json_t *x;
  int kind = -1;
  ly->path = ld_strdup(l, path);
  when_any(&ly->applies);
  ly->deductible.bucket = ly->cap.bucket = ly->base_bucket = -1;
  if (strlen(name) >= sizeof ly->name) ld_fail(l, YB_ERANGE, path, "layer name longer than %zu bytes", sizeof ly->name - 1);
  snprintf(ly->name, sizeof ly->name, "%s", name);
  if (!is_obj(l, v, path, "a layer")) return;
  if (!(x = req(l, v, path, "kind", "ratio, banded or acct")) || get_enum(l, x, pkey(pb, path, "kind"), kinds, &kind) != 0)
    return; /* the other fields depend on the kind */
  ly->kind = (policy_layer_kind)kind;
  check_keys(l, v, path, keys[kind]);
  parse_layer_payer(l, v, path, ly);
  if ((x = kind == LAYER_ACCT ? opt(v, "fund_pay_type") : req(l, v, path, "fund_pay_type", "the setldetail fund code")))
    get_code(l, x, pkey(pb, path, "fund_pay_type"), ly->fund_pay_type, sizeof ly->fund_pay_type);
  if ((x = opt(v, "fund_pay_type_name")))
    get_str(l, x, pkey(pb, path, "fund_pay_type_name"), ly->fund_pay_type_name, sizeof ly->fund_pay_type_name);
  if ((x = opt(v, "applies"))) parse_when(l, x, pkey(pb, path, "applies"), &ly->applies);
  if ((x = req(l, v, path, "covers", "the burdens it may pay"))) ly->covers = get_burdens(l, x, pkey(pb, path, "covers"));
  switch (ly->kind) {
  case LAYER_RATIO:
    if ((x = opt(v, "deductible"))) parse_deductible(l, x, pkey(pb, path, "deductible"), &ly->deductible);
    if ((x = req(l, v, path, "ratio", "the payment ratio table")))
      parse_table(l, x, pkey(pb, path, "ratio"), RK_RATIO, tk_rows, &ly->ratio);
    if ((x = req(l, v, path, "cap", "a cap (a no_cap row for none)"))) parse_cap(l, x, pkey(pb, path, "cap"), &ly->cap);
    break;
  case LAYER_BANDED:
    parse_layer_banded(l, v, path, ly);
    break;
  case LAYER_ACCT:
    if ((x = opt(v, "family"))) get_bool(l, x, pkey(pb, path, "family"), &ly->family);
    break;
  }
}

/* ---- benefits and schemes ---- */

static void parse_diseases(loader *l, json_t *v, const char *path, policy_benefit *b) {
  static const char *const keys[] = {"name", "deductible", "ratio", "ratio_cut", "first_selfpay", "cap", "copay", NULL};
  if (!is_obj(l, v, path, "disease code → its pool")) return;
  size_t n = json_object_size(v), i = 0;
  if (n == 0 || n > UINT16_MAX) {
    ld_fail(l, YB_EINVAL, path, "must list 1 to %d diseases", UINT16_MAX);
    return;
  }
  if (!(b->diseases = ld_alloc(l, n * sizeof *b->diseases, path))) return;
  const char *code;
  json_t *d, *x;
  json_object_foreach(v, code, d) {
    char pb[PATH_LEN], kb[PATH_LEN];
    policy_disease *dz = &b->diseases[i++];
    pkey(pb, path, code);
    if (strlen(code) >= sizeof dz->code) ld_fail(l, YB_ERANGE, pb, "disease code longer than %zu bytes", sizeof dz->code - 1);
    snprintf(dz->code, sizeof dz->code, "%s", code);
    if (!is_obj(l, d, pb, "a disease: {name, deductible, ratio, cap, …}")) continue;
    check_keys(l, d, pb, keys);
    if ((x = opt(d, "name"))) get_str(l, x, pkey(kb, pb, "name"), dz->name, sizeof dz->name);
    if (!opt(d, "ratio")) ld_fail(l, YB_EMISSING, pkey(kb, pb, "ratio"), "required: a disease's own pool needs a ratio");
    parse_pool(l, d, pb, &dz->pool);
  }
  b->n_diseases = (uint16_t)n;
}

static void parse_then(loader *l, json_t *v, const char *path, const policy_scheme *s, policy_benefit *b) {
  if (!json_is_array(v)) {
    ld_fail(l, YB_ETYPE, path, "must be a list of layer names");
    return;
  }
  if (json_array_size(v) > sizeof b->then) {
    ld_fail(l, YB_ERANGE, path, "at most %zu layers", sizeof b->then);
    return;
  }
  for (size_t i = 0; i < json_array_size(v); i++) {
    char pb[PATH_LEN];
    json_t *x = json_array_get(v, i);
    pidx(pb, path, i);
    if (!json_is_string(x)) {
      ld_fail(l, YB_ETYPE, pb, "must be a layer name");
      continue;
    }
    char known[256];
    int k = s->n_layers ? name_find(s->layers[0].name, sizeof *s->layers, s->n_layers, json_string_value(x)) : -1;
    if (k < 0) {
      ld_fail(l, YB_EUNKNOWN_CODE, pb, "unknown layer '%s' (this scheme's layers: %s)", json_string_value(x),
              s->n_layers ? name_join(known, sizeof known, s->layers[0].name, sizeof *s->layers, s->n_layers) : "none");
      continue;
    }
    for (int j = 0; j < b->n_then; j++)
      if (b->then[j] == k) ld_fail(l, YB_EINVAL, pb, "layer '%s' listed twice", json_string_value(x));
    b->then[b->n_then++] = (int8_t)k;
  }
}

static void parse_benefit(loader *l, json_t *v, const char *path, const policy_scheme *s, policy_benefit *b) {
  static const char *const keys[] = {"admission", "needs_disease", "deductible", "ratio", "ratio_cut", "first_selfpay",
                                     "cap", "copay", "diseases", "then", NULL};
  char pb[PATH_LEN];
  json_t *x;
  b->path = ld_strdup(l, path);
  if (!is_obj(l, v, path, "a benefit")) return;
  check_keys(l, v, path, keys);
  if ((x = opt(v, "admission"))) get_bool(l, x, pkey(pb, path, "admission"), &b->admission);
  if ((x = opt(v, "needs_disease"))) get_bool(l, x, pkey(pb, path, "needs_disease"), &b->needs_disease);
  parse_pool(l, v, path, &b->pool);
  if ((x = opt(v, "diseases"))) parse_diseases(l, x, pkey(pb, path, "diseases"), b);
  if ((x = opt(v, "then"))) parse_then(l, x, pkey(pb, path, "then"), s, b);
}

static void parse_layers(loader *l, json_t *v, const char *path, policy_scheme *s) {
  const char *k;
  json_t *x;
  size_t n = json_object_size(v);
  if (!is_obj(l, v, path, "layer name → layer")) return;
  if (n > 64) {
    ld_fail(l, YB_ERANGE, path, "more than 64 layers");
    return;
  }
  if (n == 0 || !(s->layers = ld_alloc(l, n * sizeof *s->layers, path))) return;
  json_object_foreach(v, k, x) {
    char pb[PATH_LEN];
    parse_layer(l, x, pkey(pb, path, k), k, &s->layers[s->n_layers++]);
  }
}

static void parse_benefits(loader *l, json_t *v, const char *path, policy_scheme *s) {
  const char *k;
  json_t *x;
  size_t n = json_object_size(v);
  if (!is_obj(l, v, path, "benefit category → benefit")) return;
  if (n == 0) {
    ld_fail(l, YB_EINVAL, path, "no benefits: give at least one category");
    return;
  }
  if (!(s->benefits = ld_alloc(l, n * sizeof *s->benefits, path))) return;
  json_object_foreach(v, k, x) {
    char pb[PATH_LEN];
    int cat = name_find(&l->p->categories[0][0], sizeof l->p->categories[0], l->p->n_categories, k);
    pkey(pb, path, k);
    if (cat < 0) {
      char known[256];
      ld_fail(l, YB_EUNKNOWN_CODE, pb, "'%s' is not a category: no med_types entry maps to it (categories: %s)", k,
              name_join(known, sizeof known, &l->p->categories[0][0], sizeof l->p->categories[0], l->p->n_categories));
      continue;
    }
    policy_benefit *b = &s->benefits[s->n_benefits];
    snprintf(b->category, sizeof b->category, "%s", k);
    b->category_id = (uint8_t)cat;
    s->benefit_of[cat] = (int8_t)s->n_benefits++;
    parse_benefit(l, x, pb, s, b);
  }
  /* A layer no benefit reaches is a typo in some `then`. */
  for (int i = 0; i < s->n_layers; i++) {
    bool used = false;
    for (int j = 0; j < s->n_benefits; j++)
      for (int t = 0; t < s->benefits[j].n_then; t++) used |= s->benefits[j].then[t] == i;
    if (!used) ld_fail(l, YB_EINVAL, s->layers[i].path, "layer '%s' is in no benefit's then", s->layers[i].name);
  }
}

static void parse_scheme(loader *l, json_t *v, const char *path, const char *insutype, policy_scheme *s) {
  static const char *const keys[] = {"name", "fund_pay_type", "fund_pay_type_name", "benefits", "layers", NULL};
  char pb[PATH_LEN];
  json_t *x;
  memset(s->benefit_of, -1, sizeof s->benefit_of);
  if (strlen(insutype) >= sizeof s->insutype) ld_fail(l, YB_ERANGE, path, "insutype longer than %zu bytes", sizeof s->insutype - 1);
  snprintf(s->insutype, sizeof s->insutype, "%s", insutype);
  if (!is_obj(l, v, path, "a scheme")) return;
  check_keys(l, v, path, keys);
  if ((x = req(l, v, path, "name", "the scheme's name"))) get_str(l, x, pkey(pb, path, "name"), s->name, sizeof s->name);
  if ((x = req(l, v, path, "fund_pay_type", "the pooled fund's setldetail code, e.g. \"390100\"")))
    get_code(l, x, pkey(pb, path, "fund_pay_type"), s->fund_pay_type, sizeof s->fund_pay_type);
  if ((x = opt(v, "fund_pay_type_name")))
    get_str(l, x, pkey(pb, path, "fund_pay_type_name"), s->fund_pay_type_name, sizeof s->fund_pay_type_name);
  if ((x = opt(v, "layers"))) parse_layers(l, x, pkey(pb, path, "layers"), s);
  if ((x = req(l, v, path, "benefits", "benefit category → benefit"))) parse_benefits(l, x, pkey(pb, path, "benefits"), s);
}

/* ---- top level: code maps first (they define the names), then schemes ---- */

static policy_code_map *code_map_alloc(loader *l, json_t *v, const char *path, uint16_t *n) {
  size_t size = json_object_size(v);
  if (size == 0) return ld_fail(l, YB_EINVAL, path, "must not be empty"), NULL;
  if (size > UINT16_MAX) return ld_fail(l, YB_ERANGE, path, "too many codes"), NULL;
  *n = (uint16_t)size;
  return ld_alloc(l, size * sizeof(policy_code_map), path);
}

static void code_map_code(loader *l, const char *code, const char *path, policy_code_map *m) {
  if (!*code || strlen(code) >= sizeof m->code)
    ld_fail(l, YB_ERANGE, path, "code must be 1 to %zu bytes", sizeof m->code - 1);
  snprintf(m->code, sizeof m->code, "%s", code);
}

static void parse_psn_types(loader *l, json_t *v, const char *path) {
  static const char *const keys[] = {"class", "exempt_wait", NULL};
  policy *p = l->p;
  const char *code;
  json_t *x, *c;
  int i = 0, n = p->n_classes;
  if (!is_obj(l, v, path, "psn_type code → class name") || !(p->psn_types = code_map_alloc(l, v, path, &p->n_psn_types)))
    return;
  json_object_foreach(v, code, x) {
    char pb[PATH_LEN], kb[PATH_LEN], name[64];
    policy_code_map *m = &p->psn_types[i++];
    m->id = -1;
    code_map_code(l, code, pkey(pb, path, code), m);
    c = x;
    if (json_is_object(x)) { /* {"class": name, "exempt_wait": bool} */
      check_keys(l, x, pb, keys);
      if (opt(x, "exempt_wait")) get_bool(l, opt(x, "exempt_wait"), pkey(kb, pb, "exempt_wait"), &m->exempt_wait);
      if (!(c = req(l, x, pb, "class", "the class name"))) continue;
      strcpy(pb, pkey(kb, pb, "class"));
    }
    if (get_str(l, c, pb, name, sizeof name) == 0)
      m->id = (int16_t)name_intern(l, &p->classes[0][0], sizeof p->classes[0], &n, POLICY_MAX_CLASSES, name, pb, "class");
  }
  p->n_classes = (uint8_t)n;
}

static void parse_idet_types(loader *l, json_t *v, const char *path) {
  static const char *const keys[] = {"group", "special", "exempt_wait", NULL};
  policy *p = l->p;
  const char *code;
  json_t *x, *g;
  int i = 0, n = 0;
  bool special_of[POLICY_MAX_GROUPS] = {0}, seen[POLICY_MAX_GROUPS] = {0};
  if (!is_obj(l, v, path, "psn_idet_type code → {group, special}") ||
      !(p->idet_types = code_map_alloc(l, v, path, &p->n_idet_types)))
    return;
  json_object_foreach(v, code, x) {
    char pb[PATH_LEN], kb[PATH_LEN], name[64];
    policy_code_map *m = &p->idet_types[i++];
    m->id = -1;
    code_map_code(l, code, pkey(pb, path, code), m);
    g = x;
    if (json_is_object(x)) {
      check_keys(l, x, pb, keys);
      if (opt(x, "special")) get_bool(l, opt(x, "special"), pkey(kb, pb, "special"), &m->special);
      if (opt(x, "exempt_wait")) get_bool(l, opt(x, "exempt_wait"), pkey(kb, pb, "exempt_wait"), &m->exempt_wait);
      if (!(g = req(l, x, pb, "group", "the group name"))) continue;
      strcpy(pb, pkey(kb, pb, "group"));
    }
    if (get_str(l, g, pb, name, sizeof name) != 0) continue;
    int k = name_intern(l, &p->groups[0][0], sizeof p->groups[0], &n, POLICY_MAX_GROUPS, name, pb, "group");
    if (k < 0) continue;
    m->id = (int16_t)k;
    if (seen[k] && special_of[k] != m->special)
      ld_fail(l, YB_EINVAL, pb, "group '%s' is marked special in one code and not in another", name);
    seen[k] = true;
    special_of[k] = m->special;
    if (m->special) l->special |= 1u << k;
  }
  p->n_groups = (uint8_t)n;
}

static void parse_med_types(loader *l, json_t *v, const char *path) {
  policy *p = l->p;
  const char *code;
  json_t *x;
  int i = 0, n = 0;
  if (!is_obj(l, v, path, "med_type code → benefit category") ||
      !(p->med_types = code_map_alloc(l, v, path, &p->n_med_types)))
    return;
  json_object_foreach(v, code, x) {
    char pb[PATH_LEN], name[64];
    policy_code_map *m = &p->med_types[i++];
    m->id = -1;
    code_map_code(l, code, pkey(pb, path, code), m);
    if (get_str(l, x, pb, name, sizeof name) == 0)
      m->id = (int16_t)name_intern(l, &p->categories[0][0], sizeof p->categories[0], &n, 32, name, pb, "category");
  }
  p->n_categories = (uint8_t)n;
}

static void parse_schemes(loader *l, json_t *v, const char *path) {
  policy *p = l->p;
  const char *k;
  json_t *x;
  if (!is_obj(l, v, path, "insutype → scheme")) return;
  if (json_object_size(v) == 0 || json_object_size(v) > POLICY_MAX_SCHEMES) {
    ld_fail(l, YB_EINVAL, path, "must hold 1 to %d schemes", POLICY_MAX_SCHEMES);
    return;
  }
  json_object_foreach(v, k, x) {
    char pb[PATH_LEN];
    parse_scheme(l, x, pkey(pb, path, k), k, &p->schemes[p->n_schemes++]);
  }
  /* A category no scheme serves is a typo in med_types or in benefits. */
  for (int c = 0; c < p->n_categories; c++) {
    int served = 0;
    for (int s = 0; s < p->n_schemes; s++) served |= p->schemes[s].benefit_of[c] >= 0;
    for (int m = 0; !served && m < p->n_med_types; m++)
      if (p->med_types[m].id == c) {
        char pb[PATH_LEN];
        ld_fail(l, YB_EINVAL, pkey(pb, "med_types", p->med_types[m].code),
                "category '%s' is not a benefit of any scheme", p->categories[c]);
        break;
      }
  }
}

static void dip_fail(void *ctx, int code, const char *path, const char *msg) {
  ld_fail(ctx, code, path, "%s", msg);
}

static void parse_top(loader *l, json_t *root) {
  static const char *const keys[] = {"format", "region", "region_name", "year", "version", "preselfpay_rounding",
                                     "psn_types", "idet_types", "med_types", "schemes", "sources", "note", "notes",
                                     "enrollment", "dip", NULL};
  static const char *const roundings[] = {"line", "visit", NULL};
  policy *p = l->p;
  json_t *x;
  long year;
  int rounding = ROUND_LINE;
  if (!is_obj(l, root, "", "a policy file")) return;
  check_keys(l, root, "", keys);
  if ((x = req(l, root, "", "format", "\"yibao-policy/1\"")) &&
      (!json_is_string(x) || strcmp(json_string_value(x), "yibao-policy/1") != 0))
    ld_fail(l, YB_EINVAL, "format", "must be \"yibao-policy/1\"");
  if ((x = req(l, root, "", "region", "the pooling region's 6-digit code")) &&
      get_code(l, x, "region", p->region, sizeof p->region) == 0 && strlen(p->region) != 6)
    ld_fail(l, YB_EINVAL, "region", "must be 6 digits (admdvs code)");
  if ((x = opt(root, "region_name"))) get_str(l, x, "region_name", p->region_name, sizeof p->region_name);
  if ((x = req(l, root, "", "year", "the policy year")) && get_int(l, x, "year", 2000, 2199, &year) == 0)
    p->year = (int)year;
  if ((x = opt(root, "version"))) get_str(l, x, "version", p->version, sizeof p->version);
  if ((x = opt(root, "preselfpay_rounding"))) get_enum(l, x, "preselfpay_rounding", roundings, &rounding);
  p->preselfpay_rounding = (policy_rounding)rounding;
  if ((x = req(l, root, "", "psn_types", "psn_type code → class name"))) parse_psn_types(l, x, "psn_types");
  if ((x = opt(root, "idet_types"))) parse_idet_types(l, x, "idet_types");
  if ((x = req(l, root, "", "med_types", "med_type code → benefit category"))) parse_med_types(l, x, "med_types");
  if ((x = req(l, root, "", "schemes", "insutype → scheme"))) parse_schemes(l, x, "schemes");
  if ((x = opt(root, "dip")) && (p->dip = ld_alloc(l, sizeof *p->dip, "dip")))
    dip_policy_parse(x, "dip", p->dip, dip_fail, l);
  if ((x = opt(root, "enrollment"))) { /* enroll_policy.c: waiting periods, incentives, contributions */
    yb_err first;
    yb_err_clear(&first);
    int n = enroll_policy_parse(x, p, &p->enrollment, l->report, &first);
    if (n && l->problems == 0 && l->e) *l->e = first;
    l->problems += n;
  }
}

/* Build from parsed JSON (borrowed). Returns the number of problems (first in e, all to report). */
static int policy_build(json_t *root, policy **out, yb_err *e, FILE *report) {
  loader l = {.e = e, .report = report};
  *out = NULL;
  if (!(l.p = calloc(1, sizeof *l.p))) return ld_fail(&l, YB_ENOMEM, "", "out of memory"), 1;
  snprintf(l.p->buckets[0], sizeof l.p->buckets[0], "admissions");
  l.p->n_buckets = 1;
  parse_top(&l, root);
  l.p->arena = l.arena;
  if (l.problems) {
    policy_free(l.p);
    return l.problems;
  }
  *out = l.p;
  return 0;
}

/* Parse a file or a text; on failure fills e (field = the file, or "json") and returns a YB_E… code. */
static json_t *policy_parse(const char *path, const char *text, size_t len, yb_err *e) {
  json_error_t je;
  json_t *root = path ? json_load_file(path, JSON_REJECT_DUPLICATES, &je) : json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root) return root;
  if (json_error_code(&je) == json_error_cannot_open_file)
    yb_fail(e, YB_EIO, path, "cannot open: %s", je.text);
  else
    yb_fail(e, YB_EPARSE, path ? path : "json", "line %d column %d: %s", je.line, je.column, je.text);
  return NULL;
}

static int policy_load_json(json_t *root, policy **out, yb_err *e) {
  yb_err first;
  yb_err_clear(&first);
  int n = policy_build(root, out, &first, NULL);
  json_decref(root);
  if (e) *e = first;
  return n ? first.code : 0;
}

int policy_load(const char *path, policy **out, yb_err *e) {
  yb_err pe;
  *out = NULL;
  json_t *root = policy_parse(path, NULL, 0, &pe);
  if (root) return policy_load_json(root, out, e);
  if (e) *e = pe;
  return pe.code;
}

int policy_load_text(const char *text, size_t len, policy **out, yb_err *e) {
  yb_err pe;
  *out = NULL;
  json_t *root = policy_parse(NULL, text, len, &pe);
  if (root) return policy_load_json(root, out, e);
  if (e) *e = pe;
  return pe.code;
}

int policy_check(const char *path, void *report) {
  yb_err e;
  policy *p;
  yb_err_clear(&e);
  json_t *root = policy_parse(path, NULL, 0, &e);
  if (!root) {
    if (report) fprintf(report, "%s: %s\n", e.field, e.msg);
    return e.code;
  }
  int n = policy_build(root, &p, &e, report);
  json_decref(root);
  policy_free(p);
  return n;
}

void policy_free(policy *p) {
  if (!p) return;
  free(p->enrollment);
  arena_free(p->arena);
  free(p);
}

/* ---- lookups ---- */

const policy_scheme *policy_scheme_find(const policy *p, const char *insutype) {
  for (int i = 0; i < p->n_schemes; i++)
    if (strcmp(p->schemes[i].insutype, insutype) == 0) return &p->schemes[i];
  return NULL;
}

static const policy_code_map *code_find(const policy_code_map *m, int n, const char *code) {
  for (int i = 0; i < n; i++)
    if (strcmp(m[i].code, code) == 0) return &m[i];
  return NULL;
}

int policy_class_of(const policy *p, const char *psn_type) {
  const policy_code_map *m = code_find(p->psn_types, p->n_psn_types, psn_type);
  return m ? m->id : -1;
}

uint32_t policy_groups_of(const policy *p, const char *const *idet, int n, bool *special) {
  uint32_t groups = 0;
  bool sp = false;
  for (int i = 0; i < n; i++) {
    const policy_code_map *m = code_find(p->idet_types, p->n_idet_types, idet[i]);
    if (!m) continue; /* identities the policy does not name change nothing */
    groups |= 1u << m->id;
    sp |= m->special;
  }
  if (special) *special = sp;
  return groups;
}

int policy_category_of(const policy *p, const char *med_type) {
  const policy_code_map *m = code_find(p->med_types, p->n_med_types, med_type);
  return m ? m->id : -1;
}

const policy_benefit *policy_benefit_find(const policy_scheme *s, int category) {
  if (category < 0 || category >= (int)sizeof s->benefit_of || s->benefit_of[category] < 0) return NULL;
  return &s->benefits[s->benefit_of[category]];
}

int policy_bucket_find(const policy *p, const char *name) {
  return name_find(&p->buckets[0][0], sizeof p->buckets[0], p->n_buckets, name);
}

/* ---- matching: the engine's hot path, so masks and no early branches ---- */

static bool dise_has(const struct policy_ctx *c, const char *code) {
  for (int i = 0; i < c->n_dise; i++)
    if (strncmp(c->dise[i], code, POLICY_CODE_LEN) == 0) return true;
  return false;
}

bool policy_when_holds(const policy_when *w, const struct policy_ctx *c) {
  uint32_t lv = (unsigned)c->hosp_lv < 8 ? 1u << c->hosp_lv : 0;
  uint32_t area = (unsigned)c->area < 8 ? 1u << c->area : 0;
  bool ok = (w->psn_class_mask == 0) | ((w->psn_class_mask & c->psn_class_bit) != 0);
  ok &= (w->group_mask == 0) | ((w->group_mask & c->groups) != 0);
  ok &= (w->group_none & c->groups) == 0;
  ok &= (w->hosp_lv_mask == 0) | ((w->hosp_lv_mask & lv) != 0);
  ok &= (w->area_mask == 0) | ((w->area_mask & area) != 0);
  ok &= (w->xprov < 0) | (w->xprov == (c->xprov != 0));
  ok &= (w->cvlserv < 0) | (w->cvlserv == (c->cvlserv != 0));
  ok &= (w->nth_min == 0) | (c->nth >= w->nth_min);
  ok &= (w->nth_max == 0) | (c->nth <= w->nth_max);
  ok &= (w->age_min < 0) | (c->age >= w->age_min);
  ok &= (w->age_max < 0) | (c->age <= w->age_max);
  if (!ok || (w->n_dise_any | w->n_dise_all) == 0) return ok;
  bool any = w->n_dise_any == 0;
  for (int i = 0; i < w->n_dise_any && !any; i++) any = dise_has(c, w->dise_any[i]);
  for (int i = 0; i < w->n_dise_all && any; i++) any = dise_has(c, w->dise_all[i]);
  return any;
}

const policy_row *policy_match(const policy_table *t, const struct policy_ctx *c) {
  for (int i = 0; i < t->n; i++)
    if (policy_when_holds(&t->rows[i].when, c)) return &t->rows[i];
  return NULL;
}
