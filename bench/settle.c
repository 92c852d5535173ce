/* bench/settle.c — load driver for `make bench-settle`: C concurrent keep-alive connections
 * over loopback (state machines on --threads epoll threads), each running full outpatient flows
 * (2201 register → 2203 visit → 2204 fees → 2207 settle) against a `yibao serve` on a demo
 * database, signed like a real client, checking every reply. Then, on the same disk, the
 * naive limit: one SQLite insert transaction per settlement with the same durability (WAL,
 * synchronous=FULL). Prints `name: value` lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "hsi.h"

#define MAX_LAT 2000000

static const char *host = "127.0.0.1";
static int port;
static double seconds = 10;
static char region[8] = "411500";
static atomic_long n_settle, n_req, n_fail;
static double *lat_settle, *lat_req;
static atomic_long i_settle, i_req, msg_seq, otp_seq;
static double t_end;
static long max_flows; /* --flows: stop after this many (0 = run for --seconds) */
static atomic_long n_started;
static long run_tag; /* nonces are unique across runs against one server */

typedef struct conn {
  int fd, id, ep;
  char code[16], secret[40], sign_no[40], opter[16];
  char *buf;
  size_t cap, got, need, hdr_end;
  long seq;
  time_t stamp_t;
  char stamp[16], ts[24];
  /* each connection is a state machine on one of a few driver threads (epoll): the step of its
   * flow, what the step's reply must carry, and the request's start time. A request is written
   * once and its reply read when epoll says so: one write and usually one recv per request. */
  int step, done;
  const char *infno;
  double t0;
  int k; /* the flow's person */
  char psn[32], mdtrt[32];
  char req[8192];
} conn;

static int dial(conn *c) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, host, &sa.sin_addr);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

/* Texts are appended, not printed: a request's four snprintf calls were ~7 % of the driver's
 * samples (perf), and the driver shares the server's two cores. `over` marks a text that did not
 * fit (the caller then gives up on the request). */
typedef struct sb {
  char *p, *end;
  int over;
} sb;
static void sb_n(sb *b, const char *s, size_t n) {
  if (n > (size_t)(b->end - b->p)) {
    b->over = 1;
    return;
  }
  memcpy(b->p, s, n);
  b->p += n;
}
static void sb_s(sb *b, const char *s) { sb_n(b, s, strlen(s)); }
#define SB_LIT(b, lit) sb_n(b, lit, sizeof lit - 1)
static void sb_u(sb *b, unsigned long v, int width, int base) { /* zero-padded to width */
  char t[24], *q = t + sizeof t;
  do *--q = "0123456789abcdef"[v % (unsigned)base], width--; while ((v /= (unsigned)base) || width > 0);
  sb_n(b, q, (size_t)(t + sizeof t - q));
}
static size_t sb_end(sb *b, char *start) { /* NUL-terminates; the length, or 0 if it overflowed */
  if (b->over || b->p >= b->end) return 0;
  *b->p = 0;
  return (size_t)(b->p - start);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return -1;
    }
    p += w, n -= (size_t)w;
  }
  return 0;
}

/* Write a POST of an envelope around `input` (JSON text), signed like a HIS does. Bodies are
 * appended from templates and replies are scanned, not parsed: the driver shares the two cores
 * with the server. 0 or -1. */
static int send_call(conn *c, const char *infno, const char *input) {
  /* like a HIS: institution code + yyyyMMddHHmmss + a running number */
  time_t t = time(NULL);
  if (t != c->stamp_t) { /* the stamp changes once a second */
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(c->stamp, sizeof c->stamp, "%Y%m%d%H%M%S", &tm);
    snprintf(c->ts, sizeof c->ts, "%lld", (long long)t);
    c->stamp_t = t;
  }
  ++c->seq;
  /* headers go first, but Content-Length and the signature depend on the body: build the body
   * at a fixed offset, then the headers in front of it */
  char *b = c->req + 1024;
  sb w = {b, c->req + sizeof c->req - 1, 0};
  SB_LIT(&w, "{\"infno\":\""), sb_s(&w, infno), SB_LIT(&w, "\",\"msgid\":\""), sb_s(&w, c->code);
  sb_s(&w, c->stamp), sb_u(&w, (unsigned long)(atomic_fetch_add(&msg_seq, 1) % 100000000), 8, 10);
  SB_LIT(&w, "\",\"mdtrtarea_admvs\":\""), sb_s(&w, region);
  SB_LIT(&w, "\",\"insuplc_admdvs\":\"\",\"opter_type\":\"1\",\"opter\":\""), sb_s(&w, c->opter);
  SB_LIT(&w, "\",\"opter_name\":\"bench\",\"fixmedins_code\":\""), sb_s(&w, c->code);
  SB_LIT(&w, "\",\"sign_no\":\""), sb_s(&w, c->sign_no), SB_LIT(&w, "\",\"input\":"), sb_s(&w, input), SB_LIT(&w, "}");
  size_t blen = sb_end(&w, b);
  if (!blen) return -1;
  char nonce[40], sig[160], head[1024];
  sb nb = {nonce, nonce + sizeof nonce - 1, 0};
  sb_u(&nb, (unsigned long)run_tag, 1, 16), SB_LIT(&nb, "-"), sb_u(&nb, (unsigned long)c->id, 1, 10);
  SB_LIT(&nb, "-"), sb_u(&nb, (unsigned long)c->seq, 1, 10);
  if (!sb_end(&nb, nonce)) return -1;
  hsi_sign_hmac(c->secret, c->ts, nonce, b, blen, sig);
  sb h = {head, head + sizeof head - 1, 0};
  SB_LIT(&h, "POST /fsi/api/rsfComIfsService/callService HTTP/1.1\r\nHost: "), sb_s(&h, host);
  SB_LIT(&h, "\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: "), sb_u(&h, blen, 1, 10);
  SB_LIT(&h, "\r\nx-yb-code: "), sb_s(&h, c->code), SB_LIT(&h, "\r\nx-yb-timestamp: "), sb_s(&h, c->ts);
  SB_LIT(&h, "\r\nx-yb-nonce: "), sb_s(&h, nonce), SB_LIT(&h, "\r\nx-yb-signature: "), sb_s(&h, sig);
  SB_LIT(&h, "\r\n\r\n");
  size_t hl = sb_end(&h, head);
  if (!hl || hl > 1024) return -1;
  memcpy(b - hl, head, hl);
  c->infno = infno;
  c->got = c->need = c->hdr_end = 0;
  c->t0 = cmd_now();
  return write_all(c->fd, b - hl, hl + blen);
}

/* Read what the socket holds of the reply: 1 when it is complete (NUL terminated in c->buf),
 * 0 when more is to come, -1 on a closed or broken connection. */
static int read_reply(conn *c) {
  for (;;) {
    if (c->got + 4096 > c->cap) {
      c->cap = c->cap ? c->cap * 2 : 65536;
      c->buf = realloc(c->buf, c->cap + 1);
    }
    ssize_t r = recv(c->fd, c->buf + c->got, c->cap - c->got, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    c->got += (size_t)r;
    c->buf[c->got] = 0;
    if (!c->hdr_end) {
      char *e = strstr(c->buf, "\r\n\r\n");
      if (!e) continue;
      c->hdr_end = (size_t)(e - c->buf) + 4;
      *e = 0;
      char *cl = strcasestr(c->buf, "Content-Length:");
      *e = '\r';
      if (!cl) return -1;
      c->need = c->hdr_end + strtoul(cl + 15, NULL, 10);
    }
    if (c->got >= c->need) break;
    if ((size_t)r < c->cap - c->got + (size_t)r) return 0; /* the socket is drained: wait */
  }
  c->buf[c->need] = 0;
  return 1;
}

/* The complete reply: latency counted, infcode 0 checked; the body or NULL. */
static const char *take_reply(conn *c) {
  double ms = (cmd_now() - c->t0) * 1000;
  long i = atomic_fetch_add(&i_req, 1);
  if (i < MAX_LAT) lat_req[i] = ms;
  if (!strcmp(c->infno, "2207")) {
    long k = atomic_fetch_add(&i_settle, 1);
    if (k < MAX_LAT) lat_settle[k] = ms;
  }
  atomic_fetch_add(&n_req, 1);
  const char *reply = c->buf + c->hdr_end;
  const char *ic = strstr(reply, "\"infcode\":");
  if (!ic || atoi(ic + 10) != 0) {
    if (atomic_fetch_add(&n_fail, 1) < 5) fprintf(stderr, "bench: %s failed: %.300s\n", c->infno, reply);
    return NULL;
  }
  return reply;
}

/* The string value of the first "key":"…" after p into out; 0 or -1. */
static int scan_str(const char *p, const char *key, char *out, size_t cap) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\":\"", key);
  const char *v = strstr(p, k);
  if (!v) return -1;
  v += strlen(k);
  const char *e = strchr(v, '"');
  if (!e || (size_t)(e - v) >= cap) return -1;
  memcpy(out, v, (size_t)(e - v));
  out[e - v] = 0;
  return 0;
}

/* Sum of every numeric "key":n after p, in fen (rounded: the server prints yuan as reals). */
static long long scan_sum_fen(const char *p, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\":", key);
  size_t kl = strlen(k);
  long long fen = 0;
  for (const char *v = strstr(p, k); v; v = strstr(v + kl, k)) fen += llround(strtod(v + kl, NULL) * 100);
  return fen;
}

static void fen_str(sb *b, long long f) {
  if (f < 0) SB_LIT(b, "-");
  sb_u(b, (unsigned long)(llabs(f) / 100), 1, 10), SB_LIT(b, "."), sb_u(b, (unsigned long)(llabs(f) % 100), 2, 10);
}

/* Local demo persons with a 2024 enrollment (the filer 0010 is insured elsewhere). */
static const int persons[] = {1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13};
static const char *const cert[] = {"", "411500198001010011", "411500198505120022", "411500195503200031",
                                   "411500196208080042", "411500197011300051", "411500201906010061", "",
                                   "411500197809090081", "411500195004040091", "", "411500195807070112",
                                   "411500196010100121", "411500198303030132"};
static const char *const insutype[] = {"", "390", "310", "310", "390", "390", "390", "", "310", "310",
                                       "", "390", "310", "310"};

enum { STEP_SIGNIN, STEP_2201, STEP_2203, STEP_2204, STEP_2207 };

/* Start a flow (2201 register), unless the run is over: 0, 1 when done, -1 on failure. */
static int flow_start(conn *c) {
  if (cmd_now() >= t_end || (max_flows && atomic_fetch_add(&n_started, 1) >= max_flows)) return 1;
  int k = c->k = persons[(c->seq / 4 + (long)c->id) % (long)(sizeof persons / sizeof persons[0])];
  char in[1024];
  snprintf(c->psn, sizeof c->psn, "%s0000000000%04d", region, k);
  sb b = {in, in + sizeof in - 1, 0};
  SB_LIT(&b, "{\"data\":{\"psn_no\":\""), sb_s(&b, c->psn), SB_LIT(&b, "\",\"insutype\":\""), sb_s(&b, insutype[k]);
  SB_LIT(&b, "\",\"begntime\":\"2024-03-15 09:30:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"");
  sb_s(&b, cert[k]), SB_LIT(&b, "\",\"ipt_otp_no\":\"MZ");
  sb_u(&b, (unsigned long)atomic_fetch_add(&otp_seq, 1), 10, 10); /* the hospital's serial */
  SB_LIT(&b, "\",\"atddr_no\":\"D1\",\"dr_name\":\"医生\",\"dept_code\":\"NK\",\"dept_name\":\"内科\","
             "\"caty\":\"A03\"}}");
  if (!sb_end(&b, in)) return -1;
  c->step = STEP_2201;
  return send_call(c, "2201", in);
}

/* The reply of the current step is in: check it and send the next request (a new flow after
 * 2207). 0, 1 when the connection is done, -1 on failure. */
static int flow_next(conn *c, const char *r) {
  char in[4096];
  sb b = {in, in + sizeof in - 1, 0};
  switch (c->step) {
  case STEP_SIGNIN:
    if (scan_str(r, "sign_no", c->sign_no, sizeof c->sign_no)) return -1;
    return flow_start(c);
  case STEP_2201:
    if (scan_str(r, "mdtrt_id", c->mdtrt, sizeof c->mdtrt)) return -1;
    SB_LIT(&b, "{\"mdtrtinfo\":{\"mdtrt_id\":\""), sb_s(&b, c->mdtrt), SB_LIT(&b, "\",\"psn_no\":\""), sb_s(&b, c->psn);
    SB_LIT(&b, "\",\"med_type\":\"11\",\"begntime\":\"2024-03-15 09:30:00\"},\"diseinfo\":[{\"diag_type\":\"1\","
               "\"diag_srt_no\":1,\"diag_code\":\"J06.9\",\"diag_name\":\"急性上呼吸道感染\","
               "\"diag_time\":\"2024-03-15 09:35:00\",\"vali_flag\":\"1\"}]}");
    if (!sb_end(&b, in)) return -1;
    c->step = STEP_2203;
    return send_call(c, "2203", in);
  case STEP_2203:
    SB_LIT(&b, "{\"feedetail\":[{\"feedetl_sn\":\"1\",\"mdtrt_id\":\""), sb_s(&b, c->mdtrt);
    SB_LIT(&b, "\",\"psn_no\":\""), sb_s(&b, c->psn);
    SB_LIT(&b, "\",\"chrg_bchno\":\"CB1\",\"fee_ocur_time\":\"2024-03-15 09:40:00\",\"med_list_codg\":"
               "\"XJ01CAD001A001010199999\",\"medins_list_codg\":\"YP1\",\"det_item_fee_sumamt\":\"37.00\","
               "\"cnt\":\"2\",\"pric\":\"18.50\",\"hosp_appr_flag\":\"0\"},{\"feedetl_sn\":\"2\",\"mdtrt_id\":\"");
    sb_s(&b, c->mdtrt), SB_LIT(&b, "\",\"psn_no\":\""), sb_s(&b, c->psn);
    SB_LIT(&b, "\",\"chrg_bchno\":\"CB1\",\"fee_ocur_time\":\"2024-03-15 09:41:00\",\"med_list_codg\":"
               "\"9902000400000099\",\"medins_list_codg\":\"XM1\",\"det_item_fee_sumamt\":\"10.00\",\"cnt\":\"1\","
               "\"pric\":\"10.00\",\"hosp_appr_flag\":\"0\"}]}");
    if (!sb_end(&b, in)) return -1;
    c->step = STEP_2204;
    return send_call(c, "2204", in);
  case STEP_2204: {
    /* the four figures 2207 must repeat: the sum of the lines' split */
    const char *res = strstr(r, "\"result\":");
    if (!res) return -1;
    static const char *const keys[4] = {"fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt"};
    static const char *const names[4] = {"\",\"fulamt_ownpay_amt\":\"", "\",\"overlmt_selfpay\":\"",
                                         "\",\"preselfpay_amt\":\"", "\",\"inscp_scp_amt\":\""};
    int k = c->k;
    SB_LIT(&b, "{\"data\":{\"psn_no\":\""), sb_s(&b, c->psn);
    SB_LIT(&b, "\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\""), sb_s(&b, cert[k]);
    SB_LIT(&b, "\",\"med_type\":\"11\",\"medfee_sumamt\":\"47.00\",\"psn_setlway\":\"01\",\"mdtrt_id\":\"");
    sb_s(&b, c->mdtrt), SB_LIT(&b, "\",\"chrg_bchno\":\"CB1\",\"acct_used_flag\":\"1\",\"insutype\":\"");
    sb_s(&b, insutype[k]);
    for (int q = 0; q < 4; q++) sb_s(&b, names[q]), fen_str(&b, scan_sum_fen(res, keys[q]));
    SB_LIT(&b, "\"}}");
    if (!sb_end(&b, in)) return -1;
    c->step = STEP_2207;
    return send_call(c, "2207", in);
  }
  default: { /* 2207: the settlement answered for this visit and its total */
    char setl[32], got_mdtrt[32];
    if (scan_str(r, "setl_id", setl, sizeof setl)) return -1;
    if (scan_str(r, "mdtrt_id", got_mdtrt, sizeof got_mdtrt) || strcmp(got_mdtrt, c->mdtrt) ||
        scan_sum_fen(strstr(r, "\"setlinfo\":"), "medfee_sumamt") != 4700) {
      if (atomic_fetch_add(&n_fail, 1) < 5) fprintf(stderr, "bench: 2207 answered another settlement: %.300s\n", r);
      return -1;
    }
    atomic_fetch_add(&n_settle, 1);
    return flow_start(c);
  }
  }
}

/* Open the connection and sign in (9001): 0, or -1 when the connection is done. */
static int conn_begin(conn *c) {
  static const int insts[] = {1, 2, 4};
  snprintf(c->code, sizeof c->code, "H%s%05d", region, insts[c->id % 3]);
  char seed[64], hexd[65];
  snprintf(seed, sizeof seed, "yibao-demo-secret:%s", c->code);
  hsi_sha256_hex(seed, strlen(seed), hexd);
  snprintf(c->secret, 33, "%.32s", hexd);
  snprintf(c->opter, sizeof c->opter, "B%03d", c->id);
  if ((c->fd = dial(c)) < 0) return -1;
  char in[256];
  snprintf(in, sizeof in, "{\"signIn\":{\"opter_no\":\"%s\",\"mac\":\"00\",\"ip\":\"127.0.0.1\"}}", c->opter);
  c->step = STEP_SIGNIN;
  return send_call(c, "9001", in);
}

static void conn_end(conn *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->done = 1;
}

typedef struct driver {
  conn *cs;
  int n;
} driver;

/* One driver thread: its connections' flows, each step run when epoll reports its reply. */
static void *driver_main(void *arg) {
  driver *d = arg;
  int ep = epoll_create1(0), left = d->n;
  for (int i = 0; i < d->n; i++) {
    conn *c = &d->cs[i];
    c->ep = ep, c->fd = -1;
    if (conn_begin(c)) conn_end(c), left--;
  }
  struct epoll_event ev[64];
  while (left > 0) {
    int k = epoll_wait(ep, ev, 64, 100);
    for (int i = 0; i < k; i++) {
      conn *c = ev[i].data.ptr;
      if (c->done) continue;
      int rc = read_reply(c);
      if (rc == 0) continue;
      const char *r = rc > 0 ? take_reply(c) : NULL;
      if (c->step == STEP_SIGNIN && !r) rc = 1; /* no session: this connection stops */
      else rc = r ? flow_next(c, r) : -1;
      if (rc < 0) { /* start clean after a failure: a new connection, a new flow */
        close(c->fd);
        if ((c->fd = dial(c)) < 0) rc = 1;
        else if ((rc = flow_start(c)) < 0) rc = 1;
      }
      if (rc > 0) conn_end(c), left--;
    }
  }
  for (int i = 0; i < d->n; i++) free(d->cs[i].buf);
  close(ep);
  return NULL;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p) {
  if (n <= 0) return 0;
  long i = (long)(p * (double)(n - 1));
  return v[i];
}

/* One insert per transaction, WAL, synchronous=FULL: what a commit per request would allow. */
static double sqlite_limit(const char *dir, double secs) {
  char path[1024];
  snprintf(path, sizeof path, "%s/bench-limit.db", dir);
  unlink(path);
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) return 0;
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE s(id INTEGER PRIMARY KEY, psn_no TEXT, amount INTEGER, body TEXT);",
                   NULL, NULL, NULL);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "INSERT INTO s(psn_no, amount, body) VALUES(?1, ?2, ?3)", -1, &st, NULL);
  char body[600];
  memset(body, 'x', sizeof body - 1);
  body[sizeof body - 1] = 0;
  long n = 0;
  double t0 = cmd_now(), t;
  while ((t = cmd_now()) - t0 < secs) {
    sqlite3_bind_text(st, 1, "41150000000000000001", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) break;
    sqlite3_reset(st);
    n++;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  char wal[1100];
  unlink(path);
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(wal);
  snprintf(wal, sizeof wal, "%s-shm", path);
  unlink(wal);
  return (double)n / (t - t0);
}

int main(int argc, char **argv) {
  int conc = 64, no_limit = 0, nthreads = 2;
  const char *dir = ".";
  for (int i = 1; i < argc; i += 2) {
    if (!strcmp(argv[i], "--no-limit")) i--, no_limit = 1; /* a flag: no value follows */
    else if (i + 1 >= argc) break;
    else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--host")) host = argv[i + 1];
    else if (!strcmp(argv[i], "--concurrency")) conc = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!strcmp(argv[i], "--flows")) max_flows = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads")) nthreads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--region")) snprintf(region, sizeof region, "%s", argv[i + 1]);
  }
  if (!port || conc < 1 || nthreads < 1) {
    fprintf(stderr, "usage: bench-settle --port N [--host H] [--concurrency 64] [--seconds 10] [--flows N] [--threads 2] [--no-limit] [--dir D]\n");
    return 2;
  }
  lat_settle = calloc(MAX_LAT, sizeof *lat_settle);
  lat_req = calloc(MAX_LAT, sizeof *lat_req);
  conn *cs = calloc((size_t)conc, sizeof *cs);
  if (nthreads > conc) nthreads = conc;
  pthread_t *th = calloc((size_t)nthreads, sizeof *th);
  driver *ds = calloc((size_t)nthreads, sizeof *ds);
  double t0 = cmd_now();
  t_end = t0 + seconds;
  run_tag = (long)(t0 * 1000) ^ (long)getpid() << 40;
  atomic_store(&otp_seq, (long)t0 % 100000 * 100000); /* a later run's visits are new ones too */
  for (int i = 0; i < conc; i++) cs[i].id = i;
  /* the driver's threads as SCHED_BATCH: sharing the server's cores, a reply that woke one must
   * not preempt the server thread that sent it (which has the rest of its burst to send) */
  struct sched_param sp = {0};
  sched_setscheduler(0, SCHED_BATCH, &sp);
  for (int t = 0, at = 0; t < nthreads; t++) { /* contiguous shares of the connections */
    int n = conc / nthreads + (t < conc % nthreads);
    ds[t].cs = cs + at, ds[t].n = n, at += n;
    pthread_create(&th[t], NULL, driver_main, &ds[t]);
  }
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  sched_setscheduler(0, SCHED_OTHER, &sp);
  double el = cmd_now() - t0;
  long ns = atomic_load(&i_settle), nr = atomic_load(&i_req);
  if (ns > MAX_LAT) ns = MAX_LAT;
  if (nr > MAX_LAT) nr = MAX_LAT;
  qsort(lat_settle, (size_t)ns, sizeof *lat_settle, cmp_d);
  qsort(lat_req, (size_t)nr, sizeof *lat_req, cmp_d);
  double sps = (double)atomic_load(&n_settle) / el;
  printf("concurrency: %d\n", conc);
  printf("seconds: %.1f\n", el);
  printf("settlements: %ld\n", atomic_load(&n_settle));
  printf("failed_requests: %ld\n", atomic_load(&n_fail));
  printf("settlements_per_sec: %.0f\n", sps);
  printf("requests_per_sec: %.0f\n", (double)atomic_load(&n_req) / el);
  printf("p50_ms: %.2f\n", pct(lat_settle, ns, 0.50));
  printf("p99_ms: %.2f\n", pct(lat_settle, ns, 0.99));
  printf("all_requests_p50_ms: %.2f\n", pct(lat_req, nr, 0.50));
  printf("all_requests_p99_ms: %.2f\n", pct(lat_req, nr, 0.99));
  fflush(stdout);
  if (no_limit) return atomic_load(&n_settle) > 0 ? 0 : 1;
  double lim = sqlite_limit(dir, 3.0);
  printf("sqlite_limit_per_sec: %.0f\n", lim);
  printf("ratio: %.2f\n", lim > 0 ? sps / lim : 0);
  return atomic_load(&n_settle) > 0 ? 0 : 1;
}
