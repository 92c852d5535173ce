/* catalog.c — the item catalog (docs/catalog.md): read and check each item, then index
 * codes in an open-addressing hash (linear probing, load ≤ 1/2) so that pricing a fee
 * line costs one hash and, almost always, one string compare. */
#include "catalog.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "money.h"

typedef struct catalog_slot {
  uint32_t hash; /* low bits of the code's hash, compared before the string */
  uint32_t idx;  /* item index + 1; 0 = empty */
} catalog_slot;

struct catalog {
  catalog_item *items;
  size_t n;
  catalog_slot *slots;
  size_t mask; /* slots - 1, a power of two minus one */
};

static uint64_t catalog_hash(const char *s) {
  uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
  return h ^ (h >> 32);
}

/* Index c->items; a repeated code fails naming both positions. */
static int catalog_index(catalog *c, yb_err *e) {
  size_t cap = 16;
  while (cap < 2 * c->n) cap *= 2;
  if (!(c->slots = calloc(cap, sizeof *c->slots))) return yb_fail(e, YB_ENOMEM, "items", "out of memory");
  c->mask = cap - 1;
  for (size_t i = 0; i < c->n; i++) {
    const char *code = c->items[i].code;
    uint64_t h = catalog_hash(code);
    size_t at = (size_t)h & c->mask;
    while (c->slots[at].idx) {
      const catalog_slot *s = &c->slots[at];
      if (s->hash == (uint32_t)h && strcmp(c->items[s->idx - 1].code, code) == 0) {
        char f[64];
        snprintf(f, sizeof f, "items[%zu].code", i);
        return yb_fail(e, YB_EINVAL, f, "duplicate code '%s' (first at items[%u])", code, s->idx - 1);
      }
      at = (at + 1) & c->mask;
    }
    c->slots[at] = (catalog_slot){(uint32_t)h, (uint32_t)(i + 1)};
  }
  return 0;
}

/* Checks that hold for every item however it was built. */
static int catalog_item_check(const catalog_item *it, size_t i, yb_err *e) {
  char f[64];
  snprintf(f, sizeof f, "items[%zu]", i);
  if (!memchr(it->code, 0, sizeof it->code) || !it->code[0])
    return yb_fail(e, YB_EINVAL, f, "code must be 1 to %d bytes", CATALOG_CODE_LEN - 1);
  if (it->lv < CATALOG_LV_A || it->lv > CATALOG_LV_C)
    return yb_fail(e, YB_EINVAL, f, "lv must be 1 (甲类), 2 (乙类) or 3 (丙类)");
  return 0;
}

/* Check and index n items, taking ownership of `items` (malloc'd) whatever happens. */
static int catalog_build(catalog_item *items, size_t n, catalog **out, yb_err *e) {
  int rc = 0;
  catalog *c = NULL;
  *out = NULL;
  if (n >= UINT32_MAX / 2) rc = yb_fail(e, YB_ELIMIT, "items", "more than %u items", UINT32_MAX / 2);
  for (size_t i = 0; i < n && !rc; i++) rc = catalog_item_check(&items[i], i, e);
  if (!rc && !(c = calloc(1, sizeof *c))) rc = yb_fail(e, YB_ENOMEM, "items", "out of memory");
  if (rc) {
    free(items);
    return rc;
  }
  c->items = items;
  c->n = n;
  if ((rc = catalog_index(c, e))) {
    catalog_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

int catalog_from_items(const catalog_item *items, size_t n, catalog **out, yb_err *e) {
  catalog_item *copy = malloc((n ? n : 1) * sizeof *copy);
  *out = NULL;
  if (!copy) return yb_fail(e, YB_ENOMEM, "items", "out of memory");
  if (n) memcpy(copy, items, n * sizeof *items);
  return catalog_build(copy, n, out, e);
}

void catalog_free(catalog *c) {
  if (!c) return;
  free(c->items);
  free(c->slots);
  free(c);
}

const catalog_item *catalog_find(const catalog *c, const char *code) {
  uint64_t h = catalog_hash(code);
  for (size_t at = (size_t)h & c->mask;; at = (at + 1) & c->mask) {
    const catalog_slot *s = &c->slots[at];
    if (!s->idx) return NULL;
    if (s->hash == (uint32_t)h && strcmp(c->items[s->idx - 1].code, code) == 0) return &c->items[s->idx - 1];
  }
}

size_t catalog_count(const catalog *c) { return c->n; }

const catalog_item *catalog_at(const catalog *c, size_t i) { return i < c->n ? &c->items[i] : NULL; }

/* ---- the JSON file ---- */

static const char *const item_keys[] = {
    "code",  "name",    "lv",          "chrgitm_type", "list_type",    "selfpay_prop", "price_limit",
    "gend",  "age_min", "age_max",     "hosp_lv_min",  "scope",        "lmt_used",     "indications",
    "bas_medn", "hi_nego", "chld_medc", "list_sp_item", "acct_excluded", "ingredient",  "max_days", NULL};

static const char *fkey(char *b, size_t n, const char *path, const char *key) {
  if (snprintf(b, n, "%s%s%s", path, *path ? "." : "", key) < 0) b[0] = 0;
  return b;
}

static int check_keys(json_t *obj, const char *path, const char *const *allowed, yb_err *e) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    int i = 0;
    while (allowed[i] && strcmp(allowed[i], k) != 0) i++;
    if (!allowed[i] && k[0] != '_') {
      char f[160];
      return yb_fail(e, YB_EINVAL, fkey(f, sizeof f, path, k), "unknown field (see docs/catalog.md; prefix a comment key with _)");
    }
  }
  return 0;
}

/* A small code: integer or digit string ("02", 2), in [lo, hi]; absent leaves *out. */
static int get_code_num(json_t *obj, const char *path, const char *key, bool required, long lo, long hi,
                        long *out, yb_err *e) {
  char f[160], s[16];
  json_t *v = json_object_get(obj, key);
  fkey(f, sizeof f, path, key);
  if (!v || json_is_null(v)) return required ? yb_fail(e, YB_EMISSING, f, "required") : 0;
  if (json_is_integer(v)) {
    snprintf(s, sizeof s, "%lld", (long long)json_integer_value(v));
  } else if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= sizeof s) {
    return yb_fail(e, YB_ETYPE, f, "must be a code: an integer or a string of digits");
  } else {
    memcpy(s, json_string_value(v), json_string_length(v) + 1);
  }
  char *end;
  long x = strtol(s, &end, 10);
  if (*end || s[0] == '-' || s[0] == '+' || x < lo || x > hi)
    return yb_fail(e, YB_EINVAL, f, "'%s' is not a code in %ld..%ld", s, lo, hi);
  *out = x;
  return 0;
}

/* A flag: true/false, 1/0 or "1"/"0" (the national *_flag fields). */
static int get_flag(json_t *obj, const char *path, const char *key, bool *out, yb_err *e) {
  char f[160];
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return 0;
  if (json_is_boolean(v)) return *out = json_is_true(v), 0;
  long x;
  int rc = get_code_num(obj, path, key, false, 0, 1, &x, e);
  if (rc) return yb_fail(e, YB_ETYPE, fkey(f, sizeof f, path, key), "must be true/false, 1/0 or \"1\"/\"0\"");
  *out = x == 1;
  return 0;
}

static int get_int_range(json_t *obj, const char *path, const char *key, long lo, long hi, long *out, yb_err *e) {
  char f[160];
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_integer(v)) return yb_fail(e, YB_ETYPE, fkey(f, sizeof f, path, key), "must be an integer");
  long long x = json_integer_value(v);
  if (x < lo || x > hi) return yb_fail(e, YB_ERANGE, fkey(f, sizeof f, path, key), "must lie in [%ld, %ld]", lo, hi);
  *out = (long)x;
  return 0;
}

static int get_price(json_t *v, const char *f, int64_t *out, yb_err *e) {
  if (!json_is_number(v) && !json_is_string(v))
    return yb_fail(e, YB_ETYPE, f, "must be yuan per unit (number or string)");
  if (jsonx_dec(v, MONEY_SCALE_PRICE, out) != 0)
    return yb_fail(e, YB_EINVAL, f, "not a price in yuan with at most 6 decimals");
  if (*out < 0) return yb_fail(e, YB_ERANGE, f, "must not be negative");
  return 0;
}

/* price_limit: one price for every level, or {"0": all, "1": …, "2": …, "3": …}. */
static int get_price_limit(json_t *obj, const char *path, catalog_item *it, yb_err *e) {
  char f[160], g[160];
  json_t *v = json_object_get(obj, "price_limit"), *x;
  const char *k;
  fkey(f, sizeof f, path, "price_limit");
  if (!v || json_is_null(v)) return 0;
  if (!json_is_object(v)) return get_price(v, f, &it->price_limit[0], e);
  json_object_foreach(v, k, x) {
    fkey(g, sizeof g, f, k);
    if (strlen(k) != 1 || k[0] < '0' || k[0] > '3')
      return yb_fail(e, YB_EINVAL, g, "key must be \"0\" (every level) or an institution level \"1\"..\"3\"");
    int rc = get_price(x, g, &it->price_limit[k[0] - '0'], e);
    if (rc) return rc;
  }
  return 0;
}

/* Copy s into out (cap bytes), cut at a UTF-8 character boundary. */
static void utf8_copy(char *out, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  memcpy(out, s, n);
  out[n] = 0;
}

static int get_indications(json_t *obj, const char *path, catalog_item *it, yb_err *e) {
  char f[160], g[160];
  json_t *v = json_object_get(obj, "indications");
  fkey(f, sizeof f, path, "indications");
  if (!v || json_is_null(v)) return 0;
  if (!json_is_array(v) || json_array_size(v) > CATALOG_MAX_IND)
    return yb_fail(e, YB_ETYPE, f, "must be a list of at most %d ICD-10 prefixes", CATALOG_MAX_IND);
  for (size_t i = 0; i < json_array_size(v); i++) {
    json_t *x = json_array_get(v, i);
    if (snprintf(g, sizeof g, "%s[%zu]", f, i) < 0) g[0] = 0;
    if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) >= sizeof it->indications[0])
      return yb_fail(e, YB_EINVAL, g, "must be an ICD-10 prefix of 1 to %zu characters", sizeof it->indications[0] - 1);
    memcpy(it->indications[it->n_ind++], json_string_value(x), json_string_length(x) + 1);
  }
  return 0;
}

static int catalog_parse_item(json_t *obj, const char *path, catalog_item *it, yb_err *e) {
  static const char *const scopes[] = {"any", "inpatient", "outpatient", NULL};
  char f[160], name[1024];
  long lv = 0, type = 0, list = 0, gend = 0, amin = -1, amax = -1, lvmin = 0, days = 0;
  int64_t prop = 0;
  int rc;
  memset(it, 0, sizeof *it);
  if (!json_is_object(obj)) return yb_fail(e, YB_ETYPE, path, "must be an object (an item)");
  if ((rc = check_keys(obj, path, item_keys, e)) || (rc = jsonx_get_str(obj, path, "code", true, it->code, sizeof it->code, e)) ||
      (rc = jsonx_get_str(obj, path, "name", true, name, sizeof name, e)) ||
      (rc = get_code_num(obj, path, "lv", true, 1, 3, &lv, e)) ||
      (rc = get_code_num(obj, path, "chrgitm_type", true, 1, 14, &type, e)) ||
      (rc = get_code_num(obj, path, "list_type", false, 1, 999, &list, e)) ||
      (rc = jsonx_get_dec(obj, path, "selfpay_prop", false, MONEY_SCALE_BP, &prop, e)) ||
      (rc = get_price_limit(obj, path, it, e)) || (rc = get_code_num(obj, path, "gend", false, 0, 2, &gend, e)) ||
      (rc = get_int_range(obj, path, "age_min", 0, 150, &amin, e)) ||
      (rc = get_int_range(obj, path, "age_max", 0, 150, &amax, e)) ||
      (rc = get_int_range(obj, path, "hosp_lv_min", 0, 3, &lvmin, e)) ||
      (rc = get_flag(obj, path, "lmt_used", &it->lmt_used_flag, e)) || (rc = get_indications(obj, path, it, e)) ||
      (rc = get_flag(obj, path, "bas_medn", &it->bas_medn_flag, e)) ||
      (rc = get_flag(obj, path, "hi_nego", &it->hi_nego_drug_flag, e)) ||
      (rc = get_flag(obj, path, "chld_medc", &it->chld_medc_flag, e)) ||
      (rc = get_flag(obj, path, "list_sp_item", &it->list_sp_item_flag, e)) ||
      (rc = get_flag(obj, path, "acct_excluded", &it->acct_excluded, e)) ||
      (rc = jsonx_get_str(obj, path, "ingredient", false, it->ingredient, sizeof it->ingredient, e)) ||
      (rc = get_int_range(obj, path, "max_days", 0, 3650, &days, e)))
    return rc;
  utf8_copy(it->name, sizeof it->name, name); /* display only: a long name is cut, not refused */
  json_t *scope = json_object_get(obj, "scope");
  if (scope && !json_is_null(scope)) {
    int k = 0;
    while (scopes[k] && !(json_is_string(scope) && strcmp(scopes[k], json_string_value(scope)) == 0)) k++;
    if (!scopes[k]) return yb_fail(e, YB_EINVAL, fkey(f, sizeof f, path, "scope"), "must be any, inpatient or outpatient");
    it->scope = (uint8_t)k;
  }
  if (prop < 0 || prop > MONEY_BP_ONE)
    return yb_fail(e, YB_ERANGE, fkey(f, sizeof f, path, "selfpay_prop"), "must lie in [0, 1] (0.1 means 10 %%)");
  if (prop && lv != CATALOG_LV_B)
    return yb_fail(e, YB_EINVAL, fkey(f, sizeof f, path, "selfpay_prop"), "only 乙类 items (lv 02) have a self-pay-first share");
  if (amin >= 0 && amax >= 0 && amin > amax)
    return yb_fail(e, YB_ERANGE, fkey(f, sizeof f, path, "age_max"), "age_max %ld is below age_min %ld", amax, amin);
  it->lv = (uint8_t)lv;
  it->chrgitm_type = (uint8_t)type;
  it->list_type = (uint16_t)list;
  it->selfpay_bp = (int32_t)prop;
  it->gend = (uint8_t)gend;
  it->age_min = (int16_t)amin;
  it->age_max = (int16_t)amax;
  it->hosp_lv_min = (uint8_t)lvmin;
  it->max_days = (int32_t)days;
  return 0;
}

static int catalog_from_json(json_t *root, catalog **out, yb_err *e) {
  static const char *const top_keys[] = {"format", "items", "version", "sources", "note", "notes", NULL};
  json_t *fmt = json_object_get(root, "format"), *items = json_object_get(root, "items");
  int rc;
  if (!json_is_object(root)) return yb_fail(e, YB_ETYPE, "", "a catalog file is an object {format, items}");
  if ((rc = check_keys(root, "", top_keys, e))) return rc;
  if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "yibao-catalog/1") != 0)
    return yb_fail(e, fmt ? YB_EINVAL : YB_EMISSING, "format", "must be \"yibao-catalog/1\"");
  if (!json_is_array(items)) return yb_fail(e, items ? YB_ETYPE : YB_EMISSING, "items", "must be a list of items");
  size_t n = json_array_size(items);
  catalog_item *it = malloc((n ? n : 1) * sizeof *it);
  if (!it) return yb_fail(e, YB_ENOMEM, "items", "out of memory");
  for (size_t i = 0; i < n; i++) {
    char path[32];
    snprintf(path, sizeof path, "items[%zu]", i);
    if ((rc = catalog_parse_item(json_array_get(items, i), path, &it[i], e))) {
      free(it);
      return rc;
    }
  }
  return catalog_build(it, n, out, e);
}

static int catalog_parsed(json_t *root, const json_error_t *je, const char *what, catalog **out, yb_err *e) {
  *out = NULL;
  if (!root) {
    if (json_error_code(je) == json_error_cannot_open_file) return yb_fail(e, YB_EIO, what, "cannot open: %s", je->text);
    return yb_fail(e, YB_EPARSE, what, "line %d column %d: %s", je->line, je->column, je->text);
  }
  int rc = catalog_from_json(root, out, e);
  json_decref(root);
  return rc;
}

int catalog_load(const char *path, catalog **out, yb_err *e) {
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  return catalog_parsed(root, &je, path, out, e);
}

int catalog_load_text(const char *text, size_t len, catalog **out, yb_err *e) {
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  return catalog_parsed(root, &je, "json", out, e);
}
