/* audit_live.c — the rules before and during settlement: load one person's recent history and the
 * current visit into a small data set, run the rules of the stage on that visit alone. Used by
 * 2206/2207/2303/2304 and 3101/3102 (api_audit_hsi.c), and timed by bench/audit_bench.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_live.h"

/* yyyy-MM-dd of `now` (yyyy-MM-dd…) minus `days`. */
static void days_before(const char *now, int days, char *out, size_t cap) {
  struct tm tm = {0};
  if (sscanf(now, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
    snprintf(out, cap, "0000-00-00");
    return;
  }
  tm.tm_year -= 1900, tm.tm_mon -= 1, tm.tm_mday -= days, tm.tm_hour = 12;
  timegm(&tm);
  strftime(out, cap, "%Y-%m-%d", &tm);
}

int audit_live_back(const audit_rules *rs, unsigned stages) {
  int back = 31;
  for (int i = 0; rs && i < rs->n; i++) { /* the longest window a live rule looks back */
    const audit_rule *r = &rs->r[i];
    if (!r->enabled || !(r->stages & stages)) continue;
    if (!strcmp(audit_rule_kind(r), "frequent_admission") && r->p[1] + 1 > back) back = (int)r->p[1] + 1;
    if (!strcmp(audit_rule_kind(r), "split_admission") && r->p[0] + 60 > back) back = (int)r->p[0] + 60;
  }
  return back;
}

void audit_live_since(const char *now, int days, char *out, size_t cap) { days_before(now, days, out, cap); }

int audit_live(store_conn *c, const catalog *cat, const audit_rules *rs, const audit_live_in *in, audit_finding_fn fn,
               void *arg, yb_err *e) {
  if (!rs || !rs->n) return 0;
  audit_data *d = audit_data_new(cat);
  if (!d) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  char since[12];
  days_before(in->now, audit_live_back(rs, in->stage), since, sizeof since);
  int rc = store_audit_load_person(c, in->psn_no, in->fixmedins_code, since, "9999-12-31", in->mdtrt_id,
                                   in->add_current == NULL, d, e);
  if (!rc) rc = in->add_current ? in->add_current(d, in->arg, e) : store_audit_load_visit_lines(c, in->mdtrt_id, true, d, e);
  if (!rc) rc = audit_data_finish(d, e);
  if (!rc) rc = audit_run(rs, d, in->stage, in->mdtrt_id, fn, arg, e);
  audit_data_free(d);
  return rc;
}
