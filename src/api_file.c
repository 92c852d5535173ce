/* api_file.c — the national interface's file exchange: 9101 upload, 9102 download, and the
 * files 3202 (detail reconciliation) reads and writes. A file is a ZIP holding one tab-separated
 * TXT (HSI.md §3202, §9101), kept in `hsi_file` under a file_qury_no (region + FL + 10 digits),
 * seen only by the institution it belongs to and downloadable until its dld_endtime. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "jsonw.h"
#include "jsonx.h"
#include "money.h"
#include "zipf.h"

#define FILE_DAYS 7 /* a file may be downloaded for this long */

static void file_deadline(char out[20]) {
  time_t t = time(NULL) + FILE_DAYS * 86400;
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* 9101's `in`: the bytes as a JSON list of numbers (-128…255, Java's signed bytes included) or
 * as one base64 string. */
static int file_bytes(json_t *v, const char *path, uint8_t **out, size_t *n, yb_err *e) {
  *out = NULL, *n = 0;
  if (json_is_array(v)) {
    size_t k = json_array_size(v), i;
    json_t *x;
    if (!k) return yb_fail(e, YB_EMISSING, path, "no bytes");
    if (!(*out = malloc(k))) return yb_fail(e, YB_ENOMEM, "", "out of memory");
    json_array_foreach(v, i, x) {
      json_int_t b = json_integer_value(x);
      if (!json_is_integer(x) || b < -128 || b > 255) {
        free(*out), *out = NULL;
        return yb_fail(e, YB_ETYPE, path, "byte %zu is not a number from -128 to 255", i);
      }
      (*out)[i] = (uint8_t)b;
    }
    *n = k;
    return 0;
  }
  const char *t = json_string_value(v);
  if (!t || !*t) return yb_fail(e, v ? YB_ETYPE : YB_EMISSING, path, "required: the file's bytes (a list, or base64)");
  size_t len = 0, cap = strlen(t);
  char *s = malloc(cap + 1); /* without the line breaks a MIME encoder puts in */
  if (!s) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  for (const char *p = t; *p; p++)
    if (*p != '\n' && *p != '\r') s[len++] = *p;
  int got = -1;
  if (len % 4 == 0 && len <= (size_t)1 << 30 && (*out = malloc(len / 4 * 3 + 1)))
    got = EVP_DecodeBlock(*out, (const unsigned char *)s, (int)len);
  if (got >= 0) *n = (size_t)got - (len && s[len - 1] == '=') - (len > 1 && s[len - 2] == '=');
  free(s);
  if (got < 0) {
    free(*out), *out = NULL;
    return yb_fail(e, YB_ETYPE, path, "not base64");
  }
  return 0;
}

/* 9101's input, on the HTTP thread before the writer: the fields, and the bytes decoded into
 * r->blob and opened as a ZIP — so that neither a megabyte of numbers nor an inflate of up to
 * 16 MiB runs in the writer, where every settlement would wait for it. */
int api_9101_check(api_req *r, yb_err *e) {
  const char *P = "input.fsUploadIn";
  json_t *in = api_node(r, "fsUploadIn", 1, e);
  if (!in) return e->code;
  char name[208] = "", code[32] = "";
  int rc;
  if ((rc = jsonx_get_str(in, P, "filename", true, name, sizeof name, e)) ||
      (rc = jsonx_get_str(in, P, "fixmedins_code", true, code, sizeof code, e)))
    return rc;
  if (strcmp(code, r->inst->fixmedins_code))
    return yb_fail(e, YB_EMISMATCH, "input.fsUploadIn.fixmedins_code", "the message comes from %s",
                   r->inst->fixmedins_code);
  for (const unsigned char *c = (const unsigned char *)name; *c; c++) /* it goes into a header */
    if (*c < 0x20 || *c == 0x7f || strchr("\"\\/", *c))
      return yb_fail(e, YB_EINVAL, "input.fsUploadIn.filename", "a file name without control characters, "
                                                                 "quotes, slashes or backslashes");
  if ((rc = file_bytes(json_object_get(in, "in"), "input.fsUploadIn.in", &r->blob, &r->blob_len, e))) return rc;
  char *txt = NULL;
  size_t tn = 0;
  const char *why = NULL;
  if (zipf_read_first(r->blob, r->blob_len, &txt, &tn, NULL, 0, &why))
    return yb_fail(e, YB_ETYPE, "input.fsUploadIn.in", "%s: a ZIP holding the TXT file is expected", why);
  free(txt);
  return 0;
}

/* 9101 in the writer: the file api_9101_check decoded and opened, kept under a new file_qury_no. */
int api_9101(api_req *r, yb_err *e) {
  json_t *in = api_node(r, "fsUploadIn", 1, e);
  if (!in) return e->code;
  if (!r->blob) return yb_fail(e, YB_EINVAL, "input.fsUploadIn.in", "not checked"); /* cannot happen */
  store_file f;
  memset(&f, 0, sizeof f);
  int rc;
  if ((rc = jsonx_get_str(in, "input.fsUploadIn", "filename", true, f.filename, sizeof f.filename, e)) ||
      (rc = api_new_id(r, "FL", f.file_qury_no, sizeof f.file_qury_no, e)))
    return rc;
  api_cpy(f.fixmedins_code, sizeof f.fixmedins_code, r->inst->fixmedins_code);
  snprintf(f.kind, sizeof f.kind, "upload");
  api_cpy(f.created_at, sizeof f.created_at, r->now);
  file_deadline(f.dld_endtime);
  f.body = r->blob, f.len = r->blob_len;
  if ((rc = store_file_put(r->c, &f, e))) return rc;
  snprintf(r->what, sizeof r->what, "upload file %s (%zu bytes): %.120s", f.file_qury_no, f.len, f.filename);
  r->output = json_pack("{s:s,s:s,s:s,s:s}", "file_qury_no", f.file_qury_no, "filename", f.filename,
                        "fixmedins_code", f.fixmedins_code, "dld_endtime", f.dld_endtime);
  return 0;
}

/* This institution's file, or YB_ENOT_FOUND naming path. */
static int my_file(api_req *r, const char *fq, const char *path, store_file *f, yb_err *e) {
  int rc = store_file_get(r->c, fq, f, e);
  if (rc == YB_ENOT_FOUND || (!rc && strcmp(f->fixmedins_code, r->inst->fixmedins_code))) {
    if (!rc) free(f->body);
    yb_err_clear(e);
    return yb_fail(e, YB_ENOT_FOUND, path, "no file %s of this institution", fq);
  }
  return rc;
}

int api_9102(api_req *r, yb_err *e) {
  const char *P = "input.fsDownloadIn";
  json_t *in = api_node(r, "fsDownloadIn", 1, e);
  if (!in) return e->code;
  char fq[40] = "", name[208] = "", code[32] = "";
  int rc;
  if ((rc = jsonx_get_str(in, P, "file_qury_no", true, fq, sizeof fq, e)) ||
      (rc = jsonx_get_str(in, P, "filename", false, name, sizeof name, e)) ||
      (rc = jsonx_get_str(in, P, "fixmedins_code", false, code, sizeof code, e)))
    return rc;
  if (code[0] && strcmp(code, r->inst->fixmedins_code) && strcmp(code, "plc"))
    return yb_fail(e, YB_EMISMATCH, "input.fsDownloadIn.fixmedins_code", "the message comes from %s",
                   r->inst->fixmedins_code);
  store_file f;
  if ((rc = my_file(r, fq, "input.fsDownloadIn.file_qury_no", &f, e))) return rc;
  if (name[0] && strcmp(name, f.filename))
    rc = yb_fail(e, YB_EMISMATCH, "input.fsDownloadIn.filename", "file %s is %s", fq, f.filename);
  else if (strcmp(r->now, f.dld_endtime) > 0)
    rc = yb_fail(e, YB_ECONFLICT, "input.fsDownloadIn.file_qury_no", "the download ended at %s", f.dld_endtime);
  if (rc) {
    free(f.body);
    return rc;
  }
  r->file = f.body, r->file_len = f.len;
  api_cpy(r->file_name, sizeof r->file_name, f.filename);
  return 0;
}

/* ---- 3202's files ----------------------------------------------------------------------------- */
/* The uploaded TXT's rows as 3202's detail objects: setl_id, mdtrt_id, psn_no, medfee_sumamt,
 * fund_pay_sumamt, acct_pay, refd_setl_flag, tab-separated, one a line (CR LF or LF). A first line
 * starting with the column name setl_id is a heading and skipped. */
int api_file_rows(api_req *r, const char *fq, json_t **rows, yb_err *e) {
  static const char *const col[] = {"setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt",
                                    "acct_pay", "refd_setl_flag"};
  enum { NCOL = sizeof col / sizeof col[0] };
  const char *path = "input.data.file_qury_no";
  store_file f;
  int rc = my_file(r, fq, path, &f, e);
  if (rc) return rc;
  char *txt = NULL;
  size_t tn = 0;
  const char *why = NULL;
  rc = zipf_read_first(f.body, f.len, &txt, &tn, NULL, 0, &why);
  free(f.body);
  if (rc) return yb_fail(e, YB_ETYPE, path, "file %s: %s", fq, why);
  json_t *list = json_array();
  int line = 0;
  for (char *p = txt, *nl; p && *p && !rc; p = nl) {
    nl = strchr(p, '\n');
    if (nl) *nl++ = 0;
    line++;
    size_t len = strlen(p);
    if (len && p[len - 1] == '\r') p[--len] = 0;
    if (!len) continue;
    char *f_[NCOL + 1];
    int k = 0;
    for (char *q = p; k <= NCOL; k++) {
      f_[k] = q;
      q = strchr(q, '\t');
      if (!q) {
        k++;
        break;
      }
      *q++ = 0;
    }
    if (line == 1 && !strcmp(f_[0], col[0])) continue; /* a heading */
    if (k != NCOL) {
      rc = yb_fail(e, YB_ETYPE, path, "file %s line %d: %d columns, %d expected (%s…)", fq, line, k, NCOL, col[0]);
      break;
    }
    json_t *row = json_object();
    for (int i = 0; i < NCOL; i++) json_object_set_new(row, col[i], json_string(f_[i]));
    json_object_set_new(row, "line", json_integer(line));
    json_array_append_new(list, row);
  }
  free(txt);
  if (rc) {
    json_decref(list);
    return rc;
  }
  *rows = list;
  return 0;
}

typedef struct result_file {
  const api_req *r;
  size_t rows;
  store_file f;
} result_file;

static int put_result(store_conn *w, void *arg, yb_err *e) {
  result_file *x = arg;
  int rc = api_new_id_in(x->r->srv, w, "FL", x->f.file_qury_no, sizeof x->f.file_qury_no, e);
  if (rc) return rc;
  if ((rc = store_file_put(w, &x->f, e))) return rc;
  char what[120]; /* every write is in the write log: this one is a read's by-product */
  snprintf(what, sizeof what, "3202 result file %s (%zu rows)", x->f.file_qury_no, x->rows);
  const hsi_env *env = x->r->env;
  return store_log(w, x->f.fixmedins_code, env->opter, env->infno, env->msgid, "", what, e);
}

/* 3202's result rows as the result file (psn_no, mdtrt_id, setl_id, msgid, stmt_rslt,
 * refd_setl_flag, memo, then JX's medfee_sumamt, fund_pay_sumamt, acct_pay), zipped and kept for
 * 9102; its fileinfo into *info. */
int api_file_result(api_req *r, json_t *result, json_t **info, yb_err *e) {
  static const char *const col[] = {"psn_no", "mdtrt_id", "setl_id", "msgid", "stmt_rslt", "refd_setl_flag",
                                    "memo", "medfee_sumamt", "fund_pay_sumamt", "acct_pay"};
  jsonw_buf b = {0};
  size_t i;
  json_t *row;
  json_array_foreach(result, i, row) {
    for (size_t k = 0; k < sizeof col / sizeof col[0]; k++) {
      json_t *v = json_object_get(row, col[k]);
      char num[32] = "";
      int64_t fen;
      if (k >= 7 && v && !jsonx_dec(v, 2, &fen)) money_fen_str(fen, num);
      else if (json_is_integer(v)) snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      const char *s = num[0] ? num : json_string_value(v) ? json_string_value(v) : "";
      if (k) jsonw_raw(&b, "\t", 1);
      jsonw_raw(&b, s, strlen(s));
    }
    jsonw_raw(&b, "\n", 1);
  }
  char name[64];
  snprintf(name, sizeof name, "%s_3202_result.txt", r->inst->fixmedins_code);
  result_file x = {.r = r, .rows = json_array_size(result)};
  if (b.failed) {
    free(b.p);
    return yb_fail(e, YB_ENOMEM, "", "out of memory");
  }
  if (zipf_write_one(name, b.p ? b.p : "", b.n, &x.f.body, &x.f.len)) {
    free(b.p);
    return yb_fail(e, YB_ENOMEM, "", "cannot write the result file");
  }
  free(b.p);
  api_cpy(x.f.fixmedins_code, sizeof x.f.fixmedins_code, r->inst->fixmedins_code);
  snprintf(x.f.filename, sizeof x.f.filename, "%s_3202_result.zip", r->inst->fixmedins_code);
  snprintf(x.f.kind, sizeof x.f.kind, "result");
  api_cpy(x.f.created_at, sizeof x.f.created_at, r->now);
  file_deadline(x.f.dld_endtime);
  int rc = store_write(api_server_store(r->srv), put_result, &x, e);
  free(x.f.body);
  if (rc) return rc;
  *info = json_pack("{s:s,s:s,s:s}", "file_qury_no", x.f.file_qury_no, "filename", x.f.filename, "dld_endtime",
                    x.f.dld_endtime);
  return 0;
}
