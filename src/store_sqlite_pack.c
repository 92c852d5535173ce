/* store_sqlite_pack.c — packed texts. The large JSON texts the settlement path stores are
 * kept compressed: each write's stored reply (msglog.response), a settlement's setlinfo,
 * setldetail and trace, a fee line's uploaded body and its result. Uncompressed they were
 * ~6.4 KB of a settlement flow's rows, and since a commit writes whole 4 KiB pages, ~21 KB of
 * its ~51 KB of WAL (docs/operations.md, "Packed texts"). Also a visit's info (registration,
 * diagnoses, discharge), rewritten by each of a flow's 2201, 2203 and 2207.
 *
 * A packed value is a BLOB: byte 0 is the format, then the data. Format 1 is the text's length
 * (4 bytes, little-endian) and one LZ4 block compressed against dictionary 1 below. A TEXT
 * value is read as it is: rows written before packing, and texts too short to gain. So no
 * migration rewrites old rows, and a reader never needs to know which it has.
 *
 * LZ4 rather than zstd: on this interface's texts zstd packs ~20 % smaller, but costs ~1.3–2.2 µs
 * a text against LZ4's ~0.3–0.9, on the writer's thread, through which every write passes.
 *
 * Dictionary 1 is this interface's own reply and row shapes with neutral values; LZ4 finds the
 * field names and the fixed phrases in it, so a 1.2 KB 2207 reply packs to ~0.3 KB. Rows packed
 * with it need exactly these bytes to be read again: never edit it. A better one is added as
 * format 2 beside it, and both stay readable. test_store pins its size and hash. */
#define LZ4_STATIC_LINKING_ONLY /* LZ4_attach_dictionary: in liblz4.a, not exported by liblz4.so */
#include <lz4.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

#define PACK_FORMAT 1
#define PACK_HDR 5  /* format byte, length */
#define PACK_MIN 48 /* shorter texts stay TEXT: the header and LZ4's tokens eat the gain */
#define SLOTS 8

static const char dict1[] =
    "{\"infcode\":0,\"inf_refmsgid\":\"411500202601010000000000000000\",\"refmsg_time\":\"202"
    "60101000000000\",\"respond_time\":\"20260101000000000\",\"err_msg\":\"\",\"warn_msg\":\""
    "\",\"cainfo\":\"\",\"signtype\":\"\",\"output\":{\"signinoutb\":{\"sign_time\":\"2026-01"
    "-01 00:00:00\",\"sign_no\":\"411500202601010000000000000000\"}}}\n"
    "{\"infcode\":0,\"inf_refmsgid\":\"411500202601010000000000000000\",\"refmsg_time\":\"202"
    "60101000000000\",\"respond_time\":\"20260101000000000\",\"err_msg\":\"\",\"warn_msg\":\""
    "\",\"cainfo\":\"\",\"signtype\":\"\",\"output\":{}}\n"
    "{\"infcode\":0,\"inf_refmsgid\":\"411500202601010000000000000000\",\"refmsg_time\":\"202"
    "60101000000000\",\"respond_time\":\"20260101000000000\",\"err_msg\":\"\",\"warn_msg\":\""
    "\",\"cainfo\":\"\",\"signtype\":\"\",\"output\":{\"data\":{\"mdtrt_id\":\"411500MZ000000"
    "0000\",\"psn_no\":\"41150000000000000000\",\"ipt_otp_no\":\"MZ0000000000\"}}}\n"
    "{\"infcode\":0,\"inf_refmsgid\":\"411500202601010000000000000000\",\"refmsg_time\":\"202"
    "60101000000000\",\"respond_time\":\"20260101000000000\",\"err_msg\":\"\",\"warn_msg\":\""
    "\",\"cainfo\":\"\",\"signtype\":\"\",\"output\":{\"data\":{\"mdtrt_id\":\"411500ZY000000"
    "0000\",\"psn_no\":\"41150000000000000000\",\"ipt_otp_no\":\"ZY0000000000\"}}}\n"
    "[{\"step\":1,\"key\":\"split\",\"rule\":null,\"layer\":null,\"payer\":null,\"base\":0.0,"
    "\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"医疗费总额 0.00 元，其中政策范围内 0.00 元\"},{"
    "\"step\":2,\"key\":\"first_self\",\"rule\":null,\"layer\":null,\"payer\":null,\"base\":0"
    ".0,\"ratio\":0.1,\"amount\":0.0,\"limit\":0.0,\"reason\":\"异地就医先行自付：0.00 元 × 0.1 = 0.00 "
    "元\"},{\"step\":3,\"key\":\"copay\",\"rule\":null,\"layer\":null,\"payer\":null,\"base\":"
    "0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"每次定额自付 0.00 元\"},{\"step\":4"
    ",\"key\":\"band\",\"rule\":\"schemes.390.benefits.inpatient.ratio.rows[0]\",\"layer\":nu"
    "ll,\"payer\":\"hifp_pay\",\"base\":0.0,\"ratio\":0.7,\"amount\":0.0,\"limit\":0.0,\"reas"
    "on\":\"统筹基金分段支付：0.00 元分段计算，支付 0.00 元（最高段比例 0.7）\"},{\"step\":5,\"key\":\"layer_ded\",\"r"
    "ule\":\"schemes.390.layers[0].deductible\",\"layer\":\"hifmi\",\"payer\":\"hifmi_pay\","
    "\"base\":0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"大病保险起付线 0.00 元，本次计入"
    " 0.00 元\"},{\"step\":6,\"key\":\"layer\",\"rule\":\"schemes.390.layers[0].bands[0]\",\"l"
    "ayer\":\"hifmi\",\"payer\":\"hifmi_pay\",\"base\":0.0,\"ratio\":0.6,\"amount\":0.0,\"lim"
    "it\":0.0,\"reason\":\"大病保险：累计基数 0.00 元超过起付标准 0.00 元，按比例 0.6 支付 0.00 元\"},{\"step\":7,\"k"
    "ey\":\"layer_cap\",\"rule\":\"schemes.390.layers[1].cap\",\"layer\":\"maf\",\"payer\":\""
    "maf_pay\",\"base\":0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"医疗救助年度限额 "
    "0.00 元，本次按限额支付 0.00 元\"},{\"step\":8,\"key\":\"wait\",\"rule\":null,\"layer\":null,\"pay"
    "er\":null,\"base\":0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"待遇等待期内，基金"
    "不予支付\"},{\"step\":9,\"key\":\"no_pool\",\"rule\":null,\"layer\":null,\"payer\":null,\"ba"
    "se\":0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"该医疗类别无统筹基金支付\"},{\"step"
    "\":10,\"key\":\"acct_family\",\"rule\":null,\"layer\":\"acct\",\"payer\":\"acct_mulaid_p"
    "ay\",\"base\":0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"家庭共济账户支付 0.00 "
    "元\"},{\"step\":1,\"key\":\"split\",\"rule\":null,\"layer\":null,\"payer\":null,\"base\":"
    "0.0,\"ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"医疗费总额 0.00 元，其中政策范围内 0.00 元"
    "\"},{\"step\":2,\"key\":\"deductible\",\"rule\":\"schemes.310.benefits.outpatient.deduct"
    "ible.rows[0]\",\"layer\":null,\"payer\":null,\"base\":0.0,\"ratio\":0.0,\"amount\":0.0,"
    "\"limit\":0.0,\"reason\":\"起付线 0.00 元，本次实际支付起付线 0.00 元（个人负担）\"},{\"step\":3,\"key\":\"po"
    "ol\",\"rule\":\"schemes.310.benefits.outpatient.ratio.rows[0]\",\"layer\":null,\"payer\""
    ":\"hifp_pay\",\"base\":0.0,\"ratio\":0.6,\"amount\":0.0,\"limit\":0.0,\"reason\":\"统筹基金支"
    "付：0.00 元 × 0.6 = 0.00 元\"},{\"step\":4,\"key\":\"pool_cap\",\"rule\":\"schemes.310.benef"
    "its.outpatient.cap\",\"layer\":null,\"payer\":\"hifp_pay\",\"base\":0.0,\"ratio\":0.0,\""
    "amount\":0.0,\"limit\":0.0,\"reason\":\"统筹基金最高支付限额 0.00 元，本次按限额支付 0.00 元\"},{\"step\":5,"
    "\"key\":\"acct\",\"rule\":null,\"layer\":\"acct\",\"payer\":\"acct_pay\",\"base\":0.0,\""
    "ratio\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"个人账户支付 0.00 元（支付前余额 0.00 元）\"},{\""
    "step\":6,\"key\":\"cash\",\"rule\":null,\"layer\":null,\"payer\":null,\"base\":0.0,\"rat"
    "io\":0.0,\"amount\":0.0,\"limit\":0.0,\"reason\":\"个人负担 0.00 元，其中现金支付 0.00 元\"}]\n"
    "{\"registration\":{\"psn_no\":\"41150000000000000000\",\"insutype\":\"310\",\"begntime\""
    ":\"2026-01-01 00:00:00\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"\",\"ipt_otp_no"
    "\":\"MZ0000000000\",\"atddr_no\":\"\",\"dr_name\":\"\",\"dept_code\":\"\",\"dept_name\":"
    "\"\",\"caty\":\"\"},\"visit\":{\"mdtrtinfo\":{\"mdtrt_id\":\"411500MZ0000000000\",\"psn_"
    "no\":\"41150000000000000000\",\"med_type\":\"11\",\"begntime\":\"2026-01-01 00:00:00\"},"
    "\"diseinfo\":[{\"diag_type\":\"1\",\"diag_srt_no\":1,\"diag_code\":\"\",\"diag_name\":\""
    "\",\"diag_time\":\"2026-01-01 00:00:00\",\"vali_flag\":\"1\"}]}}\n"
    "{\"feedetl_sn\":\"1\",\"mdtrt_id\":\"411500MZ0000000000\",\"psn_no\":\"41150000000000000"
    "000\",\"chrg_bchno\":\"1\",\"fee_ocur_time\":\"2026-01-01 00:00:00\",\"med_list_codg\":"
    "\"\",\"medins_list_codg\":\"\",\"det_item_fee_sumamt\":\"0.00\",\"cnt\":\"1\",\"pric\":"
    "\"0.00\",\"hosp_appr_flag\":\"0\"}\n"
    "{\"infcode\":0,\"inf_refmsgid\":\"411500202601010000000000000000\",\"refmsg_time\":\"202"
    "60101000000000\",\"respond_time\":\"20260101000000000\",\"err_msg\":\"\",\"warn_msg\":\""
    "\",\"cainfo\":\"\",\"signtype\":\"\",\"output\":{\"result\":[{\"feedetl_sn\":\"1\",\"det"
    "_item_fee_sumamt\":0.0,\"cnt\":1.0,\"pric\":0.0,\"pric_uplmt_amt\":0.0,\"selfpay_prop\":"
    "0.0,\"fulamt_ownpay_amt\":0.0,\"overlmt_amt\":0.0,\"preselfpay_amt\":0.0,\"inscp_scp_amt"
    "\":0.0,\"chrgitm_lv\":\"01\",\"med_chrgitm_type\":\"09\",\"bas_medn_flag\":\"1\",\"hi_ne"
    "go_drug_flag\":\"0\",\"chld_medc_flag\":\"0\",\"list_sp_item_flag\":\"0\",\"lmt_used_fla"
    "g\":\"0\",\"drt_reim_flag\":\"0\",\"memo\":\"\"},{\"feedetl_sn\":\"2\",\"det_item_fee_su"
    "mamt\":0.0,\"cnt\":1.0,\"pric\":0.0,\"pric_uplmt_amt\":0.0,\"selfpay_prop\":0.0,\"fulamt"
    "_ownpay_amt\":0.0,\"overlmt_amt\":0.0,\"preselfpay_amt\":0.0,\"inscp_scp_amt\":0.0,\"chr"
    "gitm_lv\":\"01\",\"med_chrgitm_type\":\"09\",\"bas_medn_flag\":\"1\",\"hi_nego_drug_flag"
    "\":\"0\",\"chld_medc_flag\":\"0\",\"list_sp_item_flag\":\"0\",\"lmt_used_flag\":\"0\",\""
    "drt_reim_flag\":\"0\",\"memo\":\"\"}]}}\n"
    "{\"infcode\":0,\"inf_refmsgid\":\"411500202601010000000000000000\",\"refmsg_time\":\"202"
    "60101000000000\",\"respond_time\":\"20260101000000000\",\"err_msg\":\"\",\"warn_msg\":\""
    "\",\"cainfo\":\"\",\"signtype\":\"\",\"output\":{\"setlinfo\":{\"medfee_sumamt\":0.0,\"f"
    "ulamt_ownpay_amt\":0.0,\"overlmt_selfpay\":0.0,\"preselfpay_amt\":0.0,\"inscp_scp_amt\":"
    "0.0,\"act_pay_dedc\":0.0,\"hifp_pay\":0.0,\"pool_prop_selfpay\":0.0,\"cvlserv_pay\":0.0,"
    "\"hifes_pay\":0.0,\"hifmi_pay\":0.0,\"hifob_pay\":0.0,\"maf_pay\":0.0,\"oth_pay\":0.0,\""
    "fund_pay_sumamt\":0.0,\"psn_part_amt\":0.0,\"acct_pay\":0.0,\"psn_cash_pay\":0.0,\"hosp_"
    "part_amt\":0.0,\"balc\":0.0,\"acct_mulaid_pay\":0.0,\"clr_way\":\"1\",\"clr_type\":\"11"
    "\",\"mdtrt_id\":\"411500MZ0000000000\",\"setl_id\":\"411500JS0000000000\",\"psn_no\":\"4"
    "1150000000000000000\",\"psn_name\":\"\",\"psn_cert_type\":\"01\",\"certno\":\"\",\"gend"
    "\":\"1\",\"naty\":\"01\",\"brdy\":\"1980-01-01\",\"age\":0.0,\"insutype\":\"310\",\"psn_"
    "type\":\"11\",\"cvlserv_flag\":\"0\",\"setl_time\":\"2026-01-01 00:00:00\",\"mdtrt_cert_"
    "type\":\"02\",\"med_type\":\"11\",\"medins_setl_id\":\"\",\"clr_optins\":\"411500\"},\"s"
    "etldetail\":[{\"fund_pay_type\":\"310100\",\"inscp_scp_amt\":0.0,\"crt_payb_lmt_amt\":0."
    "0,\"fund_payamt\":0.0,\"fund_pay_type_name\":\"城乡居民基本医疗保险基金\",\"setl_proc_info\":\"\"},{"
    "\"fund_pay_type\":\"310100\",\"inscp_scp_amt\":0.0,\"crt_payb_lmt_amt\":0.0,\"fund_payam"
    "t\":0.0,\"fund_pay_type_name\":\"职工基本医疗保险统筹基金\",\"setl_proc_info\":\"\"}]}}\n";

static LZ4_stream_t dict_stream; /* dictionary 1 loaded: attached to a thread's stream per text */
static pthread_once_t dict_once = PTHREAD_ONCE_INIT;
static pthread_key_t tls_key;

/* A thread's working stream and the buffers its borrowed reads return. */
typedef struct pack_tls {
  LZ4_stream_t work;
  struct {
    char *p;
    size_t cap;
  } slot[SLOTS];
} pack_tls;

static void tls_free(void *v) {
  pack_tls *t = v;
  for (int i = 0; i < SLOTS; i++) free(t->slot[i].p);
  free(t);
}

static void dict_make(void) {
  LZ4_initStream(&dict_stream, sizeof dict_stream);
  LZ4_loadDict(&dict_stream, dict1, (int)(sizeof dict1 - 1));
  pthread_key_create(&tls_key, tls_free);
}

static pack_tls *tls(void) {
  pthread_once(&dict_once, dict_make);
  pack_tls *t = pthread_getspecific(tls_key);
  if (t) return t;
  if (!(t = calloc(1, sizeof *t))) return NULL;
  LZ4_initStream(&t->work, sizeof t->work);
  if (pthread_setspecific(tls_key, t)) {
    free(t);
    return NULL;
  }
  return t;
}

size_t store_pack_dict(const char **bytes) {
  *bytes = dict1;
  return sizeof dict1 - 1;
}

void store_sqlite_bind_packed(sqlite3_stmt *s, int i, const char *text) {
  size_t n = text ? strlen(text) : 0;
  pack_tls *t = n >= PACK_MIN && n <= LZ4_MAX_INPUT_SIZE ? tls() : NULL;
  size_t cap = t ? (size_t)LZ4_compressBound((int)n) + PACK_HDR : 0;
  unsigned char *b = t ? malloc(cap) : NULL;
  if (b) {
    /* each text starts from the dictionary: attached, it is read in place instead of its 16 KB
     * state being copied into the working stream (13 texts a settlement flow) */
    LZ4_resetStream_fast(&t->work);
    LZ4_attach_dictionary(&t->work, &dict_stream);
    int z = LZ4_compress_fast_continue(&t->work, text, (char *)b + PACK_HDR, (int)n, (int)(cap - PACK_HDR), 1);
    if (z > 0 && (size_t)z + PACK_HDR < n) {
      b[0] = PACK_FORMAT;
      for (int k = 0; k < 4; k++) b[1 + k] = (unsigned char)(n >> (8 * k));
      sqlite3_bind_blob64(s, i, b, (sqlite3_uint64)z + PACK_HDR, free);
      return;
    }
    free(b);
  }
  store_sqlite_bt(s, i, text); /* short, incompressible, or no memory: as text */
}

/* The text of a packed value into *buf (grown with realloc), NUL-terminated; NULL when the
 * value is not of a known format, is damaged, or memory runs out. */
static char *unpack(const unsigned char *b, size_t n, char **buf, size_t *cap) {
  if (n <= PACK_HDR || b[0] != PACK_FORMAT || n - PACK_HDR > (size_t)LZ4_MAX_INPUT_SIZE) return NULL;
  size_t len = 0;
  for (int k = 0; k < 4; k++) len |= (size_t)b[1 + k] << (8 * k);
  if (len > (size_t)LZ4_MAX_INPUT_SIZE) return NULL;
  if (len + 1 > *cap) {
    char *p = realloc(*buf, len + 1);
    if (!p) return NULL;
    *buf = p, *cap = len + 1;
  }
  int got = LZ4_decompress_safe_usingDict((const char *)b + PACK_HDR, *buf, (int)(n - PACK_HDR), (int)len,
                                          dict1, (int)(sizeof dict1 - 1));
  if (got < 0 || (size_t)got != len) return NULL;
  (*buf)[len] = 0;
  return *buf;
}

/* The text of a packed value as a malloc'd string, or NULL (as unpack). */
static char *unpack_dup(const void *b, size_t n) {
  char *buf = NULL;
  size_t cap = 0;
  char *r = unpack(b, n, &buf, &cap);
  if (!r) free(buf);
  return r;
}

const char *store_sqlite_col_packed(sqlite3_stmt *s, int col, int slot) {
  if (sqlite3_column_type(s, col) != SQLITE_BLOB) return store_sqlite_cs(s, col);
  const unsigned char *b = sqlite3_column_blob(s, col);
  size_t n = (size_t)sqlite3_column_bytes(s, col);
  pack_tls *t = tls();
  const char *r = t && slot >= 0 && slot < SLOTS ? unpack(b, n, &t->slot[slot].p, &t->slot[slot].cap) : NULL;
  return r ? r : ""; /* a damaged value reads as empty rather than as bytes that are not text */
}

char *store_sqlite_dup_packed(sqlite3_stmt *s, int col) {
  if (sqlite3_column_type(s, col) != SQLITE_BLOB) return store_sqlite_cdup(s, col);
  return unpack_dup(sqlite3_column_blob(s, col), (size_t)sqlite3_column_bytes(s, col));
}

/* SQL unpack(x): the text of a packed value; any other value as it is. */
static void sql_unpack(sqlite3_context *cx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
    sqlite3_result_value(cx, argv[0]);
    return;
  }
  char *r = unpack_dup(sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]));
  if (r)
    sqlite3_result_text(cx, r, -1, free);
  else
    sqlite3_result_error(cx, "unpack: not a packed text (or out of memory)", -1);
}

int store_sqlite_unpack_register(sqlite3 *db) {
  return sqlite3_create_function(db, "unpack", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                 sql_unpack, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
