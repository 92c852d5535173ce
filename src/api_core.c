/* api_core.c — from an HTTP body to a reply: gateway signature, envelope, sign-in, the infno
 * table, msgid idempotency and the hand-off of writes to the group-commit writer. */
#include "api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_live.h"
#include "jsonw.h"
#include "jsonx.h"

static const api_txn api_txns[] = {
    /* infno  handler    input node   kind              writes sign  name  [prep, apply] [check] */
    {"9001", api_9001, "signIn", API_NODE_OBJECT, 1, 0, "签到", NULL, NULL, NULL},
    {"9002", api_9002, "signOut", API_NODE_OBJECT, 1, 1, "签退", NULL, NULL, NULL},
    {"9101", api_9101, "fsUploadIn", API_NODE_OBJECT, 1, 1, "文件上传", NULL, NULL, api_9101_check},
    {"9102", api_9102, "fsDownloadIn", API_NODE_OBJECT, 0, 1, "文件下载", NULL, NULL, NULL},
    {"1101", api_1101, "data", API_NODE_OBJECT, 0, 1, "人员信息获取", NULL, NULL, NULL},
    {"2201", api_2201, "data", API_NODE_OBJECT, 1, 1, "门诊挂号", NULL, NULL, NULL},
    {"2202", api_2202, "data", API_NODE_OBJECT, 1, 1, "门诊挂号撤销", NULL, NULL, NULL},
    {"2203", api_2203, "mdtrtinfo", API_NODE_OBJECT, 1, 1, "门诊就诊信息上传", NULL, NULL, NULL},
    {"2203A", api_2203, "mdtrtinfo", API_NODE_OBJECT, 1, 1, "门诊就诊信息上传(A)", NULL, NULL, NULL},
    {"2204", api_2204, "feedetail", API_NODE_LIST, 1, 1, "门诊费用明细信息上传", NULL, NULL, NULL},
    {"2205", api_2205, "data", API_NODE_OBJECT, 1, 1, "门诊费用明细信息撤销", NULL, NULL, NULL},
    {"2206", api_2206, "data", API_NODE_OBJECT, 0, 1, "门诊预结算", NULL, NULL, NULL},
    {"2207", api_2207, "data", API_NODE_OBJECT, 1, 1, "门诊结算", api_2207_prep, api_2207_apply, NULL},
    {"2208", api_2208, "data", API_NODE_OBJECT, 1, 1, "门诊结算撤销", NULL, NULL, NULL},
    {"2301", api_2301, "feedetail", API_NODE_LIST, 1, 1, "住院费用明细上传", NULL, NULL, NULL},
    {"2302", api_2302, "data", API_NODE_ANY, 1, 1, "住院费用明细撤销", NULL, NULL, NULL},
    {"2303", api_2303, "data", API_NODE_OBJECT, 0, 1, "住院预结算", NULL, NULL, NULL},
    {"2304", api_2304, "data", API_NODE_OBJECT, 1, 1, "住院结算", api_2304_prep, api_2304_apply, NULL},
    {"2305", api_2305, "data", API_NODE_OBJECT, 1, 1, "住院结算撤销", NULL, NULL, NULL},
    {"2401", api_2401, "mdtrtinfo", API_NODE_OBJECT, 1, 1, "入院办理", NULL, NULL, NULL},
    {"2402", api_2402, "dscginfo", API_NODE_OBJECT, 1, 1, "出院办理", NULL, NULL, NULL},
    {"2403", api_2403, "adminfo", API_NODE_OBJECT, 1, 1, "住院信息变更", NULL, NULL, NULL},
    {"2404", api_2404, "data", API_NODE_OBJECT, 1, 1, "入院撤销", NULL, NULL, NULL},
    {"2405", api_2405, "data", API_NODE_OBJECT, 1, 1, "出院撤销", NULL, NULL, NULL},
    {"2601", api_2601, "data", API_NODE_OBJECT, 1, 1, "冲正交易", NULL, NULL, NULL},
    {"3101", api_3101, "data", API_NODE_OBJECT, 0, 1, "明细审核事前分析", NULL, NULL, NULL},
    {"3102", api_3102, "data", API_NODE_OBJECT, 0, 1, "明细审核事中分析", NULL, NULL, NULL},
    {"3201", api_3201, "data", API_NODE_OBJECT, 0, 1, "医药机构费用结算对总账", NULL, NULL, NULL},
    {"3202", api_3202, "data", API_NODE_OBJECT, 0, 1, "医药机构费用结算对明细账", NULL, NULL, NULL},
    {"5201", api_5201, "data", API_NODE_OBJECT, 0, 1, "就诊信息查询", NULL, NULL, NULL},
    {"5202", api_5202, "data", API_NODE_OBJECT, 0, 1, "诊断信息查询", NULL, NULL, NULL},
    {"5203", api_5203, "data", API_NODE_OBJECT, 0, 1, "结算信息查询", NULL, NULL, NULL},
    {"5204", api_5204, "data", API_NODE_OBJECT, 0, 1, "费用明细查询", NULL, NULL, NULL},
    {"5205", api_5205, "data", API_NODE_OBJECT, 0, 1, "人员慢特病用药记录查询", NULL, NULL, NULL},
    {"5206", api_5206, "data", API_NODE_OBJECT, 0, 1, "人员累计信息查询", NULL, NULL, NULL},
};

const api_txn *api_txn_find(const char *infno) {
  for (size_t i = 0; i < sizeof api_txns / sizeof api_txns[0]; i++)
    if (!strcmp(api_txns[i].infno, infno)) return &api_txns[i];
  return NULL;
}

const api_txn *api_txn_table(int *n) {
  *n = (int)(sizeof api_txns / sizeof api_txns[0]);
  return api_txns;
}

/* ---- server state -------------------------------------------------------------------------- */
#define API_VER_SLOTS 4096
typedef struct sign_entry {
  char sign_no[40], code[32], opter[32];
} sign_entry;

struct api_server {
  store *st;
  char region[8];
  store_inst *inst;
  int n_inst;
  api_policy *pol;
  int n_pol;
  catalog *cat;
  hsi_nonces *nonces;
  pthread_rwlock_t sign_mu;
  sign_entry *signs;
  int n_signs, cap_signs;
  atomic_llong serial;
  /* versions of keys (api_observe / api_touch): jobs run on a key (writer thread only) and
   * finished on it (their commit visible) */
  uint64_t ver_run[API_VER_SLOTS];
  _Atomic uint64_t ver_done[API_VER_SLOTS];
  _Atomic uint64_t prep_stats[API_PREP_NSTATS];
  int prep;                /* YB_PREP=1: prepared writes on (docs/operations.md says why not by default) */
  uint64_t all_run;        /* jobs that touched more keys than they could name */
  _Atomic uint64_t all_done;
};

store *api_server_store(api_server *srv) { return srv->st; }

void api_prep_count(api_server *srv, int which) { atomic_fetch_add(&srv->prep_stats[which], 1); }
void api_server_prep_stats(api_server *srv, uint64_t out[API_PREP_NSTATS]) {
  for (int i = 0; i < API_PREP_NSTATS; i++) out[i] = atomic_load(&srv->prep_stats[i]);
}

static uint32_t key_slot(int kind, const char *id) {
  uint32_t h = 2166136261u ^ (uint32_t)kind; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)id; *p; p++) h = (h ^ *p) * 16777619u;
  return h % API_VER_SLOTS;
}

void api_observe(api_req *r, int kind, const char *id) {
  if (r->n_obs >= API_MAX_OBS) return; /* the caller observes at most API_MAX_OBS keys */
  uint32_t slot = key_slot(kind, id);
  r->obs[r->n_obs].slot = slot;
  r->obs[r->n_obs].kind = kind;
  r->obs[r->n_obs].ver = atomic_load(&r->srv->ver_done[slot]);
  r->n_obs++;
}

void api_hist(api_req *r, const char *begntime) {
  r->hist_known = 1;
  if (r->hist_recent) return;
  static _Thread_local char day[12], cut[16]; /* the cut-off of the day last asked */
  if (strncmp(day, r->now, 10)) {
    audit_live_since(r->now, api_audit_back_days() + 2, cut, sizeof cut);
    snprintf(day, sizeof day, "%.10s", r->now);
  }
  if (!begntime || !begntime[0] || strcmp(begntime, cut) >= 0) r->hist_recent = 1;
}

void api_touch(api_req *r, int kind, const char *id) {
  if (!id || !id[0]) return;
  uint32_t slot = key_slot(kind, id);
  for (int i = 0; i < r->n_touch; i++)
    if (r->touch[i] == slot) return;
  if (r->n_touch < API_MAX_TOUCH) r->touch[r->n_touch++] = slot;
  else r->touch_all = 1;
}
const catalog *api_catalog(api_server *srv) { return srv->cat; }
const char *api_region(api_server *srv) { return srv->region; }

static int inst_cmp(const void *a, const void *b) {
  return strcmp(((const store_inst *)a)->fixmedins_code, ((const store_inst *)b)->fixmedins_code);
}

static int load_inst(const store_inst *r, void *arg) {
  api_server *srv = arg;
  store_inst *n = realloc(srv->inst, (size_t)(srv->n_inst + 1) * sizeof *n);
  if (!n) return YB_ENOMEM;
  srv->inst = n;
  srv->inst[srv->n_inst++] = *r;
  return 0;
}

static int load_policy(const char *region, int year, const char *version, const char *body,
                       void *arg) {
  api_server *srv = arg;
  (void)version;
  yb_err e = {0};
  policy *p = NULL;
  if (policy_load_text(body, strlen(body), &p, &e) != 0) {
    char buf[512];
    fprintf(stderr, "yibao: policy %s/%d/%s does not load: %s\n", region, year, version,
            yb_err_text(&e, buf, sizeof buf));
    return YB_EPOLICY;
  }
  api_policy *n = realloc(srv->pol, (size_t)(srv->n_pol + 1) * sizeof *n);
  if (!n) {
    policy_free(p);
    return YB_ENOMEM;
  }
  srv->pol = n;
  api_policy *ap = &srv->pol[srv->n_pol++];
  api_cpy(ap->region, sizeof ap->region, region);
  ap->year = year;
  ap->p = p;
  return 0;
}

static int sign_cmp(const void *a, const void *b) {
  return strcmp(((const sign_entry *)a)->sign_no, ((const sign_entry *)b)->sign_no);
}

/* The sign-in entry of sign_no, or NULL. Caller holds the lock. */
static const sign_entry *sign_find(const api_server *srv, const char *sign_no) {
  sign_entry k;
  api_cpy(k.sign_no, sizeof k.sign_no, sign_no);
  return srv->n_signs ? bsearch(&k, srv->signs, (size_t)srv->n_signs, sizeof k, sign_cmp) : NULL;
}

/* Add a sign-in (sorted array under a rwlock). Caller holds the write lock. */
static void sign_add_locked(api_server *srv, const char *sign_no, const char *code, const char *opter) {
  if (sign_find(srv, sign_no)) return;
  if (srv->n_signs == srv->cap_signs) {
    int cap = srv->cap_signs ? srv->cap_signs * 2 : 64;
    sign_entry *n = realloc(srv->signs, (size_t)cap * sizeof *n);
    if (!n) return;
    srv->signs = n;
    srv->cap_signs = cap;
  }
  int i = srv->n_signs;
  while (i > 0 && strcmp(srv->signs[i - 1].sign_no, sign_no) > 0) {
    srv->signs[i] = srv->signs[i - 1];
    i--;
  }
  api_cpy(srv->signs[i].sign_no, sizeof srv->signs[i].sign_no, sign_no);
  api_cpy(srv->signs[i].code, sizeof srv->signs[i].code, code);
  api_cpy(srv->signs[i].opter, sizeof srv->signs[i].opter, opter);
  srv->n_signs++;
}

static int load_sign(const char *sign_no, const char *code, const char *opter, void *arg) {
  sign_add_locked(arg, sign_no, code, opter);
  return 0;
}

static void sign_out_locked(api_server *srv, const char *code, const char *opter) {
  int j = 0;
  for (int i = 0; i < srv->n_signs; i++)
    if (strcmp(srv->signs[i].code, code) || strcmp(srv->signs[i].opter, opter))
      srv->signs[j++] = srv->signs[i];
  srv->n_signs = j;
}

static int sign_valid(api_server *srv, const char *sign_no, const char *code) {
  pthread_rwlock_rdlock(&srv->sign_mu);
  const sign_entry *f = sign_find(srv, sign_no);
  int ok = f && !strcmp(f->code, code);
  pthread_rwlock_unlock(&srv->sign_mu);
  return ok;
}

int api_sign_opter(api_server *srv, const char *sign_no, const char *code, char *opter, size_t cap,
                   yb_err *e) {
  pthread_rwlock_rdlock(&srv->sign_mu);
  const sign_entry *f = sign_find(srv, sign_no);
  int ok = f && !strcmp(f->code, code);
  if (ok) snprintf(opter, cap, "%s", f->opter);
  pthread_rwlock_unlock(&srv->sign_mu);
  return ok ? 0 : yb_fail(e, YB_EAUTH, "input.signOut.sign_no", "%s is not an active sign-in", sign_no);
}

int api_server_new(store *s, api_server **out, yb_err *e) {
  api_server *srv = calloc(1, sizeof *srv);
  if (!srv) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  jsonr_arena_install(); /* before any HTTP thread runs; calls' trees go to their arenas */
  srv->st = s;
  const char *pp = getenv("YB_PREP");
  srv->prep = pp && *pp && strcmp(pp, "0");
  pthread_rwlock_init(&srv->sign_mu, NULL);
  srv->nonces = hsi_nonces_new();
  store_conn *c = store_reader(s, e);
  int rc = c ? 0 : YB_ESTORE;
  if (!rc && (rc = store_meta_get(c, "region", srv->region, sizeof srv->region, e)) == YB_ENOT_FOUND)
    yb_fail(e, rc, "db", "not initialized: run `yibao init --db FILE [--demo]` first");
  if (!rc) rc = store_inst_each(c, load_inst, srv, e);
  if (!rc && srv->n_inst) qsort(srv->inst, (size_t)srv->n_inst, sizeof *srv->inst, inst_cmp);
  if (!rc) rc = store_signin_each_active(c, load_sign, srv, e);
  if (!rc) {
    rc = store_policy_each(c, load_policy, srv, e);
    if (rc && !e->code) yb_fail(e, rc, "policy", "a stored policy does not load");
  }
  char *cat = NULL;
  if (!rc) rc = store_catalog_latest(c, &cat, e);
  if (!rc) rc = catalog_load_text(cat, strlen(cat), &srv->cat, e);
  free(cat);
  if (!rc && !srv->n_pol) rc = yb_fail(e, YB_EPOLICY, "policy", "the database holds no policy");
  if (rc) {
    api_server_free(srv);
    return rc;
  }
  *out = srv;
  return 0;
}

void api_server_free(api_server *srv) {
  if (!srv) return;
  for (int i = 0; i < srv->n_pol; i++) policy_free(srv->pol[i].p);
  free(srv->pol);
  catalog_free(srv->cat);
  free(srv->inst);
  free(srv->signs);
  hsi_nonces_free(srv->nonces);
  pthread_rwlock_destroy(&srv->sign_mu);
  free(srv);
}

const policy *api_policy_for(api_server *srv, const char *region, int year) {
  const api_policy *best = NULL;
  for (int i = 0; i < srv->n_pol; i++) {
    const api_policy *ap = &srv->pol[i];
    if (!strcmp(ap->region, region) && ap->year == year) best = ap; /* the later loaded wins */
  }
  return best ? best->p : NULL;
}

static const store_inst *inst_by(api_server *srv, int scheme, const char *who) {
  if (scheme == HSI_SCHEME_HMAC) {
    store_inst k;
    api_cpy(k.fixmedins_code, sizeof k.fixmedins_code, who);
    return srv->n_inst ? bsearch(&k, srv->inst, (size_t)srv->n_inst, sizeof k, inst_cmp) : NULL;
  }
  for (int i = 0; i < srv->n_inst; i++)
    if (srv->inst[i].access_key[0] && !strcmp(srv->inst[i].access_key, who)) return &srv->inst[i];
  return NULL;
}

/* ---- helpers for handlers -------------------------------------------------------------------- */
json_t *api_node(api_req *r, const char *key, int required, yb_err *e) {
  json_t *v = json_object_get(r->input, key);
  char path[64];
  snprintf(path, sizeof path, "input.%s", key);
  if (json_is_array(v) && json_array_size(v) == 1) v = json_array_get(v, 0);
  if (!v || json_is_null(v)) {
    if (required) yb_fail(e, YB_EMISSING, path, "required");
    return NULL;
  }
  if (!json_is_object(v)) {
    yb_fail(e, YB_ETYPE, path, "must be an object");
    return NULL;
  }
  return v;
}

json_t *api_as_list(json_t *v) { return json_is_object(v) ? json_pack("[O]", v) : json_incref(v); }

int api_new_id_in(api_server *srv, store_conn *c, const char *tag, char *out, size_t cap, yb_err *e) {
  int64_t v;
  int rc = store_seq_next(c, tag, &v, e);
  if (rc) return rc;
  snprintf(out, cap, "%s%s%010lld", srv->region, tag, (long long)v);
  return 0;
}

int api_new_id(api_req *r, const char *tag, char *out, size_t cap, yb_err *e) {
  return api_new_id_in(r->srv, r->c, tag, out, cap, e);
}

int api_visit_mine(api_req *r, const char *mdtrt_id, const char *psn_no, store_visit *v, yb_err *e) {
  int rc = store_visit_get(r->c, mdtrt_id, v, 0, e);
  if (rc == YB_ENOT_FOUND || (!rc && strcmp(v->fixmedins_code, r->inst->fixmedins_code)))
    return yb_fail(e, YB_ENOT_FOUND, "mdtrt_id", "no visit %s at this institution", mdtrt_id);
  if (rc) return rc;
  if (psn_no && psn_no[0] && strcmp(psn_no, v->psn_no))
    return yb_fail(e, YB_EMISMATCH, "psn_no", "visit %s belongs to another person", mdtrt_id);
  api_cpy(r->psn_no, sizeof r->psn_no, v->psn_no);
  api_touch(r, API_KEY_VISIT, v->mdtrt_id); /* a write that finds a visit may change it */
  api_hist(r, v->begntime);
  return 0;
}

int api_visit_of(api_req *r, const char *key, store_visit *v, yb_err *e) {
  json_t *in = api_node(r, key, 1, e);
  if (!in) return e->code;
  char P[48], psn_no[32] = "", mdtrt_id[32] = "";
  snprintf(P, sizeof P, "input.%s", key);
  int rc;
  if ((rc = jsonx_get_str(in, P, "mdtrt_id", true, mdtrt_id, sizeof mdtrt_id, e)) ||
      (rc = jsonx_get_str(in, P, "psn_no", true, psn_no, sizeof psn_no, e)))
    return rc;
  return api_visit_mine(r, mdtrt_id, psn_no, v, e);
}

int api_check_insuplc(api_req *r, const store_person *p, yb_err *e) {
  if (r->env->insuplc_admdvs[0] && strcmp(r->env->insuplc_admdvs, p->insuplc_admdvs))
    return yb_fail(e, YB_EMISMATCH, "insuplc_admdvs", "%s is not the person's insured region %s",
                   r->env->insuplc_admdvs, p->insuplc_admdvs);
  return 0;
}

int api_cert_matches(const store_person *p, const char *type, const char *no, const char *card_sn) {
  if (!strcmp(type, "01")) return p->ecert[0] && !strcmp(p->ecert, no);
  if (!strcmp(type, "02")) return !strcmp(p->certno, no);
  if (!strcmp(type, "03"))
    return p->card_no[0] && !strcmp(p->card_no, no) && (!card_sn || !strcmp(p->card_sn, card_sn));
  return 0;
}

int api_get_dt(json_t *o, const char *path, const char *key, int required, char *out, yb_err *e) {
  int32_t d = 0, s = 0;
  int rc = jsonx_get_date(o, path, key, required, &d, &s, e);
  if (rc) return rc;
  if (!d) {
    out[0] = 0;
    return 0;
  }
  /* "yyyy-MM-dd HH:mm:ss" written out (snprintf was a tenth of this path) */
  jsonx_date_str(d, out);
  int f[3] = {(s / 3600) % 24, (s / 60) % 60, s % 60};
  for (int i = 0; i < 3; i++) {
    out[10 + 3 * i] = i ? ':' : ' ';
    out[11 + 3 * i] = (char)('0' + f[i] / 10);
    out[12 + 3 * i] = (char)('0' + f[i] % 10);
  }
  out[19] = 0;
  return 0;
}

/* ---- the call ------------------------------------------------------------------------------- */
static void reply_error(api_call *c, const yb_err *e) {
  char msg[600];
  yb_err_text(e, msg, sizeof msg);
  free(c->reply);
  c->http_status = 200;
  c->reply = hsi_reply(c->srv->region[0] ? c->srv->region : "000000",
                       atomic_fetch_add(&c->srv->serial, 1), c->refmsg_time, -1, msg, NULL);
}

static void reply_ok(api_call *c, json_t *output) {
  free(c->reply);
  c->http_status = 200;
  long long serial = atomic_fetch_add(&c->srv->serial, 1);
  c->reply = c->req.output_text
                 ? hsi_reply_text(c->srv->region, serial, c->refmsg_time, 0, "", c->req.warn_msg,
                                  c->req.output_text)
                 : hsi_reply_warn(c->srv->region, serial, c->refmsg_time, 0, "", c->req.warn_msg, output);
  free(c->req.output_text);
  c->req.output_text = NULL;
}

static int gateway(api_call *c, int code, const char *msg) {
  free(c->reply);
  c->http_status = code;
  c->reply = hsi_gateway_reply(code, msg);
  return 0;
}

static void req_init(api_call *c) {
  api_req *r = &c->req;
  memset(r, 0, sizeof *r);
  r->srv = c->srv;
  r->env = &c->env;
  r->inst = &c->inst;
  r->input = c->input;
  hsi_time19(r->now);
}

/* If this institution used c's msgid before: 1 with c's reply set to the first answer (same
 * infno and input) or to the conflict; 0 if the msgid is new; YB_ESTORE (e filled). */
static int first_answer(api_call *c, store_conn *w, yb_err *e) {
  char *infno = NULL, *hash = NULL, *psn = NULL, *resp = NULL;
  int rc = store_msg_get(w, c->inst.fixmedins_code, c->env.msgid, &infno, &hash, &psn, &resp, e);
  if (rc == YB_ENOT_FOUND) return 0;
  if (rc) return rc;
  if (strcmp(infno, c->env.infno))
    rc = yb_fail(e, YB_ECONFLICT, "msgid", "already used by this institution for infno %s", infno);
  else if (strcmp(hash, c->req_hash))
    rc = yb_fail(e, YB_ECONFLICT, "msgid", "already used by this institution with a different input");
  if (rc) {
    reply_error(c, e);
  } else {
    free(c->reply);
    c->reply = resp;
    resp = NULL;
    c->http_status = 200;
  }
  free(infno), free(hash), free(psn), free(resp);
  return 1;
}

/* In the writer: which observed kinds moved since the prep read (API_STALE_* bits); ~0u when
 * an unkeyed write or a job of unnamed keys came between. */
static unsigned plan_stale(api_call *c) {
  api_server *srv = c->srv;
  api_req *r = &c->req;
  if (store_unkeyed_run(srv->st) != r->obs_unkeyed || srv->all_run != r->obs_all) return ~0u;
  unsigned stale = 0;
  for (int i = 0; i < r->n_obs; i++)
    if (srv->ver_run[r->obs[i].slot] != r->obs[i].ver) stale |= 1u << r->obs[i].kind;
  return stale;
}

static void plan_drop(api_req *r) {
  if (r->plan && r->plan_free) r->plan_free(r->plan);
  r->plan = NULL;
  r->plan_free = NULL;
}

/* A write's keys: what it named, and the person it touched. Run by the writer after the job,
 * and again by done for the finished counts (same keys, so run and done stay equal). */
static void touch_bump(api_call *c, int done) {
  api_server *srv = c->srv;
  api_req *r = &c->req;
  if (done) { /* what the runs counted as running is now done */
    for (int i = 0; i < r->n_bumped; i++) atomic_fetch_add(&srv->ver_done[r->touch[i]], 1);
    if (r->all_bumped) atomic_fetch_add(&srv->all_done, 1);
    return;
  }
  /* a job run again (store.h rerun) counts only what its first run did not touch */
  for (; r->n_bumped < r->n_touch; r->n_bumped++) srv->ver_run[r->touch[r->n_bumped]]++;
  if (r->touch_all && !r->all_bumped) srv->all_run++, r->all_bumped = 1;
}

/* New msgids are the rule, so the write runs first and the msglog key catches a retry (its
 * INSERT conflicts); a write that fails looks for a first answer too. A retry then answers
 * the stored reply and returns non-zero, so its SAVEPOINT drops whatever the rerun wrote:
 * nothing of a retry is kept, as before, without a lookup ahead of every new write. */
static int job_run(store_conn *w, store_job *job) {
  api_call *c = (api_call *)job;
  api_req *r = &c->req;
  yb_err e = {0};
  r->c = w;
  int rc;
  if (r->plan && (r->stale = plan_stale(c)) != ~0u && !(r->stale & API_STALE_VISIT)) {
    rc = c->txn->apply(r, &e);
  } else {
    if (r->plan) api_prep_count(c->srv, API_PREP_STALE);
    plan_drop(r);
    r->warn_msg[0] = 0; /* the handler judges again */
    rc = c->txn->fn(r, &e);
  }
  plan_drop(r);
  if (!r->hist_known || r->hist_recent) /* the person's history: visits, lines, settlements */
    api_touch(r, API_KEY_HIST, r->psn_no);
  touch_bump(c, 0);
  if (!rc) {
    reply_ok(c, r->output);
    json_decref(r->output); /* freed here: a tree freed on another thread contends for its arena */
    r->output = NULL;
    rc = store_msg_put(w, c->inst.fixmedins_code, c->env.msgid, c->env.infno, c->req_hash,
                       r->psn_no, c->reply, &e);
    if (!rc)
      rc = store_log(w, c->inst.fixmedins_code, c->env.opter, c->env.infno, c->env.msgid,
                     r->psn_no, r->what[0] ? r->what : c->txn->name, &e);
    if (!rc) return 0;
  }
  r->sign_event = 0;
  free(r->output_text);
  r->output_text = NULL;
  yb_err e2 = {0};
  int found = first_answer(c, w, &e2);
  if (found == 1) return YB_ECONFLICT; /* answered from msglog; roll the rerun back */
  if (found) {
    reply_error(c, &e2);
    return found;
  }
  reply_error(c, &e);
  return rc;
}

static void job_done(store_job *job, int commit_rc) {
  api_call *c = (api_call *)job;
  api_req *r = &c->req;
  touch_bump(c, 1); /* before resume: the caller's next request sees this write finished */
  if (commit_rc) {
    yb_err e;
    yb_fail(&e, YB_ESTORE, "", "storage error: nothing was saved; retry with the same msgid");
    reply_error(c, &e);
  } else if (r->sign_event && !job->rc) {
    pthread_rwlock_wrlock(&c->srv->sign_mu);
    if (r->sign_event == 1)
      sign_add_locked(c->srv, r->sign_no, c->inst.fixmedins_code, r->opter_no);
    else
      sign_out_locked(c->srv, c->inst.fixmedins_code, r->opter_no);
    pthread_rwlock_unlock(&c->srv->sign_mu);
  }
  c->resume(c);
}

/* Run the txn's prep here, on the HTTP thread against its reader: on success r->plan is left
 * for the writer; on any failure nothing is left and the writer runs the handler itself (it
 * gives the error from the state it sees, and a retried msgid its stored reply). */
static void prepare(api_call *c) {
  api_req *r = &c->req;
  yb_err e = {0};
  r->c = store_reader(c->srv->st, &e);
  if (!r->c) return;
  r->obs_unkeyed = store_unkeyed_done(c->srv->st);
  r->obs_all = atomic_load(&c->srv->all_done);
  int rc = store_read_begin(r->c, &e); /* one snapshot, taken at prep's first read: after it observed */
  if (!rc) {
    rc = c->txn->prep(r, &e);
    store_read_end(r->c);
  }
  if (rc) plan_drop(r);
  else api_prep_count(c->srv, API_PREP_MADE);
  /* what the prep set for the reply stays; the writer's run sets the rest */
  r->psn_no[0] = 0;
  r->n_touch = 0, r->touch_all = 0, r->hist_known = 0, r->hist_recent = 0;
  if (rc) r->warn_msg[0] = 0, r->n_obs = 0;
  r->c = NULL;
}

int api_call_start(api_call *c) {
  api_server *srv = c->srv;
  yb_err e = {0};
  hsi_time17(c->refmsg_time);
  c->http_status = 200;
  /* 1. the gateway: who is calling, and is it really them */
  const char *who = "";
  int scheme = hsi_auth_scheme(&c->auth, &who);
  if (scheme < 0) return gateway(c, 401, "缺少服务网关的请求头!");
  const store_inst *inst = inst_by(srv, scheme, who);
  if (!inst) return gateway(c, 401, "非法用户!");
  static const char *const scheme_names[] = {"hmac", "tif", "api"};
  if (strcmp(inst->sign_scheme, scheme_names[scheme])) return gateway(c, 401, "非法用户!");
  int64_t now = (int64_t)time(NULL);
  const char *bad = hsi_verify(&c->auth, scheme, inst->secret, c->body, c->len, now);
  if (bad) return gateway(c, 401, bad);
  const char *nonce = scheme == HSI_SCHEME_HMAC ? c->auth.yb_nonce
                      : scheme == HSI_SCHEME_TIF ? c->auth.tif_nonce
                                                 : c->auth.api_ts;
  char nkey[128]; /* "code|nonce|api_name" (bounded as snprintf bounded it) */
  const char *parts[3] = {inst->fixmedins_code, nonce, scheme == HSI_SCHEME_API ? c->auth.api_name : ""};
  size_t kn = 0;
  for (int i = 0; i < 3; i++) {
    if (i && kn < sizeof nkey - 1) nkey[kn++] = '|';
    size_t l = strnlen(parts[i], sizeof nkey - 1 - kn);
    memcpy(nkey + kn, parts[i], l);
    kn += l;
  }
  nkey[kn] = 0;
  if (hsi_nonce_seen(srv->nonces, scheme_names[scheme], nkey, hsi_nonce_until(&c->auth, scheme, now), now))
    return gateway(c, 401, "重复的请求!");
  c->inst = *inst;
  /* 2. the envelope */
  /* the body's tree in the call's arena: ~80 jansson allocations a request not malloc'd, and
   * not freed one by one. Only the parse allocates there; the tree is dropped with the call. */
  jsonr_arena *prev = jsonr_arena_use(&c->arena);
  int rc = hsi_parse(c->body, c->len, c->path_infno, &c->root, &c->env, &c->input, &e);
  jsonr_arena_use(prev);
  if (!rc && strcmp(c->env.fixmedins_code, inst->fixmedins_code))
    rc = yb_fail(&e, YB_EFORBIDDEN, "fixmedins_code", "%s is not the signing institution",
                 c->env.fixmedins_code);
  if (!rc && strcmp(c->env.mdtrtarea_admvs, srv->region))
    rc = yb_fail(&e, YB_EINVAL, "mdtrtarea_admvs", "this platform serves region %s, not %s",
                 srv->region, c->env.mdtrtarea_admvs);
  if (!rc && scheme == HSI_SCHEME_API && strcmp(c->auth.api_name, c->env.infno))
    rc = yb_fail(&e, YB_EINVAL, "infno", "differs from the _api_name header %s", c->auth.api_name);
  if (!rc && !(c->txn = api_txn_find(c->env.infno)))
    rc = yb_fail(&e, YB_EUNKNOWN_CODE, "infno", "unknown or unsupported transaction %s", c->env.infno);
  if (!rc && c->txn->needs_sign && !sign_valid(srv, c->env.sign_no, inst->fixmedins_code))
    rc = yb_fail(&e, YB_EAUTH, "sign_no",
                 c->env.sign_no[0] ? "%s is not a valid sign-in of this institution (call 9001)"
                                   : "%srequired: call 9001 first",
                 c->env.sign_no);
  if (!rc && c->txn->node) {
    json_t *n = json_object_get(c->input, c->txn->node);
    char path[64];
    snprintf(path, sizeof path, "input.%s", c->txn->node);
    if (!n || json_is_null(n))
      rc = yb_fail(&e, YB_EMISSING, path, "required");
    else if (c->txn->node_kind == API_NODE_LIST && !json_is_array(n) && !json_is_object(n))
      rc = yb_fail(&e, YB_ETYPE, path, "must be a list");
    else if (c->txn->node_kind == API_NODE_OBJECT && !json_is_object(n) &&
             !(json_is_array(n) && json_array_size(n) == 1))
      rc = yb_fail(&e, YB_ETYPE, path, "must be an object");
  }
  if (rc) {
    reply_error(c, &e);
    return 0;
  }
  req_init(c);
  if (c->txn->writes && c->txn->check && c->txn->check(&c->req, &e)) { /* refused before the writer */
    reply_error(c, &e);
    return 0;
  }
  /* 3. reads run here on this thread's connection */
  if (!c->txn->writes) {
    api_req *r = &c->req;
    r->c = store_reader(srv->st, &e);
    rc = r->c ? c->txn->fn(r, &e) : YB_ESTORE;
    if (rc) {
      reply_error(c, &e);
    } else if (r->file) { /* the reply is the file itself */
      free(c->reply);
      c->http_status = 200;
      c->reply = (char *)r->file, c->reply_len = r->file_len, r->file = NULL;
      api_cpy(c->reply_file, sizeof c->reply_file, r->file_name);
    } else {
      reply_ok(c, r->output);
    }
    return 0;
  }
  /* 4. writes go to the writer: identical retries are recognized by (institution, msgid) and
   * a hash of the infno and input */
  jsonw_buf hb = {0}; /* "infno\n" + the input dumped compact with sorted keys, in one buffer */
  jsonw_raw(&hb, c->env.infno, strlen(c->env.infno));
  JW_LIT(&hb, "\n");
  jsonw_value(&hb, c->input, JSON_COMPACT | JSON_SORT_KEYS);
  size_t n = hb.n;
  char *buf = jsonw_take(&hb);
  if (!buf) {
    yb_fail(&e, YB_ENOMEM, "", "out of memory");
    reply_error(c, &e);
    return 0;
  }
  hsi_sha256_hex(buf, n, c->req_hash);
  free(buf);
  c->job.run = job_run;
  c->job.done = job_done;
  c->job.keyed = 1;
  c->job.rerun = 1; /* job_run keeps nothing of a run but its reply (touch_bump counts once) */
  if (c->txn->prep && c->srv->prep) prepare(c);
  return 1;
}

int api_call_submit(api_call *c) { return store_submit(c->srv->st, &c->job); }

void api_call_free(api_call *c) {
  free(c->reply);
  c->reply = NULL;
  json_decref(c->req.output);
  c->req.output = NULL;
  free(c->req.output_text);
  c->req.output_text = NULL;
  plan_drop(&c->req);
  free(c->req.blob);
  c->req.blob = NULL;
  json_decref(c->root);
  c->root = NULL;
  jsonr_arena_drop(&c->arena); /* after the tree's last use: nothing of it is kept (api.h) */
}
