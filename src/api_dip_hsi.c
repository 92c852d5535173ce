/* api_dip_hsi.c — DIP on the national interface: a final inpatient settlement (2304) scores the
 * stay at once with the year's newest catalogue, so an institution sees its points as each
 * patient leaves; cancelling it (2305, or a 2601 reversal) removes the score. These scores are provisional: the
 * special-review limit (5 ‰ per institution) needs the whole year, so `yibao dip score` (or
 * POST /api/v1/dip/score) rescoring the year is what clearing uses. Neither hook can refuse a
 * settlement: without a catalogue or a "dip" policy section nothing is scored, and a failure is
 * logged, not returned to the patient's counter. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "dip.h"
#include "jsonx.h"
#include "store_dip.h"

/* The catalogue last used, reloaded when a newer version appears. The hooks run only in the
 * writer thread (2304 and 2305 are writes), so this needs no lock. */
static struct {
  int year;
  char version[64];
  dip_catalog *cat;
} dip_live;

static const dip_catalog *live_catalog(store_conn *c, int year, char *version, yb_err *e) {
  char newest[64];
  if (store_dip_catalog_newest(c, year, newest, sizeof newest, e)) return NULL;
  if (!dip_live.cat || dip_live.year != year || strcmp(dip_live.version, newest)) {
    dip_catalog *cat = NULL;
    if (store_dip_catalog_get(c, newest, year, &cat, version, 64, e)) return NULL;
    dip_catalog_free(dip_live.cat);
    dip_live.cat = cat;
    dip_live.year = year;
    snprintf(dip_live.version, sizeof dip_live.version, "%s", newest);
  }
  snprintf(version, 64, "%s", dip_live.version);
  return dip_live.cat;
}

static int input_mdtrt(api_req *r, char *out, size_t cap) {
  json_t *d = json_object_get(r->input, "data");
  if (json_is_array(d)) d = json_array_get(d, 0);
  return jsonx_get_str(d, "input.data", "mdtrt_id", true, out, cap, NULL);
}

void api_dip_on_settle(api_req *r) {
  char mdtrt_id[32];
  if (input_mdtrt(r, mdtrt_id, sizeof mdtrt_id)) return;
  yb_err e = {0};
  dip_case k;
  if (store_dip_case_load(r->c, mdtrt_id, &k, &e)) return; /* not a settled inpatient stay */
  const policy *pol = api_policy_for(r->srv, api_region(r->srv), k.year);
  if (!pol || !pol->dip) return;
  char version[64];
  const dip_catalog *cat = live_catalog(r->c, k.year, version, &e);
  if (!cat) {
    if (e.code != YB_ENOT_FOUND) fprintf(stderr, "yibao: DIP score of %s: %s\n", mdtrt_id, e.msg);
    return;
  }
  dip_score s;
  char trace[2048];
  int rc = dip_score_case(cat, pol->dip, &k, &s, &e);
  if (!rc) {
    if (dip_score_trace(cat, pol->dip, &k, &s, trace, sizeof trace) < 0) trace[0] = 0;
    rc = store_dip_case_put(r->c, &k, &s, &cat->groups[s.group], version, trace, &e);
  }
  if (rc) fprintf(stderr, "yibao: DIP score of %s: %s: %s\n", mdtrt_id, e.field, e.msg);
}

void api_dip_on_cancel(api_req *r, const char *mdtrt_id) {
  char own[32];
  yb_err e = {0};
  if (!mdtrt_id) {
    if (input_mdtrt(r, own, sizeof own)) return;
    mdtrt_id = own;
  }
  if (store_dip_case_del(r->c, mdtrt_id, &e))
    fprintf(stderr, "yibao: DIP score of %s not removed: %s\n", mdtrt_id, e.msg);
}
