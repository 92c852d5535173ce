/* benefit_json.c — engine inputs from JSON and settlements to the national JSON shape. */
#include "benefit_json.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "jsonx.h"
#include "money.h"

static const char *const area_names[AREA_COUNT] = {"local", "filed", "temporary", "unfiled"};

static int str_list(json_t *j, const char *path, const char *key, char *out, size_t width, int max,
                    uint8_t *n, yb_err *e) {
  json_t *a = json_object_get(j, key);
  *n = 0;
  if (!a || json_is_null(a)) return 0;
  char f[160];
  snprintf(f, sizeof f, "%s.%s", path, key);
  if (!json_is_array(a)) return yb_fail(e, YB_ETYPE, f, "must be a list of strings");
  if ((int)json_array_size(a) > max) return yb_fail(e, YB_ERANGE, f, "at most %d entries", max);
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v) || json_string_length(v) >= width) {
      snprintf(f, sizeof f, "%s.%s[%zu]", path, key, i);
      return yb_fail(e, YB_ETYPE, f, "must be a code of at most %zu characters", width - 1);
    }
    memcpy(out + i * width, json_string_value(v), json_string_length(v) + 1);
  }
  *n = (uint8_t)json_array_size(a);
  return 0;
}

static int flag(json_t *j, const char *path, const char *key, uint8_t *out, yb_err *e) {
  json_t *v = json_object_get(j, key);
  if (json_is_boolean(v)) {
    *out = json_is_true(v);
    return 0;
  }
  int64_t x = 0;
  if (jsonx_get_int(j, path, key, false, &x, e) != 0) return e->code;
  if (x < 0 || x > 9) {
    char f[160];
    snprintf(f, sizeof f, "%s.%s", path, key);
    return yb_fail(e, YB_ERANGE, f, "must be a one-digit code");
  }
  *out = (uint8_t)x;
  return 0;
}

int benefit_json_person(json_t *j, const char *path, benefit_person *o, yb_err *e) {
  memset(o, 0, sizeof *o);
  if (!json_is_object(j)) return yb_fail(e, YB_ETYPE, path, "must be an object");
  if (jsonx_get_str(j, path, "psn_no", true, o->psn_no, sizeof o->psn_no, e) ||
      flag(j, path, "gend", &o->gend, e) ||
      jsonx_get_date(j, path, "brdy", true, &o->brdy, NULL, e) ||
      jsonx_get_str(j, path, "psn_type", true, o->psn_type, sizeof o->psn_type, e) ||
      str_list(j, path, "idet", &o->idet[0][0], sizeof o->idet[0], BENEFIT_MAX_IDET, &o->n_idet, e) ||
      flag(j, path, "cvlserv_flag", &o->cvlserv_flag, e) ||
      jsonx_get_date(j, path, "wait_until", false, &o->wait_until, NULL, e) ||
      jsonx_get_str(j, path, "wait_reason", false, o->wait_reason, sizeof o->wait_reason, e) ||
      jsonx_get_dec(j, path, "acct_balc", false, MONEY_SCALE_FEN, &o->acct_balc, e) ||
      jsonx_get_dec(j, path, "family_balc", false, MONEY_SCALE_FEN, &o->family_balc, e) ||
      jsonx_get_dec(j, path, "ci_cap_raise", false, MONEY_SCALE_FEN, &o->ci_cap_raise, e) ||
      str_list(j, path, "dise", &o->dise[0][0], sizeof o->dise[0], BENEFIT_MAX_DISE, &o->n_dise, e))
    return e->code;
  return 0;
}

int benefit_json_visit(json_t *j, const char *path, benefit_visit *o, yb_err *e) {
  memset(o, 0, sizeof *o);
  char f[160];
  if (!json_is_object(j)) return yb_fail(e, YB_ETYPE, path, "must be an object");
  int64_t lv = 0;
  char area[16] = "local";
  uint8_t xprov = 0, acct = 0;
  if (jsonx_get_str(j, path, "insutype", true, o->insutype, sizeof o->insutype, e) ||
      jsonx_get_str(j, path, "med_type", true, o->med_type, sizeof o->med_type, e) ||
      jsonx_get_int(j, path, "hosp_lv", true, &lv, e) ||
      jsonx_get_str(j, path, "area", false, area, sizeof area, e) || flag(j, path, "xprov", &xprov, e) ||
      jsonx_get_date(j, path, "date", true, &o->date, NULL, e) ||
      jsonx_get_str(j, path, "dise_codg", false, o->dise_codg, sizeof o->dise_codg, e) ||
      str_list(j, path, "diag", &o->diag[0][0], sizeof o->diag[0], BENEFIT_MAX_DIAG, &o->n_diag, e) ||
      flag(j, path, "acct_used_flag", &acct, e))
    return e->code;
  if (lv < 0 || lv > 3) return yb_fail(e, YB_ERANGE, (snprintf(f, sizeof f, "%s.hosp_lv", path), f), "must be 0–3");
  o->hosp_lv = (uint8_t)lv;
  o->xprov = xprov ? 1 : 0;
  o->acct_used = acct == 1;
  o->area = AREA_COUNT;
  for (int i = 0; i < AREA_COUNT; i++)
    if (strcmp(area, area_names[i]) == 0) o->area = (uint8_t)i;
  if (o->area == AREA_COUNT)
    return yb_fail(e, YB_EUNKNOWN_CODE, (snprintf(f, sizeof f, "%s.area", path), f),
                   "must be local, filed, temporary or unfiled");
  return 0;
}

int benefit_json_lines(json_t *arr, const char *path, const catalog *cat, benefit_line *out, int max,
                       int *n, yb_err *e) {
  char p[96], code[CATALOG_CODE_LEN];
  *n = 0;
  if (!json_is_array(arr)) return yb_fail(e, YB_ETYPE, path, "must be a list");
  if ((int)json_array_size(arr) > max) return yb_fail(e, YB_ERANGE, path, "at most %d lines", max);
  size_t i;
  json_t *j;
  json_array_foreach(arr, i, j) {
    benefit_line *l = &out[i];
    memset(l, 0, sizeof *l);
    snprintf(p, sizeof p, "%s[%zu]", path, i);
    if (!json_is_object(j)) return yb_fail(e, YB_ETYPE, p, "must be an object");
    int64_t appr = 0;
    if (jsonx_get_str(j, p, "feedetl_sn", true, l->feedetl_sn, sizeof l->feedetl_sn, e) ||
        jsonx_get_str(j, p, "med_list_codg", true, code, sizeof code, e) ||
        jsonx_get_dec(j, p, "cnt", true, MONEY_SCALE_CNT, &l->cnt, e) ||
        jsonx_get_dec(j, p, "pric", true, MONEY_SCALE_PRICE, &l->pric, e) ||
        jsonx_get_dec(j, p, "det_item_fee_sumamt", true, MONEY_SCALE_FEN, &l->sumamt, e) ||
        jsonx_get_int(j, p, "hosp_appr_flag", false, &appr, e))
      return e->code;
    if (appr < 0 || appr > 2) {
      char f[128];
      snprintf(f, sizeof f, "%s.hosp_appr_flag", p);
      return yb_fail(e, YB_ERANGE, f, "must be 0, 1 or 2");
    }
    l->hosp_appr_flag = (uint8_t)appr;
    if (!(l->item = catalog_find(cat, code))) {
      char f[128];
      snprintf(f, sizeof f, "%s.med_list_codg", p);
      return yb_fail(e, YB_EUNKNOWN_CODE, f, "%s is not in the catalog", code);
    }
  }
  *n = (int)json_array_size(arr);
  return 0;
}

int benefit_json_accum_read(json_t *j, const char *path, const policy *p, accum *out, yb_err *e) {
  memset(out, 0, sizeof *out);
  if (!j || json_is_null(j)) return 0;
  if (!json_is_object(j)) return yb_fail(e, YB_ETYPE, path, "must be an object");
  const char *key;
  json_t *v;
  char f[160], name[40];
  json_object_foreach(j, key, v) {
    snprintf(f, sizeof f, "%s.%s", path, key);
    int month = 0;
    const char *at = strchr(key, '@');
    snprintf(name, sizeof name, "%.*s", at ? (int)(at - key) : (int)strlen(key), key);
    if (at && (sscanf(at + 1, "%d", &month) != 1 || month < 1 || month > 12))
      return yb_fail(e, YB_EINVAL, f, "month after @ must be 1–12");
    int b = policy_bucket_find(p, name);
    if (b < 0) return yb_fail(e, YB_EUNKNOWN_CODE, f, "no bucket named %s in the policy", name);
    int64_t x;
    if (jsonx_dec(v, b == 0 ? 0 : MONEY_SCALE_FEN, &x) != 0)
      return yb_fail(e, YB_EINVAL, f, b == 0 ? "must be a whole count" : "must be an amount in yuan");
    if (accum_add(out, b, month, x) != 0) return yb_fail(e, YB_ERANGE, f, "too many buckets");
  }
  return 0;
}

json_t *benefit_json_accum(const policy *p, const accum *a) {
  json_t *o = json_object();
  char key[48];
  for (int i = 0; i < a->n; i++) {
    const accum_entry *x = &a->e[i];
    if (x->period)
      snprintf(key, sizeof key, "%s@%d", p->buckets[x->bucket], x->period);
    else
      snprintf(key, sizeof key, "%s", p->buckets[x->bucket]);
    json_object_set_new(o, key, x->bucket == 0 ? json_integer(x->value) : jsonx_money(x->value));
  }
  return o;
}

json_t *benefit_json_setlinfo(const benefit_result *r) {
  json_t *o = json_object();
  json_object_set_new(o, "medfee_sumamt", jsonx_money(r->medfee_sumamt));
  json_object_set_new(o, "fulamt_ownpay_amt", jsonx_money(r->fulamt_ownpay_amt));
  json_object_set_new(o, "overlmt_selfpay", jsonx_money(r->overlmt_selfpay));
  json_object_set_new(o, "preselfpay_amt", jsonx_money(r->preselfpay_amt));
  json_object_set_new(o, "inscp_scp_amt", jsonx_money(r->inscp_scp_amt));
  json_object_set_new(o, "act_pay_dedc", jsonx_money(r->act_pay_dedc));
  json_object_set_new(o, "hifp_pay", jsonx_money(r->pay[PAYER_HIFP]));
  json_object_set_new(o, "pool_prop_selfpay", jsonx_ratio(r->pool_prop_selfpay));
  json_object_set_new(o, "cvlserv_pay", jsonx_money(r->pay[PAYER_CVLSERV]));
  json_object_set_new(o, "hifes_pay", jsonx_money(r->pay[PAYER_HIFES]));
  json_object_set_new(o, "hifmi_pay", jsonx_money(r->pay[PAYER_HIFMI]));
  json_object_set_new(o, "hifob_pay", jsonx_money(r->pay[PAYER_HIFOB]));
  json_object_set_new(o, "maf_pay", jsonx_money(r->pay[PAYER_MAF]));
  json_object_set_new(o, "oth_pay", jsonx_money(r->pay[PAYER_OTH]));
  json_object_set_new(o, "fund_pay_sumamt", jsonx_money(r->fund_pay_sumamt));
  json_object_set_new(o, "psn_part_amt", jsonx_money(r->psn_part_amt));
  json_object_set_new(o, "acct_pay", jsonx_money(r->pay[PAYER_ACCT]));
  json_object_set_new(o, "psn_cash_pay", jsonx_money(r->psn_cash_pay));
  json_object_set_new(o, "hosp_part_amt", jsonx_money(r->hosp_part_amt));
  json_object_set_new(o, "balc", jsonx_money(r->balc));
  json_object_set_new(o, "acct_mulaid_pay", jsonx_money(r->pay[PAYER_ACCT_MULAID]));
  json_object_set_new(o, "clr_way", json_string("1"));
  json_object_set_new(o, "clr_type", json_string(r->clr_type));
  return o;
}

json_t *benefit_json_setldetail(const benefit_result *r) {
  json_t *a = json_array();
  for (int i = 0; i < r->n_detail; i++) {
    const benefit_detail *d = &r->detail[i];
    json_t *o = json_object();
    json_object_set_new(o, "fund_pay_type", json_string(d->fund_pay_type));
    json_object_set_new(o, "inscp_scp_amt", jsonx_money(d->inscp_scp_amt));
    json_object_set_new(o, "crt_payb_lmt_amt", jsonx_money(d->crt_payb_lmt_amt));
    json_object_set_new(o, "fund_payamt", jsonx_money(d->fund_payamt));
    json_object_set_new(o, "fund_pay_type_name", json_string(d->name ? d->name : ""));
    json_object_set_new(o, "setl_proc_info", json_string(""));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *flag_str(bool b) { return json_string(b ? "1" : "0"); }

json_t *benefit_json_fee_result(const benefit_line *l, const benefit_line_out *x) {
  const catalog_item *it = l->item;
  char code[8];
  json_t *o = json_object();
  json_object_set_new(o, "feedetl_sn", json_string(l->feedetl_sn));
  json_object_set_new(o, "det_item_fee_sumamt", jsonx_money(l->sumamt));
  json_object_set_new(o, "cnt", json_real((double)l->cnt / 1e4));
  json_object_set_new(o, "pric", json_real((double)l->pric / 1e6));
  json_object_set_new(o, "pric_uplmt_amt", json_real((double)x->pric_uplmt_amt / 1e6));
  json_object_set_new(o, "selfpay_prop", jsonx_ratio(x->selfpay_prop));
  json_object_set_new(o, "fulamt_ownpay_amt", jsonx_money(x->fulamt_ownpay_amt));
  json_object_set_new(o, "overlmt_amt", jsonx_money(x->overlmt_amt));
  json_object_set_new(o, "preselfpay_amt", jsonx_money(x->preselfpay_amt));
  json_object_set_new(o, "inscp_scp_amt", jsonx_money(x->inscp_scp_amt));
  snprintf(code, sizeof code, "%02u", (unsigned)it->lv % 100u);
  json_object_set_new(o, "chrgitm_lv", json_string(code));
  snprintf(code, sizeof code, "%02u", (unsigned)it->chrgitm_type % 100u);
  json_object_set_new(o, "med_chrgitm_type", json_string(code));
  json_object_set_new(o, "bas_medn_flag", flag_str(it->bas_medn_flag));
  json_object_set_new(o, "hi_nego_drug_flag", flag_str(it->hi_nego_drug_flag));
  json_object_set_new(o, "chld_medc_flag", flag_str(it->chld_medc_flag));
  json_object_set_new(o, "list_sp_item_flag", flag_str(it->list_sp_item_flag));
  json_object_set_new(o, "lmt_used_flag", flag_str(it->lmt_used_flag));
  json_object_set_new(o, "drt_reim_flag", json_string("0"));
  json_object_set_new(o, "memo", json_string(benefit_line_reason_text(x->reason)));
  return o;
}

json_t *benefit_json_trace(const benefit_result *r) {
  json_t *a = json_array();
  char text[256];
  for (int i = 0; i < r->n_trace; i++) {
    const benefit_step *s = &r->trace[i];
    json_t *o = json_object();
    json_object_set_new(o, "step", json_integer(i + 1));
    json_object_set_new(o, "key", json_string(benefit_step_key(s)));
    json_object_set_new(o, "rule", s->rule ? json_string(s->rule) : json_null());
    json_object_set_new(o, "layer", s->layer ? json_string(s->layer) : json_null());
    json_object_set_new(o, "payer", s->payer ? json_string(benefit_payer_field(s->payer))
                                             : (s->kind == STEP_POOL || s->kind == STEP_BAND
                                                    ? json_string("hifp_pay") : json_null()));
    json_object_set_new(o, "base", jsonx_money(s->base));
    json_object_set_new(o, "ratio", jsonx_ratio(s->ratio));
    json_object_set_new(o, "amount", jsonx_money(s->amount));
    json_object_set_new(o, "limit", s->kind == STEP_WAITING ? json_integer(s->limit) : jsonx_money(s->limit));
    benefit_step_text(s, text, sizeof text);
    json_object_set_new(o, "reason", json_string(text));
    json_array_append_new(a, o);
  }
  return a;
}

/* A trace step's string member: NULL gives null where the tree has json_null() (null_ok), else
 * the member is left out, as is a string jansson would refuse (not UTF-8). */
static void trace_str(jsonw_obj *o, const char *key, size_t kn, const char *v, int null_ok) {
  if (v) {
    jsonw_mstr(o, key, kn, v);
  } else if (null_ok) {
    jsonw_key_lit(o, key, kn);
    jsonw_raw(o->b, "null", 4);
  }
}
#define TRACE_STR(o, k, v, null_ok) trace_str(o, k, sizeof k - 1, v, null_ok)

char *benefit_json_trace_text(const benefit_result *r) {
  jsonw_buf b = {0};
  char text[256];
  jsonw_raw(&b, "[", 1);
  for (int i = 0; i < r->n_trace; i++) {
    const benefit_step *s = &r->trace[i];
    jsonw_obj o;
    if (i) jsonw_raw(&b, ",", 1);
    jsonw_obj_open(&o, &b);
    JW_KEY(&o, "step");
    jsonw_int(&b, i + 1);
    TRACE_STR(&o, "key", benefit_step_key(s), 0);
    TRACE_STR(&o, "rule", s->rule, 1);
    TRACE_STR(&o, "layer", s->layer, 1);
    TRACE_STR(&o, "payer",
              s->payer ? benefit_payer_field(s->payer)
                       : (s->kind == STEP_POOL || s->kind == STEP_BAND ? "hifp_pay" : NULL),
              !s->payer);
    JW_FEN(&o, "base", s->base);
    JW_DEC(&o, "ratio", s->ratio, 4);
    JW_FEN(&o, "amount", s->amount);
    if (s->kind == STEP_WAITING) {
      JW_KEY(&o, "limit");
      jsonw_int(&b, s->limit);
    } else {
      JW_FEN(&o, "limit", s->limit);
    }
    benefit_step_text(s, text, sizeof text);
    TRACE_STR(&o, "reason", text, 0);
    jsonw_obj_close(&o);
  }
  jsonw_raw(&b, "]", 1);
  return jsonw_take(&b);
}

/* ---- the same, written as text (benefit_json.h) ---------------------------------------------- */
void benefit_jw_setlinfo(jsonw_obj *o, const benefit_result *r) {
  JW_FEN(o, "medfee_sumamt", r->medfee_sumamt);
  JW_FEN(o, "fulamt_ownpay_amt", r->fulamt_ownpay_amt);
  JW_FEN(o, "overlmt_selfpay", r->overlmt_selfpay);
  JW_FEN(o, "preselfpay_amt", r->preselfpay_amt);
  JW_FEN(o, "inscp_scp_amt", r->inscp_scp_amt);
  JW_FEN(o, "act_pay_dedc", r->act_pay_dedc);
  JW_FEN(o, "hifp_pay", r->pay[PAYER_HIFP]);
  JW_DEC(o, "pool_prop_selfpay", r->pool_prop_selfpay, 4);
  JW_FEN(o, "cvlserv_pay", r->pay[PAYER_CVLSERV]);
  JW_FEN(o, "hifes_pay", r->pay[PAYER_HIFES]);
  JW_FEN(o, "hifmi_pay", r->pay[PAYER_HIFMI]);
  JW_FEN(o, "hifob_pay", r->pay[PAYER_HIFOB]);
  JW_FEN(o, "maf_pay", r->pay[PAYER_MAF]);
  JW_FEN(o, "oth_pay", r->pay[PAYER_OTH]);
  JW_FEN(o, "fund_pay_sumamt", r->fund_pay_sumamt);
  JW_FEN(o, "psn_part_amt", r->psn_part_amt);
  JW_FEN(o, "acct_pay", r->pay[PAYER_ACCT]);
  JW_FEN(o, "psn_cash_pay", r->psn_cash_pay);
  JW_FEN(o, "hosp_part_amt", r->hosp_part_amt);
  JW_FEN(o, "balc", r->balc);
  JW_FEN(o, "acct_mulaid_pay", r->pay[PAYER_ACCT_MULAID]);
  JW_STR(o, "clr_way", "1");
  JW_STR(o, "clr_type", r->clr_type);
}

void benefit_jw_setldetail(jsonw_buf *b, const benefit_result *r) {
  jsonw_raw(b, "[", 1);
  for (int i = 0; i < r->n_detail; i++) {
    const benefit_detail *d = &r->detail[i];
    jsonw_obj o;
    if (i) jsonw_raw(b, ",", 1);
    jsonw_obj_open(&o, b);
    JW_STR(&o, "fund_pay_type", d->fund_pay_type);
    JW_FEN(&o, "inscp_scp_amt", d->inscp_scp_amt);
    JW_FEN(&o, "crt_payb_lmt_amt", d->crt_payb_lmt_amt);
    JW_FEN(&o, "fund_payamt", d->fund_payamt);
    JW_STR(&o, "fund_pay_type_name", d->name ? d->name : "");
    JW_STR(&o, "setl_proc_info", "");
    jsonw_obj_close(&o);
  }
  jsonw_raw(b, "]", 1);
}

static void accum_key(const policy *p, const accum_entry *x, char *key, size_t cap) {
  if (x->period)
    snprintf(key, cap, "%s@%d", p->buckets[x->bucket], x->period);
  else
    snprintf(key, cap, "%s", p->buckets[x->bucket]);
}

void benefit_jw_accum(jsonw_buf *b, const policy *p, const accum *a) {
  char key[ACCUM_MAX][48];
  int n = a->n < ACCUM_MAX ? a->n : ACCUM_MAX;
  for (int i = 0; i < n; i++) { /* a key given twice keeps its first place: the tree's way */
    accum_key(p, &a->e[i], key[i], sizeof key[i]);
    for (int j = 0; j < i; j++)
      if (!strcmp(key[j], key[i])) {
        json_t *t = benefit_json_accum(p, a);
        jsonw_value(b, t, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(t);
        return;
      }
  }
  jsonw_obj o;
  jsonw_obj_open(&o, b);
  for (int i = 0; i < n; i++) {
    const accum_entry *x = &a->e[i];
    if (!jsonw_key(&o, key[i])) continue;
    if (x->bucket == 0)
      jsonw_int(b, x->value);
    else
      jsonw_fen(b, x->value);
  }
  jsonw_obj_close(&o);
}

void benefit_jw_fee_result(jsonw_buf *b, const benefit_line *l, const benefit_line_out *x, int negate) {
  const catalog_item *it = l->item;
  char code[8];
  long long sg = negate ? -1 : 1;
  jsonw_obj o;
  jsonw_obj_open(&o, b);
  JW_STR(&o, "feedetl_sn", l->feedetl_sn);
  JW_FEN(&o, "det_item_fee_sumamt", sg * l->sumamt);
  JW_DEC(&o, "cnt", sg * l->cnt, 4);
  JW_DEC(&o, "pric", l->pric, 6);
  JW_DEC(&o, "pric_uplmt_amt", x->pric_uplmt_amt, 6);
  JW_DEC(&o, "selfpay_prop", x->selfpay_prop, 4);
  JW_FEN(&o, "fulamt_ownpay_amt", sg * x->fulamt_ownpay_amt);
  JW_FEN(&o, "overlmt_amt", sg * x->overlmt_amt);
  JW_FEN(&o, "preselfpay_amt", sg * x->preselfpay_amt);
  JW_FEN(&o, "inscp_scp_amt", sg * x->inscp_scp_amt);
  unsigned lv = (unsigned)it->lv % 100u, ty = (unsigned)it->chrgitm_type % 100u; /* "%02u" */
  code[0] = (char)('0' + lv / 10), code[1] = (char)('0' + lv % 10), code[2] = 0;
  JW_STR(&o, "chrgitm_lv", code);
  code[0] = (char)('0' + ty / 10), code[1] = (char)('0' + ty % 10);
  JW_STR(&o, "med_chrgitm_type", code);
  JW_STR(&o, "bas_medn_flag", it->bas_medn_flag ? "1" : "0");
  JW_STR(&o, "hi_nego_drug_flag", it->hi_nego_drug_flag ? "1" : "0");
  JW_STR(&o, "chld_medc_flag", it->chld_medc_flag ? "1" : "0");
  JW_STR(&o, "list_sp_item_flag", it->list_sp_item_flag ? "1" : "0");
  JW_STR(&o, "lmt_used_flag", it->lmt_used_flag ? "1" : "0");
  JW_STR(&o, "drt_reim_flag", "0");
  JW_STR(&o, "memo", benefit_line_reason_text(x->reason));
  jsonw_obj_close(&o);
}
