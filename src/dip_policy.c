/* dip_policy.c — reads a policy's "dip" section into dip_params. Unknown keys are typos and are
 * refused; ratios are decimals with at most 4 places, amounts yuan with at most 2. */
#include "dip_policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonx.h"
#include "money.h"

typedef struct rd {
  dip_policy_fail_fn fail;
  void *ctx;
  int problems;
} rd;

__attribute__((format(printf, 4, 5))) static void bad(rd *r, int code, const char *path, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  r->problems++;
  if (r->fail) r->fail(r->ctx, code, path, msg);
}

static const char *key(char *b, const char *path, const char *k) {
  if (snprintf(b, 160, "%s.%s", path, k) < 0) b[0] = 0;
  return b;
}

static const char *idx(char *b, const char *path, size_t i) {
  if (snprintf(b, 160, "%s[%zu]", path, i) < 0) b[0] = 0;
  return b;
}

/* A decimal ratio into bp within [lo, hi] bp. */
static void ratio(rd *r, json_t *v, const char *path, int32_t lo, int32_t hi, int32_t *out) {
  int64_t bp;
  if (!json_is_number(v) && !json_is_string(v)) return bad(r, YB_ETYPE, path, "must be a decimal (e.g. 0.9)");
  if (jsonx_dec(v, MONEY_SCALE_BP, &bp)) return bad(r, YB_EINVAL, path, "not a decimal with at most 4 places");
  if (bp < lo || bp > hi) {
    char a[32], b[32];
    return bad(r, YB_ERANGE, path, "must lie in [%s, %s]", money_bp_str(lo, a), money_bp_str(hi, b));
  }
  *out = (int32_t)bp;
}

static void amount(rd *r, json_t *v, const char *path, int64_t *out) {
  if (!json_is_number(v) && !json_is_string(v)) return bad(r, YB_ETYPE, path, "must be an amount in yuan");
  if (jsonx_dec(v, MONEY_SCALE_FEN, out)) return bad(r, YB_EINVAL, path, "not an amount in yuan with at most 2 decimals");
  if (*out < 0 || *out > MONEY_FEN_MAX / 100000) return bad(r, YB_ERANGE, path, "must be ≥ 0 and below 10^13 yuan");
}

static void integer(rd *r, json_t *v, const char *path, long lo, long hi, int32_t *out) {
  if (!json_is_integer(v)) return bad(r, YB_ETYPE, path, "must be an integer");
  long long x = json_integer_value(v);
  if (x < lo || x > hi) return bad(r, YB_ERANGE, path, "must lie in [%ld, %ld]", lo, hi);
  *out = (int32_t)x;
}

static void text(rd *r, json_t *v, const char *path, char *out, size_t cap) {
  if (!json_is_string(v) || !json_string_length(v)) return bad(r, YB_ETYPE, path, "must be a non-empty string");
  if (json_string_length(v) >= cap) return bad(r, YB_ERANGE, path, "longer than %zu bytes", cap - 1);
  snprintf(out, cap, "%s", json_string_value(v));
}

static void check_keys(rd *r, json_t *o, const char *path, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int i = 0;
    while (allowed[i] && strcmp(allowed[i], k)) i++;
    if (allowed[i] || k[0] == '_') continue;
    char b[160];
    bad(r, YB_EINVAL, key(b, path, k), "unknown field (see docs/policy.md, section dip)");
  }
}

static void community(rd *r, json_t *v, const char *path, dip_community *c) {
  static const char *const keys[] = {"code", "name", "budget", "surplus_keep", "overspend_share", "members", NULL};
  char b[160];
  if (!json_is_object(v)) return bad(r, YB_ETYPE, path, "must be an object (a 医共体)");
  check_keys(r, v, path, keys);
  json_t *x;
  c->surplus_keep_bp = MONEY_BP_ONE, c->overspend_share_bp = 5000;
  if ((x = json_object_get(v, "code"))) text(r, x, key(b, path, "code"), c->code, sizeof c->code);
  else bad(r, YB_EMISSING, key(b, path, "code"), "required: the community's code");
  if ((x = json_object_get(v, "name"))) text(r, x, key(b, path, "name"), c->name, sizeof c->name);
  if ((x = json_object_get(v, "budget"))) amount(r, x, key(b, path, "budget"), &c->budget);
  else bad(r, YB_EMISSING, key(b, path, "budget"), "required: the global budget in yuan");
  if ((x = json_object_get(v, "surplus_keep"))) ratio(r, x, key(b, path, "surplus_keep"), 0, MONEY_BP_ONE, &c->surplus_keep_bp);
  if ((x = json_object_get(v, "overspend_share")))
    ratio(r, x, key(b, path, "overspend_share"), 0, MONEY_BP_ONE, &c->overspend_share_bp);
  x = json_object_get(v, "members");
  if (!json_is_array(x) || !json_array_size(x))
    return bad(r, x ? YB_ETYPE : YB_EMISSING, key(b, path, "members"), "required: a list of fixmedins_code");
  if (json_array_size(x) > DIP_MAX_MEMBERS)
    return bad(r, YB_ERANGE, key(b, path, "members"), "more than %d members", DIP_MAX_MEMBERS);
  size_t i;
  json_t *m;
  char mp[160];
  key(mp, path, "members");
  json_array_foreach(x, i, m) text(r, m, idx(b, mp, i), c->members[c->n_members++], DIP_CODE_LEN);
}

int dip_policy_parse(json_t *v, const char *path, dip_params *p, dip_policy_fail_fn fail, void *ctx) {
  static const char *const keys[] = {"weights", "trim", "core_threshold", "diag_len", "outlier_low", "outlier_high",
                                     "special_limit", "advance_share", "quality_deposit", "payment_ratio", "budget",
                                     "level_factors", "communities", "sources", "note", NULL};
  rd r = {fail, ctx, 0};
  char b[160], c[160];
  dip_params_default(p);
  if (!json_is_object(v)) return bad(&r, YB_ETYPE, path, "must be an object (DIP parameters)"), r.problems;
  check_keys(&r, v, path, keys);
  json_t *x, *y;
  size_t i;
  if ((x = json_object_get(v, "weights"))) {
    if (!json_is_array(x) || json_array_size(x) != 3)
      bad(&r, YB_ETYPE, key(b, path, "weights"), "must be 3 integers for years Y-3, Y-2, Y-1 (e.g. [1, 2, 7])");
    else
      json_array_foreach(x, i, y) integer(&r, y, idx(c, key(b, path, "weights"), i), 0, 1000, &p->weight[i]);
    if (p->weight[0] + p->weight[1] + p->weight[2] == 0) bad(&r, YB_ERANGE, key(b, path, "weights"), "must not all be 0");
  }
  if ((x = json_object_get(v, "trim"))) {
    if (!json_is_array(x) || json_array_size(x) != 2) {
      bad(&r, YB_ETYPE, key(b, path, "trim"), "must be [low, high] percentiles (e.g. [0.025, 0.975])");
    } else {
      ratio(&r, json_array_get(x, 0), idx(c, key(b, path, "trim"), 0), 0, 4900, &p->trim_low_bp);
      ratio(&r, json_array_get(x, 1), idx(c, key(b, path, "trim"), 1), 5100, MONEY_BP_ONE, &p->trim_high_bp);
    }
  }
  if ((x = json_object_get(v, "core_threshold"))) integer(&r, x, key(b, path, "core_threshold"), 1, 1000000, &p->core_threshold);
  if ((x = json_object_get(v, "diag_len"))) integer(&r, x, key(b, path, "diag_len"), 3, DIP_DIAG_LEN - 1, &p->diag_len);
  if ((x = json_object_get(v, "outlier_low"))) ratio(&r, x, key(b, path, "outlier_low"), 0, MONEY_BP_ONE, &p->low_bp);
  if ((x = json_object_get(v, "outlier_high")))
    ratio(&r, x, key(b, path, "outlier_high"), MONEY_BP_ONE, 100 * MONEY_BP_ONE, &p->high_bp);
  if ((x = json_object_get(v, "special_limit"))) {
    int32_t bp = 50;
    ratio(&r, x, key(b, path, "special_limit"), 0, 1000, &bp);
    if (bp % 10) bad(&r, YB_EINVAL, key(b, path, "special_limit"), "must be whole per-mille (e.g. 0.005 for 5 ‰)");
    p->special_permille = bp / 10;
  }
  if ((x = json_object_get(v, "advance_share"))) ratio(&r, x, key(b, path, "advance_share"), 0, MONEY_BP_ONE, &p->advance_bp);
  if ((x = json_object_get(v, "quality_deposit")))
    ratio(&r, x, key(b, path, "quality_deposit"), 0, MONEY_BP_ONE, &p->deposit_bp);
  if ((x = json_object_get(v, "payment_ratio"))) ratio(&r, x, key(b, path, "payment_ratio"), 1, MONEY_BP_ONE, &p->pay_ratio_bp);
  if ((x = json_object_get(v, "budget"))) amount(&r, x, key(b, path, "budget"), &p->budget);
  if ((x = json_object_get(v, "level_factors"))) {
    if (json_is_string(x) && !strcmp(json_string_value(x), "catalogue")) {
      p->level_factors_from_catalogue = 1;
    } else if (json_is_object(x)) {
      const char *k;
      json_object_foreach(x, k, y) {
        if (strlen(k) != 1 || k[0] < '0' || k[0] > '3') {
          bad(&r, YB_EINVAL, idx(c, key(b, path, "level_factors"), 0), "keys are institution levels \"0\"–\"3\"");
          continue;
        }
        snprintf(c, sizeof c, "%s.level_factors.%s", path, k);
        ratio(&r, y, c, 1, 5 * MONEY_BP_ONE, &p->level_factor_bp[k[0] - '0']);
      }
    } else {
      bad(&r, YB_ETYPE, key(b, path, "level_factors"), "must be {\"3\": 1.0, \"2\": 0.9, …} or \"catalogue\"");
    }
  }
  if ((x = json_object_get(v, "communities"))) {
    if (!json_is_array(x)) return bad(&r, YB_ETYPE, key(b, path, "communities"), "must be a list"), r.problems;
    if (json_array_size(x) > DIP_MAX_COMMUNITIES)
      return bad(&r, YB_ERANGE, key(b, path, "communities"), "more than %d", DIP_MAX_COMMUNITIES), r.problems;
    json_array_foreach(x, i, y) community(&r, y, idx(c, key(b, path, "communities"), i), &p->communities[p->n_communities++]);
    /* an institution belongs to one community at most */
    for (int a = 0; a < p->n_communities; a++)
      for (int m = 0; m < p->communities[a].n_members; m++)
        for (int a2 = a; a2 < p->n_communities; a2++)
          for (int m2 = a2 == a ? m + 1 : 0; m2 < p->communities[a2].n_members; m2++)
            if (p->communities[a].members[m][0] && !strcmp(p->communities[a].members[m], p->communities[a2].members[m2])) {
              snprintf(c, sizeof c, "%s.communities[%d].members[%d]", path, a2, m2);
              bad(&r, YB_ECONFLICT, c, "%s is already a member of %s", p->communities[a].members[m],
                  p->communities[a].code);
            }
  }
  return r.problems;
}
