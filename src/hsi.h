/* hsi.h — the national interface's envelope (HSI.md §1.2/§1.4) and gateway signing (§1.6):
 * parse what real HIS clients send, build the reply, sign and verify requests, refuse
 * replayed nonces. No I/O and no storage: api_core.c puts these together. */
#ifndef YB_HSI_H
#define YB_HSI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HSI_MAX_BODY (4u << 20) /* bytes */
#define HSI_MAX_DEPTH 16        /* JSON nesting */
#define HSI_TS_WINDOW 300       /* seconds a signed timestamp may be off (schemes hmac, tif) */
#define HSI_TS_WINDOW_API 1800  /* scheme api: the gateway's 30 minutes */

/* The request envelope, as read (strings copied, bounded). */
typedef struct hsi_env {
  char infno[8], msgid[72], mdtrtarea_admvs[8], insuplc_admdvs[8];
  char opter_type[4], opter[32], opter_name[64], fixmedins_code[32], fixmedins_name[128];
  char sign_no[40], inf_time[24], infver[16];
} hsi_env;

/* Depth of the deepest array/object in a JSON text (strings skipped). */
int hsi_json_depth(const char *s, size_t n);
/* Parse a body into *root (new) and read the envelope; `path_infno` ("" or the …/callService/
 * {infno} suffix) must agree with the body's. *input borrows from *root: the `input` object
 * (parsed from a string when a client sends it as one). On failure e names the field. */
int hsi_parse(const char *body, size_t len, const char *path_infno, json_t **root, hsi_env *env,
              json_t **input, yb_err *e);

/* Reply text (caller frees): infcode 0 with output (borrowed; NULL → {}), or -1 with err_msg.
 * refmsg_time / respond_time are yyyyMMddHHmmssSSS; inf_refmsgid is region + time + serial. */
char *hsi_reply(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                const char *err_msg, json_t *output);
/* The same with a warn_msg (audit warnings). */
char *hsi_reply_warn(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                     const char *err_msg, const char *warn_msg, json_t *output);
/* The same around an output already written as JSON text (NULL = {}). */
char *hsi_reply_text(const char *region, int64_t serial, const char *refmsg_time, int infcode,
                     const char *err_msg, const char *warn_msg, const char *output_text);
/* Gateway-level failure: {"code":N,"message":"…"} (caller frees). */
char *hsi_gateway_reply(int code, const char *message);
/* Local time as yyyyMMddHHmmssSSS (buf ≥ 18) and as yyyy-MM-dd HH:mm:ss (buf ≥ 20). */
void hsi_time17(char *buf);
void hsi_time19(char *buf);

/* ---- signing ------------------------------------------------------------------------------
 * hmac (default): x-yb-code, x-yb-timestamp (Unix seconds), x-yb-nonce, x-yb-signature =
 *   lower-hex HMAC-SHA256(secret, timestamp + nonce + body).
 * tif (PaaS gateway): x-tif-paasid (= access_key), x-tif-timestamp (seconds), x-tif-nonce,
 *   x-tif-signature = hex SHA-256(timestamp + secret + nonce + timestamp) (either case).
 * api (_api_* gateway): _api_access_key, _api_name (= infno), _api_version, _api_timestamp
 *   (milliseconds), _api_signature = Base64 HMAC-SHA1(secret,
 *   "_api_access_key=AK&_api_name=N&_api_timestamp=T&_api_version=V"). */
typedef enum { HSI_SCHEME_HMAC = 0, HSI_SCHEME_TIF = 1, HSI_SCHEME_API = 2 } hsi_scheme;

typedef struct hsi_auth { /* the headers as received ("" when absent) */
  char yb_code[32], yb_ts[24], yb_nonce[72], yb_sig[136];
  char tif_paasid[64], tif_ts[24], tif_nonce[72], tif_sig[136];
  char api_ak[64], api_name[16], api_version[32], api_ts[24], api_sig[64];
} hsi_auth;

/* Which scheme the headers use (-1: none complete). *who is the institution code (hmac) or
 * access key (tif, api) to look the secret up by. */
int hsi_auth_scheme(const hsi_auth *a, const char **who);
/* Compute a signature into out (≥ 129 bytes). */
void hsi_sign_hmac(const char *secret, const char *ts, const char *nonce, const char *body,
                   size_t len, char *out);
void hsi_sign_tif(const char *secret, const char *ts, const char *nonce, char *out);
void hsi_sign_api(const char *secret, const char *ak, const char *name, const char *ts,
                  const char *version, char *out);
/* Verify headers against the secret for `scheme` at time `now` (Unix seconds). Returns 0 or a
 * gateway message (静态 text) for {"code":401,…}. Does not check nonces. */
const char *hsi_verify(const hsi_auth *a, int scheme, const char *secret, const char *body,
                       size_t len, int64_t now);

/* How long a verified request's nonce must be remembered: until its timestamp would no longer
 * pass hsi_verify (timestamp + the scheme's window, + 1 s). */
int64_t hsi_nonce_until(const hsi_auth *a, int scheme, int64_t now);

/* Replay guard: remember (who, nonce) until `expires`; 1 if seen before (refuse), 0 if new. */
typedef struct hsi_nonces hsi_nonces;
hsi_nonces *hsi_nonces_new(void);
void hsi_nonces_free(hsi_nonces *n);
int hsi_nonce_seen(hsi_nonces *n, const char *who, const char *nonce, int64_t expires, int64_t now);

/* SHA-256 of a text, lower hex (out ≥ 65). */
void hsi_sha256_hex(const char *s, size_t n, char *out);

#endif
