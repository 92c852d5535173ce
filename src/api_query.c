/* api_query.c — 2601 reversal, 3201/3202 reconciliation, 5201–5206 queries.
 * An institution sees only its own visits and settlements; 5205 (chronic-disease medication
 * history) is by definition across institutions and returns only the medication lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonx.h"
#include "money.h"

#define P "input.data"

static json_t *data(api_req *r, yb_err *e) { return api_node(r, "data", 1, e); }

/* ---- 2601 reversal ------------------------------------------------------------------------- */
int api_2601(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char psn_no[32] = "", omsgid[72] = "", oinfno[8] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(d, P, "omsgid", true, omsgid, sizeof omsgid, e)) ||
      (rc = jsonx_get_str(d, P, "oinfno", true, oinfno, sizeof oinfno, e)))
    return rc;
  if (strcmp(oinfno, "2207") && strcmp(oinfno, "2304") && strcmp(oinfno, "2401"))
    return yb_fail(e, YB_EUNKNOWN_CODE, P ".oinfno",
                   "reversal of %s is not supported here (2207, 2304 and 2401 are)", oinfno);
  char *infno = NULL, *hash = NULL, *mpsn = NULL, *resp = NULL;
  snprintf(r->psn_no, sizeof r->psn_no, "%s", psn_no);
  rc = store_msg_get(r->c, r->inst->fixmedins_code, omsgid, &infno, &hash, &mpsn, &resp, e);
  if (rc == YB_ENOT_FOUND) { /* the original never took effect: both sides agree already */
    yb_err_clear(e);
    snprintf(r->what, sizeof r->what, "reversal of %s %s: nothing to reverse", oinfno, omsgid);
    return 0;
  }
  if (rc) return rc;
  json_t *orig = json_loads(resp, 0, NULL);
  json_t *out = json_object_get(orig, "output");
  if (strcmp(infno, oinfno))
    rc = yb_fail(e, YB_EMISMATCH, P ".oinfno", "message %s was infno %s", omsgid, infno);
  else if (strcmp(mpsn, psn_no))
    rc = yb_fail(e, YB_EMISMATCH, P ".psn_no", "message %s concerned another person", omsgid);
  else if (!strcmp(oinfno, "2401")) {
    const char *mdtrt_id = json_string_value(json_object_get(json_object_get(out, "result"), "mdtrt_id"));
    store_visit v;
    if (!mdtrt_id) rc = yb_fail(e, YB_ESTORE, P ".omsgid", "stored reply has no mdtrt_id");
    else if (!(rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) rc = api_cancel_visit(r, &v, e);
  } else {
    const char *setl_id = json_string_value(json_object_get(json_object_get(out, "setlinfo"), "setl_id"));
    json_t *ignored = NULL;
    if (!setl_id) rc = yb_fail(e, YB_ESTORE, P ".omsgid", "stored reply has no setl_id");
    else rc = api_cancel_setl(r, setl_id, NULL, psn_no, &ignored, e);
    const char *m = json_string_value(json_object_get(json_object_get(out, "setlinfo"), "mdtrt_id"));
    if (!rc && m && !strcmp(oinfno, "2304")) api_dip_on_cancel(r, m);
    json_decref(ignored);
  }
  if (!rc) snprintf(r->what, sizeof r->what, "reversal of %s %s", oinfno, omsgid);
  json_decref(orig);
  free(infno), free(hash), free(mpsn), free(resp);
  return rc;
}

/* ---- reconciliation ------------------------------------------------------------------------- */
static int date_range(json_t *d, char *begn, char *end, yb_err *e) {
  int32_t b = 0, x = 0;
  int rc;
  if ((rc = jsonx_get_date(d, P, "stmt_begndate", true, &b, NULL, e)) ||
      (rc = jsonx_get_date(d, P, "stmt_enddate", true, &x, NULL, e)))
    return rc;
  if (x < b) return yb_fail(e, YB_ERANGE, P ".stmt_enddate", "before stmt_begndate");
  char t[11];
  snprintf(begn, 20, "%s 00:00:00", jsonx_date_str(b, t));
  snprintf(end, 20, "%s 23:59:59", jsonx_date_str(x, t));
  return 0;
}

int api_3201(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char insutype[8] = "", clr_type[8] = "", optins[8] = "", begn[20], end[20];
  int64_t medfee = 0, fund = 0, acct = 0, cnt = 0, refd = -1;
  int rc;
  if ((rc = jsonx_get_str(d, P, "insutype", true, insutype, sizeof insutype, e)) ||
      (rc = jsonx_get_str(d, P, "clr_type", true, clr_type, sizeof clr_type, e)) ||
      (rc = jsonx_get_str(d, P, "setl_optins", true, optins, sizeof optins, e)) ||
      (rc = date_range(d, begn, end, e)) ||
      (rc = jsonx_get_dec(d, P, "medfee_sumamt", true, MONEY_SCALE_FEN, &medfee, e)) ||
      (rc = jsonx_get_dec(d, P, "fund_pay_sumamt", true, MONEY_SCALE_FEN, &fund, e)) ||
      (rc = jsonx_get_dec(d, P, "acct_pay", true, MONEY_SCALE_FEN, &acct, e)) ||
      (rc = jsonx_get_int(d, P, "fixmedins_setl_cnt", true, &cnt, e)) ||
      (rc = jsonx_get_int(d, P, "refd_setl_flag", false, &refd, e)))
    return rc;
  if (refd < -1 || refd > 1) return yb_fail(e, YB_EUNKNOWN_CODE, P ".refd_setl_flag", "must be 0 or 1");
  store_totals t;
  if ((rc = store_setl_totals(r->c, r->inst->fixmedins_code, insutype, clr_type, begn, end, (int)refd,
                              &t, e)))
    return rc;
  char dscr[400] = "", a[32], b[32];
  size_t n = 0;
  const struct { const char *name; int64_t ours, theirs; int money; } cmp[] = {
      {"medfee_sumamt", t.medfee_sumamt, medfee, 1}, {"fund_pay_sumamt", t.fund_pay_sumamt, fund, 1},
      {"acct_pay", t.acct_pay, acct, 1}, {"fixmedins_setl_cnt", t.cnt, cnt, 0}};
  for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
    if (cmp[i].ours == cmp[i].theirs) continue;
    if (cmp[i].money) money_fen_str(cmp[i].ours, a), money_fen_str(cmp[i].theirs, b);
    else snprintf(a, sizeof a, "%lld", (long long)cmp[i].ours), snprintf(b, sizeof b, "%lld", (long long)cmp[i].theirs);
    int w = snprintf(dscr + n, sizeof dscr - n, "%s%s: centre %s, institution %s", n ? "; " : "",
                     cmp[i].name, a, b);
    if (w > 0 && (size_t)w < sizeof dscr - n) n += (size_t)w;
  }
  /* JX codes: 0 平, 1 中心多 (more settlements here), 2 医药机构多, 3 数据不一致 */
  const char *rslt = !dscr[0] ? "0" : t.cnt > cnt ? "1" : t.cnt < cnt ? "2" : "3";
  r->output = json_pack("{s:{s:s,s:s,s:s}}", "stmtinfo", "setl_optins", optins, "stmt_rslt", rslt,
                        "stmt_rslt_dscr", dscr[0] ? dscr : "平");
  return 0;
}

typedef struct recon {
  json_t *theirs; /* the institution's rows; a matched one gets "matched" */
  json_t *by_id;  /* setl_id → the indexes in theirs of its rows not yet matched, in order */
  json_t *result;
} recon;

static void recon_index(recon *x) {
  size_t i;
  json_t *row;
  x->by_id = json_object();
  json_array_foreach(x->theirs, i, row) {
    const char *id = json_string_value(json_object_get(row, "setl_id")) ?: "";
    json_t *at = json_object_get(x->by_id, id);
    if (!at) json_object_set_new(x->by_id, id, at = json_array());
    json_array_append_new(at, json_integer((json_int_t)i));
  }
}

static int recon_row(const store_setl *s, void *arg) {
  recon *x = arg;
  const char *rslt = "1", *memo = "中心有，医药机构无"; /* in our books only */
  json_t *at = json_object_get(x->by_id, s->setl_id);
  if (json_array_size(at)) {
    json_t *row = json_array_get(x->theirs, (size_t)json_integer_value(json_array_get(at, 0)));
    json_array_remove(at, 0);
    int64_t mf = 0, fp = 0, ap = 0;
    int ok = !jsonx_dec(json_object_get(row, "medfee_sumamt"), 2, &mf) &&
             !jsonx_dec(json_object_get(row, "fund_pay_sumamt"), 2, &fp) &&
             !jsonx_dec(json_object_get(row, "acct_pay"), 2, &ap) && mf == s->medfee_sumamt &&
             fp == s->fund_pay_sumamt && ap == s->acct_pay + s->acct_mulaid_pay;
    rslt = ok ? "0" : "3";
    memo = ok ? "" : "金额不一致";
    json_object_set_new(row, "matched", json_true());
  }
  json_array_append_new(
      x->result, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:o,s:o}", "psn_no", s->psn_no, "mdtrt_id",
                           s->mdtrt_id, "setl_id", s->setl_id, "msgid", s->msgid, "stmt_rslt", rslt,
                           "refd_setl_flag", s->refd_setl_flag, "memo", memo, "medfee_sumamt",
                           jsonx_money(s->medfee_sumamt), "fund_pay_sumamt",
                           jsonx_money(s->fund_pay_sumamt), "acct_pay",
                           jsonx_money(s->acct_pay + s->acct_mulaid_pay)));
  return 0;
}

/* 3202: the institution's rows from its 9101 upload (file_qury_no), answered with a result file
 * for 9102 as well as inline; or, without a file, the rows inline as data.detail (docs/api.md). */
int api_3202(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char optins[8] = "", fq[64] = "", begn[20], end[20];
  int rc;
  if ((rc = jsonx_get_str(d, P, "setl_optins", true, optins, sizeof optins, e)) ||
      (rc = jsonx_get_str(d, P, "file_qury_no", false, fq, sizeof fq, e)) ||
      (rc = date_range(d, begn, end, e)))
    return rc;
  json_t *rows = json_object_get(d, "detail"), *file_rows = NULL;
  if (!rows && !fq[0])
    return yb_fail(e, YB_EMISSING, P ".file_qury_no", "required: the 9101 upload of the institution's rows "
                                                     "(or the rows inline as data.detail)");
  if (!rows) { /* the uploaded file's rows, each checked as an inline row, its line named */
    if ((rc = api_file_rows(r, fq, &file_rows, e))) return rc;
    rows = file_rows;
  }
  if (!json_is_array(rows)) return yb_fail(e, YB_ETYPE, P ".detail", "must be a list");
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    char path[80], id[32];
    int64_t x;
    if (file_rows)
      snprintf(path, sizeof path, P ".file_qury_no[line %lld]",
               (long long)json_integer_value(json_object_get(row, "line")));
    else
      snprintf(path, sizeof path, P ".detail[%zu]", i);
    if (!json_is_object(row)) rc = yb_fail(e, YB_ETYPE, path, "must be an object");
    if (rc || (rc = jsonx_get_str(row, path, "setl_id", true, id, sizeof id, e)) ||
        (rc = jsonx_get_dec(row, path, "medfee_sumamt", true, 2, &x, e)) ||
        (rc = jsonx_get_dec(row, path, "fund_pay_sumamt", true, 2, &x, e)) ||
        (rc = jsonx_get_dec(row, path, "acct_pay", true, 2, &x, e))) {
      json_decref(file_rows);
      return rc;
    }
  }
  recon x = {json_deep_copy(rows), NULL, json_array()};
  recon_index(&x);
  json_decref(file_rows);
  rc = store_setl_each_inst(r->c, r->inst->fixmedins_code, begn, end, recon_row, &x, e);
  json_array_foreach(x.theirs, i, row) { /* in the institution's books only */
    if (json_object_get(row, "matched")) continue;
    json_t *refd = json_object_get(row, "refd_setl_flag");
    json_array_append_new(
        x.result, json_pack("{s:s,s:s,s:O,s:s,s:s,s:o,s:s}", "psn_no",
                            json_string_value(json_object_get(row, "psn_no")) ?: "", "mdtrt_id",
                            json_string_value(json_object_get(row, "mdtrt_id")) ?: "", "setl_id",
                            json_object_get(row, "setl_id"), "msgid", "", "stmt_rslt", "2", "refd_setl_flag",
                            refd ? json_incref(refd) : json_string("0"), "memo", "医药机构有，中心无"));
  }
  json_decref(x.theirs);
  json_decref(x.by_id);
  if (rc) {
    json_decref(x.result);
    return rc;
  }
  json_t *info = NULL;
  if (fq[0] && (rc = api_file_result(r, x.result, &info, e))) { /* answered from the file, as a file */
    json_decref(x.result);
    return rc;
  }
  if (!info) info = json_pack("{s:s,s:s,s:s}", "file_qury_no", "", "filename", "", "dld_endtime", "");
  r->output = json_pack("{s:o,s:o}", "fileinfo", info, "result", x.result);
  return 0;
}

/* ---- queries ---------------------------------------------------------------------------------- */
typedef struct visit_q {
  api_req *r;
  const char *med_type, *mdtrt_id;
  const store_person *p;
  json_t *list;
} visit_q;

static int add_visit(const store_visit *v, void *arg) {
  visit_q *q = arg;
  if (strcmp(v->fixmedins_code, q->r->inst->fixmedins_code)) return 0;
  if (q->med_type[0] && strcmp(q->med_type, v->med_type)) return 0;
  if (q->mdtrt_id[0] && strcmp(q->mdtrt_id, v->mdtrt_id)) return 0;
  json_t *info = json_loads(v->info ? v->info : "{}", 0, NULL);
  json_t *row = json_pack(
      "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:O}", "mdtrt_id",
      v->mdtrt_id, "psn_no", v->psn_no, "psn_name", q->p->psn_name, "psn_cert_type",
      q->p->psn_cert_type, "certno", q->p->certno, "gend", q->p->gend, "brdy", q->p->brdy,
      "insutype", v->insutype, "med_type", v->med_type, "begntime", v->begntime, "endtime",
      v->endtime, "ipt_otp_no", v->ipt_otp_no, "dise_codg", v->dise_codg, "dise_name", v->dise_name,
      "fixmedins_code", v->fixmedins_code, "insuplc_admdvs", q->p->insuplc_admdvs, "inhosp_stas",
      !strcmp(v->kind, "ipt") && v->state == STORE_VISIT_OPEN ? "1" : "0", "vali_flag",
      v->state == STORE_VISIT_CANCELLED ? 0 : 1, "detail", info ? info : json_object());
  json_decref(info);
  json_array_append_new(q->list, row);
  return 0;
}

int api_5201(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char psn_no[32] = "", begn[20] = "", end[20] = "", med_type[8] = "", mdtrt_id[32] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = api_get_dt(d, P, "begntime", 1, begn, e)) || (rc = api_get_dt(d, P, "endtime", 1, end, e)) ||
      (rc = jsonx_get_str(d, P, "med_type", false, med_type, sizeof med_type, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_id", false, mdtrt_id, sizeof mdtrt_id, e)))
    return rc;
  store_person p;
  rc = store_person_get(r->c, psn_no, &p, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, P ".psn_no", "no insured person %s", psn_no);
  if (rc) return rc;
  visit_q q = {r, med_type, mdtrt_id, &p, json_array()};
  if ((rc = store_visit_each(r->c, psn_no, begn, end, add_visit, &q, e))) {
    json_decref(q.list);
    return rc;
  }
  r->output = json_pack("{s:o}", "mdtrtinfo", q.list);
  return 0;
}

/* A visit's stored diseinfo rows of one kind into list, each with inout_diag_type and a
 * diag_info_id (the visit, the kind, diag_srt_no). */
static void add_diag(json_t *list, json_t *rows, const char *type, const char *mdtrt_id, const char *psn_no) {
  rows = api_as_list(rows);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    if (!json_is_object(row)) continue;
    char srt[24] = "", id[96];
    yb_err ignore = {0};
    jsonx_get_str(row, "", "diag_srt_no", false, srt, sizeof srt, &ignore);
    snprintf(id, sizeof id, "%s-%s-%s", mdtrt_id, type, srt[0] ? srt : "0");
    json_t *out = json_deep_copy(row);
    json_object_set_new(out, "diag_info_id", json_string(id));
    json_object_set_new(out, "inout_diag_type", json_string(type));
    json_object_set_new(out, "mdtrt_id", json_string(mdtrt_id));
    json_object_set_new(out, "psn_no", json_string(psn_no));
    if (!json_object_get(out, "vali_flag")) json_object_set_new(out, "vali_flag", json_string("1"));
    json_array_append_new(list, out);
  }
  json_decref(rows);
}

/* 5202 诊断信息查询: a visit's diagnosis rows as uploaded — a stay's admission rows (2401, as 2403
 * updated them: inout_diag_type 1) and discharge rows (2402: 2), an outpatient visit's 2203 rows
 * (1). A voided row is listed with its vali_flag 0. */
int api_5202(api_req *r, yb_err *e) {
  store_visit v;
  int rc = api_visit_of(r, "data", &v, e);
  if (rc) return rc;
  char mdtrt_id[32];
  api_cpy(mdtrt_id, sizeof mdtrt_id, v.mdtrt_id);
  if ((rc = store_visit_get(r->c, mdtrt_id, &v, 1, e))) return rc;
  json_t *info = json_loads(v.info, 0, NULL), *list = json_array();
  free((char *)v.info);
  int ipt = !strcmp(v.kind, "ipt");
  add_diag(list, json_object_get(ipt ? info : json_object_get(info, "visit"), "diseinfo"), "1", mdtrt_id, v.psn_no);
  if (ipt) add_diag(list, json_object_get(json_object_get(info, "discharge"), "diseinfo"), "2", mdtrt_id, v.psn_no);
  json_decref(info);
  r->output = json_pack("{s:o}", "diseinfo", list);
  return 0;
}

static int my_setl(api_req *r, json_t *d, store_setl *s, yb_err *e) {
  char psn_no[32] = "", setl_id[32] = "", mdtrt_id[32] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(d, P, "setl_id", true, setl_id, sizeof setl_id, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)))
    return rc;
  rc = store_setl_get(r->c, setl_id, s, e);
  if (rc == YB_ENOT_FOUND || (!rc && (strcmp(s->fixmedins_code, r->inst->fixmedins_code) ||
                                      strcmp(s->mdtrt_id, mdtrt_id) || strcmp(s->psn_no, psn_no)))) {
    if (!rc) store_setl_free(s);
    return yb_fail(e, YB_ENOT_FOUND, P ".setl_id", "no settlement %s of %s / %s at this institution",
                   setl_id, mdtrt_id, psn_no);
  }
  return rc;
}

int api_5203(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  store_setl s;
  int rc = my_setl(r, d, &s, e);
  if (rc) return rc;
  json_t *si = json_loads(s.setlinfo, 0, NULL), *sd = json_loads(s.setldetail, 0, NULL);
  if (!si || !sd) {
    json_decref(si), json_decref(sd);
    store_setl_free(&s);
    return yb_fail(e, YB_ESTORE, P ".setl_id", "stored settlement is unreadable");
  }
  char year[8];
  snprintf(year, sizeof year, "%d", s.year);
  json_object_set(si, "psn_pay", json_object_get(si, "psn_part_amt"));
  json_object_set(si, "cash_payamt", json_object_get(si, "psn_cash_pay"));
  json_object_set_new(si, "fixmedins_code", json_string(r->inst->fixmedins_code));
  json_object_set_new(si, "fixmedins_name", json_string(r->inst->fixmedins_name));
  json_object_set_new(si, "hosp_lv", json_string(r->inst->hosp_lv_code));
  json_object_set_new(si, "fixmedins_poolarea", json_string(r->inst->admdvs));
  json_object_set_new(si, "refd_setl_flag", json_string(s.refd_setl_flag ? "1" : "0"));
  json_object_set_new(si, "vali_flag", json_string(s.state ? "1" : "0"));
  json_object_set_new(si, "year", json_string(year));
  json_object_set_new(si, "pay_loc", json_string("2"));
  r->output = json_pack("{s:o,s:o}", "setlinfo", si, "setldetail", sd);
  store_setl_free(&s);
  return 0;
}

static int add_fee(const store_fee *f, void *arg) {
  json_t *list = arg;
  json_t *row = json_loads(f->body, 0, NULL), *res = json_loads(f->result, 0, NULL);
  if (!row) row = json_object();
  if (res) json_object_update(row, res);
  json_decref(res);
  json_object_set_new(row, "setl_id", json_string(f->setl_id));
  json_object_set_new(row, "vali_flag", json_string(f->state ? "1" : "0"));
  json_object_set_new(row, "fixmedins_code", json_string(f->fixmedins_code));
  json_object_set_new(row, "med_type", json_string(f->med_type));
  json_array_append_new(list, row);
  return 0;
}

int api_5204(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char psn_no[32] = "", setl_id[32] = "", mdtrt_id[32] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(d, P, "setl_id", false, setl_id, sizeof setl_id, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)))
    return rc;
  json_t *list = json_array();
  if (setl_id[0]) {
    store_setl s;
    if (!(rc = my_setl(r, d, &s, e))) {
      store_setl_free(&s);
      rc = store_fee_each_setl(r->c, setl_id, add_fee, list, e);
    }
  } else {
    store_visit v;
    if (!(rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e)))
      rc = store_fee_each(r->c, mdtrt_id, NULL, STORE_FEE_ALL, add_fee, list, e);
  }
  if (rc) {
    json_decref(list);
    return rc;
  }
  r->output = json_pack("{s:o}", "result", list);
  return 0;
}

typedef struct med_q {
  const catalog *cat;
  json_t *list;
} med_q;

static int add_med(const store_fee *f, void *arg) {
  med_q *q = arg;
  /* national med_type codes of chronic care: 14 门诊慢特病, 9901 门诊两病 (HSI §6.2) */
  if (strcmp(f->med_type, "14") && strcmp(f->med_type, "9901")) return 0;
  const catalog_item *it = catalog_find(q->cat, f->med_list_codg);
  if (!it || it->list_type >= 200) return 0; /* medication only (list_type 1xx) */
  char lv[4], type[4], lt[8], cnt[32], pric[32];
  snprintf(lv, sizeof lv, "%02u", (unsigned)it->lv);
  snprintf(type, sizeof type, "%02u", (unsigned)it->chrgitm_type);
  snprintf(lt, sizeof lt, "%u", (unsigned)it->list_type);
  money_format(f->cnt, MONEY_SCALE_CNT, 0, cnt);
  money_format(f->pric, MONEY_SCALE_PRICE, 2, pric);
  json_array_append_new(
      q->list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                         "feedetl_sn", f->feedetl_sn, "fixmedins_code", f->fixmedins_code, "psn_no",
                         f->psn_no, "med_type", f->med_type, "fee_ocur_time", f->fee_ocur_time,
                         "mdtrt_id", f->mdtrt_id, "cnt", atof(cnt), "pric", atof(pric), "chrgitm_lv",
                         lv, "hilist_code", it->code, "hilist_name", it->name, "list_type", lt,
                         "med_list_codg", f->med_list_codg, "medins_list_codg", f->medins_list_codg,
                         "med_chrgitm_type", type, "bas_medn_flag", it->bas_medn_flag ? "1" : "0"));
  return 0;
}

int api_5205(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char psn_no[32] = "", begn[20] = "", end[20] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = api_get_dt(d, P, "begntime", 1, begn, e)) || (rc = api_get_dt(d, P, "endtime", 0, end, e)))
    return rc;
  if (!end[0]) snprintf(end, sizeof end, "%s", r->now);
  med_q q = {api_catalog(r->srv), json_array()};
  if ((rc = store_fee_each_psn(r->c, psn_no, "", begn, end, add_med, &q, e))) {
    json_decref(q.list);
    return rc;
  }
  r->output = json_pack("{s:o}", "feedetail", q.list);
  return 0;
}

typedef struct cum_q {
  json_t *list;
  const char *insutype, *ym;
  int year;
} cum_q;

static int add_cum(const char *bucket, int period, int64_t value, void *arg) {
  cum_q *q = arg;
  char ym[8];
  if (!value) return 0; /* a bucket a cancellation brought back to zero */
  if (period) snprintf(ym, sizeof ym, "%04d%02d", q->year, period % 100);
  else snprintf(ym, sizeof ym, "%s", q->ym);
  char y[8];
  snprintf(y, sizeof y, "%d", q->year % 10000);
  int count = !strcmp(bucket, "admissions"); /* a count, the other buckets are fen */
  json_array_append_new(q->list, json_pack("{s:s,s:s,s:s,s:s,s:o}", "insutype", q->insutype, "year",
                                           y, "cum_ym", ym, "cum_type_code", bucket, "cum",
                                           count ? json_integer(value) : jsonx_money(value)));
  return 0;
}

static int first_insu(const store_enroll *en, void *arg) {
  snprintf(arg, 8, "%s", en->insutype);
  return 1;
}

int api_5206(api_req *r, yb_err *e) {
  json_t *d = data(r, e);
  if (!d) return e->code;
  char psn_no[32] = "", ym[16] = "", insutype[8] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(d, P, "cum_ym", false, ym, sizeof ym, e)))
    return rc;
  int year = ym[0] ? atoi(ym) / 100 : atoi(r->now);
  if (ym[0] && (strlen(ym) != 6 || year < 1900 || atoi(ym + 4) < 1 || atoi(ym + 4) > 12))
    return yb_fail(e, YB_EINVAL, P ".cum_ym", "must be yyyyMM");
  if (!ym[0]) snprintf(ym, sizeof ym, "%04d%.2s", year, r->now + 5);
  store_person p;
  rc = store_person_get(r->c, psn_no, &p, e);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, P ".psn_no", "no insured person %s", psn_no);
  if (rc) return rc;
  rc = store_enroll_each(r->c, psn_no, year, first_insu, insutype, e);
  if (rc < 0) return rc;
  cum_q q = {json_array(), insutype, ym, year};
  if ((rc = store_accum_each(r->c, psn_no, year, add_cum, &q, e))) {
    json_decref(q.list);
    return rc;
  }
  snprintf(r->psn_no, sizeof r->psn_no, "%s", psn_no);
  r->output = json_pack("{s:o}", "cuminfo", q.list);
  return 0;
}
