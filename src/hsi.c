/* hsi.c — envelope parsing and replies, the three gateway signing schemes, a nonce cache. */
#include "hsi.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

#include "jsonr.h"
#include "jsonw.h"
#include "jsonx.h"

#define JW_LIT(b, s) jsonw_raw(b, s, sizeof s - 1)

int hsi_json_depth(const char *s, size_t n) {
  int depth = 0, max = 0, in_str = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (in_str) {
      if (ch == '\\')
        i++;
      else if (ch == '"')
        in_str = 0;
    } else if (ch == '"') {
      in_str = 1;
    } else if (ch == '{' || ch == '[') {
      if (++depth > max) max = depth;
    } else if (ch == '}' || ch == ']') {
      depth--;
    }
  }
  return max;
}

static int six_digits(const char *s) {
  if (strlen(s) != 6) return 0;
  for (int i = 0; i < 6; i++)
    if (!isdigit((unsigned char)s[i])) return 0;
  return 1;
}

static int printable(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

static int load(const char *text, size_t len, const char *field, json_t **out, yb_err *e) {
  /* the usual body: the fast parser takes it within the depth limit, with no scan ahead */
  if ((*out = jsonr_fast_max(text, len, JSON_ALLOW_NUL, HSI_MAX_DEPTH))) return 0;
  if (hsi_json_depth(text, len) > HSI_MAX_DEPTH)
    return yb_fail(e, YB_ELIMIT, field, "JSON nested deeper than %d levels", HSI_MAX_DEPTH);
  json_error_t je;
  *out = jsonr_loadb(text, len, JSON_ALLOW_NUL, &je);
  if (!*out)
    return yb_fail(e, YB_EPARSE, field, "malformed JSON at line %d column %d: %s", je.line,
                   je.column, je.text);
  return 0;
}

int hsi_parse(const char *body, size_t len, const char *path_infno, json_t **root, hsi_env *env,
              json_t **input, yb_err *e) {
  memset(env, 0, sizeof *env);
  *root = NULL;
  *input = NULL;
  if (len > HSI_MAX_BODY) return yb_fail(e, YB_ELIMIT, "body", "larger than %u bytes", HSI_MAX_BODY);
  if (len == 0) return yb_fail(e, YB_EMISSING, "body", "empty request body");
  json_t *r;
  int rc = load(body, len, "body", &r, e);
  if (rc) return rc;
  *root = r;
  if (!json_is_object(r)) return yb_fail(e, YB_ETYPE, "body", "must be a JSON object");
  if ((rc = jsonx_get_str(r, "", "infno", !path_infno || !*path_infno, env->infno,
                          sizeof env->infno, e)))
    return rc;
  if (path_infno && *path_infno) {
    if (!env->infno[0])
      snprintf(env->infno, sizeof env->infno, "%s", path_infno);
    else if (strcmp(env->infno, path_infno) != 0)
      return yb_fail(e, YB_EINVAL, "infno", "body says %s but the path says %s", env->infno,
                     path_infno);
  }
  if ((rc = jsonx_get_str(r, "", "msgid", true, env->msgid, sizeof env->msgid, e))) return rc;
  if (!printable(env->msgid))
    return yb_fail(e, YB_EINVAL, "msgid", "must be printable ASCII without spaces");
  if ((rc = jsonx_get_str(r, "", "mdtrtarea_admvs", true, env->mdtrtarea_admvs,
                          sizeof env->mdtrtarea_admvs, e)))
    return rc;
  if (!six_digits(env->mdtrtarea_admvs))
    return yb_fail(e, YB_EINVAL, "mdtrtarea_admvs", "must be a 6-digit region code");
  if ((rc = jsonx_get_str(r, "", "insuplc_admdvs", false, env->insuplc_admdvs,
                          sizeof env->insuplc_admdvs, e)))
    return rc;
  if (env->insuplc_admdvs[0] && !six_digits(env->insuplc_admdvs))
    return yb_fail(e, YB_EINVAL, "insuplc_admdvs", "must be empty or a 6-digit region code");
  int64_t ot = 0;
  if ((rc = jsonx_get_int(r, "", "opter_type", true, &ot, e))) return rc;
  if (ot < 1 || ot > 3)
    return yb_fail(e, YB_EUNKNOWN_CODE, "opter_type", "must be 1, 2 or 3");
  snprintf(env->opter_type, sizeof env->opter_type, "%d", (int)ot);
  if ((rc = jsonx_get_str(r, "", "opter", true, env->opter, sizeof env->opter, e))) return rc;
  if ((rc = jsonx_get_str(r, "", "opter_name", false, env->opter_name, sizeof env->opter_name, e)))
    return rc;
  if ((rc = jsonx_get_str(r, "", "fixmedins_code", true, env->fixmedins_code,
                          sizeof env->fixmedins_code, e)))
    return rc;
  if ((rc = jsonx_get_str(r, "", "fixmedins_name", false, env->fixmedins_name,
                          sizeof env->fixmedins_name, e)))
    return rc;
  if ((rc = jsonx_get_str(r, "", "sign_no", false, env->sign_no, sizeof env->sign_no, e))) return rc;
  if ((rc = jsonx_get_str(r, "", "infver", false, env->infver, sizeof env->infver, e))) return rc;
  if ((rc = jsonx_get_str(r, "", "inf_time", false, env->inf_time, sizeof env->inf_time, e)))
    return rc;
  int32_t d, t;
  if (env->inf_time[0] && jsonx_parse_date(env->inf_time, &d, &t) != 0)
    return yb_fail(e, YB_EINVAL, "inf_time", "not a date-time (yyyy-MM-dd HH:mm:ss)");
  json_t *in = json_object_get(r, "input");
  if (!in || json_is_null(in)) return yb_fail(e, YB_EMISSING, "input", "required");
  if (json_is_string(in)) { /* some clients send the input node as a JSON string */
    json_t *parsed;
    if ((rc = load(json_string_value(in), json_string_length(in), "input", &parsed, e))) return rc;
    json_object_set_new(r, "input", parsed);
    in = parsed;
  }
  if (!json_is_object(in)) return yb_fail(e, YB_ETYPE, "input", "must be a JSON object");
  *input = in;
  return 0;
}

/* The local time of second t as yyyyMMddHHmmss and yyyy-MM-dd HH:mm:ss, formatted once a second
 * per thread (localtime_r takes the time-zone lock on every call; a request asked three times). */
static void local_second(time_t t, char s14[15], char s19[20]) {
  static _Thread_local time_t last = (time_t)-1;
  static _Thread_local char c14[15], c19[20];
  if (t != last) {
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(c14, sizeof c14, "%Y%m%d%H%M%S", &tm);
    strftime(c19, sizeof c19, "%Y-%m-%d %H:%M:%S", &tm);
    last = t;
  }
  if (s14) memcpy(s14, c14, sizeof c14);
  if (s19) memcpy(s19, c19, sizeof c19);
}

void hsi_time17(char *buf) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  local_second(tv.tv_sec, buf, NULL);
  unsigned ms = (unsigned)(tv.tv_usec / 1000) % 1000u;
  buf[14] = (char)('0' + ms / 100), buf[15] = (char)('0' + ms / 10 % 10), buf[16] = (char)('0' + ms % 10);
  buf[17] = 0;
}
void hsi_time19(char *buf) { local_second(time(NULL), NULL, buf); }

char *hsi_reply(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                const char *err_msg, json_t *output) {
  return hsi_reply_warn(region, serial, refmsg_time, infcode, err_msg, "", output);
}

static char *reply(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                   const char *err_msg, const char *warn_msg, json_t *output, const char *output_text) {
  char respond[18], refid[40];
  hsi_time17(respond);
  long long v = serial % 10000000000LL;
  if (v < 0) { /* serials count up from 0: not met */
    snprintf(refid, sizeof refid, "%.6s%.14s%010lld", region, refmsg_time, v);
  } else { /* the same without printf */
    size_t a = strnlen(region, 6), t = strnlen(refmsg_time, 14);
    memcpy(refid, region, a);
    memcpy(refid + a, refmsg_time, t);
    for (int i = 9; i >= 0; i--, v /= 10) refid[a + t + (size_t)i] = (char)('0' + v % 10);
    refid[a + t + 10] = 0;
  }
  /* written directly, byte for byte what dumping the envelope object gave */
  jsonw_buf b = {0};
  JW_LIT(&b, "{\"infcode\":");
  jsonw_int(&b, infcode);
  JW_LIT(&b, ",\"inf_refmsgid\":");
  jsonw_str(&b, refid);
  JW_LIT(&b, ",\"refmsg_time\":");
  jsonw_str(&b, refmsg_time);
  JW_LIT(&b, ",\"respond_time\":");
  jsonw_str(&b, respond);
  JW_LIT(&b, ",\"err_msg\":");
  jsonw_str(&b, err_msg ? err_msg : "");
  JW_LIT(&b, ",\"warn_msg\":");
  jsonw_str(&b, warn_msg ? warn_msg : "");
  JW_LIT(&b, ",\"cainfo\":\"\",\"signtype\":\"\",\"output\":");
  if (output_text)
    jsonw_raw(&b, output_text, strlen(output_text));
  else if (output)
    jsonw_value(&b, output, JSON_COMPACT | JSON_REAL_PRECISION(15));
  else
    JW_LIT(&b, "{}");
  JW_LIT(&b, "}");
  return jsonw_take(&b);
}

char *hsi_reply_warn(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                     const char *err_msg, const char *warn_msg, json_t *output) {
  return reply(region, serial, refmsg_time, infcode, err_msg, warn_msg, output, NULL);
}

char *hsi_reply_text(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                     const char *err_msg, const char *warn_msg, const char *output_text) {
  return reply(region, serial, refmsg_time, infcode, err_msg, warn_msg, NULL, output_text);
}

char *hsi_gateway_reply(int code, const char *message) {
  json_t *o = json_pack("{s:i,s:s}", "code", code, "message", message);
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return text;
}

/* ---- signing ------------------------------------------------------------------------------ */
static void hex(const unsigned char *d, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[2 * n] = 0;
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void sha256_fetch(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

/* On the digest fetched once: SHA256() looked it up again on every call. */
void hsi_sha256_hex(const char *s, size_t n, char *out) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dl = 0;
  pthread_once(&sha256_once, sha256_fetch);
  if (!sha256_md || !EVP_Digest(s, n, d, &dl, sha256_md, NULL) || dl != SHA256_DIGEST_LENGTH) {
    SHA256((const unsigned char *)s, n, d);
    dl = SHA256_DIGEST_LENGTH;
  }
  hex(d, dl, out);
}

/* HMAC-SHA256 (RFC 2104) over ts ‖ nonce ‖ body, without copying the body. Written out on a
 * digest fetched once: EVP_MAC with its parameters looked the digest up again on every
 * call, half the cost of signing a request. */
void hsi_sign_hmac(const char *secret, const char *ts, const char *nonce, const char *body,
                   size_t len, char *out) {
  enum { BLOCK = 64 };
  unsigned char k[BLOCK] = {0}, pad[BLOCK], inner[SHA256_DIGEST_LENGTH], d[SHA256_DIGEST_LENGTH];
  unsigned int dl = 0;
  size_t kl = strlen(secret);
  pthread_once(&sha256_once, sha256_fetch);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (kl > BLOCK) {
    EVP_DigestInit_ex(ctx, sha256_md, NULL);
    EVP_DigestUpdate(ctx, secret, kl);
    EVP_DigestFinal_ex(ctx, k, &dl);
  } else {
    memcpy(k, secret, kl);
  }
  for (int i = 0; i < BLOCK; i++) pad[i] = (unsigned char)(k[i] ^ 0x36);
  EVP_DigestInit_ex(ctx, sha256_md, NULL);
  EVP_DigestUpdate(ctx, pad, BLOCK);
  EVP_DigestUpdate(ctx, ts, strlen(ts));
  EVP_DigestUpdate(ctx, nonce, strlen(nonce));
  EVP_DigestUpdate(ctx, body, len);
  EVP_DigestFinal_ex(ctx, inner, &dl);
  for (int i = 0; i < BLOCK; i++) pad[i] = (unsigned char)(k[i] ^ 0x5c);
  EVP_DigestInit_ex(ctx, sha256_md, NULL);
  EVP_DigestUpdate(ctx, pad, BLOCK);
  EVP_DigestUpdate(ctx, inner, sizeof inner);
  EVP_DigestFinal_ex(ctx, d, &dl);
  EVP_MD_CTX_free(ctx);
  hex(d, sizeof d, out);
}

void hsi_sign_tif(const char *secret, const char *ts, const char *nonce, char *out) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%s%s%s%s", ts, secret, nonce, ts);
  if (n < 0 || (size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)buf, (size_t)n, d);
  hex(d, sizeof d, out);
}

void hsi_sign_api(const char *secret, const char *ak, const char *name, const char *ts,
                  const char *version, char *out) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "_api_access_key=%s&_api_name=%s&_api_timestamp=%s&_api_version=%s",
                   ak, name, ts, version);
  if (n < 0 || (size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dn = 0;
  HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)buf, (size_t)n, d, &dn);
  EVP_EncodeBlock((unsigned char *)out, d, (int)dn);
}

int hsi_auth_scheme(const hsi_auth *a, const char **who) {
  if (a->yb_sig[0] || a->yb_code[0]) {
    *who = a->yb_code;
    return a->yb_code[0] && a->yb_ts[0] && a->yb_nonce[0] && a->yb_sig[0] ? HSI_SCHEME_HMAC : -1;
  }
  if (a->tif_sig[0] || a->tif_paasid[0]) {
    *who = a->tif_paasid;
    return a->tif_paasid[0] && a->tif_ts[0] && a->tif_nonce[0] && a->tif_sig[0] ? HSI_SCHEME_TIF
                                                                                 : -1;
  }
  if (a->api_sig[0] || a->api_ak[0]) {
    *who = a->api_ak;
    return a->api_ak[0] && a->api_name[0] && a->api_version[0] && a->api_ts[0] && a->api_sig[0]
               ? HSI_SCHEME_API
               : -1;
  }
  *who = "";
  return -1;
}

/* Parse a non-negative decimal integer timestamp; -1 if not one. */
static int64_t parse_ts(const char *s) {
  if (!*s || strlen(s) > 15) return -1;
  int64_t v = 0;
  for (; *s; s++) {
    if (!isdigit((unsigned char)*s)) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

static int same_text(const char *a, const char *b, int nocase) {
  size_t n = strlen(a);
  if (n != strlen(b)) return 0;
  unsigned char diff = 0; /* constant time over the length */
  for (size_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (nocase) x = (unsigned char)tolower(x), y = (unsigned char)tolower(y);
    diff |= (unsigned char)(x ^ y);
  }
  return diff == 0;
}

const char *hsi_verify(const hsi_auth *a, int scheme, const char *secret, const char *body,
                       size_t len, int64_t now) {
  char want[160];
  int64_t ts;
  switch (scheme) {
  case HSI_SCHEME_HMAC:
    ts = parse_ts(a->yb_ts);
    if (ts < 0 || ts > now + HSI_TS_WINDOW || ts < now - HSI_TS_WINDOW) return "签名时间戳超时!";
    hsi_sign_hmac(secret, a->yb_ts, a->yb_nonce, body, len, want);
    return same_text(want, a->yb_sig, 1) ? NULL : "签名不一致!";
  case HSI_SCHEME_TIF:
    ts = parse_ts(a->tif_ts);
    if (ts < 0 || ts > now + HSI_TS_WINDOW || ts < now - HSI_TS_WINDOW) return "签名时间戳超时!";
    hsi_sign_tif(secret, a->tif_ts, a->tif_nonce, want);
    return same_text(want, a->tif_sig, 1) ? NULL : "签名不一致!";
  case HSI_SCHEME_API:
    ts = parse_ts(a->api_ts);
    if (ts < 0 || ts / 1000 > now + HSI_TS_WINDOW_API || ts / 1000 < now - HSI_TS_WINDOW_API)
      return "签名时间戳超时!";
    hsi_sign_api(secret, a->api_ak, a->api_name, a->api_ts, a->api_version, want);
    return same_text(want, a->api_sig, 0) ? NULL : "签名不一致!";
  default:
    return "缺少服务网关的请求头!";
  }
}

int64_t hsi_nonce_until(const hsi_auth *a, int scheme, int64_t now) {
  int64_t ts = parse_ts(scheme == HSI_SCHEME_HMAC ? a->yb_ts : scheme == HSI_SCHEME_TIF ? a->tif_ts : a->api_ts);
  int64_t window = scheme == HSI_SCHEME_API ? HSI_TS_WINDOW_API : HSI_TS_WINDOW;
  if (scheme == HSI_SCHEME_API) ts /= 1000;
  int64_t until = ts + window + 1;
  return until > now && until <= now + 2 * window + 1 ? until : now + 2 * window; /* verified: inside */
}

/* ---- nonce cache: open addressing on a 64-bit hash of (who, nonce), with expiry ------------ */
typedef struct nonce_slot {
  uint64_t h;
  int64_t expires;
} nonce_slot;

/* Entries go to a generation by their expiry time, NONCE_SPAN seconds of expiries each, and a
 * generation is dropped whole once all it holds has expired: no pass over live entries to prune
 * them. A throwaway driver of this function at 20 000 calls a second over 25 simulated minutes
 * (worst call after the first 15 minutes, peak memory): entries living 600 s in one table pruned
 * by a rebuild, 1.8 s and 1.05 GB; generations of 60 s, 9.0 ms and 777 MB; living 301 s (api_core's
 * ts + window), 1.2 s and 531 MB against 5.9 ms and 464 MB. Spans of 300 s still stalled 0.84 s (a
 * 268 MB table freed and one allocated); 30 s took half again the time in probes.
 *
 * Fresh memory is what stalls. A generation that fills does not rebuild its table into one twice
 * the size: it adds that second table and looks in both, so no call copies what is stored. And a
 * dropped generation's tables are kept, zeroed, for the next ones (at a steady rate the next
 * starts at the size the last needed). On this project's VM a first touch of a page costs ~11 us
 * (a bare-metal fault ~0.3): under bench-settle a rebuild of 4 MB held both HTTP threads on this
 * mutex for ~11 ms, and such faults were 91 % of the server's. */
#define NONCE_SPAN 60
#define NONCE_GENS (2 * HSI_TS_WINDOW_API / NONCE_SPAN + 2) /* every live one: expiries run to
                                                             * now + 2 x the longest window */
#define NONCE_MIN_CAP (1u << 14)
#define NONCE_TABLES 12 /* a generation's tables, each twice the last: from 16 K slots to 32 M */
#define NONCE_SPARES 4  /* tables kept from dropped generations (a steady rate needs one or two) */

typedef struct nonce_table {
  nonce_slot *t;
  size_t cap, used;
} nonce_table;

typedef struct nonce_gen {
  int64_t g; /* expiries in [g * NONCE_SPAN, (g + 1) * NONCE_SPAN) */
  int n;     /* tables in use, the last one taking inserts; 0: the slot is free */
  nonce_table tab[NONCE_TABLES];
} nonce_gen;

struct hsi_nonces {
  pthread_mutex_t mu;
  nonce_gen gen[NONCE_GENS];
  size_t next_cap; /* a new generation's first table: what the last one dropped needed, or more */
  int n_spare;
  nonce_table spare[NONCE_SPARES];
};

hsi_nonces *hsi_nonces_new(void) {
  hsi_nonces *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->next_cap = NONCE_MIN_CAP;
  pthread_mutex_init(&n->mu, NULL);
  return n;
}

static void table_free(nonce_table t) {
  if (t.t) munmap(t.t, t.cap * sizeof *t.t);
}

void hsi_nonces_free(hsi_nonces *n) {
  if (!n) return;
  pthread_mutex_destroy(&n->mu);
  for (int i = 0; i < NONCE_GENS; i++)
    for (int k = 0; k < n->gen[i].n; k++) table_free(n->gen[i].tab[k]);
  for (int i = 0; i < n->n_spare; i++) table_free(n->spare[i]);
  free(n);
}

static uint64_t fnv(const char *a, const char *b) {
  uint64_t h = 1469598103934665603ULL;
  for (; *a; a++) h = (h ^ (unsigned char)*a) * 1099511628211ULL;
  h = (h ^ 0x1f) * 1099511628211ULL;
  for (; *b; b++) h = (h ^ (unsigned char)*b) * 1099511628211ULL;
  return h ? h : 1;
}

/* An empty table of at least cap slots: the smallest spare that big, zeroed, else a new one. A
 * spare over four times that, left from a peak, is freed rather than zeroed for it. */
static int table_take(hsi_nonces *n, size_t cap, nonce_table *out) {
  int best = -1;
  for (int i = 0; i < n->n_spare; i++) {
    if (n->spare[i].cap > 4 * cap) {
      table_free(n->spare[i]);
      n->spare[i--] = n->spare[--n->n_spare];
      continue;
    }
    if (n->spare[i].cap >= cap && (best < 0 || n->spare[i].cap < n->spare[best].cap)) best = i;
  }
  if (best >= 0) {
    *out = n->spare[best];
    n->spare[best] = n->spare[--n->n_spare];
    memset(out->t, 0, out->cap * sizeof *out->t);
    out->used = 0;
    return 0;
  }
  /* mmap, not calloc: its zero pages are touched as inserts reach them, where calloc from the heap
   * would write the whole table here, under the lock */
  void *t = mmap(NULL, cap * sizeof *out->t, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (t == MAP_FAILED) return -1;
  out->t = t, out->cap = cap, out->used = 0;
  return 0;
}

/* A dropped table joins the spares; when they are full, the smallest of them all is freed. */
static void table_give(hsi_nonces *n, nonce_table t) {
  if (n->n_spare < NONCE_SPARES) {
    n->spare[n->n_spare++] = t;
    return;
  }
  int small = 0;
  for (int i = 1; i < n->n_spare; i++)
    if (n->spare[i].cap < n->spare[small].cap) small = i;
  if (n->spare[small].cap < t.cap) {
    nonce_table x = n->spare[small];
    n->spare[small] = t, t = x;
  }
  table_free(t);
}

static void gen_drop(hsi_nonces *n, nonce_gen *g) {
  size_t used = 0;
  for (int k = 0; k < g->n; k++) used += g->tab[k].used, table_give(n, g->tab[k]);
  size_t need = NONCE_MIN_CAP; /* the next one starts at this one's size, after a burst less */
  while (need <= 2 * used) need *= 2;
  n->next_cap = need;
  g->n = 0;
}

static int table_has(const nonce_table *t, uint64_t h, int64_t now) {
  for (size_t k = (size_t)h & (t->cap - 1); t->t[k].h; k = (k + 1) & (t->cap - 1))
    if (t->t[k].h == h && t->t[k].expires >= now) return 1;
  return 0;
}

static void table_insert(nonce_table *t, uint64_t h, int64_t expires) {
  size_t i = (size_t)h & (t->cap - 1);
  while (t->t[i].h) i = (i + 1) & (t->cap - 1);
  t->t[i].h = h;
  t->t[i].expires = expires;
  t->used++;
}

/* The generation for an expiry time, made if need be, with room in its last table; NULL when out
 * of memory, when every slot holds a later generation, or past NONCE_TABLES tables. */
static nonce_gen *gen_for(hsi_nonces *n, int64_t expires) {
  int64_t gi = expires / NONCE_SPAN;
  nonce_gen *g = NULL;
  for (int i = 0; i < NONCE_GENS && !g; i++)
    if (n->gen[i].n && n->gen[i].g == gi) g = &n->gen[i];
  for (int i = 0; i < NONCE_GENS && !g; i++)
    if (!n->gen[i].n) {
      if (table_take(n, n->next_cap, &n->gen[i].tab[0])) return NULL;
      g = &n->gen[i], g->g = gi, g->n = 1;
    }
  if (!g) return NULL;
  nonce_table *last = &g->tab[g->n - 1];
  if ((last->used + 1) * 2 >= last->cap) { /* half full: a table twice its size takes the inserts */
    if (g->n == NONCE_TABLES || table_take(n, last->cap * 2, &g->tab[g->n])) return NULL;
    g->n++;
  }
  return g;
}

int hsi_nonce_seen(hsi_nonces *n, const char *who, const char *nonce, int64_t expires, int64_t now) {
  uint64_t h = fnv(who, nonce);
  pthread_mutex_lock(&n->mu);
  for (int i = 0; i < NONCE_GENS; i++) {
    nonce_gen *g = &n->gen[i];
    if (!g->n) continue;
    if ((g->g + 1) * NONCE_SPAN <= now) { /* everything in it has expired */
      gen_drop(n, g);
      continue;
    }
    for (int k = g->n - 1; k >= 0; k--)
      if (table_has(&g->tab[k], h, now)) {
        pthread_mutex_unlock(&n->mu);
        return 1;
      }
  }
  nonce_gen *g = gen_for(n, expires);
  if (!g) { /* out of memory (or expiries beyond every generation): refuse rather than forget */
    pthread_mutex_unlock(&n->mu);
    return 1;
  }
  table_insert(&g->tab[g->n - 1], h, expires);
  pthread_mutex_unlock(&n->mu);
  return 0;
}
