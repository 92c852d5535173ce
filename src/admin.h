/* admin.h — the console's HTTP API under /api/v1/: log-in sessions with roles, CSRF, lock-out,
 * and one route table per area (core users here, audit, DIP, enrollment … in their api_*.c),
 * listed once in admin.c and validated at start. Handlers get an admin_req and never see HTTP:
 * http.c hands over the method, path, query, body, cookie and CSRF header and sends the reply. */
#ifndef YB_ADMIN_H
#define YB_ADMIN_H

#include <jansson.h>
#include <stddef.h>

#include "api.h"
#include "err.h"
#include "store.h"

/* Roles, as a mask in route tables. */
enum {
  ADMIN_ROLE_ADMIN = 1,      /* bureau administrator: everything, users */
  ADMIN_ROLE_SUPERVISOR = 2, /* fund supervisor (基金监管): findings, cases, payment */
  ADMIN_ROLE_CLERK = 4,      /* agency clerk (经办): persons, enrollment, filings */
  ADMIN_ROLE_INST = 8,       /* an institution's user: its own data only */
};
#define ADMIN_STAFF (ADMIN_ROLE_ADMIN | ADMIN_ROLE_SUPERVISOR | ADMIN_ROLE_CLERK)
#define ADMIN_ANY (ADMIN_STAFF | ADMIN_ROLE_INST)
#define ADMIN_PUBLIC 0 /* no session needed (log-in) */
#define ADMIN_QUIET 0x100 /* with ADMIN_PUBLIC: not in the access log (GET /api/v1/health, which monitors poll) */

#define ADMIN_MAX_PARAMS 4

typedef struct admin_user {
  char username[40], display_name[64], role[16]; /* role name: admin supervisor clerk inst */
  int role_bit;                                  /* ADMIN_ROLE_* */
  char fixmedins_code[32];                       /* inst users: their institution; else "" */
} admin_user;

typedef struct admin_server admin_server;
typedef struct admin_req admin_req;
typedef int (*admin_fn)(admin_req *r, yb_err *e);

typedef struct admin_route {
  const char *method; /* GET POST PUT DELETE */
  const char *path;   /* "/api/v1/audit/findings/:id" — ':' segments are parameters */
  admin_fn fn;
  int roles;          /* mask of ADMIN_ROLE_* allowed; ADMIN_PUBLIC for no session */
  const char *name;   /* short name in the write and access logs ("audit.case.confirm") */
} admin_route;

/* One admin call. */
struct admin_req {
  admin_server *adm;
  api_server *srv;
  store *st;
  store_conn *c;              /* this thread's read connection */
  const admin_user *user;     /* NULL on public routes */
  const admin_route *route;
  const char *method, *path;
  const char *param[ADMIN_MAX_PARAMS]; /* the ':' segments, in order (borrowed, NUL-terminated) */
  int n_param;
  json_t *body;               /* the JSON body (an object) of POST/PUT, else NULL; borrowed */
  /* reply: set out (a new reference), or text + content_type (e.g. CSV), and status */
  json_t *out;
  char *text;                 /* malloc'd; freed by the caller */
  char content_type[64];
  char filename[80];          /* with text: offered as a download (Content-Disposition) */
  int status;                 /* 0 = 200 */
  /* for the write log: set by the handler before or during admin_write */
  char log_psn_no[32], log_what[200];
  /* internal */
  const void *query_ctx;
  const char *(*query_fn)(const void *ctx, const char *key);
  char set_cookie[200];
  char param_buf[256];
  const char *session;        /* the session cookie's value (log-out ends it) */
  char csrf[33];              /* the session's CSRF token (me returns it) */
};

/* A query-string parameter, or NULL. */
const char *admin_query(admin_req *r, const char *key);
/* Query parameter as an integer in [lo, hi] (def when absent); error names the parameter. */
int admin_query_int(admin_req *r, const char *key, long def, long lo, long hi, long *out, yb_err *e);
/* Refuse (YB_EFORBIDDEN) an institution user touching another institution's records. */
int admin_own_inst(admin_req *r, const char *fixmedins_code, yb_err *e);
/* Run fn in one write transaction (the group-commit writer when serving) and append a write-log
 * line (who: the user; what: r->log_what, r->log_psn_no; infno: the route's name) in the same
 * transaction. Returns fn's code or the commit's; nothing is written on an error. */
int admin_write(admin_req *r, int (*fn)(store_conn *w, void *arg, yb_err *e), void *arg, yb_err *e);
/* A CSV reply: takes ownership of text (malloc'd). */
void admin_reply_csv(admin_req *r, char *text, const char *filename);

/* ---- for http.c ---------------------------------------------------------------------------- */
typedef struct admin_http {
  const char *method, *url, *body;
  size_t len;
  const char *cookie;         /* value of the yb_session cookie, or NULL */
  const char *csrf;           /* X-CSRF-Token header, or NULL */
  const char *content_type_in; /* Content-Type header, or NULL */
  const char *ip;
  const void *query_ctx;
  const char *(*query_fn)(const void *ctx, const char *key);
  /* reply, filled by admin_handle */
  int status;
  char *reply;                /* malloc'd */
  size_t reply_len;
  char content_type[64];
  char set_cookie[200];
  char disposition[128];
} admin_http;

/* Validates every route table (duplicates, paths, roles); *out is new. Borrows srv and st. */
int admin_server_new(api_server *srv, store *st, admin_server **out, yb_err *e);
void admin_server_free(admin_server *a);
/* Handle one call under /api/v1/; always fills status, reply and content_type. */
void admin_handle(admin_server *a, admin_http *h);

/* ---- users ---------------------------------------------------------------------------------- */
/* Argon2id hash of a password into out (cap >= 128). */
int admin_hash_password(const char *password, char *out, size_t cap, yb_err *e);
/* Add a user (in transaction w): role name, institution code for inst users. */
int admin_user_add(store_conn *w, const char *username, const char *display_name, const char *role,
                   const char *fixmedins_code, const char *password, yb_err *e);
/* The demo region's users (passwords printed; public, like the demo secrets). */
int admin_demo_users(store_conn *w, const char *region, yb_err *e);
/* Role name → ADMIN_ROLE_* (0 if unknown). */
int admin_role_bit(const char *role);

/* The core routes (admin.c): log-in, log-out, me, users. */
extern const admin_route admin_routes_core[];
/* The console's pages (api_console.c). */
extern const admin_route admin_routes_console[];
extern const admin_route admin_routes_audit[]; /* api_audit.c */
extern const admin_route admin_routes_dip[]; /* api_dip.c */

#endif
