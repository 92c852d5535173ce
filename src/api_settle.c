/* api_settle.c — settlement: build the engine's person, visit, lines and accumulators from the
 * store, call benefit_settle, and on 2207/2304 write the settlement, its details, its fee lines,
 * the accumulator deltas and the account payments in the caller's transaction. Cancellation
 * (2208/2305/2601) applies the stored deltas negated and writes a reversal row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "benefit.h"
#include "benefit_json.h"
#include "jsonw.h"
#include "jsonx.h"
#include "money.h"

#define JW_LIT(b, s) jsonw_raw(b, s, sizeof s - 1)

typedef struct settle_ctx {
  store_person psn, fam;
  store_enroll en;
  const policy *p;
  benefit_person bp;
  benefit_visit bv;
  accum acc;
  int year;
} settle_ctx;

static int active_on(const char *begn, const char *end, int32_t date) {
  int32_t b = 0, d = 0;
  if (begn[0] && !jsonx_parse_date(begn, &b, NULL) && b > date) return 0;
  if (end[0] && !jsonx_parse_date(end, &d, NULL) && d < date) return 0;
  return 1;
}

static int add_idet(const store_idet *d, void *arg) {
  settle_ctx *x = arg;
  if (active_on(d->begntime, d->endtime, x->bv.date) && x->bp.n_idet < BENEFIT_MAX_IDET)
    api_cpy(x->bp.idet[x->bp.n_idet++], sizeof x->bp.idet[0], d->psn_idet_type);
  return 0;
}

static int add_dise(const store_dise *d, void *arg) {
  settle_ctx *x = arg;
  if (active_on(d->begndate, d->enddate, x->bv.date) && x->bp.n_dise < BENEFIT_MAX_DISE)
    api_cpy(x->bp.dise[x->bp.n_dise++], sizeof x->bp.dise[0], d->dise_codg);
  return 0;
}

/* A filing for region R covers institutions whose code starts with R less its trailing "00"s. */
static int add_filing(const store_filing *f, void *arg) {
  void **a = arg;
  settle_ctx *x = a[0];
  const char *inst_region = a[1];
  char pre[8];
  api_cpy(pre, sizeof pre, f->admvs);
  size_t n = strlen(pre);
  while (n > 2 && pre[n - 1] == '0' && pre[n - 2] == '0') pre[n -= 2] = 0;
  if (strncmp(inst_region, pre, n) || !active_on(f->begndate, f->enddate, x->bv.date)) return 0;
  x->bv.area = !strcmp(f->filing_type, "temporary") ? AREA_TEMPORARY : AREA_FILED;
  return 1; /* found */
}

static int add_accum(const char *bucket, int period, int64_t value, void *arg) {
  settle_ctx *x = arg;
  int b = policy_bucket_find(x->p, bucket);
  if (b >= 0) accum_add(&x->acc, b, period, value); /* a bucket no longer in the policy is idle */
  return 0;
}

/* Everything the engine needs about the person and visit, read in r's transaction. */
static int ctx_load(api_req *r, const store_visit *v, int acct_used, settle_ctx *x, yb_err *e) {
  memset(x, 0, sizeof *x);
  int32_t date = 0;
  if (jsonx_parse_date(v->begntime, &date, NULL))
    return yb_fail(e, YB_ESTORE, "mdtrt_id", "visit %s has no valid begntime", v->mdtrt_id);
  x->year = date / 10000;
  int rc = store_person_get(r->c, v->psn_no, &x->psn, e);
  if (rc) return rc;
  if ((rc = api_check_insuplc(r, &x->psn, e))) return rc;
  rc = store_enroll_get(r->c, v->psn_no, x->year, v->insutype, &x->en, e);
  if (rc == YB_ENOT_FOUND)
    return yb_fail(e, rc, "insutype", "person %s is not enrolled in %s for %d", v->psn_no,
                   v->insutype, x->year);
  if (rc) return rc;
  x->p = api_policy_for(r->srv, x->psn.insuplc_admdvs, x->year);
  if (!x->p)
    return yb_fail(e, YB_EPOLICY, "psn_no", "no policy for insured region %s in %d",
                   x->psn.insuplc_admdvs, x->year);
  benefit_person *bp = &x->bp;
  benefit_visit *bv = &x->bv;
  api_cpy(bp->psn_no, sizeof bp->psn_no, x->psn.psn_no);
  bp->gend = (uint8_t)atoi(x->psn.gend);
  jsonx_parse_date(x->psn.brdy, &bp->brdy, NULL);
  api_cpy(bp->psn_type, sizeof bp->psn_type, x->en.psn_type);
  bp->cvlserv_flag = x->psn.cvlserv_flag[0] == '1';
  if (x->en.wait_until[0]) jsonx_parse_date(x->en.wait_until, &bp->wait_until, NULL);
  api_cpy(bp->wait_reason, sizeof bp->wait_reason, x->en.wait_reason);
  bp->acct_balc = x->psn.acct_balc;
  bp->ci_cap_raise = x->en.ci_cap_raise;
  if (x->psn.family_psn_no[0]) {
    if ((rc = store_person_get(r->c, x->psn.family_psn_no, &x->fam, e))) return rc;
    bp->family_balc = x->fam.acct_balc;
  }
  api_cpy(bv->insutype, sizeof bv->insutype, v->insutype);
  api_cpy(bv->med_type, sizeof bv->med_type, v->med_type);
  bv->hosp_lv = (uint8_t)r->inst->hosp_lv;
  bv->date = date;
  snprintf(bv->dise_codg, sizeof bv->dise_codg, "%.*s", (int)sizeof bv->dise_codg - 1, v->dise_codg);
  for (int i = 0; i < v->n_diag && i < BENEFIT_MAX_DIAG; i++)
    api_cpy(bv->diag[bv->n_diag++], sizeof bv->diag[0], v->diag[i]);
  bv->acct_used = acct_used != 0;
  /* area: local when the institution is in the insured region, else by filing */
  const char *ir = r->inst->admdvs, *pr = x->psn.insuplc_admdvs;
  bv->area = AREA_LOCAL;
  bv->xprov = strncmp(ir, pr, 2) != 0;
  if (strcmp(ir, pr)) {
    void *a[2] = {x, (void *)ir};
    bv->area = AREA_UNFILED;
    rc = store_filing_each(r->c, x->psn.psn_no, add_filing, a, e);
    if (rc < 0) return rc;
  }
  if ((rc = store_idet_each(r->c, x->psn.psn_no, add_idet, x, e)) ||
      (rc = store_dise_each(r->c, x->psn.psn_no, add_dise, x, e)) ||
      (rc = store_accum_each(r->c, x->psn.psn_no, x->year, add_accum, x, e)))
    return rc;
  return 0;
}

static void line_of(const store_fee *f, const catalog *cat, benefit_line *l) {
  memset(l, 0, sizeof *l);
  api_cpy(l->feedetl_sn, sizeof l->feedetl_sn, f->feedetl_sn);
  l->item = catalog_find(cat, f->med_list_codg);
  l->cnt = f->cnt;
  l->pric = f->pric;
  l->sumamt = f->sumamt;
  l->hosp_appr_flag = (uint8_t)f->hosp_appr_flag;
}

static void negate_keys(json_t *o, const char *const *keys) {
  for (; *keys; keys++) {
    json_t *v = json_object_get(o, *keys);
    if (json_is_real(v) && json_real_value(v) != 0) json_real_set(v, -json_real_value(v));
    else if (json_is_integer(v)) json_integer_set(v, -json_integer_value(v));
  }
}

int api_fee_results(api_req *r, const store_visit *v, const store_fee *fees, int n, jsonw_buf *out,
                    size_t *ends, yb_err *e) {
  settle_ctx *x = malloc(sizeof *x);
  benefit_result *res = malloc(sizeof *res);
  int rc = (x && res) ? ctx_load(r, v, 0, x, e) : yb_fail(e, YB_ENOMEM, "", "out of memory");
  jsonw_raw(out, "[", 1);
  for (int i = 0; i < n && !rc; i++) {
    benefit_line l;
    benefit_line_out lo;
    store_fee f = fees[i];
    int ret = f.cnt < 0; /* a return is split as the quantity it gives back, then negated */
    if (ret) f.cnt = -f.cnt, f.sumamt = -f.sumamt;
    if (f.med_type[0]) api_cpy(x->bv.med_type, sizeof x->bv.med_type, f.med_type);
    line_of(&f, api_catalog(r->srv), &l);
    memset(&lo, 0, sizeof lo);
    if ((rc = benefit_settle(x->p, &x->bp, &x->acc, &x->bv, &l, 1, &lo, res, e))) {
      char field[256];
      snprintf(field, sizeof field, "input.feedetail[%d]%s%s", i, e->field[0] ? "." : "", e->field);
      snprintf(e->field, sizeof e->field, "%.*s", (int)sizeof e->field - 1, field);
      break;
    }
    if (i) jsonw_raw(out, ",", 1);
    benefit_jw_fee_result(out, &l, &lo, ret);
    ends[i] = out->n;
  }
  jsonw_raw(out, "]", 1);
  free(x);
  free(res);
  if (!rc && out->failed) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  return rc;
}

/* ---- settlement ---------------------------------------------------------------------------- */
typedef struct setl_in {
  char psn_no[32], mdtrt_id[32], chrg_bchno[32], med_type[8], insutype[8], cert_type[8];
  char cert_no[72], setlway[8];
  int64_t medfee, fulamt, overlmt, presel, inscp, acct_used, mid_setl;
  int has_amounts;
} setl_in;

typedef struct line_set {
  store_fee *f;
  int n, cap;
} line_set;

static int collect(const store_fee *f, void *arg) {
  line_set *s = arg;
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 32;
    if (cap > BENEFIT_MAX_LINES * 2) return YB_ELIMIT;
    store_fee *n = realloc(s->f, (size_t)cap * sizeof *n);
    if (!n) return YB_ENOMEM;
    s->f = n;
    s->cap = cap;
  }
  s->f[s->n] = *f;
  s->f[s->n].body = s->f[s->n].result = NULL;
  s->n++;
  return 0;
}

static int by_init_sn(const void *a, const void *b) {
  return strcmp((*(const store_fee *const *)a)->init_feedetl_sn, (*(const store_fee *const *)b)->init_feedetl_sn);
}

/* Net returns into their original lines; lines netted to zero drop out. The returns, sorted by
 * the line they return, are found by binary search: a stay of thousands of lines with as many
 * returns is not a pass over the stay per line. */
static int net_lines(line_set *s, const catalog *cat, benefit_line *out, int *n, yb_err *e) {
  int nr = 0, k = 0, rc = 0;
  for (int i = 0; i < s->n; i++) nr += s->f[i].cnt < 0;
  const store_fee **ret = malloc((size_t)(nr ? nr : 1) * sizeof *ret);
  if (!ret) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  for (int i = 0, j = 0; i < s->n; i++)
    if (s->f[i].cnt < 0) ret[j++] = &s->f[i];
  qsort(ret, (size_t)nr, sizeof *ret, by_init_sn);
  for (int i = 0; i < s->n && !rc; i++) {
    store_fee f = s->f[i];
    if (f.cnt < 0) continue;
    int lo = 0, hi = nr; /* the first return of this line */
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (strcmp(ret[mid]->init_feedetl_sn, f.feedetl_sn) < 0) lo = mid + 1; else hi = mid;
    }
    for (; lo < nr && !strcmp(ret[lo]->init_feedetl_sn, f.feedetl_sn); lo++)
      f.cnt += ret[lo]->cnt, f.sumamt += ret[lo]->sumamt;
    if (f.cnt == 0) continue;
    if (f.cnt < 0 || f.sumamt < 0)
      rc = yb_fail(e, YB_ECONFLICT, "feedetl_sn", "line %s is returned beyond its quantity", f.feedetl_sn);
    else if (k >= BENEFIT_MAX_LINES)
      rc = yb_fail(e, YB_ELIMIT, "mdtrt_id", "more than %d fee lines", BENEFIT_MAX_LINES);
    else
      line_of(&f, cat, &out[k++]);
  }
  free(ret);
  *n = k;
  return rc;
}

static int read_setl_in(api_req *r, int ipt, int full, setl_in *in, yb_err *e) {
  const char *P = "input.data";
  json_t *d = api_node(r, "data", 1, e);
  if (!d) return e->code;
  memset(in, 0, sizeof *in);
  int rc;
  if ((rc = jsonx_get_str(d, P, "psn_no", true, in->psn_no, sizeof in->psn_no, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_cert_type", true, in->cert_type, sizeof in->cert_type, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_cert_no", !ipt, in->cert_no, sizeof in->cert_no, e)) ||
      (rc = jsonx_get_str(d, P, "med_type", !ipt, in->med_type, sizeof in->med_type, e)) ||
      (rc = jsonx_get_dec(d, P, "medfee_sumamt", true, MONEY_SCALE_FEN, &in->medfee, e)) ||
      (rc = jsonx_get_str(d, P, "psn_setlway", true, in->setlway, sizeof in->setlway, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_id", true, in->mdtrt_id, sizeof in->mdtrt_id, e)) ||
      (rc = jsonx_get_str(d, P, "chrg_bchno", !ipt, in->chrg_bchno, sizeof in->chrg_bchno, e)) ||
      (rc = jsonx_get_int(d, P, "acct_used_flag", !ipt || full, &in->acct_used, e)) ||
      (rc = jsonx_get_str(d, P, "insutype", true, in->insutype, sizeof in->insutype, e)) ||
      (rc = jsonx_get_int(d, P, "mid_setl_flag", ipt, &in->mid_setl, e)))
    return rc;
  if (in->acct_used != 0 && in->acct_used != 1)
    return yb_fail(e, YB_EUNKNOWN_CODE, "input.data.acct_used_flag", "must be 0 or 1");
  if (in->mid_setl != 0 && in->mid_setl != 1)
    return yb_fail(e, YB_EUNKNOWN_CODE, "input.data.mid_setl_flag", "must be 0 or 1");
  if (strcmp(in->setlway, "01") && strcmp(in->setlway, "02") && strcmp(in->setlway, "1") &&
      strcmp(in->setlway, "2"))
    return yb_fail(e, YB_EUNKNOWN_CODE, "input.data.psn_setlway", "must be 01 or 02");
  if (in->setlway[strlen(in->setlway) - 1] == '2')
    return yb_fail(e, YB_EPOLICY, "input.data.psn_setlway",
                   "02 (fixed-amount settlement) is not offered by this region's policy");
  if (full) { /* the figures the HIS took from the pre-settlement must be given */
    in->has_amounts = 1;
    if ((rc = jsonx_get_dec(d, P, "fulamt_ownpay_amt", !ipt, MONEY_SCALE_FEN, &in->fulamt, e)) ||
        (rc = jsonx_get_dec(d, P, "overlmt_selfpay", !ipt, MONEY_SCALE_FEN, &in->overlmt, e)) ||
        (rc = jsonx_get_dec(d, P, "preselfpay_amt", !ipt, MONEY_SCALE_FEN, &in->presel, e)) ||
        (rc = jsonx_get_dec(d, P, "inscp_scp_amt", !ipt, MONEY_SCALE_FEN, &in->inscp, e)))
      return rc;
    if (ipt && !json_object_get(d, "inscp_scp_amt")) in->has_amounts = 0;
  }
  return 0;
}

typedef struct settle_run {
  setl_in in;
  settle_ctx x;
  store_visit v;
  line_set ls;
  benefit_line *lines;
  benefit_line_out *lo;
  int n;
  benefit_result res;
} settle_run;

static void run_free(settle_run *s) {
  free(s->ls.f);
  free(s->lines);
  free(s->lo);
  free(s);
}

/* Read, check and adjudicate a settlement request (no writes). */
static int settle_compute(api_req *r, int ipt, int full, settle_run *s, yb_err *e) {
  int rc = read_setl_in(r, ipt, full, &s->in, e);
  if (rc) return rc;
  setl_in *in = &s->in;
  if ((rc = api_visit_mine(r, in->mdtrt_id, in->psn_no, &s->v, e))) return rc;
  store_visit *v = &s->v;
  if (strcmp(v->kind, ipt ? "ipt" : "otp") || v->state == STORE_VISIT_CANCELLED)
    return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "%s is not a valid %s visit", v->mdtrt_id,
                   ipt ? "inpatient" : "outpatient");
  if (ipt && full && !in->mid_setl && v->state != STORE_VISIT_DISCHARGED)
    return yb_fail(e, YB_ECONFLICT, "input.data.mid_setl_flag",
                   "the stay is not discharged (2402): settle with mid_setl_flag 1 or discharge first");
  if (strcmp(in->insutype, v->insutype))
    return yb_fail(e, YB_EMISMATCH, "input.data.insutype", "visit %s is under %s", v->mdtrt_id,
                   v->insutype);
  if (!ipt) {
    if (!v->med_type[0])
      return yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "upload the visit information (2203) first");
    if (strcmp(in->med_type, v->med_type))
      return yb_fail(e, YB_EMISMATCH, "input.data.med_type", "visit %s was uploaded as %s",
                     v->mdtrt_id, v->med_type);
  }
  if ((rc = ctx_load(r, v, (int)in->acct_used, &s->x, e))) return rc;
  if (in->cert_no[0] && !api_cert_matches(&s->x.psn, in->cert_type, in->cert_no, NULL))
    return yb_fail(e, YB_EMISMATCH, "input.data.mdtrt_cert_no", "does not belong to %s", in->psn_no);
  rc = store_fee_each(r->c, v->mdtrt_id, ipt ? NULL : in->chrg_bchno, STORE_FEE_UNSETTLED | STORE_FEE_NO_TEXT, collect,
                      &s->ls, e);
  if (rc == YB_ELIMIT || rc == YB_ENOMEM)
    return yb_fail(e, rc, "mdtrt_id", rc == YB_ELIMIT ? "too many fee lines" : "out of memory");
  if (rc) return rc;
  s->lines = calloc((size_t)(s->ls.n ? s->ls.n : 1), sizeof *s->lines);
  s->lo = calloc((size_t)(s->ls.n ? s->ls.n : 1), sizeof *s->lo);
  if (!s->lines || !s->lo) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  if ((rc = net_lines(&s->ls, api_catalog(r->srv), s->lines, &s->n, e))) return rc;
  if (!s->n)
    return ipt ? yb_fail(e, YB_ENOT_FOUND, "input.data.mdtrt_id", "no unsettled fee lines in stay %s",
                         v->mdtrt_id)
               : yb_fail(e, YB_ENOT_FOUND, "input.data.chrg_bchno", "no unsettled fee lines in batch %s",
                         in->chrg_bchno);
  int64_t sum = 0;
  for (int i = 0; i < s->n; i++) sum += s->lines[i].sumamt;
  char a[32], b[32];
  if (sum != in->medfee)
    return yb_fail(e, YB_EMISMATCH, "input.data.medfee_sumamt", "%s differs from the fee lines' total %s",
                   money_fen_str(in->medfee, a), money_fen_str(sum, b));
  if ((rc = benefit_settle(s->x.p, &s->x.bp, &s->x.acc, &s->x.bv, s->lines, s->n, s->lo, &s->res, e)))
    return rc;
  if (full && in->has_amounts) {
    const struct { const char *name; int64_t want, got; } cmp[] = {
        {"fulamt_ownpay_amt", in->fulamt, s->res.fulamt_ownpay_amt},
        {"overlmt_selfpay", in->overlmt, s->res.overlmt_selfpay},
        {"preselfpay_amt", in->presel, s->res.preselfpay_amt},
        {"inscp_scp_amt", in->inscp, s->res.inscp_scp_amt},
    };
    for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++)
      if (cmp[i].want != cmp[i].got) {
        char f[48];
        snprintf(f, sizeof f, "input.data.%s", cmp[i].name);
        return yb_fail(e, YB_EMISMATCH, f, "%s differs from the settlement's %s",
                       money_fen_str(cmp[i].want, a), money_fen_str(cmp[i].got, b));
      }
  }
  return 0;
}

/* SETLINFO with the identity fields around the engine's amounts, as text: the bytes that
 * setting them on benefit_json_setlinfo's tree and dumping it gave (clr_way, set twice there,
 * keeps its first place and value). Caller frees; NULL on OOM. */
static char *setlinfo_text(api_req *r, settle_run *s, const char *setl_id) {
  const store_person *p = &s->x.psn;
  int32_t b = 0;
  jsonx_parse_date(p->brdy, &b, NULL);
  jsonw_buf w = {0};
  jsonw_obj o;
  jsonw_obj_open(&o, &w);
  benefit_jw_setlinfo(&o, &s->res);
  JW_STR(&o, "mdtrt_id", s->v.mdtrt_id);
  if (setl_id) JW_STR(&o, "setl_id", setl_id);
  JW_STR(&o, "psn_no", p->psn_no);
  JW_STR(&o, "psn_name", p->psn_name);
  JW_STR(&o, "psn_cert_type", p->psn_cert_type);
  JW_STR(&o, "certno", p->certno);
  JW_STR(&o, "gend", p->gend);
  JW_STR(&o, "naty", p->naty);
  JW_STR(&o, "brdy", p->brdy);
  JW_KEY(&o, "age");
  jsonw_real(&w, (double)benefit_age(b, s->x.bv.date), 15);
  JW_STR(&o, "insutype", s->v.insutype);
  JW_STR(&o, "psn_type", s->x.en.psn_type);
  JW_STR(&o, "cvlserv_flag", p->cvlserv_flag);
  JW_STR(&o, "setl_time", r->now);
  JW_STR(&o, "mdtrt_cert_type", s->in.cert_type);
  JW_STR(&o, "med_type", s->v.med_type);
  JW_STR(&o, "medins_setl_id", r->env->msgid);
  JW_STR(&o, "clr_optins", api_region(r->srv));
  if (s->res.waiting) { /* why no fund paid: the enrollment's waiting period (enroll.c) */
    char memo[sizeof s->x.en.wait_until + sizeof s->x.en.wait_reason + 64];
    snprintf(memo, sizeof memo, "待遇等待期至%s，基金不予支付：%s", s->x.en.wait_until, s->x.en.wait_reason);
    JW_STR(&o, "memo", memo);
  }
  jsonw_obj_close(&o);
  return jsonw_take(&w);
}

static char *setldetail_text(const benefit_result *res) {
  jsonw_buf w = {0};
  benefit_jw_setldetail(&w, res);
  return jsonw_take(&w);
}

static int pre_settle(api_req *r, int ipt, yb_err *e) {
  settle_run *s = calloc(1, sizeof *s);
  if (!s) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  int rc = settle_compute(r, ipt, 0, s, e);
  if (!rc) { /* a tree from the texts 2207 stores: the audit hook adds audit_result to it */
    char *si = setlinfo_text(r, s, NULL), *sd = setldetail_text(&s->res);
    json_t *a = si ? json_loads(si, 0, NULL) : NULL, *b = sd ? json_loads(sd, 0, NULL) : NULL;
    if (a && b) r->output = json_pack("{s:o,s:o}", "setlinfo", a, "setldetail", b);
    else rc = yb_fail(e, YB_ENOMEM, "", "out of memory"), json_decref(a), json_decref(b);
    free(si), free(sd);
  }
  run_free(s);
  return rc;
}

static char *dumpo(json_t *j) { /* dump and release */
  char *t = jsonx_dumps(j, JSON_COMPACT);
  json_decref(j);
  return t;
}

/* Write accumulators (cur + sign × delta) for every bucket the delta touches. */
static int write_accum(api_req *r, const settle_ctx *x, const accum *delta, int sign, yb_err *e) {
  accum cur = x->acc;
  if (accum_apply(&cur, delta, sign))
    return yb_fail(e, YB_ELIMIT, "psn_no", "accumulator set of %s is full", x->psn.psn_no);
  for (int i = 0; i < delta->n; i++) {
    const accum_entry *d = &delta->e[i];
    int rc = store_accum_set(r->c, x->psn.psn_no, x->year, x->p->buckets[d->bucket], d->period,
                             accum_get(&cur, d->bucket, d->period), e);
    if (rc) return rc;
  }
  return 0;
}

/* The texts a settlement row stores (setlinfo, setldetail, trace, accum_delta; malloc'd). */
typedef struct setl_texts {
  char *t[4];
} setl_texts;

static void texts_free(setl_texts *t) {
  for (int i = 0; i < 4; i++) free(t->t[i]), t->t[i] = NULL;
}

static int texts_make(api_req *r, settle_run *s, const char *setl_id, setl_texts *t, yb_err *e) {
  jsonw_buf w = {0};
  t->t[0] = setlinfo_text(r, s, setl_id);
  t->t[1] = setldetail_text(&s->res);
  t->t[2] = benefit_json_trace_text(&s->res); /* jsonx_dumps(benefit_json_trace) without the tree */
  benefit_jw_accum(&w, s->x.p, &s->res.delta);
  t->t[3] = jsonw_take(&w);
  for (int i = 0; i < 4; i++)
    if (!t->t[i]) {
      texts_free(t);
      return yb_fail(e, YB_ENOMEM, "", "out of memory");
    }
  return 0;
}

/* Write a computed settlement: its row, details, the lines it settles, the accumulators (from
 * s->x.acc, the current ones) and the account payments; the reply's output is the stored texts.
 * read: the lines as settle_compute read them in this job (their console sums need no second
 * read), or NULL (prepared on another connection). */
static int settle_write(api_req *r, int ipt, settle_run *s, const char *setl_id, const setl_texts *t,
                        const line_set *read, yb_err *e) {
  benefit_result *res = &s->res;
  store_setl row;
  memset(&row, 0, sizeof row);
  api_cpy(row.setl_id, sizeof row.setl_id, setl_id);
  api_cpy(row.mdtrt_id, sizeof row.mdtrt_id, s->v.mdtrt_id);
  api_cpy(row.psn_no, sizeof row.psn_no, s->v.psn_no);
  api_cpy(row.fixmedins_code, sizeof row.fixmedins_code, r->inst->fixmedins_code);
  api_cpy(row.infno, sizeof row.infno, r->env->infno);
  api_cpy(row.msgid, sizeof row.msgid, r->env->msgid);
  api_cpy(row.insutype, sizeof row.insutype, s->v.insutype);
  api_cpy(row.med_type, sizeof row.med_type, s->v.med_type);
  api_cpy(row.clr_type, sizeof row.clr_type, res->clr_type);
  api_cpy(row.setl_time, sizeof row.setl_time, r->now);
  api_cpy(row.chrg_bchno, sizeof row.chrg_bchno, s->in.chrg_bchno);
  if (res->pay[PAYER_ACCT_MULAID])
    api_cpy(row.family_psn_no, sizeof row.family_psn_no, s->x.psn.family_psn_no);
  row.year = s->x.year;
  row.state = 1;
  row.medfee_sumamt = res->medfee_sumamt;
  row.fund_pay_sumamt = res->fund_pay_sumamt;
  row.acct_pay = res->pay[PAYER_ACCT];
  row.acct_mulaid_pay = res->pay[PAYER_ACCT_MULAID];
  row.psn_cash_pay = res->psn_cash_pay;
  row.setlinfo = t->t[0], row.setldetail = t->t[1], row.trace = t->t[2], row.accum_delta = t->t[3];
  int rc = store_setl_put(r->c, &row, e);
  for (int i = 0; !rc && i < res->n_detail; i++) {
    const benefit_detail *d = &res->detail[i];
    rc = store_setl_detail_put(r->c, setl_id, row.psn_no, i + 1, d->fund_pay_type, d->name,
                               d->inscp_scp_amt, d->crt_payb_lmt_amt, d->fund_payamt, e);
  }
  if (!rc) { /* every line read above, returns included: the same rows, in one statement */
    int64_t n = 0;
    rc = store_fee_settle_all(r->c, s->v.mdtrt_id, ipt ? NULL : s->in.chrg_bchno, setl_id, read ? read->f : NULL,
                              read ? read->n : 0, &n, e);
    if (!rc && n != s->ls.n)
      rc = yb_fail(e, YB_ECONFLICT, "input.data.mdtrt_id", "the fee lines changed while settling");
  }
  if (!rc) rc = write_accum(r, &s->x, &res->delta, +1, e);
  if (!rc && row.acct_pay) rc = store_acct_add(r->c, row.psn_no, -row.acct_pay, e);
  if (!rc && row.acct_mulaid_pay) rc = store_acct_add(r->c, row.family_psn_no, -row.acct_mulaid_pay, e);
  if (rc) return rc;
  jsonw_buf b = {0}; /* the reply's output: the stored texts, not dumped again */
  JW_LIT(&b, "{\"setlinfo\":");
  jsonw_raw(&b, t->t[0], strlen(t->t[0]));
  JW_LIT(&b, ",\"setldetail\":");
  jsonw_raw(&b, t->t[1], strlen(t->t[1]));
  JW_LIT(&b, "}");
  if (!(r->output_text = jsonw_take(&b))) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  char a[32];
  snprintf(r->what, sizeof r->what, "settle %s as %s: %s", s->v.mdtrt_id, setl_id,
           money_fen_str(res->medfee_sumamt, a));
  api_cpy(r->psn_no, sizeof r->psn_no, s->v.psn_no);
  return 0;
}

static int settle(api_req *r, int ipt, yb_err *e) {
  settle_run *s = calloc(1, sizeof *s);
  if (!s) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  int rc = settle_compute(r, ipt, 1, s, e);
  char setl_id[32] = "";
  setl_texts t = {{0}};
  if (!rc) rc = api_new_id(r, "JS", setl_id, sizeof setl_id, e);
  if (!rc) rc = texts_make(r, s, setl_id, &t, e);
  if (!rc) rc = settle_write(r, ipt, s, setl_id, &t, &s->ls, e);
  texts_free(&t);
  run_free(s);
  return rc;
}

/* ---- prepared settlements (api.h: prepared writes) -------------------------------------------
 * On the HTTP thread: the live audit, the reads, the engine and every JSON text, against the
 * reader, with a placeholder of the id's length where setl_id goes. In the writer: if the visit
 * (its state and lines) has not moved, the person's account and accumulators are read again
 * and the engine rerun on them (cheap); only if it gives the very same result are the prepared
 * texts stored, with the real id put in; else the settlement is computed there from scratch.
 * A moved history reruns the live audit in the writer. So the rows are what the writer alone
 * would have written. */
typedef struct settle_plan {
  settle_run *s;
  setl_texts t;
  char ph[32];   /* the placeholder setl_id in t.t[0] */
} settle_plan;

static void plan_free(void *arg) {
  settle_plan *p = arg;
  if (!p) return;
  texts_free(&p->t);
  if (p->s) run_free(p->s);
  free(p);
}

static int settle_prep(api_req *r, int ipt, yb_err *e) {
  json_t *d = api_node(r, "data", 1, e);
  if (!d) return e->code;
  const char *mdtrt = json_string_value(json_object_get(d, "mdtrt_id"));
  const char *psn = json_string_value(json_object_get(d, "psn_no"));
  if (!mdtrt || !psn) return yb_fail(e, YB_EMISSING, "input.data", "mdtrt_id and psn_no");
  api_observe(r, API_KEY_VISIT, mdtrt); /* before reading what they cover */
  api_observe(r, API_KEY_HIST, psn);
  int rc = api_audit_block(r, e);
  if (rc) return rc;
  settle_plan *p = calloc(1, sizeof *p);
  if (!p || !(p->s = calloc(1, sizeof *p->s))) {
    free(p);
    return yb_fail(e, YB_ENOMEM, "", "out of memory");
  }
  r->plan = p;
  r->plan_free = plan_free;
  size_t n = strlen(api_region(r->srv)) + 12; /* region + "JS" + 10 digits, as api_new_id */
  if (n >= sizeof p->ph) return yb_fail(e, YB_ELIMIT, "setl_id", "region code too long");
  memset(p->ph, '#', n);
  if ((rc = settle_compute(r, ipt, 1, p->s, e))) return rc;
  if (strcmp(p->s->v.psn_no, psn)) return yb_fail(e, YB_EMISMATCH, "input.data.psn_no", "another visit's");
  return texts_make(r, p->s, p->ph, &p->t, e);
}

/* The person's account and accumulators as the writer sees them; the engine again on them.
 * 1: the same result as prepared; 0: not (or a read failed: the caller recomputes). */
static int same_money(api_req *r, settle_run *s, yb_err *e) {
  settle_ctx *x = &s->x;
  store_person p, f;
  if (store_person_get(r->c, x->psn.psn_no, &p, e) || strcmp(p.family_psn_no, x->psn.family_psn_no)) return 0;
  x->psn.acct_balc = x->bp.acct_balc = p.acct_balc;
  if (x->psn.family_psn_no[0]) {
    if (store_person_get(r->c, x->psn.family_psn_no, &f, e)) return 0;
    x->fam.acct_balc = x->bp.family_balc = f.acct_balc;
  }
  memset(&x->acc, 0, sizeof x->acc);
  if (store_accum_each(r->c, x->psn.psn_no, x->year, add_accum, x, e)) return 0;
  benefit_result *res = calloc(1, sizeof *res);
  benefit_line_out *lo = calloc((size_t)(s->n ? s->n : 1), sizeof *lo);
  int same = res && lo &&
             !benefit_settle(x->p, &x->bp, &x->acc, &x->bv, s->lines, s->n, lo, res, e) &&
             !memcmp(res, &s->res, sizeof *res) && !memcmp(lo, s->lo, (size_t)s->n * sizeof *lo);
  free(res);
  free(lo);
  yb_err_clear(e);
  return same;
}

static int settle_apply(api_req *r, int ipt, yb_err *e) {
  settle_plan *p = r->plan;
  settle_run *s = p->s;
  int rc;
  api_touch(r, API_KEY_VISIT, s->v.mdtrt_id); /* as api_visit_mine would */
  api_hist(r, s->v.begntime);
  api_cpy(r->psn_no, sizeof r->psn_no, s->v.psn_no);
  if (r->stale & API_STALE_HIST) { /* the person's history moved: judge the visit again */
    r->warn_msg[0] = 0;
    api_prep_count(r->srv, API_PREP_AUDIT);
    if ((rc = api_audit_block(r, e))) return rc;
  }
  if (!same_money(r, s, e)) {
    api_prep_count(r->srv, API_PREP_MONEY);
    return settle(r, ipt, e);
  }
  api_prep_count(r->srv, API_PREP_APPLIED);
  char setl_id[32] = "";
  if ((rc = api_new_id(r, "JS", setl_id, sizeof setl_id, e))) return rc;
  size_t n = strlen(p->ph);
  char key[48], *at;
  snprintf(key, sizeof key, "\"setl_id\":\"%s\"", p->ph);
  if (strlen(setl_id) != n || !(at = strstr(p->t.t[0], key))) { /* cannot happen: compute it here */
    char *old = p->t.t[0];
    p->t.t[0] = setlinfo_text(r, s, setl_id);
    free(old);
    if (!p->t.t[0]) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  } else {
    memcpy(at + strlen("\"setl_id\":\""), setl_id, n);
  }
  return settle_write(r, ipt, s, setl_id, &p->t, NULL, e);
}

/* audit hooks (api_audit_hsi.c): warnings at pre-settlement, blocking rules before a settlement */
int api_2206(api_req *r, yb_err *e) {
  int rc = pre_settle(r, 0, e);
  if (!rc) api_audit_warn(r);
  return rc;
}
int api_2303(api_req *r, yb_err *e) {
  int rc = pre_settle(r, 1, e);
  if (!rc) api_audit_warn(r);
  return rc;
}
int api_2207(api_req *r, yb_err *e) {
  int rc = api_audit_block(r, e);
  return rc ? rc : settle(r, 0, e);
}
int api_2304(api_req *r, yb_err *e) {
  int rc = api_audit_block(r, e);
  if (!rc) rc = settle(r, 1, e);
  if (!rc) api_dip_on_settle(r); /* api_dip_hsi.c: the stay's provisional DIP score */
  return rc;
}
int api_2207_prep(api_req *r, yb_err *e) { return settle_prep(r, 0, e); }
int api_2207_apply(api_req *r, yb_err *e) { return settle_apply(r, 0, e); }
int api_2304_prep(api_req *r, yb_err *e) { return settle_prep(r, 1, e); }
int api_2304_apply(api_req *r, yb_err *e) {
  int rc = settle_apply(r, 1, e);
  if (!rc) api_dip_on_settle(r);
  return rc;
}

/* ---- cancellation ---------------------------------------------------------------------------- */
int api_cancel_setl(api_req *r, const char *setl_id, const char *mdtrt_id, const char *psn_no,
                    json_t **output, yb_err *e) {
  store_setl o;
  int rc = store_setl_get(r->c, setl_id, &o, e);
  if (rc == YB_ENOT_FOUND || (!rc && (strcmp(o.fixmedins_code, r->inst->fixmedins_code) || o.refd_setl_flag))) {
    if (!rc) store_setl_free(&o);
    return yb_fail(e, YB_ENOT_FOUND, "setl_id", "no settlement %s at this institution", setl_id);
  }
  if (rc) return rc;
  settle_ctx *x = calloc(1, sizeof *x);
  json_t *si = NULL, *sd = NULL, *dj = NULL;
  char rev_id[32] = "";
  if (!x) rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  else if (mdtrt_id && strcmp(mdtrt_id, o.mdtrt_id))
    rc = yb_fail(e, YB_EMISMATCH, "mdtrt_id", "settlement %s belongs to visit %s", setl_id, o.mdtrt_id);
  else if (psn_no && strcmp(psn_no, o.psn_no))
    rc = yb_fail(e, YB_EMISMATCH, "psn_no", "settlement %s belongs to %s", setl_id, o.psn_no);
  else if (o.state != 1)
    rc = yb_fail(e, YB_ECONFLICT, "setl_id", "settlement %s is already cancelled", setl_id);
  if (!rc) {
    api_cpy(r->psn_no, sizeof r->psn_no, o.psn_no);
    api_touch(r, API_KEY_VISIT, o.mdtrt_id); /* its lines are unsettled */
    api_hist(r, "");
    if ((rc = store_person_get(r->c, o.psn_no, &x->psn, e))) goto out;
    x->year = o.year;
    x->p = api_policy_for(r->srv, x->psn.insuplc_admdvs, o.year);
    if (!x->p) {
      rc = yb_fail(e, YB_EPOLICY, "setl_id", "no policy for %s in %d", x->psn.insuplc_admdvs, o.year);
      goto out;
    }
    accum delta;
    dj = json_loads(o.accum_delta, 0, NULL);
    if ((rc = benefit_json_accum_read(dj, "accum_delta", x->p, &delta, e))) goto out;
    if ((rc = store_accum_each(r->c, o.psn_no, o.year, add_accum, x, e))) goto out;
    if ((rc = write_accum(r, x, &delta, -1, e))) goto out;
    if (o.acct_pay && (rc = store_acct_add(r->c, o.psn_no, o.acct_pay, e))) goto out;
    if (o.acct_mulaid_pay && (rc = store_acct_add(r->c, o.family_psn_no, o.acct_mulaid_pay, e))) goto out;
    if ((rc = store_setl_cancel(r->c, setl_id, e))) goto out;
    if ((rc = store_fee_unsettle(r->c, setl_id, e))) goto out;
    if ((rc = api_new_id(r, "JS", rev_id, sizeof rev_id, e))) goto out;
    /* the reversal row: the original's figures negated, so sums over rows stay true */
    static const char *const amounts[] = {
        "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
        "act_pay_dedc", "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay",
        "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt",
        "acct_mulaid_pay", NULL};
    static const char *const detail_amounts[] = {"inscp_scp_amt", "crt_payb_lmt_amt", "fund_payamt", NULL};
    si = json_loads(o.setlinfo, 0, NULL);
    sd = json_loads(o.setldetail, 0, NULL);
    if (!si || !sd) {
      rc = yb_fail(e, YB_ESTORE, "setl_id", "stored settlement %s is unreadable", setl_id);
      goto out;
    }
    negate_keys(si, amounts);
    size_t i;
    json_t *d;
    json_array_foreach(sd, i, d) negate_keys(d, detail_amounts);
    store_person now;
    if ((rc = store_person_get(r->c, o.psn_no, &now, e))) goto out;
    json_object_set_new(si, "setl_id", json_string(rev_id));
    json_object_set_new(si, "setl_time", json_string(r->now));
    json_object_set_new(si, "balc", jsonx_money(now.acct_balc));
    json_object_set(si, "pdn_cash_pay", json_object_get(si, "psn_cash_pay")); /* 2208's spelling */
    json_object_set_new(si, "hifdm_pay", jsonx_money(0));
    json_object_set_new(si, "medins_setl_id", json_string(r->env->msgid));
    store_setl rev = o;
    rev.setlinfo = rev.setldetail = rev.trace = rev.accum_delta = NULL;
    api_cpy(rev.setl_id, sizeof rev.setl_id, rev_id);
    api_cpy(rev.orig_setl_id, sizeof rev.orig_setl_id, setl_id);
    api_cpy(rev.infno, sizeof rev.infno, r->env->infno);
    api_cpy(rev.msgid, sizeof rev.msgid, r->env->msgid);
    api_cpy(rev.setl_time, sizeof rev.setl_time, r->now);
    rev.refd_setl_flag = 1;
    rev.state = 1;
    rev.medfee_sumamt = -o.medfee_sumamt;
    rev.fund_pay_sumamt = -o.fund_pay_sumamt;
    rev.acct_pay = -o.acct_pay;
    rev.acct_mulaid_pay = -o.acct_mulaid_pay;
    rev.psn_cash_pay = -o.psn_cash_pay;
    accum neg = {0};
    accum_apply(&neg, &delta, -1);
    rev.setlinfo = jsonx_dumps(si, JSON_COMPACT);
    rev.setldetail = jsonx_dumps(sd, JSON_COMPACT);
    rev.trace = strdup("[]");
    rev.accum_delta = dumpo(benefit_json_accum(x->p, &neg));
    rc = store_setl_put(r->c, &rev, e);
    store_setl_free(&rev);
    if (!rc) {
      snprintf(r->what, sizeof r->what, "cancel settlement %s as %s", setl_id, rev_id);
      *output = json_pack("{s:O,s:O}", "setlinfo", si, "setldetail", sd);
    }
  }
out:
  json_decref(dj);
  json_decref(si);
  json_decref(sd);
  free(x);
  store_setl_free(&o);
  return rc;
}

static int cancel(api_req *r, const char *want_infno, yb_err *e) {
  const char *P = "input.data";
  json_t *d = api_node(r, "data", 1, e);
  if (!d) return e->code;
  char setl_id[32] = "", mdtrt_id[32] = "", psn_no[32] = "";
  int rc;
  if ((rc = jsonx_get_str(d, P, "setl_id", true, setl_id, sizeof setl_id, e)) ||
      (rc = jsonx_get_str(d, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(d, P, "psn_no", true, psn_no, sizeof psn_no, e)))
    return rc;
  store_setl o;
  rc = store_setl_get(r->c, setl_id, &o, e);
  if (!rc) {
    int other = strcmp(o.infno, want_infno) && !o.refd_setl_flag;
    store_setl_free(&o);
    if (other && !strcmp(o.fixmedins_code, r->inst->fixmedins_code))
      return yb_fail(e, YB_ECONFLICT, "input.data.setl_id", "%s was settled by %s; cancel it with %s",
                     setl_id, o.infno, !strcmp(o.infno, "2207") ? "2208" : "2305");
  }
  yb_err_clear(e);
  rc = api_cancel_setl(r, setl_id, mdtrt_id, psn_no, &r->output, e);
  if (rc && strncmp(e->field, "input.", 6)) { /* name the input field */
    char f[256];
    snprintf(f, sizeof f, "input.data.%s", e->field);
    snprintf(e->field, sizeof e->field, "%.*s", (int)sizeof e->field - 1, f);
  }
  return rc;
}

int api_2208(api_req *r, yb_err *e) { return cancel(r, "2207", e); }
int api_2305(api_req *r, yb_err *e) {
  int rc = cancel(r, "2304", e);
  if (!rc) api_dip_on_cancel(r, NULL);
  return rc;
}
