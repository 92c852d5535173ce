/* http.c — libmicrohttpd glue: collect the body (bounded), read the signing headers, hand the
 * call to api_core, and answer; write calls are suspended until the writer resumes them. */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_PATH "/fsi/api/rsfComIfsService/callService"

struct http_server {
  struct MHD_Daemon *d;
  api_server *srv;
};

typedef struct http_req {
  api_call call; /* first: the writer's job points here */
  struct MHD_Connection *conn;
  char *buf;
  size_t len, cap;
  int fail;      /* 0, or an HTTP status to answer with */
  int waiting;   /* parked on the writer */
} http_req;

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

static enum MHD_Result send_gateway(struct MHD_Connection *conn, int status, const char *msg) {
  char *t = hsi_gateway_reply(status, msg);
  enum MHD_Result ok = send_text(conn, status, t ? t : "{}");
  free(t);
  return ok;
}

static void resume(api_call *c) {
  http_req *q = (http_req *)c;
  MHD_resume_connection(q->conn);
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
  http_server *h = cls;
  (void)version;
  http_req *q = *con_cls;
  if (!q) {
    q = calloc(1, sizeof *q);
    if (!q) return MHD_NO;
    q->conn = conn;
    q->call.srv = h->srv;
    q->call.resume = resume;
    *con_cls = q;
    if (strcmp(method, "POST"))
      q->fail = 405;
    else if (route(url, q->call.path_infno, sizeof q->call.path_infno))
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
  if (q->waiting) /* resumed by the writer: the reply is ready */
    return send_text(conn, q->call.http_status, q->call.reply ? q->call.reply : "{}");
  switch (q->fail) {
  case 404: return send_gateway(conn, 404, "没有这个服务!");
  case 405: return send_gateway(conn, 405, "只接受POST请求!");
  case 413: return send_gateway(conn, 413, "请求体过大!");
  default: break;
  }
  read_auth(conn, &q->call.auth);
  q->call.body = q->buf ? q->buf : "";
  q->call.len = q->len;
  if (api_call_start(&q->call) == 0)
    return send_text(conn, q->call.http_status, q->call.reply ? q->call.reply : "{}");
  q->waiting = 1;
  MHD_suspend_connection(conn);
  api_call_submit(&q->call);
  return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)conn, (void)toe;
  http_req *q = *con_cls;
  if (!q) return;
  api_call_free(&q->call);
  free(q->buf);
  free(q);
  *con_cls = NULL;
}

int http_start(api_server *srv, const char *host, int port, int threads, http_server **out,
               yb_err *e) {
  http_server *h = calloc(1, sizeof *h);
  if (!h) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  h->srv = srv;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    free(h);
    return yb_fail(e, YB_EINVAL, "--host", "not an IPv4 address: %s", host);
  }
  h->d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
          MHD_USE_ERROR_LOG,
      (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, 4096u,
      MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
      /* the pool is zeroed after every request: keep it small (bodies are copied out anyway) */
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)8192, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
      h, MHD_OPTION_END);
  if (!h->d) {
    free(h);
    return yb_fail(e, YB_EIO, "--port", "cannot listen on %s:%d", host, port);
  }
  *out = h;
  return 0;
}

void http_stop(http_server *h) {
  if (!h) return;
  MHD_quiesce_daemon(h->d);
  store_writer_stop(api_server_store(h->srv)); /* answers and resumes every parked call */
  MHD_stop_daemon(h->d);
  free(h);
}
