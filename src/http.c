/* http.c — libmicrohttpd glue: collect the body (bounded), read the signing headers, hand the
 * call to api_core, and answer; write calls are suspended until the writer answers them.
 *
 * The epoll thread pool is ours: `threads` daemons in libmicrohttpd's external-epoll mode, one
 * thread each, sharing one listening socket (as the library's own pool does: whichever thread
 * accepts first takes the connection).
 * A thread waits on its daemon's epoll fd and on an eventfd of its own. The store's syncer,
 * answering a batch, only appends each call to its thread's list and writes the eventfd once for
 * the list; the thread then marks the list's calls answered and runs the daemon. With the
 * library's own pool every resume wrote the daemon's eventfd and could wake its thread for one
 * connection at a time (docs/operations.md, "Session 20").
 *
 * A write waiting for the writer is not suspended: its final call returns without a response,
 * which the library documents as "the callback can be called again", so the connection stays in
 * the daemon's epoll set, and each pass of the daemon polls it again until its answer is marked.
 * Suspending took it out of the set and put it back (two epoll_ctl calls a request) and made the
 * library read once more for nothing after the reply (docs/operations.md, "Session 21"). Passes
 * are ours to schedule: while the only pending work is calls that are still waiting, the thread
 * sleeps until a socket event, an answer, or 1 ms (the daemon cannot tell us which of its
 * connections are only waiting, so a connection that filled its read buffer mid-headers waits
 * for that at most).
 * /api/v1/ goes to the console's admin API (admin.c); other GETs serve the console's static
 * files from web/ and its npm libraries from node_modules/ under /vendor/. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_PATH "/fsi/api/rsfComIfsService/callService"

#define HTTP_MAX_THREADS 16

typedef struct http_req http_req;

/* One daemon and its thread. `ready` holds the calls the store has answered, for the thread to
 * resume; guarded by mu. */
typedef struct http_loop {
  struct http_server *h;
  struct MHD_Daemon *d;
  pthread_t thread;
  int ep, efd, started;
  pthread_mutex_t mu;
  http_req *ready;
  int progress; /* the last pass did more than poll waiting calls (the loop's thread only) */
} http_loop;

/* The console's calls (/api/v1/) run on a thread of their own: a page can take 10-200 ms on a large
 * county (docs/console.md) and a log-in hashes its password with Argon2id, and on an HTTP thread
 * that time would hold every other connection of that thread, hospitals' settlements included.
 * The call waits like a write (polled by its daemon) until this thread answers it. */
typedef struct admin_pool {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  http_req *head, *tail;
  int stop, started;
} admin_pool;

struct http_server {
  http_loop loop[HTTP_MAX_THREADS];
  admin_pool admin;
  int n;
  atomic_int stop;
  int listen_fd; /* shared by the daemons, which do not close it (quiesced at stop) */
  api_server *srv;
  admin_server *adm;
  char web[4096], vendor[4096]; /* folders of the static files */
};

enum { KIND_HSI = 0, KIND_ADMIN = 1, KIND_STATIC = 2 };

struct http_req {
  api_call call; /* first: the writer's job points here */
  struct MHD_Connection *conn;
  http_loop *loop;
  http_req *next_ready;
  char *buf;
  size_t len, cap;
  int fail;      /* 0, or an HTTP status to answer with */
  int kind;      /* KIND_* */
  int waiting;   /* parked on the writer */
  int answered;  /* its answer is in `call` (set on the loop's thread) */
  int orphan;    /* its connection ended while it waited: freed when the answer comes */
  /* KIND_ADMIN: the call as admin_handle sees it, with its reply; `args` holds the method, URL,
   * headers, address and query arguments it points at (NUL-separated), copied off the
   * connection for the admin thread */
  admin_http a;
  char *args;
  size_t n_args, args_len, args_cap;
  int args_oom;
  http_req *next_admin;
};

static void hdr(struct MHD_Connection *conn, const char *name, char *out, size_t cap) {
  const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
  size_t n = v ? strnlen(v, cap - 1) : 0; /* cut to cap like snprintf */
  memcpy(out, v ? v : "", n);
  out[n] = 0;
}

static void read_auth(struct MHD_Connection *conn, hsi_auth *a) {
  hdr(conn, "x-yb-code", a->yb_code, sizeof a->yb_code);
  hdr(conn, "x-yb-timestamp", a->yb_ts, sizeof a->yb_ts);
  hdr(conn, "x-yb-nonce", a->yb_nonce, sizeof a->yb_nonce);
  hdr(conn, "x-yb-signature", a->yb_sig, sizeof a->yb_sig);
  hdr(conn, "x-tif-paasid", a->tif_paasid, sizeof a->tif_paasid);
  hdr(conn, "x-tif-timestamp", a->tif_ts, sizeof a->tif_ts);
  hdr(conn, "x-tif-nonce", a->tif_nonce, sizeof a->tif_nonce);
  hdr(conn, "x-tif-signature", a->tif_sig, sizeof a->tif_sig);
  hdr(conn, "_api_access_key", a->api_ak, sizeof a->api_ak);
  hdr(conn, "_api_name", a->api_name, sizeof a->api_name);
  hdr(conn, "_api_version", a->api_version, sizeof a->api_version);
  hdr(conn, "_api_timestamp", a->api_ts, sizeof a->api_ts);
  hdr(conn, "_api_signature", a->api_sig, sizeof a->api_sig);
}

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *text) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "application/json;charset=UTF-8");
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)status, r);
  MHD_destroy_response(r);
  return ok;
}

/* A call's reply: its JSON text, or (9102) a file's bytes as an attachment. The response takes
 * the reply's buffer (MHD frees it once sent) rather than a copy. */
static enum MHD_Result send_call(struct MHD_Connection *conn, api_call *c) {
  if (!c->reply) return send_text(conn, c->http_status, "{}");
  size_t n = c->reply_file[0] ? c->reply_len : strlen(c->reply);
  struct MHD_Response *r = MHD_create_response_from_buffer(n, c->reply, MHD_RESPMEM_MUST_FREE);
  if (!r) return MHD_NO;
  c->reply = NULL;
  if (c->reply_file[0]) {
    char disp[300];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", c->reply_file);
    MHD_add_response_header(r, "Content-Type", "application/octet-stream");
    MHD_add_response_header(r, "Content-Disposition", disp);
  } else {
    MHD_add_response_header(r, "Content-Type", "application/json;charset=UTF-8");
  }
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)c->http_status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result send_gateway(struct MHD_Connection *conn, int status, const char *msg) {
  char *t = hsi_gateway_reply(status, msg);
  enum MHD_Result ok = send_text(conn, status, t ? t : "{}");
  free(t);
  return ok;
}

static void security_headers(struct MHD_Response *r) {
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Referrer-Policy", "same-origin");
  MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Append a NUL-terminated copy of v ("" for NULL) to q->args: its offset, or -1 on OOM. */
static long arg_put(http_req *q, const char *v) {
  size_t n = strlen(v ? v : "") + 1;
  if (q->args_len + n > q->args_cap) {
    size_t cap = q->args_cap ? q->args_cap : 512;
    while (cap < q->args_len + n) cap *= 2;
    char *b = realloc(q->args, cap);
    if (!b) return -1;
    q->args = b, q->args_cap = cap;
  }
  memcpy(q->args + q->args_len, v ? v : "", n);
  q->args_len += n;
  return (long)(q->args_len - n);
}

/* A query argument: key, then value ("" for "?k", which MHD gives as NULL: admin_query takes
 * both as absent). */
static enum MHD_Result query_copy(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  http_req *q = cls;
  if (arg_put(q, key) < 0 || arg_put(q, value) < 0) {
    q->args_oom = 1;
    return MHD_NO;
  }
  q->n_args++;
  return MHD_YES;
}

/* The first query argument named key, like MHD_lookup_connection_value: after the six texts
 * admin_copy puts first, n_args key/value pairs. */
static const char *query_arg(const void *ctx, const char *key) {
  const http_req *q = ctx;
  const char *p = q->args;
  for (int i = 0; i < 6; i++) p += strlen(p) + 1;
  for (size_t i = 0; i < q->n_args; i++) {
    const char *v = p + strlen(p) + 1;
    if (!strcmp(p, key)) return v;
    p = v + strlen(v) + 1;
  }
  return NULL;
}

/* Copy what admin_handle reads off the connection into q->a: 0, or -1 on OOM. */
static int admin_copy(http_req *q, struct MHD_Connection *conn, const char *url, const char *method) {
  char ip[48] = "";
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, ip, sizeof ip);
  const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "yb_session");
  const char *csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
  const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
  long at[6] = {arg_put(q, method), arg_put(q, url), arg_put(q, ip), arg_put(q, cookie),
                arg_put(q, csrf), arg_put(q, ctype)};
  for (int i = 0; i < 6; i++)
    if (at[i] < 0) return -1;
  q->n_args = 0;
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_copy, q);
  if (q->args_oom) return -1;
  admin_http *a = &q->a;
  memset(a, 0, sizeof *a);
  a->method = q->args + at[0];
  a->url = q->args + at[1];
  a->ip = q->args + at[2];
  a->cookie = cookie ? q->args + at[3] : NULL; /* absent and empty differ */
  a->csrf = csrf ? q->args + at[4] : NULL;
  a->content_type_in = ctype ? q->args + at[5] : NULL;
  a->body = q->buf ? q->buf : "";
  a->len = q->len;
  a->query_ctx = q;
  a->query_fn = query_arg;
  return 0;
}

static void *admin_main(void *arg) {
  http_server *h = arg;
  admin_pool *p = &h->admin;
  pthread_setname_np(pthread_self(), "yb-admin");
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->head && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
    http_req *q = p->head;
    if (!q) break; /* stopping, and every queued call answered */
    p->head = q->next_admin;
    if (!p->head) p->tail = NULL;
    pthread_mutex_unlock(&p->mu);
    admin_handle(h->adm, &q->a);
    q->call.resume(&q->call); /* to its loop, like a write the syncer answers */
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Queue q for the admin thread: 0, or -1 when it is stopping. */
static int admin_submit(http_server *h, http_req *q) {
  admin_pool *p = &h->admin;
  pthread_mutex_lock(&p->mu);
  int stopping = p->stop || !p->started;
  if (!stopping) {
    q->next_admin = NULL;
    if (p->tail)
      p->tail->next_admin = q;
    else
      p->head = q;
    p->tail = q;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return stopping ? -1 : 0;
}

/* Answer what is queued, then end the admin thread (a second call does nothing). */
static void admin_stop(http_server *h) {
  admin_pool *p = &h->admin;
  pthread_mutex_lock(&p->mu);
  int started = p->started;
  p->stop = 1, p->started = 0;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  if (started) pthread_join(p->thread, NULL);
}

/* The admin thread's answer (q->a) as the connection's response. */
static enum MHD_Result send_admin(struct MHD_Connection *conn, http_req *q) {
  admin_http *a = &q->a;
  struct MHD_Response *r = MHD_create_response_from_buffer(a->reply_len, a->reply, MHD_RESPMEM_MUST_FREE);
  if (!r) return MHD_NO; /* req_free frees a->reply */
  a->reply = NULL;
  MHD_add_response_header(r, "Content-Type", a->content_type);
  if (a->set_cookie[0]) MHD_add_response_header(r, "Set-Cookie", a->set_cookie);
  if (a->disposition[0]) MHD_add_response_header(r, "Content-Disposition", a->disposition);
  security_headers(r);
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)a->status, r);
  MHD_destroy_response(r);
  return ok;
}

static const struct {
  const char *ext, *type;
} mime[] = {
    {".html", "text/html;charset=UTF-8"},  {".js", "text/javascript;charset=UTF-8"},
    {".mjs", "text/javascript;charset=UTF-8"}, {".css", "text/css;charset=UTF-8"},
    {".json", "application/json"},         {".svg", "image/svg+xml"},
    {".png", "image/png"},                 {".ico", "image/x-icon"},
    {".map", "application/json"},
};

/* GET of a console file: web/PATH, or node_modules/PATH for /vendor/PATH. Only plain names
 * (letters, digits, - _ . /) and no "..": nothing outside those two folders is reachable. */
static enum MHD_Result send_static(http_server *h, struct MHD_Connection *conn, const char *url) {
  const char *root = h->web, *rel = url;
  if (!strncmp(url, "/vendor/", 8)) root = h->vendor, rel = url + 7;
  if (!strcmp(rel, "/")) rel = "/index.html";
  int ok = root[0] && rel[0] == '/' && !strstr(rel, "..") && !strstr(rel, "//");
  for (const char *p = rel; ok && *p; p++)
    ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
         strchr("-_./", *p);
  const char *type = NULL;
  const char *dot = strrchr(rel, '.');
  for (size_t i = 0; ok && dot && i < sizeof mime / sizeof mime[0]; i++)
    if (!strcmp(dot, mime[i].ext)) type = mime[i].type;
  char path[8300];
  int fd = -1;
  struct stat st;
  if (ok && type) {
    snprintf(path, sizeof path, "%s%s", root, rel);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) close(fd), fd = -1;
  }
  if (fd < 0) return send_gateway(conn, 404, "没有这个页面!");
  struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
  if (!r) {
    close(fd);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Cache-Control", "no-cache");
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
  enum MHD_Result res = MHD_queue_response(conn, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return res;
}

/* The store answered c (its syncer's thread): queue it for its loop's thread. */
static void resume(api_call *c) {
  http_req *q = (http_req *)c;
  http_loop *l = q->loop;
  pthread_mutex_lock(&l->mu);
  int first = !l->ready;
  q->next_ready = l->ready;
  l->ready = q;
  pthread_mutex_unlock(&l->mu);
  uint64_t one = 1;
  if (first && write(l->efd, &one, sizeof one) < 0) { /* a full counter is already a wake-up */
  }
}

static void req_free(http_req *q) {
  api_call_free(&q->call);
  free(q->a.reply);
  free(q->args);
  free(q->buf);
  free(q);
}

/* In the loop's thread (or at stop, alone): mark the answered calls for the daemon's next pass. */
static void resume_ready(http_loop *l) {
  pthread_mutex_lock(&l->mu);
  http_req *q = l->ready;
  l->ready = NULL;
  pthread_mutex_unlock(&l->mu);
  while (q) {
    http_req *next = q->next_ready;
    if (q->orphan)
      req_free(q);
    else
      q->answered = 1, l->progress = 1;
    q = next;
  }
}

static void *loop_main(void *arg) {
  http_loop *l = arg;
  pthread_setname_np(pthread_self(), "yb-http");
  for (;;) {
    MHD_UNSIGNED_LONG_LONG to = 1000;
    if (MHD_get_timeout(l->d, &to) != MHD_YES || to > 1000) to = 1000;
    /* "now" from the daemon while nothing but waiting calls moved: those wait for an answer */
    if (to == 0 && !l->progress) to = 1;
    l->progress = 0;
    struct epoll_event ev[4];
    int n = to ? epoll_wait(l->ep, ev, 4, (int)to) : 0;
    for (int i = 0; i < n; i++)
      if (ev[i].data.fd == l->efd) {
        uint64_t v;
        if (read(l->efd, &v, sizeof v) < 0) { /* EAGAIN: another read took it */
        }
      }
    resume_ready(l);
    MHD_run(l->d);
    if (atomic_load(&l->h->stop)) break;
  }
  return NULL;
}

/* The path names the transaction optionally: …/callService or …/callService/{infno}. */
static int route(const char *url, char *infno, size_t cap) {
  size_t n = strlen(HTTP_PATH);
  if (strncmp(url, HTTP_PATH, n)) return -1;
  const char *rest = url + n;
  if (!*rest || !strcmp(rest, "/")) {
    infno[0] = 0;
    return 0;
  }
  if (*rest != '/' || strlen(rest + 1) >= cap || strchr(rest + 1, '/')) return -1;
  snprintf(infno, cap, "%s", rest + 1);
  return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  http_loop *l = cls;
  http_server *h = l->h;
  (void)version;
  http_req *q = *con_cls;
  if (q && q->waiting) { /* polled again by the daemon's pass */
    if (!q->answered) return MHD_YES;
    l->progress = 1;
    return q->kind == KIND_ADMIN ? send_admin(conn, q) : send_call(conn, &q->call);
  }
  l->progress = 1;
  if (!q) {
    q = calloc(1, sizeof *q);
    if (!q) return MHD_NO;
    q->conn = conn;
    q->loop = l;
    q->call.srv = h->srv;
    q->call.resume = resume;
    *con_cls = q;
    if (!strncmp(url, "/api/v1/", 8))
      q->kind = KIND_ADMIN;
    else if (!strncmp(url, "/fsi/", 5))
      q->kind = KIND_HSI;
    else
      q->kind = KIND_STATIC;
    if (q->kind == KIND_STATIC && strcmp(method, "GET") && strcmp(method, "HEAD"))
      q->fail = 405;
    else if (q->kind == KIND_HSI && strcmp(method, "POST"))
      q->fail = 405;
    else if (q->kind == KIND_HSI && route(url, q->call.path_infno, sizeof q->call.path_infno))
      q->fail = 404;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > HSI_MAX_BODY) q->fail = 413;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!q->fail) {
      if (q->len + *upload_size > HSI_MAX_BODY) {
        q->fail = 413;
      } else {
        if (q->len + *upload_size + 1 > q->cap) {
          size_t cap = q->cap ? q->cap : 4096;
          while (cap < q->len + *upload_size + 1) cap *= 2;
          char *b = realloc(q->buf, cap);
          if (!b) return MHD_NO;
          q->buf = b;
          q->cap = cap;
        }
        memcpy(q->buf + q->len, upload, *upload_size);
        q->len += *upload_size;
      }
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (q->kind == KIND_ADMIN && !q->fail) {
    if (admin_copy(q, conn, url, method)) return MHD_NO;
    q->waiting = 1; /* before the submit: the answer can come before this returns */
    if (admin_submit(h, q)) {
      q->waiting = 0;
      return send_gateway(conn, 503, "服务正在停止，请稍后重试!");
    }
    return MHD_YES;
  }
  if (q->kind == KIND_STATIC && !q->fail) return send_static(h, conn, url);
  switch (q->fail) {
  case 404: return send_gateway(conn, 404, "没有这个服务!");
  case 405: return send_gateway(conn, 405, "只接受POST请求!");
  case 413: return send_gateway(conn, 413, "请求体过大!");
  default: break;
  }
  read_auth(conn, &q->call.auth);
  q->call.body = q->buf ? q->buf : "";
  q->call.len = q->len;
  if (api_call_start(&q->call) == 0) return send_call(conn, &q->call);
  q->waiting = 1; /* before the submit: the answer can come before this returns */
  if (api_call_submit(&q->call)) {
    q->waiting = 0;
    return send_gateway(conn, 503, "服务正在停止，请稍后重试!");
  }
  return MHD_YES; /* no response yet: the daemon's passes poll it until resume_ready marks it */
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)conn, (void)toe;
  http_req *q = *con_cls;
  if (!q) return;
  *con_cls = NULL;
  ((http_loop *)cls)->progress = 1;
  if (q->waiting && !q->answered) /* the client went away: the store still holds q->call */
    q->orphan = 1;
  else
    req_free(q);
}

static void loop_close(http_loop *l) {
  if (l->d) MHD_stop_daemon(l->d);
  if (l->ep >= 0) close(l->ep);
  if (l->efd >= 0) close(l->efd);
  pthread_mutex_destroy(&l->mu);
}

static int loop_open(http_server *h, http_loop *l, int port) {
  l->h = h;
  l->ep = l->efd = -1;
  pthread_mutex_init(&l->mu, NULL);
  l->d = MHD_start_daemon(
      MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
      on_request, l, MHD_OPTION_LISTEN_SOCKET, h->listen_fd, MHD_OPTION_CONNECTION_LIMIT, 4096u,
      MHD_OPTION_CONNECTION_TIMEOUT, 60u,
      /* the pool is zeroed after every request: keep it small (bodies are copied out anyway) */
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)8192, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
      l, MHD_OPTION_END);
  const union MHD_DaemonInfo *di = l->d ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
  l->ep = epoll_create1(EPOLL_CLOEXEC);
  l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!di || l->ep < 0 || l->efd < 0) return -1;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = di->epoll_fd};
  if (epoll_ctl(l->ep, EPOLL_CTL_ADD, di->epoll_fd, &ev)) return -1;
  ev.data.fd = l->efd;
  return epoll_ctl(l->ep, EPOLL_CTL_ADD, l->efd, &ev);
}

/* Stop the threads (each after one more pass), hand back to its daemon what was answered since,
 * stop the daemons and free. Each daemon is quiesced first (a second call does nothing), so the
 * shared socket stays ours to close. */
static void teardown(http_server *h) {
  admin_stop(h);
  atomic_store(&h->stop, 1);
  for (int i = 0; i < h->n; i++) {
    http_loop *l = &h->loop[i];
    if (l->d) MHD_quiesce_daemon(l->d);
    if (!l->started) continue;
    uint64_t one = 1;
    if (write(l->efd, &one, sizeof one) < 0) { /* the thread wakes on its timeout */
    }
    pthread_join(l->thread, NULL);
  }
  for (int i = 0; i < h->n; i++) {
    resume_ready(&h->loop[i]); /* answered after the thread's last pass */
    loop_close(&h->loop[i]);
  }
  close(h->listen_fd);
  pthread_mutex_destroy(&h->admin.mu);
  pthread_cond_destroy(&h->admin.cv);
  free(h);
}

int http_start(api_server *srv, admin_server *adm, const char *web, const char *host, int port,
               int threads, http_server **out, yb_err *e) {
  if (threads < 1 || threads > HTTP_MAX_THREADS)
    return yb_fail(e, YB_EINVAL, "--threads", "must be 1 to %d", HTTP_MAX_THREADS);
  http_server *h = calloc(1, sizeof *h);
  if (!h) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  h->srv = srv;
  h->adm = adm;
  pthread_mutex_init(&h->admin.mu, NULL);
  pthread_cond_init(&h->admin.cv, NULL);
  if (web) {
    snprintf(h->web, sizeof h->web, "%s", web);
    snprintf(h->vendor, sizeof h->vendor, "%s/../node_modules", web);
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    free(h);
    return yb_fail(e, YB_EINVAL, "--host", "not an IPv4 address: %s", host);
  }
  int one = 1, rc = 0;
  h->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (h->listen_fd < 0 || setsockopt(h->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
      bind(h->listen_fd, (const struct sockaddr *)&sa, sizeof sa) || listen(h->listen_fd, 1024)) {
    int err = errno;
    if (h->listen_fd >= 0) close(h->listen_fd);
    free(h);
    return yb_fail(e, YB_EIO, "--port", "cannot listen on %s:%d: %s", host, port, strerror(err));
  }
  for (h->n = 0; h->n < threads && !rc; h->n++) rc = loop_open(h, &h->loop[h->n], port);
  /* the admin thread first: a loop may take a console call at once */
  if (!rc && !(rc = pthread_create(&h->admin.thread, NULL, admin_main, h))) h->admin.started = 1;
  for (int i = 0; i < h->n && !rc; i++)
    if (!(rc = pthread_create(&h->loop[i].thread, NULL, loop_main, &h->loop[i]))) h->loop[i].started = 1;
  if (rc) {
    teardown(h);
    return yb_fail(e, YB_EIO, "--port", "cannot listen on %s:%d", host, port);
  }
  *out = h;
  return 0;
}

/* Stop accepting; let the writer finish and answer what is queued (a write arriving meanwhile
 * is refused with 503: store_submit); the threads hand back what was answered; stop. */
void http_stop(http_server *h) {
  if (!h) return;
  for (int i = 0; i < h->n; i++) MHD_quiesce_daemon(h->loop[i].d); /* each gives the shared socket back */
  admin_stop(h); /* its calls may write: before the writer stops */
  store_writer_stop(api_server_store(h->srv)); /* answers every queued call: resume() */
  teardown(h);
}
