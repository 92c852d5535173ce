/* dip_report.c — catalogue CSV, institution statements (JSON + CSV) and the clearing summary,
 * written as text directly (a county's year is ~150 000 case lines; no DOM on that path). */
#include "dip_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

void dip_buf_printf(dip_buf *b, const char *fmt, ...) {
  if (b->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->n;
    int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt, ap);
    va_end(ap);
    if (w < 0) {
      b->failed = 1;
      return;
    }
    if (b->s && (size_t)w < room) {
      b->n += (size_t)w;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->n + (size_t)w + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      free(b->s);
      b->s = NULL, b->failed = 1;
      return;
    }
    b->s = s, b->cap = cap;
  }
}

/* Codes are written into JSON strings and CSV cells: keep only printable ASCII without quotes,
 * backslashes or commas (the store's codes are alphanumeric; anything else is shown as '?'). */
static const char *safe(const char *s, char *buf, size_t cap) {
  size_t i = 0;
  for (; s && s[i] && i + 1 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    buf[i] = c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == ',' ? '?' : (char)c;
  }
  buf[i] = 0;
  return buf;
}

static const char *dec(int64_t v, int scale, int min, char *buf) {
  money_format(v, scale, min, buf);
  return buf;
}

void dip_report_catalog_csv(const dip_catalog *cat, const char *version, dip_buf *b) {
  char m[32], r[32], code[DIP_KEY_LEN];
  dip_buf_printf(b, "# DIP catalogue %s for %d: built from %d-%d, %lld cases, overall mean %s yuan\n", version,
                 cat->year, cat->year - 3, cat->year - 1, (long long)cat->n_cases, dec(cat->overall_mean, 4, 2, m));
  dip_buf_printf(b, "code,kind,n_cases,n_y3,n_y2,n_y1,used_y3,used_y2,used_y1,mean_yuan,rw\n");
  for (int64_t g = 0; g < cat->n_groups; g++) {
    const dip_group *x = &cat->groups[g];
    dip_buf_printf(b, "%s,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,%s\n", safe(x->code, code, sizeof code),
                   dip_group_kind_name(x->kind), (long long)x->n_cases, (long long)x->n_year[0],
                   (long long)x->n_year[1], (long long)x->n_year[2], (long long)x->n_used[0], (long long)x->n_used[1],
                   (long long)x->n_used[2], dec(x->mean, 4, 4, m), dec(x->rw4, 4, 4, r));
  }
}

typedef struct fig {
  const char *name;
  int64_t v;
  int scale, min;
} fig;

void dip_statement_begin(const dip_params *p, const dip_clearing *k, const dip_inst *x, const char *version,
                         dip_buf *json, dip_buf *csv) {
  char code[DIP_CODE_LEN], ver[64], a[32];
  safe(x->code, code, sizeof code);
  safe(version, ver, sizeof ver);
  const fig f[] = {
      {"budget", k->budget, 2, 2},          {"payment_ratio", k->pay_ratio_bp, 4, 1},
      {"total_score", k->total_score4, 4, 4}, {"point_value", k->pv_e6, 8, 2},
      {"fund_point_value", k->fund_pv_e6, 8, 2}, {"cases", x->n_cases, 0, 0},
      {"score", x->score4, 4, 4},           {"entitled", x->entitled, 2, 2},
      {"remainder_fen", x->remainder_fen, 0, 0}, {"recognised_cost", x->recognised, 2, 2},
      {"community_adjustment", x->community_adj, 2, 2}, {"advances", x->advances, 2, 2},
      {"deductions", x->deductions, 2, 2},  {"quality_deposit", x->deposit, 2, 2},
      {"payment", x->payment, 2, 2},
  };
  dip_buf_printf(json, "{\"year\":%d,\"fixmedins_code\":\"%s\",\"catalogue\":\"%s\",", k->year, code, ver);
  dip_buf_printf(json, "\"community\":\"%s\",", x->community >= 0 ? safe(p->communities[x->community].code, a, sizeof a) : "");
  dip_buf_printf(json, "\"formula\":\"entitled = budget × score ÷ total_score (largest remainder); payment = entitled"
                       " + community_adjustment − advances − deductions − quality_deposit\",\"figures\":{");
  dip_buf_printf(csv, "# DIP statement %d for %s, catalogue %s\nrecord,name,value\n", k->year, code, ver);
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    dec(f[i].v, f[i].scale, f[i].min, a);
    dip_buf_printf(json, "%s\"%s\":%s", i ? "," : "", f[i].name, a);
    dip_buf_printf(csv, "figure,%s,%s\n", f[i].name, a);
  }
  char fm[32], am[32], sh[32];
  money_format(p->advance_bp, 4, 1, sh);
  dip_buf_printf(csv, "record,month,fund_settled,advance\n");
  dip_buf_printf(json, "},\"advance_share\":%s,\"advances_by_month\":[", sh);
  for (int m = 0, first = 1; m < 12; m++) {
    if (!x->fund_month[m] && !x->advance_month[m]) continue;
    money_format(x->fund_month[m], 2, 2, fm), money_format(x->advance_month[m], 2, 2, am);
    dip_buf_printf(json, "%s{\"month\":%d,\"fund_settled\":%s,\"advance\":%s}", first ? "" : ",", m + 1, fm, am);
    dip_buf_printf(csv, "advance,%d,%s,%s\n", m + 1, fm, am);
    first = 0;
  }
  dip_buf_printf(json, "],\"cases\":[");
  dip_buf_printf(csv, "record,mdtrt_id,group,diag,procs,level,cost,group_rw,ratio,kind,special,base,factor,score\n");
}

void dip_statement_line(const dip_line *l, int first, dip_buf *json, dip_buf *csv) {
  char id[DIP_CODE_LEN], g[DIP_KEY_LEN], d[DIP_DIAG_LEN], pr[DIP_PROCS_LEN];
  char cost[32], rw[32], ratio[32], base[32], fac[32], score[32];
  const char *sp = l->special_refused ? "refused" : l->special_req ? "approved" : "";
  safe(l->mdtrt_id, id, sizeof id), safe(l->group, g, sizeof g), safe(l->diag, d, sizeof d);
  safe(l->procs, pr, sizeof pr);
  for (char *c = pr; *c; c++) if (*c == '?') *c = ' ';
  dec(l->cost, 2, 2, cost), dec(l->rw4, 4, 4, rw), dec(l->ratio_bp, 4, 4, ratio), dec(l->base4, 4, 4, base);
  dec(l->factor_bp, 4, 4, fac), dec(l->score4, 4, 4, score);
  dip_buf_printf(json,
                 "%s{\"mdtrt_id\":\"%s\",\"group\":\"%s\",\"diag\":\"%s\",\"procs\":\"%s\",\"level\":%d,\"cost\":%s,"
                 "\"group_rw\":%s,\"ratio\":%s,\"kind\":\"%s\",\"special\":\"%s\",\"base\":%s,\"factor\":%s,\"score\":%s}",
                 first ? "" : ",", id, g, d, pr, l->level, cost, rw, ratio, dip_case_kind_name(l->kind), sp, base, fac,
                 score);
  dip_buf_printf(csv, "case,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s\n", id, g, d, pr, l->level, cost, rw, ratio,
                 dip_case_kind_name(l->kind), sp, base, fac, score);
}

void dip_statement_end(dip_buf *json, dip_buf *csv) {
  (void)csv;
  dip_buf_printf(json, "]}");
}

void dip_report_clearing(const dip_params *p, const dip_clearing *k, const dip_inst *inst, int64_t n,
                         const char *version, dip_buf *b) {
  char v[8][32], ver[64], code[DIP_CODE_LEN];
  dip_buf_printf(b, "{\"year\":%d,\"catalogue\":\"%s\",\"budget\":%s,\"payment_ratio\":%s,\"total_score\":%s,"
                    "\"point_value\":%s,\"fund_point_value\":%s,\"remainder_fen\":%lld,",
                 k->year, safe(version, ver, sizeof ver), dec(k->budget, 2, 2, v[0]), dec(k->pay_ratio_bp, 4, 1, v[1]),
                 dec(k->total_score4, 4, 4, v[2]), dec(k->pv_e6, 8, 2, v[3]), dec(k->fund_pv_e6, 8, 2, v[4]),
                 (long long)k->remainder_fen);
  dip_buf_printf(b, "\"sum_entitled\":%s,\"sum_payment\":%s,\"sum_advances\":%s,\"sum_deductions\":%s,"
                    "\"sum_deposit\":%s,\"sum_community_adjustment\":%s,\"communities\":[",
                 dec(k->sum_entitled, 2, 2, v[0]), dec(k->sum_payment, 2, 2, v[1]), dec(k->sum_advances, 2, 2, v[2]),
                 dec(k->sum_deductions, 2, 2, v[3]), dec(k->sum_deposit, 2, 2, v[4]), dec(k->sum_adj, 2, 2, v[5]));
  for (int c = 0; c < p->n_communities; c++)
    dip_buf_printf(b, "%s{\"code\":\"%s\",\"budget\":%s,\"entitled\":%s,\"adjustment\":%s}", c ? "," : "",
                   safe(p->communities[c].code, code, sizeof code), dec(k->community_budget[c], 2, 2, v[0]),
                   dec(k->community_entitled[c], 2, 2, v[1]), dec(k->community_adj[c], 2, 2, v[2]));
  dip_buf_printf(b, "],\"institutions\":[");
  for (int64_t i = 0; i < n; i++) {
    const dip_inst *x = &inst[i];
    dip_buf_printf(b,
                   "%s{\"fixmedins_code\":\"%s\",\"cases\":%lld,\"score\":%s,\"entitled\":%s,\"remainder_fen\":%lld,"
                   "\"community_adjustment\":%s,\"advances\":%s,\"deductions\":%s,\"quality_deposit\":%s,\"payment\":%s}",
                   i ? "," : "", safe(x->code, code, sizeof code), (long long)x->n_cases, dec(x->score4, 4, 4, v[0]),
                   dec(x->entitled, 2, 2, v[1]), (long long)x->remainder_fen, dec(x->community_adj, 2, 2, v[2]),
                   dec(x->advances, 2, 2, v[3]), dec(x->deductions, 2, 2, v[4]), dec(x->deposit, 2, 2, v[5]),
                   dec(x->payment, 2, 2, v[6]));
  }
  dip_buf_printf(b, "]}");
}
