/* admin.c — the /api/v1/ dispatcher: route tables, sessions (in memory, HttpOnly SameSite cookie
 * plus a CSRF token for every change), Argon2id log-in with lock-out, the write log of every
 * change and the access log of every call; and the core routes (log-in, users). */
#include "admin.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonx.h"
#include "store_admin.h"

/* Security parameters (not insurance policy, so not in the policy file). */
#define ADMIN_MAX_FAILED 5          /* failed log-ins in a row before the lock */
#define ADMIN_LOCK_SECONDS (15 * 60)
#define ADMIN_IDLE_SECONDS (30 * 60) /* a session ends after this long unused … */
#define ADMIN_MAX_SECONDS (8 * 3600) /* … or this long after log-in */
#define ADMIN_MAX_SESSIONS 1024
#define ADMIN_MAX_BODY (1 << 20)
#define ADMIN_MIN_PASSWORD 8
/* Argon2id at the OWASP-recommended minimum: 19 MiB, 2 passes, 1 lane. */
#define ADMIN_ARGON_T 2
#define ADMIN_ARGON_M 19456
#define ADMIN_ARGON_P 1

/* Every area's routes; an area adds its table here. */
extern const admin_route admin_routes_enroll[];
static const admin_route *const admin_tables[] = {
    admin_routes_core,
    admin_routes_console,
    admin_routes_audit,
    admin_routes_dip,
    admin_routes_enroll,
};
#define ADMIN_NTABLES (sizeof admin_tables / sizeof admin_tables[0])

typedef struct admin_session {
  char token[65], csrf[33];
  admin_user user;
  time_t created, seen; /* 0 = free slot */
} admin_session;

struct admin_server {
  api_server *srv;
  store *st;
  pthread_mutex_t mu;
  admin_session sessions[ADMIN_MAX_SESSIONS];
};

static const struct {
  const char *name;
  int bit;
} admin_roles[] = {
    {"admin", ADMIN_ROLE_ADMIN},
    {"supervisor", ADMIN_ROLE_SUPERVISOR},
    {"clerk", ADMIN_ROLE_CLERK},
    {"inst", ADMIN_ROLE_INST},
};

int admin_role_bit(const char *role) {
  for (size_t i = 0; i < sizeof admin_roles / sizeof admin_roles[0]; i++)
    if (role && !strcmp(role, admin_roles[i].name)) return admin_roles[i].bit;
  return 0;
}

/* ---- routes ---------------------------------------------------------------------------------- */
static int method_ok(const char *m) {
  return m && (!strcmp(m, "GET") || !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "DELETE"));
}

/* Does `path` match pattern `pat`? Fills the ':' parameters into r (copied to r->param_buf). */
static int route_match(const char *pat, const char *path, admin_req *r) {
  size_t used = 0;
  int n = 0;
  while (*pat && *path) {
    if (*pat != '/' || *path != '/') return 0;
    pat++, path++;
    size_t pl = strcspn(pat, "/"), ql = strcspn(path, "/");
    if (*pat == ':') {
      if (!ql || n >= ADMIN_MAX_PARAMS || used + ql + 1 > sizeof r->param_buf) return 0;
      memcpy(r->param_buf + used, path, ql);
      r->param_buf[used + ql] = 0;
      r->param[n++] = r->param_buf + used;
      used += ql + 1;
    } else if (pl != ql || strncmp(pat, path, pl)) {
      return 0;
    }
    pat += pl, path += ql;
  }
  if (*pat || (*path && strcmp(path, "/"))) return 0;
  r->n_param = n;
  return 1;
}

/* The route for method + path; *path_known tells 404 from 405. */
static const admin_route *route_find(const char *method, const char *path, admin_req *r,
                                     int *path_known) {
  *path_known = 0;
  for (size_t t = 0; t < ADMIN_NTABLES; t++)
    for (const admin_route *rt = admin_tables[t]; rt->path; rt++) {
      if (!route_match(rt->path, path, r)) continue;
      *path_known = 1;
      if (!strcmp(rt->method, method)) return rt;
    }
  return NULL;
}

static int routes_validate(yb_err *e) {
  for (size_t t = 0; t < ADMIN_NTABLES; t++)
    for (const admin_route *a = admin_tables[t]; a->path; a++) {
      if (strncmp(a->path, "/api/v1/", 8) || !method_ok(a->method) || !a->fn || !a->name ||
          (a->roles & ~(ADMIN_ANY | ADMIN_QUIET)) || ((a->roles & ADMIN_QUIET) && (a->roles & ADMIN_ANY)))
        return yb_fail(e, YB_EINVAL, a->path, "bad admin route (%s)", a->method ? a->method : "?");
      for (size_t u = 0; u <= t; u++)
        for (const admin_route *b = admin_tables[u]; b->path && b != a; b++)
          if (!strcmp(a->method, b->method) && !strcmp(a->path, b->path))
            return yb_fail(e, YB_ECONFLICT, a->path, "admin route %s defined twice", a->method);
    }
  return 0;
}

int admin_server_new(api_server *srv, store *st, admin_server **out, yb_err *e) {
  int rc = routes_validate(e);
  if (rc) return rc;
  admin_server *a = calloc(1, sizeof *a);
  if (!a) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  a->srv = srv;
  a->st = st;
  pthread_mutex_init(&a->mu, NULL);
  *out = a;
  return 0;
}

void admin_server_free(admin_server *a) {
  if (!a) return;
  OPENSSL_cleanse(a->sessions, sizeof a->sessions);
  pthread_mutex_destroy(&a->mu);
  free(a);
}

/* ---- sessions ---------------------------------------------------------------------------------- */
static void hex(const unsigned char *b, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int random_hex(char *out, size_t bytes) {
  unsigned char b[32];
  if (bytes > sizeof b || RAND_bytes(b, (int)bytes) != 1) return -1;
  hex(b, bytes, out);
  return 0;
}

static int session_live(const admin_session *s, time_t now) {
  return s->created && now - s->seen < ADMIN_IDLE_SECONDS && now - s->created < ADMIN_MAX_SECONDS;
}

/* New session for u; copies its tokens out. The oldest slot is reused when all are live. */
static int session_new(admin_server *a, const admin_user *u, char *token, char *csrf) {
  admin_session fresh;
  memset(&fresh, 0, sizeof fresh);
  if (random_hex(fresh.token, 32) || random_hex(fresh.csrf, 16)) return -1;
  fresh.user = *u;
  time_t now = time(NULL);
  fresh.created = fresh.seen = now;
  pthread_mutex_lock(&a->mu);
  admin_session *slot = &a->sessions[0];
  for (int i = 0; i < ADMIN_MAX_SESSIONS; i++) {
    admin_session *s = &a->sessions[i];
    if (!session_live(s, now)) {
      slot = s;
      break;
    }
    if (s->seen < slot->seen) slot = s;
  }
  *slot = fresh;
  pthread_mutex_unlock(&a->mu);
  memcpy(token, fresh.token, sizeof fresh.token);
  memcpy(csrf, fresh.csrf, sizeof fresh.csrf);
  return 0;
}

/* The live session of a cookie value: copies the user and CSRF token. */
static int session_get(admin_server *a, const char *token, admin_user *u, char *csrf) {
  if (!token || strlen(token) != 64) return -1;
  time_t now = time(NULL);
  int found = -1;
  pthread_mutex_lock(&a->mu);
  for (int i = 0; i < ADMIN_MAX_SESSIONS; i++) {
    admin_session *s = &a->sessions[i];
    if (s->created && CRYPTO_memcmp(s->token, token, 64) == 0) {
      if (session_live(s, now)) {
        s->seen = now;
        *u = s->user;
        memcpy(csrf, s->csrf, sizeof s->csrf);
        found = 0;
      } else {
        memset(s, 0, sizeof *s);
      }
      break;
    }
  }
  pthread_mutex_unlock(&a->mu);
  return found;
}

static void session_end(admin_server *a, const char *token) {
  if (!token) return;
  pthread_mutex_lock(&a->mu);
  for (int i = 0; i < ADMIN_MAX_SESSIONS; i++)
    if (a->sessions[i].created && !strcmp(a->sessions[i].token, token))
      memset(&a->sessions[i], 0, sizeof a->sessions[i]);
  pthread_mutex_unlock(&a->mu);
}

/* ---- helpers for handlers ------------------------------------------------------------------------ */
const char *admin_query(admin_req *r, const char *key) {
  const char *v = r->query_fn ? r->query_fn(r->query_ctx, key) : NULL;
  return v && *v ? v : NULL;
}

int admin_query_int(admin_req *r, const char *key, long def, long lo, long hi, long *out, yb_err *e) {
  const char *v = admin_query(r, key);
  if (!v) {
    *out = def;
    return 0;
  }
  char *end;
  long n = strtol(v, &end, 10);
  if (*end || end == v) return yb_fail(e, YB_EINVAL, key, "not a whole number: %s", v);
  if (n < lo || n > hi) return yb_fail(e, YB_ERANGE, key, "%ld is outside %ld..%ld", n, lo, hi);
  *out = n;
  return 0;
}

int admin_own_inst(admin_req *r, const char *fixmedins_code, yb_err *e) {
  if (!r->user || r->user->role_bit != ADMIN_ROLE_INST) return 0;
  if (fixmedins_code && !strcmp(fixmedins_code, r->user->fixmedins_code)) return 0;
  return yb_fail(e, YB_EFORBIDDEN, "fixmedins_code", "institution users see only their own institution");
}

typedef struct write_ctx {
  admin_req *r;
  int (*fn)(store_conn *w, void *arg, yb_err *e);
  void *arg;
} write_ctx;

static int write_tx(store_conn *w, void *arg, yb_err *e) {
  write_ctx *x = arg;
  int rc = x->fn(w, x->arg, e);
  if (rc) return rc;
  admin_req *r = x->r;
  return store_log(w, r->user ? r->user->fixmedins_code : "",
                   r->user ? r->user->username : "-", r->route ? r->route->name : "admin", "",
                   r->log_psn_no, r->log_what[0] ? r->log_what : (r->route ? r->route->name : ""), e);
}

int admin_write(admin_req *r, int (*fn)(store_conn *w, void *arg, yb_err *e), void *arg, yb_err *e) {
  write_ctx x = {r, fn, arg};
  return store_write(r->st, write_tx, &x, e);
}

void admin_reply_csv(admin_req *r, char *text, const char *filename) {
  free(r->text);
  r->text = text;
  snprintf(r->content_type, sizeof r->content_type, "text/csv;charset=UTF-8");
  snprintf(r->filename, sizeof r->filename, "%s", filename ? filename : "");
}

/* ---- passwords and users -------------------------------------------------------------------------- */
int admin_hash_password(const char *password, char *out, size_t cap, yb_err *e) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) return yb_fail(e, YB_EIO, "", "no random bytes for a salt");
  size_t need = argon2_encodedlen(ADMIN_ARGON_T, ADMIN_ARGON_M, ADMIN_ARGON_P, sizeof salt, 32,
                                  Argon2_id);
  if (need > cap) return yb_fail(e, YB_ERANGE, "", "hash buffer too small");
  int rc = argon2id_hash_encoded(ADMIN_ARGON_T, ADMIN_ARGON_M, ADMIN_ARGON_P, password,
                                 strlen(password), salt, sizeof salt, 32, out, cap);
  if (rc != ARGON2_OK) return yb_fail(e, YB_EIO, "password", "argon2: %s", argon2_error_message(rc));
  return 0;
}

static int check_password_rule(const char *pw, yb_err *e) {
  if (!pw || strlen(pw) < ADMIN_MIN_PASSWORD)
    return yb_fail(e, YB_EINVAL, "password", "at least %d characters", ADMIN_MIN_PASSWORD);
  if (strlen(pw) > 128) return yb_fail(e, YB_ERANGE, "password", "at most 128 characters");
  return 0;
}

static int check_username(const char *u, yb_err *e) {
  size_t n = u ? strlen(u) : 0;
  if (n < 2 || n >= 40) return yb_fail(e, YB_EINVAL, "username", "2 to 39 characters");
  for (size_t i = 0; i < n; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", u[i]))
      return yb_fail(e, YB_EINVAL, "username", "letters, digits, '.', '_' and '-' only");
  return 0;
}

int admin_user_add(store_conn *w, const char *username, const char *display_name, const char *role,
                   const char *fixmedins_code, const char *password, yb_err *e) {
  int rc;
  if ((rc = check_username(username, e)) || (rc = check_password_rule(password, e))) return rc;
  int bit = admin_role_bit(role);
  if (!bit) return yb_fail(e, YB_EUNKNOWN_CODE, "role", "one of admin, supervisor, clerk, inst");
  const char *code = fixmedins_code ? fixmedins_code : "";
  if ((bit == ADMIN_ROLE_INST) != (code[0] != 0))
    return yb_fail(e, YB_EINVAL, "fixmedins_code",
                   bit == ADMIN_ROLE_INST ? "required for an institution user"
                                          : "only institution users belong to an institution");
  if (code[0]) {
    store_inst in;
    if ((rc = store_inst_get(w, code, &in, e)))
      return rc == YB_ENOT_FOUND ? yb_fail(e, YB_ENOT_FOUND, "fixmedins_code", "no institution %s", code) : rc;
  }
  store_admin_user u;
  memset(&u, 0, sizeof u);
  snprintf(u.username, sizeof u.username, "%s", username);
  snprintf(u.display_name, sizeof u.display_name, "%s", display_name ? display_name : "");
  snprintf(u.role, sizeof u.role, "%s", role);
  snprintf(u.fixmedins_code, sizeof u.fixmedins_code, "%s", code);
  if ((rc = admin_hash_password(password, u.pw_hash, sizeof u.pw_hash, e))) return rc;
  return store_admin_user_add(w, &u, e);
}

typedef struct demo_user {
  const char *username, *display_name, *role, *inst_suffix; /* inst: code = 'H' + region + suffix */
} demo_user;

static const demo_user demo_users[] = {
    {"admin", "局管理员", "admin", NULL},
    {"supervisor", "基金监管科", "supervisor", NULL},
    {"clerk", "经办窗口", "clerk", NULL},
    {"inst1", "县人民医院医保办", "inst", "00001"},
    {"inst2", "乡镇卫生院医保办", "inst", "00002"},
};

int admin_demo_users(store_conn *w, const char *region, yb_err *e) {
  printf("\nconsole users (username, password, role — demo values, public):\n");
  for (size_t i = 0; i < sizeof demo_users / sizeof demo_users[0]; i++) {
    const demo_user *d = &demo_users[i];
    char code[32] = "", pw[64];
    if (d->inst_suffix) snprintf(code, sizeof code, "H%s%s", region, d->inst_suffix);
    snprintf(pw, sizeof pw, "demo-%s", d->username);
    int rc = admin_user_add(w, d->username, d->display_name, d->role, code, pw, e);
    if (rc) return rc;
    printf("  %-11s %-16s %-10s %s\n", d->username, pw, d->role, code);
  }
  return 0;
}

/* ---- core routes --------------------------------------------------------------------------------- */
static json_t *user_json(const admin_user *u) {
  return json_pack("{s:s,s:s,s:s,s:s}", "username", u->username, "display_name", u->display_name,
                   "role", u->role, "fixmedins_code", u->fixmedins_code);
}

static void utc_text(time_t t, char *out, size_t cap) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *body_str(admin_req *r, const char *key) {
  json_t *v = r->body ? json_object_get(r->body, key) : NULL;
  return json_is_string(v) ? json_string_value(v) : NULL;
}

typedef struct login_ctx {
  const char *username;
  int ok;
  char lock_until[20];
} login_ctx;

static int login_tx(store_conn *w, void *arg, yb_err *e) {
  login_ctx *x = arg;
  return store_admin_login_result(w, x->username, x->ok, ADMIN_MAX_FAILED, x->lock_until, e);
}

static int route_login(admin_req *r, yb_err *e) {
  const char *name = body_str(r, "username"), *pw = body_str(r, "password");
  if (!name || !*name) return yb_fail(e, YB_EMISSING, "username", "required");
  if (!pw || !*pw) return yb_fail(e, YB_EMISSING, "password", "required");
  store_admin_user u;
  int rc = store_admin_user_get(r->c, name, &u, e);
  if (rc == YB_ENOT_FOUND || (!rc && u.disabled))
    return yb_fail(e, YB_EAUTH, "password", "用户名或密码错误 (wrong user name or password)");
  if (rc) return rc;
  char now[20];
  utc_text(time(NULL), now, sizeof now);
  if (u.locked_until[0] && strcmp(now, u.locked_until) < 0)
    return yb_fail(e, YB_EFORBIDDEN, "username",
                   "账户已锁定至 %s UTC (locked after %d failed log-ins)", u.locked_until,
                   ADMIN_MAX_FAILED);
  login_ctx x = {u.username, argon2id_verify(u.pw_hash, pw, strlen(pw)) == ARGON2_OK, ""};
  utc_text(time(NULL) + ADMIN_LOCK_SECONDS, x.lock_until, sizeof x.lock_until);
  admin_user au;
  memset(&au, 0, sizeof au);
  snprintf(au.username, sizeof au.username, "%s", u.username);
  snprintf(au.display_name, sizeof au.display_name, "%s", u.display_name);
  snprintf(au.role, sizeof au.role, "%s", u.role);
  snprintf(au.fixmedins_code, sizeof au.fixmedins_code, "%s", u.fixmedins_code);
  au.role_bit = admin_role_bit(u.role);
  r->user = &au; /* the write log names who tried */
  snprintf(r->log_what, sizeof r->log_what, "%s", x.ok ? "log-in" : "failed log-in");
  rc = admin_write(r, login_tx, &x, e); /* a failure counts; a success clears the count */
  r->user = NULL;
  if (rc) return rc;
  if (!x.ok) {
    if (u.failed + 1 >= ADMIN_MAX_FAILED)
      return yb_fail(e, YB_EFORBIDDEN, "password", "用户名或密码错误；账户已锁定 %d 分钟",
                     ADMIN_LOCK_SECONDS / 60);
    return yb_fail(e, YB_EAUTH, "password", "用户名或密码错误 (wrong user name or password)");
  }
  char token[65], csrf[33];
  if (session_new(r->adm, &au, token, csrf)) return yb_fail(e, YB_EIO, "", "no random bytes");
  snprintf(r->set_cookie, sizeof r->set_cookie,
           "yb_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", token, ADMIN_MAX_SECONDS);
  r->out = json_pack("{s:o,s:s}", "user", user_json(&au), "csrf_token", csrf);
  return 0;
}

static int route_logout(admin_req *r, yb_err *e) {
  (void)e;
  session_end(r->adm, r->session);
  snprintf(r->set_cookie, sizeof r->set_cookie,
           "yb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  r->out = json_pack("{s:b}", "ok", 1);
  return 0;
}

static int route_me(admin_req *r, yb_err *e) {
  (void)e;
  r->out = json_pack("{s:o,s:s}", "user", user_json(r->user), "csrf_token", r->csrf);
  return 0;
}

static int users_row(const store_admin_user *u, void *arg) {
  json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:i}", "username", u->username,
                                       "display_name", u->display_name, "role", u->role,
                                       "fixmedins_code", u->fixmedins_code, "disabled", u->disabled,
                                       "locked_until", u->locked_until, "failed", u->failed));
  return 0;
}

static int route_users(admin_req *r, yb_err *e) {
  json_t *list = json_array();
  int rc = store_admin_user_each(r->c, users_row, list, e);
  if (rc) {
    json_decref(list);
    return rc;
  }
  r->out = json_pack("{s:o}", "users", list);
  return 0;
}

typedef struct add_ctx {
  const char *username, *display_name, *role, *code, *password;
} add_ctx;

static int add_tx(store_conn *w, void *arg, yb_err *e) {
  add_ctx *x = arg;
  return admin_user_add(w, x->username, x->display_name, x->role, x->code, x->password, e);
}

static int route_user_add(admin_req *r, yb_err *e) {
  add_ctx x = {body_str(r, "username"), body_str(r, "display_name"), body_str(r, "role"),
               body_str(r, "fixmedins_code"), body_str(r, "password")};
  if (!x.username) return yb_fail(e, YB_EMISSING, "username", "required");
  if (!x.role) return yb_fail(e, YB_EMISSING, "role", "required");
  if (!x.password) return yb_fail(e, YB_EMISSING, "password", "required");
  snprintf(r->log_what, sizeof r->log_what, "add user %s (%s%s%s)", x.username, x.role,
           x.code ? " " : "", x.code ? x.code : "");
  int rc = admin_write(r, add_tx, &x, e);
  if (rc) return rc;
  r->status = 201;
  r->out = json_pack("{s:s,s:s}", "username", x.username, "role", x.role);
  return 0;
}

typedef struct pw_ctx {
  const char *username;
  char hash[160];
} pw_ctx;

static int pw_tx(store_conn *w, void *arg, yb_err *e) {
  pw_ctx *x = arg;
  return store_admin_user_password(w, x->username, x->hash, e);
}

static int route_user_password(admin_req *r, yb_err *e) {
  pw_ctx x = {r->param[0], ""};
  if (r->user->role_bit != ADMIN_ROLE_ADMIN && strcmp(r->user->username, x.username))
    return yb_fail(e, YB_EFORBIDDEN, "username", "only an administrator sets another user's password");
  const char *pw = body_str(r, "password");
  int rc = check_password_rule(pw, e);
  if (rc || (rc = admin_hash_password(pw, x.hash, sizeof x.hash, e))) return rc;
  snprintf(r->log_what, sizeof r->log_what, "set password of %s (and unlock)", x.username);
  if ((rc = admin_write(r, pw_tx, &x, e))) return rc;
  r->out = json_pack("{s:b}", "ok", 1);
  return 0;
}

/* For a monitor or a load balancer, no session: 200 while the writer's threads run and this
 * thread's read connection answers, else 503. */
static int route_health(admin_req *r, yb_err *e) {
  store_health h;
  store_health_get(r->st, &h);
  char region[16];
  const char *why = !h.running ? "the writer is not running"
                    : store_meta_get(r->c, "region", region, sizeof region, e) ? "the database does not answer"
                                                                               : NULL;
  if (why) {
    yb_err_clear(e);
    r->status = 503;
    r->out = json_pack("{s:s,s:s}", "status", "unavailable", "reason", why);
    return 0;
  }
  r->out = json_pack("{s:s,s:s,s:I,s:I}", "status", "ok", "region", region, "queued", (json_int_t)h.queued,
                     "unsynced", (json_int_t)h.unsynced);
  return 0;
}

static double per(uint64_t sum, uint64_t n, double unit) { return n ? (double)sum / (double)n / unit : 0; }

/* The writer since the server started (docs/operations.md, "Monitoring"). */
static int route_stats(admin_req *r, yb_err *e) {
  store_health h;
  store_health_get(r->st, &h);
  double busy = (double)(h.run_ns + h.commit_ns), all = busy + (double)h.idle_ns;
  r->out = json_pack("{s:b,s:I,s:I,s:I,s:I,s:f,s:I,s:f,s:{s:f,s:f,s:f},s:f,s:I,s:I,s:i}",
                     "writer_running", h.running, "queued", (json_int_t)h.queued,
                     "unsynced", (json_int_t)h.unsynced, "writes", (json_int_t)h.jobs,
                     "batches", (json_int_t)h.batches, "writes_per_batch", per(h.jobs, h.batches, 1),
                     "fdatasyncs", (json_int_t)h.syncs, "fdatasync_ms", per(h.sync_ns, h.syncs, 1e6),
                     "wait_ms", "queued", per(h.wait_queue_ns, h.wait_jobs, 1e6), "in_batch",
                     per(h.wait_batch_ns, h.wait_jobs, 1e6), "to_durable", per(h.wait_sync_ns, h.wait_jobs, 1e6),
                     "writer_busy", all > 0 ? busy / all : 0.0, "redos", (json_int_t)h.redos,
                     "wal_restarts", (json_int_t)h.wal_restarts, "wal_frames", h.wal_frames);
  return r->out ? 0 : yb_fail(e, YB_ENOMEM, "", "out of memory");
}

const admin_route admin_routes_core[] = {
    {"GET", "/api/v1/health", route_health, ADMIN_PUBLIC | ADMIN_QUIET, "health"},
    {"GET", "/api/v1/stats", route_stats, ADMIN_ROLE_ADMIN | ADMIN_ROLE_SUPERVISOR, "stats"},
    {"POST", "/api/v1/login", route_login, ADMIN_PUBLIC, "login"},
    {"POST", "/api/v1/logout", route_logout, ADMIN_ANY, "logout"},
    {"GET", "/api/v1/me", route_me, ADMIN_ANY, "me"},
    {"GET", "/api/v1/users", route_users, ADMIN_ROLE_ADMIN, "users"},
    {"POST", "/api/v1/users", route_user_add, ADMIN_ROLE_ADMIN, "user.add"},
    {"POST", "/api/v1/users/:username/password", route_user_password, ADMIN_ANY, "user.password"},
    {0},
};

/* ---- dispatch -------------------------------------------------------------------------------------- */
typedef struct access_job {
  store_job job; /* first */
  char username[40], role[16], method[8], path[200], ip[48];
  int status;
} access_job;

static int access_run(store_conn *w, store_job *j) {
  access_job *a = (access_job *)j;
  return store_admin_access(w, a->username, a->role, a->method, a->path, a->status, a->ip, NULL);
}

static void access_done(store_job *j, int commit_rc) {
  (void)commit_rc;
  free(j);
}

/* Queue the access-log line; it commits with the next batch and nobody waits for it. */
static void access_log(admin_server *a, const admin_user *u, const admin_http *h, int status) {
  access_job *j = calloc(1, sizeof *j);
  if (!j) return;
  j->job.run = access_run;
  j->job.done = access_done;
  snprintf(j->username, sizeof j->username, "%s", u ? u->username : "-");
  snprintf(j->role, sizeof j->role, "%s", u ? u->role : "");
  snprintf(j->method, sizeof j->method, "%s", h->method);
  snprintf(j->path, sizeof j->path, "%s", h->url);
  snprintf(j->ip, sizeof j->ip, "%s", h->ip ? h->ip : "");
  j->status = status;
  if (store_submit(a->st, &j->job)) free(j); /* stopping: the line is lost with the request */
}

static void reply_json(admin_http *h, int status, json_t *v) {
  h->status = status;
  h->reply = jsonx_dumps(v, JSON_COMPACT);
  if (!h->reply) h->reply = strdup("{}");
  h->reply_len = h->reply ? strlen(h->reply) : 0;
  snprintf(h->content_type, sizeof h->content_type, "application/json;charset=UTF-8");
}

static void reply_error(admin_http *h, const yb_err *e, int code) {
  json_t *v = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", code, "field", e->field, "message",
                        e->msg[0] ? e->msg : yb_strerror(code));
  reply_json(h, yb_err_http_status(code), v);
  json_decref(v);
}

void admin_handle(admin_server *a, admin_http *h) {
  admin_req r;
  memset(&r, 0, sizeof r);
  yb_err e = {0};
  admin_user user;
  char path[512];
  snprintf(path, sizeof path, "%s", h->url);
  r.adm = a;
  r.srv = a->srv;
  r.st = a->st;
  r.method = h->method;
  r.path = path;
  r.query_ctx = h->query_ctx;
  r.query_fn = h->query_fn;
  int known = 0, rc = 0;
  r.route = route_find(h->method, path, &r, &known);
  if (!r.route) {
    rc = known ? yb_fail(&e, YB_EINVAL, "method", "%s is not allowed here", h->method)
               : yb_fail(&e, YB_ENOT_FOUND, "path", "no such admin route: %s", path);
    reply_error(h, &e, rc);
    if (known) h->status = 405;
    access_log(a, NULL, h, h->status);
    return;
  }
  if ((r.route->roles & ~ADMIN_QUIET) != ADMIN_PUBLIC) {
    r.session = h->cookie;
    if (session_get(a, h->cookie, &user, r.csrf)) {
      rc = yb_fail(&e, YB_EAUTH, "session", "请先登录 (log in first)");
    } else {
      r.user = &user;
      if (!(r.route->roles & user.role_bit))
        rc = yb_fail(&e, YB_EFORBIDDEN, "role", "role %s may not use %s %s", user.role, h->method,
                     r.route->path);
      else if (strcmp(h->method, "GET") &&
               (!h->csrf || strlen(h->csrf) != 32 || CRYPTO_memcmp(h->csrf, r.csrf, 32)))
        rc = yb_fail(&e, YB_EFORBIDDEN, "X-CSRF-Token", "missing or wrong CSRF token");
    }
  }
  json_t *body = NULL;
  if (!rc && strcmp(h->method, "GET") && h->len) {
    if (!h->content_type_in || strncmp(h->content_type_in, "application/json", 16)) {
      /* a cross-site form cannot send this type without a CORS preflight, which we never grant */
      rc = yb_fail(&e, YB_EINVAL, "Content-Type", "must be application/json");
    } else if (h->len > ADMIN_MAX_BODY) {
      rc = yb_fail(&e, YB_ELIMIT, "body", "larger than %d bytes", ADMIN_MAX_BODY);
    } else {
      json_error_t je;
      body = json_loadb(h->body, h->len, JSON_REJECT_DUPLICATES, &je);
      if (!body)
        rc = yb_fail(&e, YB_EPARSE, "body", "line %d column %d: %s", je.line, je.column, je.text);
      else if (!json_is_object(body))
        rc = yb_fail(&e, YB_ETYPE, "body", "must be a JSON object");
    }
  }
  if (!rc) {
    r.body = body;
    r.c = store_reader(a->st, &e);
    rc = r.c ? r.route->fn(&r, &e) : YB_ESTORE;
  }
  if (rc) {
    reply_error(h, &e, rc);
  } else if (r.text) {
    h->status = r.status ? r.status : 200;
    h->reply = r.text;
    h->reply_len = strlen(r.text);
    r.text = NULL;
    snprintf(h->content_type, sizeof h->content_type, "%s", r.content_type);
    if (r.filename[0])
      snprintf(h->disposition, sizeof h->disposition, "attachment; filename=\"%s\"", r.filename);
  } else {
    if (!r.out) r.out = json_object();
    reply_json(h, r.status ? r.status : 200, r.out);
  }
  snprintf(h->set_cookie, sizeof h->set_cookie, "%s", r.set_cookie);
  if (!(r.route->roles & ADMIN_QUIET)) access_log(a, r.user, h, h->status);
  json_decref(r.out);
  json_decref(body);
  free(r.text);
}
