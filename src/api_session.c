/* api_session.c — 9001 sign in, 9002 sign out, 1101 person and insurance information. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "benefit.h"
#include "jsonx.h"
#include "money.h"

int api_9001(api_req *r, yb_err *e) {
  json_t *in = api_node(r, "signIn", 1, e);
  if (!in) return e->code;
  char opter_no[32] = "", mac[32] = "", ip[64] = "";
  int rc;
  if ((rc = jsonx_get_str(in, "input.signIn", "opter_no", true, opter_no, sizeof opter_no, e)) ||
      (rc = jsonx_get_str(in, "input.signIn", "mac", true, mac, sizeof mac, e)) ||
      (rc = jsonx_get_str(in, "input.signIn", "ip", true, ip, sizeof ip, e)))
    return rc;
  /* JX: the same operator gets the same sign_no on every terminal the same day */
  char day[11];
  snprintf(day, sizeof day, "%.10s", r->now);
  rc = store_signin_find(r->c, r->inst->fixmedins_code, opter_no, day, r->sign_no,
                         sizeof r->sign_no, e);
  if (rc == YB_ENOT_FOUND) {
    int64_t n;
    char stamp[15];
    snprintf(stamp, sizeof stamp, "%.4s%.2s%.2s%.2s%.2s%.2s", r->now, r->now + 5, r->now + 8,
             r->now + 11, r->now + 14, r->now + 17);
    if ((rc = store_seq_next(r->c, "SIGN", &n, e))) return rc;
    snprintf(r->sign_no, sizeof r->sign_no, "%s%s%010lld", api_region(r->srv), stamp, (long long)n);
    rc = store_signin_put(r->c, r->sign_no, r->inst->fixmedins_code, opter_no, mac, ip, r->now, e);
  }
  if (rc) return rc;
  snprintf(r->opter_no, sizeof r->opter_no, "%s", opter_no);
  r->sign_event = 1;
  snprintf(r->what, sizeof r->what, "sign in %s as %s", opter_no, r->sign_no);
  r->output = json_pack("{s:{s:s,s:s}}", "signinoutb", "sign_time", r->now, "sign_no", r->sign_no);
  return 0;
}

int api_9002(api_req *r, yb_err *e) {
  json_t *in = api_node(r, "signOut", 1, e);
  if (!in) return e->code;
  char sign_no[40] = "", opter_no[32] = "", owner[32] = "";
  int rc;
  if ((rc = jsonx_get_str(in, "input.signOut", "sign_no", true, sign_no, sizeof sign_no, e)) ||
      (rc = jsonx_get_str(in, "input.signOut", "opter_no", true, opter_no, sizeof opter_no, e)))
    return rc;
  if ((rc = api_sign_opter(r->srv, sign_no, r->inst->fixmedins_code, owner, sizeof owner, e)))
    return rc;
  if (strcmp(owner, opter_no))
    return yb_fail(e, YB_EMISMATCH, "input.signOut.opter_no", "sign_no %s belongs to operator %s",
                   sign_no, owner);
  if ((rc = store_signin_out(r->c, r->inst->fixmedins_code, opter_no, r->now, e))) return rc;
  snprintf(r->opter_no, sizeof r->opter_no, "%s", opter_no);
  snprintf(r->sign_no, sizeof r->sign_no, "%s", sign_no);
  r->sign_event = 2;
  snprintf(r->what, sizeof r->what, "sign out %s", opter_no);
  /* The spec names the node sign_time; some clients read a signoutoutb object: send both. */
  r->output = json_pack("{s:s,s:{s:s}}", "sign_time", r->now, "signoutoutb", "sign_time", r->now);
  return 0;
}

/* Age in years with one decimal place as the national N4,1 field (whole years, ".0"). */
static json_t *age_json(const char *brdy, const char *now) {
  int32_t b = 0, d = 0;
  if (jsonx_parse_date(brdy, &b, NULL) || jsonx_parse_date(now, &d, NULL)) return json_real(0);
  return json_real((double)benefit_age(b, d));
}

static int add_insu(const store_enroll *en, void *arg) {
  json_t **ctx = arg; /* [0] list, [1] person json (for balc etc.) */
  json_t *p = ctx[1];
  json_t *row = json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:O}", "balc",
                          json_incref(json_object_get(p, "balc")), "insutype", en->insutype,
                          "psn_type", en->psn_type, "psn_insu_stas", en->psn_insu_stas,
                          "psn_insu_date", en->psn_insu_date, "paus_insu_date", en->paus_insu_date,
                          "cvlserv_flag", json_object_get(p, "cvlserv_flag"), "insuplc_admdvs",
                          json_object_get(p, "insuplc_admdvs"), "emp_name",
                          json_object_get(p, "emp_name"));
  json_array_append_new(ctx[0], row);
  return 0;
}

static int add_idet(const store_idet *d, void *arg) {
  json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:s}", "psn_idet_type", d->psn_idet_type,
                                       "psn_type_lv", d->psn_type_lv, "memo", d->memo, "begntime",
                                       d->begntime, "endtime", d->endtime));
  return 0;
}

int api_1101(api_req *r, yb_err *e) {
  json_t *in = api_node(r, "data", 1, e);
  if (!in) return e->code;
  const char *P = "input.data";
  char type[8] = "", no[72] = "", card_sn[40] = "", certno[40] = "", name[64] = "";
  int32_t begn = 0;
  int rc;
  if ((rc = jsonx_get_str(in, P, "mdtrt_cert_type", true, type, sizeof type, e)) ||
      (rc = jsonx_get_str(in, P, "mdtrt_cert_no", true, no, sizeof no, e)) ||
      (rc = jsonx_get_str(in, P, "card_sn", false, card_sn, sizeof card_sn, e)) ||
      (rc = jsonx_get_str(in, P, "certno", false, certno, sizeof certno, e)) ||
      (rc = jsonx_get_str(in, P, "psn_name", false, name, sizeof name, e)) ||
      (rc = jsonx_get_date(in, P, "begntime", false, &begn, NULL, e)))
    return rc;
  if (strcmp(type, "01") && strcmp(type, "02") && strcmp(type, "03"))
    return yb_fail(e, YB_EUNKNOWN_CODE, "input.data.mdtrt_cert_type", "must be 01, 02 or 03");
  if (!strcmp(type, "03") && !card_sn[0])
    return yb_fail(e, YB_EMISSING, "input.data.card_sn", "required for a social-security card (03)");
  store_person p;
  rc = store_person_find(r->c, type, no, &p, e);
  if (rc == YB_ENOT_FOUND || (!rc && !api_cert_matches(&p, type, no, card_sn)))
    return yb_fail(e, YB_ENOT_FOUND, "input.data.mdtrt_cert_no", "no insured person with this credential");
  if (rc) return rc;
  if (certno[0] && strcmp(certno, p.certno))
    return yb_fail(e, YB_EMISMATCH, "input.data.certno", "does not match the credential's person");
  if (name[0] && strcmp(name, p.psn_name))
    return yb_fail(e, YB_EMISMATCH, "input.data.psn_name", "does not match the credential's person");
  snprintf(r->psn_no, sizeof r->psn_no, "%s", p.psn_no);
  json_t *base = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "psn_no", p.psn_no,
                           "psn_cert_type", p.psn_cert_type, "certno", p.certno, "psn_name",
                           p.psn_name, "gend", p.gend, "naty", p.naty, "brdy", p.brdy, "age",
                           age_json(p.brdy, r->now), "exp_content", "");
  json_t *pj = json_pack("{s:o,s:s,s:s,s:s}", "balc", jsonx_money(p.acct_balc), "cvlserv_flag",
                         p.cvlserv_flag, "insuplc_admdvs", p.insuplc_admdvs, "emp_name", p.emp_name);
  json_t *insu = json_array(), *idet = json_array();
  json_t *ctx[2] = {insu, pj};
  rc = store_enroll_each(r->c, p.psn_no, begn ? begn / 10000 : 0, add_insu, ctx, e);
  if (!rc) rc = store_idet_each(r->c, p.psn_no, add_idet, idet, e);
  json_decref(pj);
  r->output = json_pack("{s:o,s:o,s:o}", "baseinfo", base, "insuinfo", insu, "idetinfo", idet);
  return rc;
}
