/* audit_rules.c — rules as data: read the rule files in rules/, check every field and parameter against the
 * rule type's schema (audit.c's table), naming the file and JSON path of anything wrong. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_int.h"
#include "audit_types.h"

static const char *const class_names[] = {"", "policy", "management", "medical"};
static const char *const list_classes[] = {"all", "drug", "service", "material", NULL};
static const char *const visit_kinds[] = {"any", "otp", "ipt", NULL};


/* fmt has one %s for v */
__attribute__((format(printf, 5, 0))) static int bad(yb_err *e, int code, const char *where, const char *key,
                                                      const char *fmt, const char *v) {
  char f[400];
  snprintf(f, sizeof f, "%s: %s", where, key);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  return yb_fail(e, code, f, fmt, v);
#pragma GCC diagnostic pop
}

static int pick(json_t *v, const char *const *names, const char *where, const char *key, int *out, yb_err *e) {
  if (!json_is_string(v)) return bad(e, YB_ETYPE, where, key, "must be a string%s", "");
  for (int i = 0; names[i]; i++)
    if (!strcmp(names[i], json_string_value(v))) {
      *out = i;
      return 0;
    }
  return bad(e, YB_EINVAL, where, key, "unknown value '%s'", json_string_value(v));
}

static int get_str(json_t *o, const char *key, char *out, size_t cap, const char *where, yb_err *e) {
  json_t *v = json_object_get(o, key);
  if (!v) return bad(e, YB_EMISSING, where, key, "required%s", "");
  if (!json_is_string(v) || !*json_string_value(v)) return bad(e, YB_ETYPE, where, key, "must be a non-empty string%s", "");
  if (strlen(json_string_value(v)) >= cap) return bad(e, YB_ERANGE, where, key, "'%s' is too long", json_string_value(v));
  snprintf(out, cap, "%s", json_string_value(v));
  return 0;
}

static int parse_params(json_t *ps, audit_rule *r, const char *where, yb_err *e) {
  const audit_type *t = r->type;
  for (int i = 0; i < t->n_params; i++) r->p[i] = t->params[i].def;
  if (!ps) return 0;
  if (!json_is_object(ps)) return bad(e, YB_ETYPE, where, "params", "must be an object%s", "");
  const char *k;
  json_t *v;
  char key[96];
  json_object_foreach(ps, k, v) {
    snprintf(key, sizeof key, "params.%s", k);
    if (!strcmp(k, "list_class") && t->level == AUDIT_LEVEL_LINE) {
      int rc = pick(v, list_classes, where, key, &r->list_class, e);
      if (rc) return rc;
      continue;
    }
    if (!strcmp(k, "visit_kind") && t->level == AUDIT_LEVEL_VISIT) {
      int rc = pick(v, visit_kinds, where, key, &r->visit_kind, e);
      if (rc) return rc;
      continue;
    }
    if (!strcmp(k, "pairs") && t->pairs) {
      if (!json_is_array(v)) return bad(e, YB_ETYPE, where, key, "must be a list of [a, b] pairs%s", "");
      if (json_array_size(v) > AUDIT_MAX_PAIRS) return bad(e, YB_ERANGE, where, key, "more than 32 pairs%s", "");
      size_t i;
      json_t *pr;
      json_array_foreach(v, i, pr) {
        char pk[128];
        snprintf(pk, sizeof pk, "%s[%zu]", key, i);
        if (!json_is_array(pr) || json_array_size(pr) != 2 || !json_is_string(json_array_get(pr, 0)) ||
            !json_is_string(json_array_get(pr, 1)))
          return bad(e, YB_ETYPE, where, pk, "must be [\"a\", \"b\"]%s", "");
        for (int s = 0; s < 2; s++) {
          const char *x = json_string_value(json_array_get(pr, (size_t)s));
          if (!*x || strlen(x) >= sizeof r->pairs[0][0]) return bad(e, YB_ERANGE, where, pk, "'%s' is empty or too long", x);
          snprintf(r->pairs[i][s], sizeof r->pairs[i][s], "%s", x);
        }
      }
      r->n_pairs = (int)json_array_size(v);
      continue;
    }
    int i = 0;
    while (i < t->n_params && strcmp(t->params[i].name, k)) i++;
    if (i == t->n_params) return bad(e, YB_EINVAL, where, key, "not a parameter of rule type %s", t->name);
    if (!json_is_integer(v)) return bad(e, YB_ETYPE, where, key, "must be an integer (%s)", t->params[i].unit);
    json_int_t x = json_integer_value(v);
    if (x < t->params[i].min || x > t->params[i].max) {
      char m[96];
      snprintf(m, sizeof m, "%lld outside [%lld, %lld]", (long long)x, (long long)t->params[i].min,
               (long long)t->params[i].max);
      return bad(e, YB_ERANGE, where, key, "%s", m);
    }
    r->p[i] = x;
  }
  if (t->pairs && !r->n_pairs) return bad(e, YB_EMISSING, where, "params.pairs", "rule type %s needs pairs", t->name);
  return 0;
}

static int parse_rule(json_t *o, audit_rule *r, const char *where, yb_err *e) {
  static const char *const keys[] = {"rule_id", "name", "type", "class", "sev_deg", "stages", "block", "enabled",
                                     "params", "source", "note", NULL};
  if (!json_is_object(o)) return bad(e, YB_ETYPE, where, "rule", "must be an object%s", "");
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int i = 0;
    while (keys[i] && strcmp(keys[i], k)) i++;
    if (!keys[i]) return bad(e, YB_EINVAL, where, k, "unknown field '%s'", k);
  }
  memset(r, 0, sizeof *r);
  char type[40];
  int rc;
  if ((rc = get_str(o, "rule_id", r->rule_id, sizeof r->rule_id, where, e)) ||
      (rc = get_str(o, "name", r->name, sizeof r->name, where, e)) ||
      (rc = get_str(o, "type", type, sizeof type, where, e)))
    return rc;
  if (strncmp(r->rule_id, "GZ", 2) || strlen(r->rule_id) != 16 || strspn(r->rule_id + 2, "0123456789") != 14)
    return bad(e, YB_EINVAL, where, "rule_id", "'%s' is not GZ followed by 14 digits", r->rule_id);
  if (!(r->type = audit_type_find(type))) return bad(e, YB_EUNKNOWN_CODE, where, "type", "unknown rule type '%s'", type);
  static const char *const cls[] = {"", "policy", "management", "medical", NULL};
  if (!json_object_get(o, "class")) return bad(e, YB_EMISSING, where, "class", "required%s", "");
  if ((rc = pick(json_object_get(o, "class"), cls, where, "class", &r->cls, e))) return rc;
  if (!r->cls) return bad(e, YB_EINVAL, where, "class", "must be policy, management or medical%s", "");
  json_t *sev = json_object_get(o, "sev_deg");
  if (!json_is_integer(sev) || json_integer_value(sev) < 1 || json_integer_value(sev) > 3)
    return bad(e, YB_ERANGE, where, "sev_deg", "must be 1 (clear), 2 (highly suspicious) or 3 (slightly)%s", "");
  r->sev_deg = (int)json_integer_value(sev);
  json_t *st = json_object_get(o, "stages");
  if (!json_is_array(st) || !json_array_size(st))
    return bad(e, YB_ETYPE, where, "stages", "must be a non-empty list of pre, during, post%s", "");
  size_t i;
  json_array_foreach(st, i, v) {
    static const char *const sn[] = {"pre", "during", "post", NULL};
    char key[32];
    int s;
    snprintf(key, sizeof key, "stages[%zu]", i);
    if ((rc = pick(v, sn, where, key, &s, e))) return rc;
    r->stages |= 1u << s;
  }
  if ((r->stages & (AUDIT_STAGE_PRE | AUDIT_STAGE_DURING)) && !r->type->live)
    return bad(e, YB_EINVAL, where, "stages", "rule type %s needs the history of the period: post only", r->type->name);
  json_t *b = json_object_get(o, "block");
  if (b && !json_is_boolean(b)) return bad(e, YB_ETYPE, where, "block", "must be true or false%s", "");
  r->block = b && json_is_true(b);
  if (r->block && !(r->stages & AUDIT_STAGE_DURING))
    return bad(e, YB_EINVAL, where, "block", "a blocking rule must run during settlement (stages has no during)%s", "");
  json_t *en = json_object_get(o, "enabled");
  if (en && !json_is_boolean(en)) return bad(e, YB_ETYPE, where, "enabled", "must be true or false%s", "");
  r->enabled = !en || json_is_true(en);
  return parse_params(json_object_get(o, "params"), r, where, e);
}

int audit_rules_add_text(audit_rules *rs, const char *text, const char *where, yb_err *e) {
  json_error_t je;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    char f[160];
    snprintf(f, sizeof f, "%s: line %d", where, je.line);
    return yb_fail(e, YB_EPARSE, f, "%s", je.text);
  }
  size_t n = json_is_array(root) ? json_array_size(root) : 1;
  audit_rule *nr = realloc(rs->r, (size_t)(rs->n + (int)n) * sizeof *nr);
  if (!nr) {
    json_decref(root);
    return yb_fail(e, YB_ENOMEM, where, "out of memory");
  }
  rs->r = nr;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    char w[200];
    if (json_is_array(root)) snprintf(w, sizeof w, "%s[%zu]", where, i);
    else snprintf(w, sizeof w, "%s", where);
    audit_rule *r = &rs->r[rs->n];
    if (!(rc = parse_rule(json_is_array(root) ? json_array_get(root, i) : root, r, w, e))) {
      for (int k = 0; k < rs->n && !rc; k++)
        if (!strcmp(rs->r[k].rule_id, r->rule_id))
          rc = bad(e, YB_ECONFLICT, w, "rule_id", "'%s' is defined twice", r->rule_id);
      if (!rc) rs->n++;
    }
  }
  json_decref(root);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int add_file(audit_rules *rs, const char *path, yb_err *e) {
  FILE *f = fopen(path, "rb");
  if (!f) return yb_fail(e, YB_EIO, path, "cannot open");
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    return yb_fail(e, YB_EIO, path, "cannot read");
  }
  fclose(f);
  buf[n] = 0;
  int rc = audit_rules_add_text(rs, buf, path, e);
  free(buf);
  return rc;
}

int audit_rules_load(const char *path, audit_rules *out, yb_err *e) {
  memset(out, 0, sizeof *out);
  struct stat st;
  if (stat(path, &st)) return yb_fail(e, YB_EIO, path, "no such file or directory");
  if (!S_ISDIR(st.st_mode)) {
    int rc = add_file(out, path, e);
    if (rc) audit_rules_free(out);
    return rc;
  }
  DIR *dir = opendir(path);
  if (!dir) return yb_fail(e, YB_EIO, path, "cannot open the directory");
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(dir)) && !rc) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json")) continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);
      if (!nn) rc = yb_fail(e, YB_ENOMEM, path, "out of memory");
      else names = nn;
    }
    if (!rc) {
      size_t pl = strlen(path) + len + 2;
      if (!(names[n] = malloc(pl))) rc = yb_fail(e, YB_ENOMEM, path, "out of memory");
      else snprintf(names[n++], pl, "%s/%s", path, de->d_name);
    }
  }
  closedir(dir);
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n && !rc; i++) rc = add_file(out, names[i], e);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  if (!rc && !out->n) rc = yb_fail(e, YB_EMISSING, path, "no *.json rule file");
  if (rc) audit_rules_free(out);
  return rc;
}

void audit_rules_free(audit_rules *rs) {
  free(rs->r);
  rs->r = NULL;
  rs->n = 0;
}

int audit_rules_select(audit_rules *rs, const char *csv, yb_err *e) {
  if (!csv || !*csv) return 0;
  for (int i = 0; i < rs->n; i++) rs->r[i].enabled = false;
  const char *p = csv;
  while (*p) {
    size_t len = strcspn(p, ",");
    int found = 0;
    for (int i = 0; i < rs->n; i++)
      if (strlen(rs->r[i].rule_id) == len && !strncmp(rs->r[i].rule_id, p, len)) rs->r[i].enabled = true, found = 1;
    if (!found) {
      char id[40];
      snprintf(id, sizeof id, "%.*s", (int)(len < 30 ? len : 30), p);
      return yb_fail(e, YB_ENOT_FOUND, "--rules", "no rule '%s'", id);
    }
    p += len;
    if (*p) p++;
  }
  return 0;
}

const char *audit_rule_kind(const audit_rule *r) { return r->type->name; }
int audit_rule_level(const audit_rule *r) { return r->type->level; }
const char *audit_class_name(int cls) { return cls >= 1 && cls <= 3 ? class_names[cls] : ""; }

