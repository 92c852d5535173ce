/* api_audit_hsi.c — the audit rules on the national interface: 3101 (事前) and 3102 (事中) judge the
 * visits a HIS sends, in the national result shape; 2206/2303 carry pre-settlement findings as
 * warnings; 2207/2304 refuse a settlement when a blocking rule fires, naming the rule and lines.
 * `yibao serve` loads the rules once at start (api_audit_rules_load); a bad or missing rule folder
 * stops the server rather than settling unchecked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit_live.h"
#include "jsonx.h"
#include "money.h"

/* messages are cut to their buffers on purpose */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static audit_rules live_rules; /* loaded before the HTTP threads start, read-only after */

int api_audit_rules_load(const char *dir, int *n, yb_err *e) {
  int rc = audit_rules_load(dir, &live_rules, e);
  if (!rc && n) *n = live_rules.n;
  return rc;
}

static const audit_rules *rules(void) { return &live_rules; }

int api_audit_back_days(void) { return audit_live_back(rules(), AUDIT_STAGE_PRE | AUDIT_STAGE_DURING); }

/* ---- collecting findings ------------------------------------------------------------------------ */
typedef struct collect {
  json_t *result;         /* 3101 rows */
  int n, n_block;
  char block[400], warn[480];
  const char *task_id;
} collect;

static json_t *finding_row(const audit_finding *f, int seq, const char *task_id) {
  char jr[24];
  snprintf(jr, sizeof jr, "JR%06d", seq);
  json_t *det = json_array();
  json_t *d = json_object();
  json_object_set_new(d, "jrd_id", json_string(jr));
  json_object_set_new(d, "patn_id", json_string(f->psn_no));
  json_object_set_new(d, "mdtrt_id", json_string(f->mdtrt_id));
  json_object_set_new(d, "rx_id", json_string(f->feedetl_sn));
  json_object_set_new(d, "vola_item_type", json_string("1"));
  json_object_set_new(d, "vola_amt", jsonx_money(f->vola_amt));
  json_array_append_new(det, d);
  json_t *o = json_object();
  char sev[4];
  snprintf(sev, sizeof sev, "%d", f->rule->sev_deg);
  json_object_set_new(o, "jr_id", json_string(jr));
  json_object_set_new(o, "rule_id", json_string(f->rule->rule_id));
  json_object_set_new(o, "rule_name", json_string(f->rule->name));
  json_object_set_new(o, "vola_cont", json_string(f->evid));
  json_object_set_new(o, "patn_id", json_string(f->psn_no));
  json_object_set_new(o, "mdtrt_id", json_string(f->mdtrt_id));
  json_object_set_new(o, "judge_result_detail_dtos", det);
  json_object_set_new(o, "vola_amt", jsonx_money(f->vola_amt));
  json_object_set_new(o, "vola_amt_stas", json_string("0"));
  json_object_set_new(o, "sev_deg", json_string(sev));
  json_object_set_new(o, "vola_evid", json_string(f->evid));
  json_object_set_new(o, "vola_bhvr_type", json_string(f->level == AUDIT_LEVEL_LINE ? "2" : "1"));
  json_object_set_new(o, "task_id", json_string(task_id ? task_id : ""));
  return o;
}

static void append(char *buf, size_t cap, const char *a, const char *b, const char *c) {
  size_t n = strlen(buf);
  if (n + 8 < cap) snprintf(buf + n, cap - n, "%s%s%s", a, b, c);
}

static int on_finding(const audit_finding *f, void *arg) {
  collect *c = arg;
  c->n++;
  if (c->result) json_array_append_new(c->result, finding_row(f, c->n, c->task_id));
  char what[200];
  if (f->level == AUDIT_LEVEL_LINE) snprintf(what, sizeof what, "line %s", f->feedetl_sn);
  else snprintf(what, sizeof what, "visit %s", f->mdtrt_id);
  if (f->rule->block) {
    if (!c->n_block++) snprintf(c->block, sizeof c->block, "audit rule %s %s refuses: %s (%s)", f->rule->rule_id,
                                f->rule->name, what, f->evid);
    else append(c->block, sizeof c->block, "; ", f->rule->rule_id, "");
    if (c->n_block > 1) append(c->block, sizeof c->block, " ", what, "");
  } else {
    append(c->warn, sizeof c->warn, c->warn[0] ? "; " : "", f->rule->rule_id, " ");
    append(c->warn, sizeof c->warn, f->rule->name, " (", what);
    append(c->warn, sizeof c->warn, ")", "", "");
  }
  return 0;
}

/* ---- hooks of 2206/2303 and 2207/2304 ------------------------------------------------------------- */
static int visit_of(api_req *r, store_visit *v, yb_err *e) {
  json_t *data = json_object_get(r->input, "data");
  if (json_is_array(data) && json_array_size(data) == 1) data = json_array_get(data, 0);
  char id[40] = "";
  int rc = jsonx_get_str(data, "input.data", "mdtrt_id", true, id, sizeof id, e);
  return rc ? rc : store_visit_get(r->c, id, v, 0, e);
}

static int run_hook(api_req *r, unsigned stage, collect *c, yb_err *e) {
  if (!rules()->n) return 0;
  store_visit v;
  int rc = visit_of(r, &v, e);
  if (rc) return rc;
  audit_live_in in = {v.psn_no, r->inst->fixmedins_code, v.mdtrt_id, r->now, stage, NULL, NULL};
  return audit_live(r->c, api_catalog(r->srv), rules(), &in, on_finding, c, e);
}

void api_audit_warn(api_req *r) {
  collect c = {.result = json_array()};
  yb_err e = {0};
  if (!run_hook(r, AUDIT_STAGE_PRE, &c, &e) && c.n) {
    snprintf(r->warn_msg, sizeof r->warn_msg, "%s", c.warn[0] ? c.warn : c.block);
    if (r->output) json_object_set(r->output, "audit_result", c.result);
  }
  json_decref(c.result);
}

int api_audit_block(api_req *r, yb_err *e) {
  collect c = {0};
  yb_err tmp = {0};
  if (run_hook(r, AUDIT_STAGE_DURING, &c, &tmp)) return 0; /* the settlement reports its own errors */
  if (c.warn[0]) snprintf(r->warn_msg, sizeof r->warn_msg, "%s", c.warn);
  if (c.n_block) return yb_fail(e, YB_EFORBIDDEN, "audit", "%s", c.block);
  return 0;
}

/* ---- 3101 / 3102 -------------------------------------------------------------------------------- */
typedef struct enc_arg {
  api_req *r;
  json_t *pat, *enc;
  const char *ppath;
  char epath[160], psn[40], mdtrt[40];
} enc_arg;

static int add_encounter(audit_data *d, void *arg, yb_err *e) {
  enc_arg *a = arg;
  char gend[8] = "", brdy[24] = "", adm[24] = "", dscg[24] = "", diag[32] = "", med_type[8] = "";
  int rc;
  if (!audit_data_has_person(d, a->psn)) {
    if ((rc = jsonx_get_str(a->pat, a->ppath, "gend", true, gend, sizeof gend, e)) ||
        (rc = jsonx_get_str(a->pat, a->ppath, "brdy", true, brdy, sizeof brdy, e)) ||
        (rc = audit_data_person(d, a->psn, gend, brdy, "", e)))
      return rc;
  }
  const char *P = a->epath;
  if ((rc = api_get_dt(a->enc, P, "adm_date", 1, adm, e)) || (rc = api_get_dt(a->enc, P, "dscg_date", 0, dscg, e)) ||
      (rc = jsonx_get_str(a->enc, P, "dscg_main_dise_codg", true, diag, sizeof diag, e)) ||
      (rc = jsonx_get_str(a->enc, P, "med_type", true, med_type, sizeof med_type, e)))
    return rc;
  const store_inst *in = a->r->inst;
  if ((rc = audit_data_inst(d, in->fixmedins_code, in->hosp_lv, false, 0, 0, e))) return rc;
  bool ipt = med_type[0] == '2'; /* 21 住院 and the other 2x inpatient types */
  if ((rc = audit_data_visit(d, a->mdtrt, a->psn, in->fixmedins_code, ipt ? "ipt" : "otp", adm, ipt ? dscg : "", diag,
                             true, e)))
    return rc;
  json_t *orders = json_object_get(a->enc, "fsi_order_dtos");
  if (!json_is_array(orders)) {
    char f[200];
    snprintf(f, sizeof f, "%s.fsi_order_dtos", P);
    return yb_fail(e, YB_EMISSING, f, "required: a list of orders");
  }
  size_t i;
  json_t *o;
  json_array_foreach(orders, i, o) {
    char op[200], rx[40] = "", code[64] = "", hosp[160] = "", t[24] = "", dr[40] = "";
    int64_t cnt = 0, pric = 0, sum = 0;
    snprintf(op, sizeof op, "%s.fsi_order_dtos[%zu]", P, i);
    if ((rc = jsonx_get_str(o, op, "rx_id", true, rx, sizeof rx, e)) ||
        (rc = jsonx_get_str(o, op, "hilist_code", true, code, sizeof code, e)) ||
        (rc = jsonx_get_str(o, op, "hosplist_code", false, hosp, sizeof hosp, e)) ||
        (rc = jsonx_get_dec(o, op, "cnt", true, MONEY_SCALE_CNT, &cnt, e)) ||
        (rc = jsonx_get_dec(o, op, "pric", true, MONEY_SCALE_PRICE, &pric, e)) ||
        (rc = jsonx_get_dec(o, op, "sumamt", true, MONEY_SCALE_FEN, &sum, e)) ||
        (rc = api_get_dt(o, op, "drord_begn_date", 1, t, e)) ||
        (rc = jsonx_get_str(o, op, "drord_dr_codg", false, dr, sizeof dr, e)))
      return rc;
    if (cnt < 0 || pric < 0) {
      char f[220];
      snprintf(f, sizeof f, "%s.%s", op, cnt < 0 ? "cnt" : "pric");
      return yb_fail(e, YB_ERANGE, f, "must not be negative");
    }
    audit_line_in ln = {a->mdtrt, rx, code, hosp, t, dr, "", (int64_t)i + 1, cnt, pric, sum, 0, 0};
    if ((rc = audit_data_line(d, &ln, e))) return rc;
  }
  return 0;
}

static int judge(api_req *r, unsigned stage, yb_err *e) {
  json_t *data = api_node(r, "data", 1, e);
  if (!data) return e->code;
  char task[40] = "";
  int rc = jsonx_get_str(data, "input.data", "task_id", false, task, sizeof task, e);
  json_t *pats = json_object_get(data, "patient_dtos");
  if (!rc && (!json_is_array(pats) || !json_array_size(pats)))
    rc = yb_fail(e, YB_EMISSING, "input.data.patient_dtos", "required: a non-empty list");
  collect c = {.result = json_array(), .task_id = task};
  size_t i, j;
  json_t *pat, *enc;
  json_array_foreach(pats, i, pat) {
    if (rc) break;
    enc_arg a = {.r = r, .pat = pat};
    char pp[64];
    snprintf(pp, sizeof pp, "input.data.patient_dtos[%zu]", i);
    a.ppath = pp;
    if ((rc = jsonx_get_str(pat, pp, "patn_id", true, a.psn, sizeof a.psn, e))) break;
    json_t *encs = json_object_get(pat, "fsi_encounter_dtos");
    if (!json_is_array(encs) || !json_array_size(encs)) {
      char f[100];
      snprintf(f, sizeof f, "%s.fsi_encounter_dtos", pp);
      rc = yb_fail(e, YB_EMISSING, f, "required: a non-empty list");
      break;
    }
    json_array_foreach(encs, j, enc) {
      snprintf(a.epath, sizeof a.epath, "%s.fsi_encounter_dtos[%zu]", pp, j);
      a.enc = enc;
      if ((rc = jsonx_get_str(enc, a.epath, "mdtrt_id", true, a.mdtrt, sizeof a.mdtrt, e))) break;
      audit_live_in in = {a.psn, r->inst->fixmedins_code, a.mdtrt, r->now, stage, add_encounter, &a};
      if ((rc = audit_live(r->c, api_catalog(r->srv), rules(), &in, on_finding, &c, e))) break;
    }
  }
  if (!rc) r->output = json_pack("{s:O}", "result", c.result);
  json_decref(c.result);
  return rc;
}

int api_3101(api_req *r, yb_err *e) { return judge(r, AUDIT_STAGE_PRE, e); }
int api_3102(api_req *r, yb_err *e) { return judge(r, AUDIT_STAGE_DURING, e); }
