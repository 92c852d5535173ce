/* api.h — the national-interface transactions: one static table maps infno to its handler,
 * its input node and whether it writes; api_core.c authenticates, parses, dispatches, keeps
 * msgid idempotency and hands writes to the store's group-commit writer. Handlers translate
 * between the wire and the store / engine and never see HTTP. */
#ifndef YB_API_H
#define YB_API_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "catalog.h"
#include "err.h"
#include "hsi.h"
#include "jsonr.h"
#include "jsonw.h"
#include "policy.h"
#include "store.h"

typedef struct api_policy {
  char region[8];
  int year;
  policy *p;
} api_policy;

typedef struct api_server api_server;

/* Prepared writes (on when serve runs with YB_PREP=1; docs/operations.md measures them). A write
 * whose api_txn has a `prep` is first run on the HTTP thread against
 * that thread's reader: prep reads, checks and computes what it can and leaves r->plan, after
 * api_observe() of every key whose data it reads. Every write job declares the keys it changes
 * (api_touch; the visit's and the person's keys are touched by api_visit_mine and for r->psn_no
 * automatically). In the writer a plan is applied (api_txn.apply) only when no visit key it
 * observed moved and no unkeyed write (console, enrollment, admin) came between; otherwise the
 * handler runs there as before. A moved history key sets API_STALE_HIST for apply to redo what
 * depends on the person's history (the live audit). Keys hash into a fixed table: a collision
 * only makes a plan fall back. */
enum { API_KEY_VISIT = 0, API_KEY_HIST = 1 };
enum { API_STALE_VISIT = 1u << API_KEY_VISIT, API_STALE_HIST = 1u << API_KEY_HIST };
#define API_MAX_OBS 6
#define API_MAX_TOUCH 8
struct api_req;
void api_observe(struct api_req *r, int kind, const char *id); /* HTTP thread, before reading */
void api_touch(struct api_req *r, int kind, const char *id);   /* writer, a write job changes it */
/* A write job changes a visit that began at begntime ("" unknown): the person's history key is
 * touched unless every such visit began before the live audit's window (api_audit_back_days,
 * plus two days), which no audit reads. A write that declares none touches it. */
void api_hist(struct api_req *r, const char *begntime);
/* How prepared writes went (for `serve`'s closing line): made (prep succeeded), applied as
 * prepared, recomputed because a key moved / because the money gave another result, audits
 * judged again in the writer. api_prep_count adds one to a counter. */
enum { API_PREP_MADE, API_PREP_APPLIED, API_PREP_STALE, API_PREP_MONEY, API_PREP_AUDIT, API_PREP_NSTATS };
void api_server_prep_stats(api_server *srv, uint64_t out[API_PREP_NSTATS]);
void api_prep_count(api_server *srv, int which);

/* One transaction being handled. */
typedef struct api_req {
  api_server *srv;
  store_conn *c;            /* the writer (writes) or this thread's reader */
  const hsi_env *env;
  const store_inst *inst;   /* the authenticated institution */
  json_t *input;            /* borrowed */
  json_t *output;           /* set by the handler (new reference), NULL = {} */
  char *output_text;        /* or the output already as JSON text (malloc'd), which wins */
  char psn_no[32];          /* person touched, for the logs */
  char what[200];           /* one line for the write log */
  char now[20];             /* yyyy-MM-dd HH:mm:ss at receipt */
  char sign_no[40], opter_no[32]; /* 9001/9002: applied to the in-memory sign-ins after commit */
  int sign_event;           /* 1 signed in, 2 signed out */
  char warn_msg[512];       /* the reply's warn_msg (audit warnings), "" = none */
  uint8_t *blob;            /* a write's input decoded by its check (9101: the file), malloc'd */
  size_t blob_len;
  uint8_t *file;            /* a read's reply that is a file, not JSON (9102): malloc'd, */
  size_t file_len;          /* sent as application/octet-stream under file_name */
  char file_name[208];
  /* prepared writes (api_core.c): what a prep read depends on, what a write job changes */
  struct { uint32_t slot; int kind; uint64_t ver; } obs[API_MAX_OBS];
  int n_obs;
  uint64_t obs_unkeyed, obs_all;
  unsigned stale;           /* in the writer: API_STALE_* bits of kinds changed since the prep read */
  uint32_t touch[API_MAX_TOUCH];
  int n_touch, touch_all;
  int n_bumped, all_bumped; /* of those, counted as running (a job may run again: store.h rerun) */
  int hist_known, hist_recent; /* api_hist */
  void *plan;               /* the prep's result for its apply; freed with plan_free */
  void (*plan_free)(void *plan);
} api_req;

typedef int (*api_fn)(api_req *r, yb_err *e);

/* snprintf(dst, cap, "%s", src) without printf: copy at most cap - 1 bytes, NUL-terminate. */
static inline void api_cpy(char *dst, size_t cap, const char *src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = 0;
}

enum { API_NODE_NONE = 0, API_NODE_OBJECT = 1, API_NODE_LIST = 2, API_NODE_ANY = 3 };

typedef struct api_txn {
  const char *infno;
  api_fn fn;
  const char *node; /* the input node read first ("data", "feedetail" …) */
  int node_kind;
  int writes;       /* runs in the writer; its reply is stored under msgid */
  int needs_sign;   /* needs a valid sign_no (everything but 9001) */
  const char *name;
  api_fn prep;      /* optional, writes only: on the HTTP thread, against the reader */
  api_fn apply;     /* with prep: in the writer, applies r->plan */
  api_fn check;     /* optional, writes only: on the HTTP thread before the writer, without the
                     * store (r->c is NULL): checks the input and may decode it into r->blob */
} api_txn;

const api_txn *api_txn_find(const char *infno);
/* The table, for docs and checks; *n its length. */
const api_txn *api_txn_table(int *n);

/* ---- server ------------------------------------------------------------------------------- */
/* Load institutions, sign-ins, policies and the catalog from the store. */
int api_server_new(store *s, api_server **out, yb_err *e);
void api_server_free(api_server *srv);
store *api_server_store(api_server *srv);

/* One HTTP call. The caller (http.c) fills the request part and calls api_call_start: 0 means
 * the reply is ready; 1 means the call must go to the writer: the caller calls
 * api_call_submit and parks the request, and `resume` is called from the store's threads once
 * the reply is ready (after the commit) — possibly before the caller has parked it, so the
 * caller must hand the request back only from the thread that parked it. */
typedef struct api_call {
  store_job job;            /* first: the writer's queue entry */
  api_server *srv;
  const char *body;         /* borrowed */
  size_t len;
  char path_infno[8];
  hsi_auth auth;
  void (*resume)(struct api_call *);
  void *user;
  /* reply */
  int http_status;
  char *reply;              /* malloc'd JSON text, or a file's bytes when reply_file is set */
  size_t reply_len;         /* 0: strlen(reply) */
  char reply_file[208];     /* "" or the name a file reply (9102) is sent under */
  /* internal */
  jsonr_arena arena;        /* the request's parsed tree lives here (jsonr.h), dropped with the call */
  json_t *root;
  hsi_env env;
  store_inst inst;
  const api_txn *txn;
  json_t *input;
  char refmsg_time[18];
  char req_hash[65];
  api_req req;
} api_call;

int api_call_start(api_call *c);
int api_call_submit(api_call *c); /* 0, or -1 when the server is stopping (resume never comes) */
void api_call_free(api_call *c); /* frees reply and parse state, not the struct */

/* ---- helpers shared by the handlers (api_core.c) ----------------------------------------- */
/* A node clients send as one object or as a list of them, as a list: a new reference (NULL
 * stays NULL; anything else is returned as it is, for the caller's type check). */
json_t *api_as_list(json_t *v);
/* The input node `key` of r->input as an object (a one-row list is accepted). */
json_t *api_node(api_req *r, const char *key, int required, yb_err *e);
/* Policy for a person's insured region and the visit's year (the last loaded version). */
const policy *api_policy_for(api_server *srv, const char *region, int year);
const catalog *api_catalog(api_server *srv);
const char *api_region(api_server *srv);
/* A fresh id: region + tag + 10 digits from sequence `tag`. */
int api_new_id(api_req *r, const char *tag, char *out, size_t cap, yb_err *e);
/* The same on connection c, for a write that is not the call's own job (3202's result file). */
int api_new_id_in(api_server *srv, store_conn *c, const char *tag, char *out, size_t cap, yb_err *e);
/* Refuse unless the visit exists and belongs to the caller (and to psn_no when given). */
int api_visit_mine(api_req *r, const char *mdtrt_id, const char *psn_no, store_visit *v, yb_err *e);
/* The visit the input node `key` names by mdtrt_id and psn_no (all required), as api_visit_mine
 * finds it: 2404, 2405, 5202. */
int api_visit_of(api_req *r, const char *key, store_visit *v, yb_err *e);
/* Refuse when envelope insuplc_admdvs is given and differs from the person's. */
int api_check_insuplc(api_req *r, const store_person *p, yb_err *e);
/* Does credential (mdtrt_cert_type 01/02/03, number, card_sn or NULL) identify this person? */
int api_cert_matches(const store_person *p, const char *type, const char *no, const char *card_sn);
/* The operator of a valid sign-in of institution `code`; YB_EAUTH if none. */
int api_sign_opter(api_server *srv, const char *sign_no, const char *code, char *opter, size_t cap,
                   yb_err *e);
/* A date-time field as text yyyy-MM-dd HH:mm:ss (normalized from any accepted format). */
int api_get_dt(json_t *o, const char *path, const char *key, int required, char *out, yb_err *e);

/* ---- handlers (api_session.c, api_visit.c, api_settle.c, api_query.c) --------------------- */
int api_9001(api_req *r, yb_err *e);
int api_9002(api_req *r, yb_err *e);
int api_1101(api_req *r, yb_err *e);
int api_2201(api_req *r, yb_err *e);
int api_2202(api_req *r, yb_err *e);
int api_2203(api_req *r, yb_err *e);
int api_2204(api_req *r, yb_err *e);
int api_2205(api_req *r, yb_err *e);
int api_2206(api_req *r, yb_err *e);
int api_2207(api_req *r, yb_err *e);
int api_2208(api_req *r, yb_err *e);
int api_2401(api_req *r, yb_err *e);
int api_2402(api_req *r, yb_err *e);
int api_2403(api_req *r, yb_err *e);
int api_2404(api_req *r, yb_err *e);
int api_2405(api_req *r, yb_err *e);
int api_2301(api_req *r, yb_err *e);
int api_2302(api_req *r, yb_err *e);
int api_2303(api_req *r, yb_err *e);
int api_2304(api_req *r, yb_err *e);
int api_2207_prep(api_req *r, yb_err *e);
int api_2207_apply(api_req *r, yb_err *e);
int api_2304_prep(api_req *r, yb_err *e);
int api_2304_apply(api_req *r, yb_err *e);
int api_2305(api_req *r, yb_err *e);
int api_2601(api_req *r, yb_err *e);
int api_3201(api_req *r, yb_err *e);
int api_3202(api_req *r, yb_err *e);
int api_9101(api_req *r, yb_err *e);
int api_9101_check(api_req *r, yb_err *e);
/* 3202's files (api_file.c): the uploaded rows of file fq as detail objects, each with its
 * "line"; the result rows kept as a result file, its fileinfo into *info. */
int api_file_rows(api_req *r, const char *fq, json_t **rows, yb_err *e);
int api_file_result(api_req *r, json_t *result, json_t **info, yb_err *e);
int api_9102(api_req *r, yb_err *e);
int api_5201(api_req *r, yb_err *e);
int api_5202(api_req *r, yb_err *e);
int api_5203(api_req *r, yb_err *e);
int api_5204(api_req *r, yb_err *e);
int api_5205(api_req *r, yb_err *e);
int api_5206(api_req *r, yb_err *e);
int api_3101(api_req *r, yb_err *e);
int api_3102(api_req *r, yb_err *e);

/* api_audit_hsi.c: audit hooks. After a pre-settlement: findings as warn_msg and output
 * audit_result. Before a settlement: refuse (YB_EFORBIDDEN naming rule and lines) when a blocking
 * rule fires; other findings go to warn_msg. */
void api_audit_warn(api_req *r);
int api_audit_block(api_req *r, yb_err *e);
/* How many days back the live rules read a person's history (api.h: prepared writes). */
int api_audit_back_days(void);

/* api_dip_hsi.c: after a 2304 settlement, score the stay (input.data.mdtrt_id) with the year's
 * DIP catalogue; after its cancellation or reversal, remove the score of mdtrt_id (NULL: the
 * input's). Never fail the settlement. */
void api_dip_on_settle(api_req *r);
void api_dip_on_cancel(api_req *r, const char *mdtrt_id);

/* api_audit_hsi.c: the rules the pre/during hooks and 3101/3102 judge with (once, before serving;
 * a folder of rule files or one file). *n receives how many. */
int api_audit_rules_load(const char *dir, int *n, yb_err *e);

/* api_settle.c: split fee lines alone (2204/2301) and cancel a settlement (2208/2305/2601). */
/* FEE-RESULT rows as the JSON list text "[row,…]" appended to out; ends[i] (n of them) is the
 * offset in out just past row i. */
int api_fee_results(api_req *r, const store_visit *v, const store_fee *fees, int n, jsonw_buf *out,
                    size_t *ends, yb_err *e);
int api_cancel_visit(api_req *r, store_visit *v, yb_err *e);
int api_cancel_setl(api_req *r, const char *setl_id, const char *mdtrt_id, const char *psn_no,
                    json_t **output, yb_err *e);

#endif
