/* api_visit.c — visits and fee lines: outpatient 2201/2202/2203/2204/2205, inpatient
 * 2401/2402/2403/2404/2405/2301/2302. Every check runs before the first write; a failing call is rolled
 * back by its SAVEPOINT anyway. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonw.h"
#include "jsonx.h"
#include "money.h"

#define MAX_FEE_ROWS 1000 /* per call */

/* Alive on `date` (yyyymmdd) and enrolled in insutype for its year: 2201, 2401, 2403. */
static int enrolled_on(api_req *r, const store_person *p, const char *P, const char *insutype,
                       int32_t date, yb_err *e) {
  char path[96];
  int32_t died = 0;
  snprintf(path, sizeof path, "%s.psn_no", P);
  if (p->death_date[0] && !jsonx_parse_date(p->death_date, &died, NULL) && died < date)
    return yb_fail(e, YB_ECONFLICT, path, "person died on %s", p->death_date);
  store_enroll en;
  int rc = store_enroll_get(r->c, p->psn_no, date / 10000, insutype, &en, e);
  snprintf(path, sizeof path, "%s.insutype", P);
  if (rc == YB_ENOT_FOUND)
    return yb_fail(e, rc, path, "person %s is not enrolled in %s for %d", p->psn_no, insutype,
                   date / 10000);
  return rc;
}

/* Person, insured region, enrollment and credential checks shared by 2201 and 2401. */
static int person_for_visit(api_req *r, json_t *in, const char *P, const char *psn_no,
                            const char *insutype, int32_t date, store_person *p, yb_err *e) {
  char path[96];
  int rc = store_person_get(r->c, psn_no, p, e);
  snprintf(path, sizeof path, "%s.psn_no", P);
  if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, path, "no insured person %s", psn_no);
  if (rc) return rc;
  if ((rc = api_check_insuplc(r, p, e))) return rc;
  if ((rc = enrolled_on(r, p, P, insutype, date, e))) return rc;
  char type[8] = "", no[72] = "", card_sn[40] = "", certno[40] = "";
  if ((rc = jsonx_get_str(in, P, "mdtrt_cert_type", true, type, sizeof type, e)) ||
      (rc = jsonx_get_str(in, P, "mdtrt_cert_no", false, no, sizeof no, e)) ||
      (rc = jsonx_get_str(in, P, "card_sn", false, card_sn, sizeof card_sn, e)) ||
      (rc = jsonx_get_str(in, P, "certno", false, certno, sizeof certno, e)))
    return rc;
  snprintf(path, sizeof path, "%s.mdtrt_cert_no", P);
  if (no[0] && !api_cert_matches(p, type, no, card_sn[0] ? card_sn : NULL))
    return yb_fail(e, YB_EMISMATCH, path, "credential %s/%s does not belong to %s", type, no, psn_no);
  snprintf(path, sizeof path, "%s.certno", P);
  if (certno[0] && strcmp(certno, p->certno))
    return yb_fail(e, YB_EMISMATCH, path, "does not match person %s", psn_no);
  api_cpy(r->psn_no, sizeof r->psn_no, psn_no);
  return 0;
}

/* The policy in force for a person and date must know the med_type. */
static int check_med_type(api_req *r, const store_person *p, int year, const char *med_type,
                          const char *path, yb_err *e) {
  const policy *pol = api_policy_for(r->srv, p->insuplc_admdvs, year);
  if (!pol)
    return yb_fail(e, YB_EPOLICY, path, "no policy for insured region %s in %d", p->insuplc_admdvs,
                   year);
  if (policy_category_of(pol, med_type) < 0)
    return yb_fail(e, YB_EUNKNOWN_CODE, path, "med_type %s is not covered by the policy", med_type);
  return 0;
}

static char *dump(json_t *j) { return jsonw_dumps(j, JSON_COMPACT); }

/* Valid diagnoses (vali_flag 1) of a diseinfo list into v->diag; checks each row. */
static int read_diag(json_t *list, const char *P, store_visit *v, yb_err *e) {
  if (!list || json_is_null(list)) return 0;
  list = api_as_list(list);
  if (!json_is_array(list)) {
    json_decref(list);
    return yb_fail(e, YB_ETYPE, P, "must be a list");
  }
  int rc = 0;
  size_t i;
  json_t *row;
  json_array_foreach(list, i, row) {
    char path[64], code[24] = "", name[128] = "", type[8] = "";
    int64_t vali = 1;
    snprintf(path, sizeof path, "%s[%zu]", P, i);
    if (!json_is_object(row)) {
      rc = yb_fail(e, YB_ETYPE, path, "must be an object");
      break;
    }
    if ((rc = jsonx_get_str(row, path, "diag_code", true, code, sizeof code, e)) ||
        (rc = jsonx_get_str(row, path, "diag_name", true, name, sizeof name, e)) ||
        (rc = jsonx_get_str(row, path, "diag_type", true, type, sizeof type, e)) ||
        (rc = jsonx_get_int(row, path, "vali_flag", false, &vali, e)))
      break;
    if (vali != 0 && vali != 1) {
      char f[80];
      snprintf(f, sizeof f, "%s.vali_flag", path);
      rc = yb_fail(e, YB_EUNKNOWN_CODE, f, "must be 0 or 1");
      break;
    }
    int found = -1;
    for (int k = 0; k < v->n_diag; k++)
      if (!strcmp(v->diag[k], code)) found = k;
    if (!vali && found >= 0) { /* void it */
      for (int k = found; k + 1 < v->n_diag; k++) memcpy(v->diag[k], v->diag[k + 1], sizeof v->diag[k]);
      v->n_diag--;
    } else if (vali && found < 0 && v->n_diag < STORE_MAX_DIAG) {
      api_cpy(v->diag[v->n_diag++], sizeof v->diag[0], code);
    }
  }
  json_decref(list);
  return rc;
}

/* ---- outpatient ------------------------------------------------------------------------------ */
int api_2201(api_req *r, yb_err *e) {
  const char *P = "input.data";
  json_t *in = api_node(r, "data", 1, e);
  if (!in) return e->code;
  store_visit v;
  memset(&v, 0, sizeof v);
  char tmp[128];
  int32_t d = 0;
  int rc;
  if ((rc = jsonx_get_str(in, P, "psn_no", true, v.psn_no, sizeof v.psn_no, e)) ||
      (rc = jsonx_get_str(in, P, "insutype", true, v.insutype, sizeof v.insutype, e)) ||
      (rc = api_get_dt(in, P, "begntime", 1, v.begntime, e)) ||
      (rc = jsonx_get_str(in, P, "mdtrt_cert_no", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "ipt_otp_no", true, v.ipt_otp_no, sizeof v.ipt_otp_no, e)) ||
      (rc = jsonx_get_str(in, P, "atddr_no", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "dr_name", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "dept_code", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "dept_name", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "caty", true, tmp, sizeof tmp, e)))
    return rc;
  jsonx_parse_date(v.begntime, &d, NULL);
  store_person p;
  if ((rc = person_for_visit(r, in, P, v.psn_no, v.insutype, d, &p, e))) return rc;
  store_visit old;
  rc = store_visit_find_otp(r->c, r->inst->fixmedins_code, v.ipt_otp_no, &old, e);
  if (!rc)
    return yb_fail(e, YB_ECONFLICT, "input.data.ipt_otp_no", "already registered as mdtrt_id %s",
                   old.mdtrt_id);
  if (rc != YB_ENOT_FOUND) return rc;
  yb_err_clear(e);
  if ((rc = api_new_id(r, "MZ", v.mdtrt_id, sizeof v.mdtrt_id, e))) return rc;
  api_cpy(v.fixmedins_code, sizeof v.fixmedins_code, r->inst->fixmedins_code);
  snprintf(v.kind, sizeof v.kind, "otp");
  v.state = STORE_VISIT_OPEN;
  jsonw_buf b = {0}; /* {"registration":input.data}, as dumping that tree gave */
  JW_LIT(&b, "{\"registration\":");
  jsonw_value(&b, in, JSON_COMPACT);
  JW_LIT(&b, "}");
  char *info = jsonw_take(&b);
  if (!info) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  v.info = info;
  rc = store_visit_put(r->c, &v, e);
  free(info);
  if (rc) return rc;
  api_hist(r, v.begntime);
  snprintf(r->what, sizeof r->what, "register outpatient %s", v.mdtrt_id);
  jsonw_obj o; /* {"data":{"mdtrt_id","psn_no","ipt_otp_no"}} */
  JW_LIT(&b, "{\"data\":");
  jsonw_obj_open(&o, &b);
  JW_STR(&o, "mdtrt_id", v.mdtrt_id);
  JW_STR(&o, "psn_no", v.psn_no);
  JW_STR(&o, "ipt_otp_no", v.ipt_otp_no);
  jsonw_obj_close(&o);
  JW_LIT(&b, "}");
  if (!(r->output_text = jsonw_take(&b))) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  return 0;
}

static int cancel_unsettled(const store_fee *f, void *arg) {
  void **a = arg;
  return store_fee_cancel(a[0], f->mdtrt_id, f->feedetl_sn, a[1]);
}

/* Refused (at path) while the visit has a valid settlement: a cancellation (2202, 2404), a
 * correction (2403) or a reopening (2405) of a settled visit waits for 2208 / 2305. */
static int unsettled(api_req *r, const store_visit *v, const char *path, yb_err *e) {
  int64_t n = 0;
  int rc = store_setl_count_visit(r->c, v->mdtrt_id, &n, e);
  if (rc) return rc;
  if (n)
    return yb_fail(e, YB_ECONFLICT, path, "visit %s has %lld valid settlement(s): cancel them (%s) first",
                   v->mdtrt_id, (long long)n, strcmp(v->kind, "ipt") ? "2208" : "2305");
  return 0;
}

/* Cancel a visit (2202, 2404, 2601 of 2401): no valid settlement; unsettled lines go too. */
int api_cancel_visit(api_req *r, store_visit *v, yb_err *e) {
  int rc = unsettled(r, v, "input.data.mdtrt_id", e);
  if (rc) return rc;
  if (v->state == STORE_VISIT_CANCELLED)
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "visit %s is already cancelled", v->mdtrt_id);
  void *a[2] = {r->c, e};
  if ((rc = store_fee_each(r->c, v->mdtrt_id, NULL, STORE_FEE_UNSETTLED | STORE_FEE_NO_TEXT, cancel_unsettled, a, e)))
    return rc;
  v->state = STORE_VISIT_CANCELLED;
  v->info = NULL;
  return store_visit_update(r->c, v, e);
}

int api_2202(api_req *r, yb_err *e) {
  const char *P = "input.data";
  json_t *in = api_node(r, "data", 1, e);
  if (!in) return e->code;
  char psn_no[32] = "", mdtrt_id[32] = "", otp[32] = "";
  int rc;
  if ((rc = jsonx_get_str(in, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(in, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(in, P, "ipt_otp_no", true, otp, sizeof otp, e)))
    return rc;
  store_visit v;
  if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) return rc;
  if (strcmp(v.kind, "otp"))
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "%s is not an outpatient visit", mdtrt_id);
  if (strcmp(v.ipt_otp_no, otp))
    return yb_fail(e, YB_EMISMATCH, "input.data.ipt_otp_no", "visit %s was registered as %s",
                   mdtrt_id, v.ipt_otp_no);
  if ((rc = api_cancel_visit(r, &v, e))) return rc;
  snprintf(r->what, sizeof r->what, "cancel registration %s", mdtrt_id);
  return 0;
}

/* Merge `key: node` into the visit's stored info JSON. */
static int visit_update(api_req *r, store_visit *v, const char *key, json_t *node, yb_err *e) {
  store_visit full;
  int rc = store_visit_get(r->c, v->mdtrt_id, &full, 1, e);
  if (rc) return rc;
  char *text = NULL;
  char quoted[40];
  snprintf(quoted, sizeof quoted, "\"%s\":", key);
  size_t n = strlen(full.info);
  if (n >= 2 && full.info[0] == '{' && full.info[n - 1] == '}' && !strstr(full.info, quoted)) {
    /* key not in the stored object (the usual first upload): append it as text, the bytes
     * that loading, setting and dumping gave, without the round trip */
    jsonw_buf b = {0};
    jsonw_raw(&b, full.info, n - 1);
    if (n > 2) jsonw_raw(&b, ",", 1);
    jsonw_str(&b, key);
    jsonw_raw(&b, ":", 1);
    jsonw_value(&b, node, JSON_COMPACT);
    jsonw_raw(&b, "}", 1);
    text = jsonw_take(&b);
  } else {
    json_t *info = json_loads(full.info, 0, NULL);
    if (!info) info = json_object();
    json_object_set(info, key, node);
    text = dump(info);
    json_decref(info);
  }
  free((char *)full.info);
  v->info = text;
  rc = store_visit_update(r->c, v, e);
  free(text);
  v->info = NULL;
  return rc;
}

int api_2203(api_req *r, yb_err *e) {
  const char *P = "input.mdtrtinfo";
  json_t *in = api_node(r, "mdtrtinfo", 1, e);
  if (!in) return e->code;
  char psn_no[32] = "", mdtrt_id[32] = "", med_type[8] = "", begn[20] = "";
  char dise[32] = "", dise_name[128] = "";
  int rc;
  if ((rc = jsonx_get_str(in, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(in, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(in, P, "med_type", true, med_type, sizeof med_type, e)) ||
      (rc = api_get_dt(in, P, "begntime", 1, begn, e)) ||
      (rc = jsonx_get_str(in, P, "dise_codg", false, dise, sizeof dise, e)) ||
      (rc = jsonx_get_str(in, P, "dise_name", false, dise_name, sizeof dise_name, e)))
    return rc;
  store_visit v;
  if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) return rc;
  if (strcmp(v.kind, "otp") || v.state != STORE_VISIT_OPEN)
    return yb_fail(e, YB_ECONFLICT, "input.mdtrtinfo.mdtrt_id", "%s is not an open outpatient visit",
                   mdtrt_id);
  if (v.med_type[0] && strcmp(v.med_type, med_type)) {
    int64_t n = 0;
    if ((rc = store_setl_count_visit(r->c, mdtrt_id, &n, e))) return rc;
    if (n)
      return yb_fail(e, YB_ECONFLICT, "input.mdtrtinfo.med_type",
                     "visit %s is settled as %s; one med_type per visit", mdtrt_id, v.med_type);
  }
  store_person p;
  if ((rc = store_person_get(r->c, psn_no, &p, e))) return rc;
  if ((rc = check_med_type(r, &p, atoi(v.begntime), med_type, "input.mdtrtinfo.med_type", e)))
    return rc;
  api_cpy(v.med_type, sizeof v.med_type, med_type);
  api_cpy(v.dise_codg, sizeof v.dise_codg, dise);
  api_cpy(v.dise_name, sizeof v.dise_name, dise_name);
  if ((rc = read_diag(json_object_get(r->input, "diseinfo"), "input.diseinfo", &v, e))) return rc;
  json_t *node = json_pack("{s:O,s:O}", "mdtrtinfo", in, "diseinfo",
                           json_object_get(r->input, "diseinfo") ? json_object_get(r->input, "diseinfo")
                                                                  : json_null());
  rc = visit_update(r, &v, "visit", node, e);
  json_decref(node);
  if (rc) return rc;
  snprintf(r->what, sizeof r->what, "visit info %s med_type %s", mdtrt_id, med_type);
  return 0;
}

/* One uploaded fee row → store_fee (checked). ipt: inpatient rules (returns, med_type). */
static int fee_parse(api_req *r, json_t *row, const char *path, const store_visit *v, int ipt,
                     store_fee *f, yb_err *e) {
  char mdtrt_id[32] = "", psn_no[32] = "", field[96];
  int64_t appr = 0;
  int rc;
  memset(f, 0, sizeof *f);
  if (!json_is_object(row)) return yb_fail(e, YB_ETYPE, path, "must be an object");
  if ((rc = jsonx_get_str(row, path, "feedetl_sn", true, f->feedetl_sn, sizeof f->feedetl_sn, e)) ||
      (rc = jsonx_get_str(row, path, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(row, path, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(row, path, "chrg_bchno", !ipt, f->chrg_bchno, sizeof f->chrg_bchno, e)) ||
      (rc = jsonx_get_str(row, path, "init_feedetl_sn", false, f->init_feedetl_sn,
                          sizeof f->init_feedetl_sn, e)) ||
      (rc = jsonx_get_str(row, path, "med_type", ipt, f->med_type, sizeof f->med_type, e)) ||
      (rc = jsonx_get_str(row, path, "dise_codg", false, f->dise_codg, sizeof f->dise_codg, e)) ||
      (rc = api_get_dt(row, path, "fee_ocur_time", 1, f->fee_ocur_time, e)) ||
      (rc = jsonx_get_str(row, path, "med_list_codg", true, f->med_list_codg,
                          sizeof f->med_list_codg, e)) ||
      (rc = jsonx_get_str(row, path, "medins_list_codg", true, f->medins_list_codg,
                          sizeof f->medins_list_codg, e)) ||
      (rc = jsonx_get_dec(row, path, "det_item_fee_sumamt", true, MONEY_SCALE_FEN, &f->sumamt, e)) ||
      (rc = jsonx_get_dec(row, path, "cnt", true, MONEY_SCALE_CNT, &f->cnt, e)) ||
      (rc = jsonx_get_dec(row, path, "pric", true, MONEY_SCALE_PRICE, &f->pric, e)) ||
      (rc = jsonx_get_int(row, path, "hosp_appr_flag", !ipt, &appr, e)))
    return rc;
#define FIELD(name) (snprintf(field, sizeof field, "%s." name, path), field)
  if (strcmp(mdtrt_id, v->mdtrt_id))
    return yb_fail(e, YB_EMISMATCH, FIELD("mdtrt_id"), "every row of one call must carry mdtrt_id %s",
                   v->mdtrt_id);
  if (strcmp(psn_no, v->psn_no))
    return yb_fail(e, YB_EMISMATCH, FIELD("psn_no"), "visit %s belongs to %s", v->mdtrt_id, v->psn_no);
  if (appr < 0 || appr > 2) return yb_fail(e, YB_EUNKNOWN_CODE, FIELD("hosp_appr_flag"), "must be 0, 1 or 2");
  if (!catalog_find(api_catalog(r->srv), f->med_list_codg))
    return yb_fail(e, YB_EUNKNOWN_CODE, FIELD("med_list_codg"), "%s is not in the catalog",
                   f->med_list_codg);
  if (f->pric < 0) return yb_fail(e, YB_ERANGE, FIELD("pric"), "must not be negative");
  if (f->cnt == 0 || (f->cnt < 0 && !ipt))
    return yb_fail(e, YB_ERANGE, FIELD("cnt"), ipt ? "must not be 0" : "must be positive");
  if (f->cnt < 0 && !f->init_feedetl_sn[0])
    return yb_fail(e, YB_EMISSING, FIELD("init_feedetl_sn"), "required for a return (negative cnt)");
  if (f->cnt > 0 && f->init_feedetl_sn[0])
    return yb_fail(e, YB_EINVAL, FIELD("init_feedetl_sn"), "only a return (negative cnt) names one");
  int64_t want = money_line_fen(f->cnt, f->pric);
  if (f->sumamt - want > 1 || want - f->sumamt > 1) {
    char a[32], b[32];
    return yb_fail(e, YB_EMISMATCH, FIELD("det_item_fee_sumamt"), "%s is not cnt × pric = %s",
                   money_fen_str(f->sumamt, a), money_fen_str(want, b));
  }
#undef FIELD
  if (!ipt) api_cpy(f->med_type, sizeof f->med_type, v->med_type);
  f->hosp_appr_flag = (int)appr;
  api_cpy(f->mdtrt_id, sizeof f->mdtrt_id, v->mdtrt_id);
  api_cpy(f->psn_no, sizeof f->psn_no, v->psn_no);
  api_cpy(f->fixmedins_code, sizeof f->fixmedins_code, v->fixmedins_code);
  return 0;
}

/* What an upload call needs of a batch's stored lines, read once per batch and call (a call's
 * lines mostly share one batch; reading them per line made a call of n lines into an uploaded
 * batch read n times its stored lines): whether one is settled, and their dise_codg when they
 * all carry one (mixed: more than one). */
typedef struct batch_seen {
  const char *bch;
  char dise[32];
  int settled, stored, mixed;
} batch_seen;

static int see_batch(api_req *r, const char *mdtrt_id, batch_seen *b, yb_err *e) {
  store_fee_batch fb;
  int rc = store_fee_batch_get(r->c, mdtrt_id, b->bch, &fb, e);
  if (rc) return rc;
  b->stored = fb.lines > 0, b->settled = fb.settled > 0, b->mixed = strcmp(fb.dise_min, fb.dise_max) != 0;
  api_cpy(b->dise, sizeof b->dise, fb.dise_min);
  return 0;
}

/* A call's view of one stay's valid returns (negative cnt), read once (at the first line of the
 * call that needs them) and sorted by the line they return: 2301 nets a new return against them,
 * 2302 cancels a line's unsettled returns with it. Re-reading the stay once a line made a call of
 * n lines into a stay of m lines cost n x m row reads in the region's only writer. */
typedef struct stay_ret {
  char orig[32], sn[32];
  int64_t cnt;
  int settled, done; /* done: cancelled in this call */
} stay_ret;
typedef struct stay_rets {
  char mdtrt_id[32];
  stay_ret *r;
  size_t n, cap;
  int loaded;
} stay_rets;

static int add_stay_ret(const store_fee *f, void *arg) {
  stay_rets *x = arg;
  if (f->cnt >= 0) return 0;
  if (x->n == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 16;
    stay_ret *r = realloc(x->r, cap * sizeof *r);
    if (!r) return YB_ENOMEM;
    x->r = r, x->cap = cap;
  }
  stay_ret *r = &x->r[x->n++];
  memcpy(r->orig, f->init_feedetl_sn, sizeof r->orig);
  memcpy(r->sn, f->feedetl_sn, sizeof r->sn);
  r->cnt = f->cnt, r->settled = f->setl_id[0] != 0, r->done = 0;
  return 0;
}
static int stay_ret_cmp(const void *a, const void *b) {
  return strcmp(((const stay_ret *)a)->orig, ((const stay_ret *)b)->orig);
}

/* The returns of line orig in the stay: [*lo, *hi) of x->r. */
static int stay_returns(store_conn *c, const char *mdtrt_id, stay_rets *x, const char *orig, size_t *lo,
                        size_t *hi, yb_err *e) {
  if (!x->loaded || strcmp(x->mdtrt_id, mdtrt_id)) {
    x->n = 0, x->loaded = 0;
    api_cpy(x->mdtrt_id, sizeof x->mdtrt_id, mdtrt_id);
    int rc = store_fee_each(c, mdtrt_id, NULL, STORE_FEE_VALID | STORE_FEE_RETURNS | STORE_FEE_NO_TEXT, add_stay_ret, x, e);
    if (rc == YB_ENOMEM) return yb_fail(e, rc, "", "out of memory");
    if (rc) return rc;
    if (x->n) qsort(x->r, x->n, sizeof *x->r, stay_ret_cmp);
    x->loaded = 1;
  }
  size_t a = 0, b = x->n; /* the first entry not below orig */
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (strcmp(x->r[m].orig, orig) < 0) a = m + 1;
    else b = m;
  }
  *lo = *hi = a;
  while (*hi < x->n && !strcmp(x->r[*hi].orig, orig)) ++*hi;
  return 0;
}

/* A stored line of the visit by serial; YB_ENOT_FOUND without a lookup when it has none. */
static int stored_line(api_req *r, int64_t last_seq, const char *mdtrt_id, const char *sn, store_fee *out,
                       yb_err *e) {
  return last_seq ? store_fee_get(r->c, mdtrt_id, sn, out, e) : YB_ENOT_FOUND;
}

/* Parse, check and store the rows of 2204 / 2301, replying with FEE-RESULT rows. */
static int upload(api_req *r, int ipt, yb_err *e) {
  json_t *arr = json_object_get(r->input, "feedetail");
  json_t *owned = api_as_list(arr);
  int rc = 0;
  size_t n = json_array_size(owned);
  store_fee *fees = NULL;
  batch_seen *seen = NULL; /* outpatient: the batches this call's lines name so far */
  size_t n_seen = 0;
  char *again = NULL; /* a line's feedetl_sn is a cancelled line's: that one moves to fee_void */
  stay_rets rets = {0}; /* the stay's stored returns, once a call needs them */
  jsonw_buf results = {0};
  size_t *ends = NULL;
  if (n == 0) {
    rc = yb_fail(e, YB_EMISSING, "input.feedetail", "no rows");
    goto out;
  }
  if (n > MAX_FEE_ROWS) {
    rc = yb_fail(e, YB_ELIMIT, "input.feedetail", "more than %d rows in one call", MAX_FEE_ROWS);
    goto out;
  }
  json_t *first = json_array_get(owned, 0);
  char mdtrt_id[32] = "", psn_no[32] = "";
  if ((rc = jsonx_get_str(first, "input.feedetail[0]", "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(first, "input.feedetail[0]", "psn_no", true, psn_no, sizeof psn_no, e)))
    goto out;
  store_visit v;
  if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) goto out;
  if (strcmp(v.kind, ipt ? "ipt" : "otp") || v.state == STORE_VISIT_CANCELLED ||
      (!ipt && v.state != STORE_VISIT_OPEN)) {
    rc = yb_fail(e, YB_ECONFLICT, "input.feedetail[0].mdtrt_id", "%s is not an open %s visit",
                 mdtrt_id, ipt ? "inpatient" : "outpatient");
    goto out;
  }
  if (!ipt && !v.med_type[0]) {
    rc = yb_fail(e, YB_ECONFLICT, "input.feedetail[0].mdtrt_id",
                 "upload the visit information (2203) first: its med_type is not known");
    goto out;
  }
  int64_t last_seq; /* 0: the visit has no stored line, so none can clash with this call's */
  if ((rc = store_fee_last_seq(r->c, v.mdtrt_id, &last_seq, e))) goto out;
  fees = calloc(n, sizeof *fees);
  seen = calloc(n, sizeof *seen);
  again = calloc(n, 1);
  if (!fees || !seen || !again) {
    rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n && !rc; i++) {
    char path[48];
    snprintf(path, sizeof path, "input.feedetail[%zu]", i);
    if ((rc = fee_parse(r, json_array_get(owned, i), path, &v, ipt, &fees[i], e))) break;
    char field[80];
    snprintf(field, sizeof field, "%s.feedetl_sn", path);
    for (size_t k = 0; k < i; k++)
      if (!strcmp(fees[k].feedetl_sn, fees[i].feedetl_sn)) {
        rc = yb_fail(e, YB_ECONFLICT, field, "%s appears twice in this call", fees[i].feedetl_sn);
        break;
      }
    store_fee old; /* a cancelled line's serial may be sent again (2205/2302 remove lines) */
    if (!rc && !(rc = stored_line(r, last_seq, v.mdtrt_id, fees[i].feedetl_sn, &old, e)) && old.state == 1)
      rc = yb_fail(e, YB_ECONFLICT, field, "%s is already uploaded for this visit", fees[i].feedetl_sn);
    else if (!rc)
      again[i] = 1;
    else if (rc == YB_ENOT_FOUND)
      rc = 0, yb_err_clear(e);
    if (rc) break;
    if (!ipt) { /* one dise_codg per batch; a settled batch takes no more lines */
      const char *bch = fees[i].chrg_bchno, *dise = fees[i].dise_codg;
      batch_seen *b = NULL;
      int other_dise = 0;
      for (size_t k = 0; k < n_seen && !b; k++)
        if (!strcmp(seen[k].bch, bch)) b = &seen[k];
      if (!b) {
        b = &seen[n_seen++];
        *b = (batch_seen){.bch = bch};
        if (last_seq && (rc = see_batch(r, v.mdtrt_id, b, e))) break;
      }
      for (size_t k = 0; k < i && !other_dise; k++)
        if (!strcmp(fees[k].chrg_bchno, bch) && strcmp(fees[k].dise_codg, dise)) other_dise = 1;
      if (b->mixed || (b->stored && strcmp(b->dise, dise))) other_dise = 1;
      snprintf(field, sizeof field, "%s.chrg_bchno", path);
      if (b->settled)
        rc = yb_fail(e, YB_ECONFLICT, field, "batch %s is already settled", bch);
      else if (other_dise)
        rc = yb_fail(e, YB_EMISMATCH, field, "all rows of batch %s must carry one dise_codg", bch);
    } else if (fees[i].cnt < 0) { /* a return: net against its original line */
      snprintf(field, sizeof field, "%s.init_feedetl_sn", path);
      store_fee orig;
      int found = 0;
      int64_t net = 0;
      for (size_t k = 0; k < i; k++)
        if (!strcmp(fees[k].feedetl_sn, fees[i].init_feedetl_sn)) orig = fees[k], found = 1;
      if (!found) {
        rc = stored_line(r, last_seq, v.mdtrt_id, fees[i].init_feedetl_sn, &orig, e);
        if (rc == YB_ENOT_FOUND) rc = yb_fail(e, rc, field, "no line %s in this stay", fees[i].init_feedetl_sn);
        if (rc) break;
        if (orig.state != 1) rc = yb_fail(e, YB_ECONFLICT, field, "line %s is cancelled", orig.feedetl_sn);
        else if (orig.setl_id[0]) rc = yb_fail(e, YB_ECONFLICT, field, "line %s is already settled", orig.feedetl_sn);
        if (rc) break;
      }
      if (orig.cnt < 0) {
        rc = yb_fail(e, YB_EINVAL, field, "line %s is itself a return", orig.feedetl_sn);
        break;
      }
      if (strcmp(orig.med_list_codg, fees[i].med_list_codg) || orig.pric != fees[i].pric) {
        snprintf(field, sizeof field, "%s.med_list_codg", path);
        rc = yb_fail(e, YB_EMISMATCH, field, "a return must repeat line %s's item and price",
                     orig.feedetl_sn);
        break;
      }
      net = orig.cnt;
      /* every return against it: stored ones, and this call's up to this row */
      size_t lo = 0, hi = 0;
      if ((rc = stay_returns(r->c, v.mdtrt_id, &rets, orig.feedetl_sn, &lo, &hi, e))) break;
      for (size_t k = lo; k < hi; k++) net += rets.r[k].cnt;
      for (size_t k = 0; k <= i; k++)
        if (fees[k].cnt < 0 && !strcmp(fees[k].init_feedetl_sn, orig.feedetl_sn)) net += fees[k].cnt;
      if (net < 0) {
        snprintf(field, sizeof field, "%s.cnt", path);
        rc = yb_fail(e, YB_ERANGE, field, "returns more than line %s holds", orig.feedetl_sn);
        break;
      }
    }
  }
  if (rc) goto out;
  /* the reply's output is {"result":[rows]}: the rows written once, each stored from its place */
  JW_LIT(&results, "{\"result\":");
  if (!(ends = malloc(n * sizeof *ends))) {
    rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
    goto out;
  }
  if ((rc = api_fee_results(r, &v, fees, (int)n, &results, ends, e))) goto out;
  JW_LIT(&results, "}");
  if (results.failed) {
    rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n && !rc; i++) {
    char *row = results.p + (i ? ends[i - 1] + 1 : sizeof "{\"result\":[" - 1), *end = results.p + ends[i];
    char c = *end;
    *end = 0; /* the row alone, for the moment it is stored */
    char *body = dump(json_array_get(owned, i));
    fees[i].body = body;
    fees[i].result = row;
    if (!body) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
    if (!rc && again[i]) rc = store_fee_void(r->c, v.mdtrt_id, fees[i].feedetl_sn, r->now, e);
    if (!rc) rc = store_fee_put(r->c, &fees[i], e);
    fees[i].result = NULL;
    *end = c;
    free(body);
  }
  if (rc) goto out;
  snprintf(r->what, sizeof r->what, "upload %zu fee line(s) to %s", n, v.mdtrt_id);
  r->output_text = jsonw_take(&results);
out:
  free(jsonw_take(&results));
  free(ends);
  json_decref(owned);
  free(fees);
  free(seen);
  free(again);
  free(rets.r);
  return rc;
}

int api_2204(api_req *r, yb_err *e) { return upload(r, 0, e); }
int api_2301(api_req *r, yb_err *e) { return upload(r, 1, e); }

typedef struct cancel_ctx {
  store_conn *c;
  yb_err *e;
  int n, settled;
} cancel_ctx;

static int cancel_row(const store_fee *f, void *arg) {
  cancel_ctx *x = arg;
  if (f->setl_id[0]) {
    x->settled++;
    return 0;
  }
  x->n++;
  return store_fee_cancel(x->c, f->mdtrt_id, f->feedetl_sn, x->e);
}

int api_2205(api_req *r, yb_err *e) {
  const char *P = "input.data";
  json_t *in = api_node(r, "data", 1, e);
  if (!in) return e->code;
  char psn_no[32] = "", mdtrt_id[32] = "", bch[32] = "";
  int rc;
  if ((rc = jsonx_get_str(in, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(in, P, "chrg_bchno", true, bch, sizeof bch, e)) ||
      (rc = jsonx_get_str(in, P, "psn_no", true, psn_no, sizeof psn_no, e)))
    return rc;
  store_visit v;
  if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) return rc;
  if (strcmp(v.kind, "otp"))
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "%s is not an outpatient visit", mdtrt_id);
  cancel_ctx x = {r->c, e, 0, 0};
  int all = !strcmp(bch, "0000");
  if (!all) { /* a batch with settled lines stays whole */
    batch_seen b = {.bch = bch};
    if ((rc = see_batch(r, mdtrt_id, &b, e))) return rc;
    if (b.settled)
      return yb_fail(e, YB_ECONFLICT, "input.data.chrg_bchno",
                     "batch %s is settled: cancel the settlement (2208) first", bch);
  }
  if ((rc = store_fee_each(r->c, mdtrt_id, all ? NULL : bch, STORE_FEE_VALID | STORE_FEE_NO_TEXT, cancel_row, &x, e)))
    return rc;
  if (!x.n)
    return yb_fail(e, YB_ENOT_FOUND, "input.data.chrg_bchno", "no unsettled fee lines in %s",
                   all ? "this visit" : bch);
  snprintf(r->what, sizeof r->what, "cancel %d fee line(s) of %s batch %s", x.n, mdtrt_id, bch);
  return 0;
}

/* ---- inpatient ------------------------------------------------------------------------------- */
/* A person is in one hospital at a time (在院, inhosp_stas 1): the first stay of theirs that is
 * neither discharged nor cancelled, anywhere in the region. */
typedef struct open_stay {
  int found;
  char mdtrt_id[32], fixmedins_code[32], ipt_no[32], begntime[20];
} open_stay;
static int find_open_stay(const store_visit *v, void *arg) {
  open_stay *o = arg;
  if (o->found || strcmp(v->kind, "ipt") || v->state != STORE_VISIT_OPEN) return 0;
  o->found = 1;
  api_cpy(o->mdtrt_id, sizeof o->mdtrt_id, v->mdtrt_id);
  api_cpy(o->fixmedins_code, sizeof o->fixmedins_code, v->fixmedins_code);
  api_cpy(o->ipt_no, sizeof o->ipt_no, v->ipt_otp_no);
  api_cpy(o->begntime, sizeof o->begntime, v->begntime);
  return 0;
}

/* Refused (at `path`) while the person has an open stay: 2401 admits, 2405 reopens a stay. The
 * message names the stay only when it is this institution's own. */
static int not_in_hospital(api_req *r, const char *psn_no, const char *path, yb_err *e) {
  open_stay o = {0};
  int rc = store_visit_each(r->c, psn_no, "0000-00-00 00:00:00", "9999-12-31 23:59:59", find_open_stay, &o, e);
  if (rc) return rc;
  if (o.found && !strcmp(o.fixmedins_code, r->inst->fixmedins_code))
    return yb_fail(e, YB_ECONFLICT, path,
                   "%s is in hospital here: stay %s (ipt_no %s) admitted %s is neither discharged (2402) nor "
                   "cancelled (2404)", psn_no, o.mdtrt_id, o.ipt_no, o.begntime);
  if (o.found)
    return yb_fail(e, YB_ECONFLICT, path, "%s is in hospital at another institution since %s: one stay at a time",
                   psn_no, o.begntime);
  return 0;
}

int api_2401(api_req *r, yb_err *e) {
  const char *P = "input.mdtrtinfo";
  json_t *in = api_node(r, "mdtrtinfo", 1, e);
  if (!in) return e->code;
  store_visit v;
  memset(&v, 0, sizeof v);
  char tmp[256];
  int32_t d = 0;
  int rc;
  if ((rc = jsonx_get_str(in, P, "psn_no", true, v.psn_no, sizeof v.psn_no, e)) ||
      (rc = jsonx_get_str(in, P, "insutype", true, v.insutype, sizeof v.insutype, e)) ||
      (rc = api_get_dt(in, P, "begntime", 1, v.begntime, e)) ||
      (rc = jsonx_get_str(in, P, "med_type", true, v.med_type, sizeof v.med_type, e)) ||
      (rc = jsonx_get_str(in, P, "ipt_no", true, v.ipt_otp_no, sizeof v.ipt_otp_no, e)) ||
      (rc = jsonx_get_str(in, P, "atddr_no", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "chfpdr_name", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "adm_diag_dscr", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "adm_dept_codg", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "adm_dept_name", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "adm_bed", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "dscg_maindiag_code", true, v.diag[0], sizeof v.diag[0], e)) ||
      (rc = jsonx_get_str(in, P, "dscg_maindiag_name", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "dise_codg", false, v.dise_codg, sizeof v.dise_codg, e)) ||
      (rc = jsonx_get_str(in, P, "dise_name", false, v.dise_name, sizeof v.dise_name, e)))
    return rc;
  v.n_diag = 1;
  jsonx_parse_date(v.begntime, &d, NULL);
  store_person p;
  if ((rc = person_for_visit(r, in, P, v.psn_no, v.insutype, d, &p, e))) return rc;
  if ((rc = check_med_type(r, &p, d / 10000, v.med_type, "input.mdtrtinfo.med_type", e))) return rc;
  store_visit old;
  rc = store_visit_find_otp(r->c, r->inst->fixmedins_code, v.ipt_otp_no, &old, e);
  if (!rc)
    return yb_fail(e, YB_ECONFLICT, "input.mdtrtinfo.ipt_no", "already admitted as mdtrt_id %s",
                   old.mdtrt_id);
  if (rc != YB_ENOT_FOUND) return rc;
  yb_err_clear(e);
  if ((rc = not_in_hospital(r, v.psn_no, "input.mdtrtinfo.psn_no", e))) return rc;
  if ((rc = read_diag(json_object_get(r->input, "diseinfo"), "input.diseinfo", &v, e))) return rc;
  if ((rc = api_new_id(r, "ZY", v.mdtrt_id, sizeof v.mdtrt_id, e))) return rc;
  api_cpy(v.fixmedins_code, sizeof v.fixmedins_code, r->inst->fixmedins_code);
  snprintf(v.kind, sizeof v.kind, "ipt");
  v.state = STORE_VISIT_OPEN;
  json_t *info = json_pack("{s:O,s:O}", "mdtrtinfo", in, "diseinfo",
                           json_object_get(r->input, "diseinfo") ? json_object_get(r->input, "diseinfo")
                                                                  : json_null());
  char *text = dump(info);
  json_decref(info);
  v.info = text;
  rc = store_visit_put(r->c, &v, e);
  free(text);
  if (rc) return rc;
  api_hist(r, v.begntime);
  snprintf(r->what, sizeof r->what, "admit %s", v.mdtrt_id);
  r->output = json_pack("{s:{s:s}}", "result", "mdtrt_id", v.mdtrt_id);
  return 0;
}

int api_2402(api_req *r, yb_err *e) {
  const char *P = "input.dscginfo";
  json_t *in = api_node(r, "dscginfo", 1, e);
  if (!in) return e->code;
  char psn_no[32] = "", mdtrt_id[32] = "", insutype[8] = "", end[20] = "", tmp[128];
  char dise[32] = "", dise_name[128] = "";
  int64_t way = 0;
  int rc;
  if ((rc = jsonx_get_str(in, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(in, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(in, P, "insutype", true, insutype, sizeof insutype, e)) ||
      (rc = api_get_dt(in, P, "endtime", 1, end, e)) ||
      (rc = jsonx_get_str(in, P, "dscg_dept_codg", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_str(in, P, "dscg_dept_name", true, tmp, sizeof tmp, e)) ||
      (rc = jsonx_get_int(in, P, "dscg_way", true, &way, e)) ||
      (rc = jsonx_get_str(in, P, "dise_codg", false, dise, sizeof dise, e)) ||
      (rc = jsonx_get_str(in, P, "dise_name", false, dise_name, sizeof dise_name, e)))
    return rc;
  store_visit v;
  if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) return rc;
  if (strcmp(v.kind, "ipt") || v.state != STORE_VISIT_OPEN)
    return yb_fail(e, YB_ECONFLICT, "input.dscginfo.mdtrt_id", "%s is not an open inpatient stay",
                   mdtrt_id);
  if (strcmp(insutype, v.insutype))
    return yb_fail(e, YB_EMISMATCH, "input.dscginfo.insutype", "the stay was admitted under %s",
                   v.insutype);
  if (strcmp(end, v.begntime) < 0)
    return yb_fail(e, YB_ERANGE, "input.dscginfo.endtime", "before the admission %s", v.begntime);
  if (way < 1 || (way > 5 && way != 9))
    return yb_fail(e, YB_EUNKNOWN_CODE, "input.dscginfo.dscg_way", "must be 1–5 or 9");
  api_cpy(v.endtime, sizeof v.endtime, end);
  if (dise[0]) api_cpy(v.dise_codg, sizeof v.dise_codg, dise);
  if (dise_name[0]) api_cpy(v.dise_name, sizeof v.dise_name, dise_name);
  if ((rc = read_diag(json_object_get(r->input, "diseinfo"), "input.diseinfo", &v, e))) return rc;
  v.state = STORE_VISIT_DISCHARGED;
  json_t *node = json_pack("{s:O,s:O}", "dscginfo", in, "diseinfo",
                           json_object_get(r->input, "diseinfo") ? json_object_get(r->input, "diseinfo")
                                                                  : json_null());
  rc = visit_update(r, &v, "discharge", node, e);
  json_decref(node);
  if (rc) return rc;
  snprintf(r->what, sizeof r->what, "discharge %s", mdtrt_id);
  return 0;
}

/* A stay's diagnoses from its stored inputs, as 2401 and 2402 built them: the admission's main
 * diagnosis and its diseinfo rows (as 2403 updated them), then, once discharged, the discharge's
 * rows. */
static int stay_diag(json_t *info, store_visit *v, yb_err *e) {
  json_t *adm = json_object_get(info, "mdtrtinfo");
  char main_diag[24] = "";
  v->n_diag = 0;
  yb_err ignore = {0}; /* stored as 2401 checked it */
  if (json_is_object(adm))
    jsonx_get_str(adm, "mdtrtinfo", "dscg_maindiag_code", false, main_diag, sizeof main_diag, &ignore);
  if (main_diag[0]) api_cpy(v->diag[v->n_diag++], sizeof v->diag[0], main_diag);
  int rc = read_diag(json_object_get(info, "diseinfo"), "input.diseinfo", v, e);
  if (!rc && v->state == STORE_VISIT_DISCHARGED)
    rc = read_diag(json_object_get(json_object_get(info, "discharge"), "diseinfo"), "input.diseinfo", v, e);
  return rc;
}

/* 2403's diseinfo into the stored admission rows: a row whose diag_srt_no is stored replaces it,
 * any other is added. */
static int merge_diseinfo(json_t *info, json_t *rows, yb_err *e) {
  if (!rows || json_is_null(rows)) return 0;
  json_t *list = api_as_list(rows);
  if (!json_is_array(list)) {
    json_decref(list);
    return yb_fail(e, YB_ETYPE, "input.diseinfo", "must be a list");
  }
  store_visit scratch; /* each row checked as 2401 checks it */
  memset(&scratch, 0, sizeof scratch);
  int rc = read_diag(list, "input.diseinfo", &scratch, e);
  json_t *have = json_object_get(info, "diseinfo");
  if (!json_is_array(have)) json_object_set_new(info, "diseinfo", have = json_array());
  size_t i, k;
  json_t *row, *old;
  json_array_foreach(list, i, row) {
    if (rc) break;
    char path[48];
    int64_t srt = 0, o = 0;
    snprintf(path, sizeof path, "input.diseinfo[%zu]", i);
    if ((rc = jsonx_get_int(row, path, "diag_srt_no", true, &srt, e))) break;
    size_t at = json_array_size(have);
    json_array_foreach(have, k, old) {
      yb_err ignore = {0};
      if (json_is_object(old) && !jsonx_get_int(old, "", "diag_srt_no", true, &o, &ignore) && o == srt) at = k;
    }
    if (at < json_array_size(have)) json_array_set(have, at, row);
    else json_array_append(have, row);
  }
  json_decref(list);
  return rc;
}

/* 2403 住院信息变更: correct an unsettled stay's admission. adminfo carries mdtrt_id and psn_no and
 * any of the 2401 fields to change (ipt_otp_no for ipt_no), and endtime for a discharged stay; what
 * it leaves out stays. insutype, begntime and med_type are checked as 2401 checks them; diseinfo
 * rows replace the stored rows of their diag_srt_no or are added. The person, the institution and
 * the stay's state stay. */
int api_2403(api_req *r, yb_err *e) {
  const char *P = "input.adminfo";
  json_t *in = api_node(r, "adminfo", 1, e);
  if (!in) return e->code;
  char psn_no[32] = "", mdtrt_id[32] = "", insutype[8] = "", med_type[8] = "", otp[32] = "";
  char begn[20] = "", end[20] = "", dise[32] = "", dise_name[128] = "", cert_type[8] = "", cert_no[72] = "";
  int rc;
  if ((rc = jsonx_get_str(in, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(in, P, "psn_no", true, psn_no, sizeof psn_no, e)) ||
      (rc = jsonx_get_str(in, P, "insutype", false, insutype, sizeof insutype, e)) ||
      (rc = jsonx_get_str(in, P, "med_type", false, med_type, sizeof med_type, e)) ||
      (rc = jsonx_get_str(in, P, "ipt_otp_no", false, otp, sizeof otp, e)) ||
      (!otp[0] && (rc = jsonx_get_str(in, P, "ipt_no", false, otp, sizeof otp, e))) ||
      (rc = jsonx_get_str(in, P, "mdtrt_cert_type", false, cert_type, sizeof cert_type, e)) ||
      (rc = jsonx_get_str(in, P, "mdtrt_cert_no", false, cert_no, sizeof cert_no, e)) ||
      (rc = api_get_dt(in, P, "begntime", 0, begn, e)) || (rc = api_get_dt(in, P, "endtime", 0, end, e)) ||
      (rc = jsonx_get_str(in, P, "dise_codg", false, dise, sizeof dise, e)) ||
      (rc = jsonx_get_str(in, P, "dise_name", false, dise_name, sizeof dise_name, e)))
    return rc;
  store_visit v;
  if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) return rc;
  if (strcmp(v.kind, "ipt") || v.state == STORE_VISIT_CANCELLED)
    return yb_fail(e, YB_ECONFLICT, "input.adminfo.mdtrt_id", "%s is not a valid inpatient stay", mdtrt_id);
  if ((rc = unsettled(r, &v, "input.adminfo.mdtrt_id", e))) return rc;
  store_visit was = v;
  if (insutype[0]) api_cpy(v.insutype, sizeof v.insutype, insutype);
  if (med_type[0]) api_cpy(v.med_type, sizeof v.med_type, med_type);
  if (begn[0]) api_cpy(v.begntime, sizeof v.begntime, begn);
  if (json_object_get(in, "dise_codg")) api_cpy(v.dise_codg, sizeof v.dise_codg, dise); /* "" clears */
  if (json_object_get(in, "dise_name")) api_cpy(v.dise_name, sizeof v.dise_name, dise_name);
  if (end[0] && v.state != STORE_VISIT_DISCHARGED)
    return yb_fail(e, YB_ECONFLICT, "input.adminfo.endtime", "stay %s is not discharged: discharge with 2402",
                   mdtrt_id);
  if (end[0]) api_cpy(v.endtime, sizeof v.endtime, end);
  if (v.endtime[0] && strcmp(v.endtime, v.begntime) < 0)
    return yb_fail(e, YB_ERANGE, begn[0] ? "input.adminfo.begntime" : "input.adminfo.endtime",
                   "admission %s after the discharge %s", v.begntime, v.endtime);
  if (otp[0] && strcmp(otp, v.ipt_otp_no)) {
    store_visit other;
    rc = store_visit_find_otp(r->c, r->inst->fixmedins_code, otp, &other, e);
    if (!rc)
      return yb_fail(e, YB_ECONFLICT, "input.adminfo.ipt_otp_no", "already admitted as mdtrt_id %s", other.mdtrt_id);
    if (rc != YB_ENOT_FOUND) return rc;
    yb_err_clear(e);
    api_cpy(v.ipt_otp_no, sizeof v.ipt_otp_no, otp);
  }
  int32_t d = 0;
  jsonx_parse_date(v.begntime, &d, NULL);
  store_person p;
  if ((rc = store_person_get(r->c, v.psn_no, &p, e))) return rc;
  if (cert_type[0] && cert_no[0] && !api_cert_matches(&p, cert_type, cert_no, NULL))
    return yb_fail(e, YB_EMISMATCH, "input.adminfo.mdtrt_cert_no", "credential %s/%s does not belong to %s",
                   cert_type, cert_no, v.psn_no);
  if ((insutype[0] || begn[0]) && (rc = enrolled_on(r, &p, P, v.insutype, d, e))) return rc;
  if ((rc = check_med_type(r, &p, d / 10000, v.med_type, "input.adminfo.med_type", e))) return rc;
  store_visit full;
  if ((rc = store_visit_get(r->c, mdtrt_id, &full, 1, e))) return rc;
  json_t *info = json_loads(full.info, 0, NULL);
  free((char *)full.info);
  if (!json_is_object(info)) {
    json_decref(info);
    info = json_object();
  }
  json_t *adm = json_object_get(info, "mdtrtinfo");
  if (!json_is_object(adm)) json_object_set_new(info, "mdtrtinfo", adm = json_object());
  json_object_update(adm, in);
  if (otp[0]) json_object_set_new(adm, "ipt_no", json_string(v.ipt_otp_no));
  if (!(rc = merge_diseinfo(info, json_object_get(r->input, "diseinfo"), e)) && !(rc = stay_diag(info, &v, e))) {
    char *text = dump(info);
    v.info = text;
    rc = text ? store_visit_amend(r->c, &v, e) : yb_fail(e, YB_ENOMEM, "", "out of memory");
    free(text);
    v.info = NULL;
  }
  json_decref(info);
  if (rc) return rc;
  api_hist(r, v.begntime);
  int w = snprintf(r->what, sizeof r->what, "update admission %s", mdtrt_id);
#define CHANGED(f)                                                                                         \
  if (strcmp(was.f, v.f) && w > 0 && (size_t)w < sizeof r->what)                                          \
    w += snprintf(r->what + w, sizeof r->what - (size_t)w, " " #f " %s→%s", was.f, v.f);
  CHANGED(insutype) CHANGED(med_type) CHANGED(begntime) CHANGED(endtime) CHANGED(ipt_otp_no)
#undef CHANGED
  return 0;
}

int api_2404(api_req *r, yb_err *e) {
  store_visit v;
  int rc = api_visit_of(r, "data", &v, e);
  if (rc) return rc;
  if (strcmp(v.kind, "ipt"))
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "%s is not an inpatient stay", v.mdtrt_id);
  if ((rc = api_cancel_visit(r, &v, e))) return rc;
  snprintf(r->what, sizeof r->what, "cancel admission %s", v.mdtrt_id);
  return 0;
}

/* 2405 出院撤销: a discharged stay is open again, its discharge time cleared and its discharge
 * record (the 2402 input) set to null in the visit's info. Refused while the stay has a valid
 * settlement, mid-stay (中途结算) ones included: yibao does not tell them apart from the final
 * one once written, so every settlement is cancelled (2305) first. Refused, too, while the person
 * is in hospital elsewhere (admitted since this discharge). */
int api_2405(api_req *r, yb_err *e) {
  store_visit v;
  int rc = api_visit_of(r, "data", &v, e);
  if (rc) return rc;
  const char *mdtrt_id = v.mdtrt_id;
  if (strcmp(v.kind, "ipt"))
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "%s is not an inpatient stay", mdtrt_id);
  if (v.state != STORE_VISIT_DISCHARGED)
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "stay %s is %s, not discharged", mdtrt_id,
                   v.state == STORE_VISIT_OPEN ? "open" : "cancelled");
  if ((rc = unsettled(r, &v, "input.data.mdtrt_id", e))) return rc;
  if ((rc = not_in_hospital(r, v.psn_no, "input.data.psn_no", e))) return rc;
  v.endtime[0] = 0;
  v.state = STORE_VISIT_OPEN;
  json_t *none = json_null();
  rc = visit_update(r, &v, "discharge", none, e);
  json_decref(none);
  if (rc) return rc;
  snprintf(r->what, sizeof r->what, "cancel discharge %s", mdtrt_id);
  return 0;
}

int api_2302(api_req *r, yb_err *e) {
  json_t *d = json_object_get(r->input, "data");
  json_t *rows = api_as_list(d);
  int rc = 0, n = 0;
  size_t i;
  json_t *row;
  if (!json_is_array(rows) || !json_array_size(rows)) {
    json_decref(rows);
    return yb_fail(e, YB_EMISSING, "input.data", "no rows");
  }
  char first_visit[32] = "";
  stay_rets rets = {0};
  json_array_foreach(rows, i, row) {
    char path[40], sn[32] = "", psn_no[32] = "", mdtrt_id[32] = "";
    snprintf(path, sizeof path, "input.data[%zu]", i);
    if (!json_is_object(row)) {
      rc = yb_fail(e, YB_ETYPE, path, "must be an object");
      break;
    }
    if ((rc = jsonx_get_str(row, path, "feedetl_sn", true, sn, sizeof sn, e)) ||
        (rc = jsonx_get_str(row, path, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
        (rc = jsonx_get_str(row, path, "psn_no", true, psn_no, sizeof psn_no, e)))
      break;
    store_visit v;
    if ((rc = api_visit_mine(r, mdtrt_id, psn_no, &v, e))) break;
    if (strcmp(v.kind, "ipt")) {
      rc = yb_fail(e, YB_ECONFLICT, path, "%s is not an inpatient stay", mdtrt_id);
      break;
    }
    api_cpy(first_visit, sizeof first_visit, mdtrt_id);
    char field[64];
    snprintf(field, sizeof field, "%s.feedetl_sn", path);
    if (!strcmp(sn, "0000")) {
      cancel_ctx x = {r->c, e, 0, 0};
      if ((rc = store_fee_each(r->c, mdtrt_id, NULL, STORE_FEE_VALID | STORE_FEE_NO_TEXT, cancel_row, &x, e))) break;
      n += x.n;
      rets.loaded = 0; /* its returns went with it */
      continue;
    }
    store_fee f;
    rc = store_fee_get(r->c, mdtrt_id, sn, &f, e);
    if (rc == YB_ENOT_FOUND) rc = yb_fail(e, rc, field, "no line %s in stay %s", sn, mdtrt_id);
    if (rc) break;
    if (f.state != 1 || f.setl_id[0]) {
      rc = yb_fail(e, YB_ECONFLICT, field, "line %s is %s", sn, f.state != 1 ? "already cancelled" : "settled");
      break;
    }
    if ((rc = store_fee_cancel(r->c, mdtrt_id, sn, e))) break;
    size_t lo = 0, hi = 0;
    /* a line takes its returns with it; a return cancelled by its own row is no longer its line's */
    if (f.cnt && (rc = stay_returns(r->c, mdtrt_id, &rets, f.cnt < 0 ? f.init_feedetl_sn : sn, &lo, &hi, e)))
      break;
    for (size_t k = lo; k < hi && !rc; k++) {
      if (rets.r[k].done || rets.r[k].settled || (f.cnt < 0 && strcmp(rets.r[k].sn, sn))) continue;
      rets.r[k].done = 1;
      if (f.cnt > 0) rc = store_fee_cancel(r->c, mdtrt_id, rets.r[k].sn, e);
    }
    if (rc) break;
    n++;
  }
  free(rets.r);
  json_decref(rows);
  if (rc) return rc;
  if (!n) return yb_fail(e, YB_ENOT_FOUND, "input.data", "no unsettled fee lines to cancel");
  snprintf(r->what, sizeof r->what, "cancel %d inpatient fee line(s) of %s", n, first_visit);
  return 0;
}
