/* audit_extract.h — the audit extract: settled visits and fee lines packed for the post-settlement
 * pass, so that loading a period copies fixed-width records instead of parsing and interning a
 * row per line. A segment is one blob of many settlements with their lines; codes are ids of
 * the extract's append-only dictionaries (items, doctors, institution own-code groups) and
 * persons, institutions and visits are named by their store row ids, so the loader resolves each
 * through an array. The encoder (ax_writer) and the id maps live in audit_extract.c; filling
 * audit_data from a segment is audit_data.c's (audit_data_segment); the tables are the audit
 * store area's. Segment layout, little-endian:
 *   ax_head, n_line × ax_line, n_setl × ax_setl, str_bytes of NUL-terminated texts
 * (feedetl_sn, setl_id, mdtrt_id, referred to by byte offset; offset 0 is ""). */
#ifndef YB_AUDIT_EXTRACT_H
#define YB_AUDIT_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "err.h"

#define AX_MAGIC 0x32584259u /* "YBX2" */

/* Dictionary kinds (audit_extract_dict.kind); ids start at 1, 0 is "none". */
enum { AX_DICT_ITEM = 1, AX_DICT_DOCTOR = 2, AX_DICT_MGROUP = 3, AX_DICT_N };

typedef struct ax_head {
  uint32_t magic, n_line, n_setl, str_bytes;
  int32_t beg_min, beg_max; /* visit begin times (seconds since 2000) of the segment's settlements */
} ax_head;

/* A fee line as the engine reads it, in a segment and in memory alike (audit_int.h's ad_line is
 * this record): the rule pass reads a mapped segment's lines where they lie. */
typedef struct ax_line {
  uint32_t sn;                 /* feedetl_sn: text offset (from the visit's text base) */
  uint32_t item, mgroup, dr;   /* item and doctor ids of the data's tables; own-code group + 1; 0 none */
  int32_t t, seq;
  int16_t prd_days;
  uint8_t appr, pad;
  uint32_t setl;               /* 0: the visit's first settlement (always in a segment); else a text offset */
  int64_t cnt, pric, sumamt;
} ax_line;

typedef struct ax_setl {
  int64_t psn, inst, visit;    /* store row ids */
  uint32_t setl, mdtrt;        /* text offsets */
  uint32_t diag3;              /* first three characters of the main diagnosis, packed */
  int32_t beg, end;            /* the visit's begin and end (seconds since 2000; end AD_NONE open) */
  uint32_t l0, nl;             /* its lines */
  uint8_t ipt, pad[7];
} ax_setl;

/* ---- encoding ---------------------------------------------------------------------------------- */
typedef struct ax_setl_in {
  int64_t psn_rowid, inst_rowid, visit_rowid;
  const char *setl_id, *mdtrt_id, *fixmedins_code, *kind, *begntime, *endtime, *main_diag;
} ax_setl_in;

typedef struct ax_writer ax_writer;
/* Each settlement's lines are put in the order audit_data_finish indexes them by, through cat
 * (borrowed; NULL keeps them as added). */
ax_writer *ax_writer_new(const catalog *cat);
void ax_writer_free(ax_writer *w);
/* An entry the dictionaries already hold (read back from the store before packing). */
int ax_writer_dict(ax_writer *w, int kind, int64_t id, const char *text, yb_err *e);
/* Start a settlement; its lines follow until the next ax_add_setl. */
int ax_add_setl(ax_writer *w, const ax_setl_in *s, yb_err *e);
/* A line of the current settlement, billed at fixmedins_code (in->mdtrt_id and in->setl_id are not
 * read). */
int ax_add_line(ax_writer *w, const audit_line_in *in, const char *fixmedins_code, yb_err *e);
size_t ax_lines(const ax_writer *w);
size_t ax_setls(const ax_writer *w);
size_t ax_text_bytes(const ax_writer *w); /* of the texts a decoder copies: feedetl_sn, setl_id, mdtrt_id */
/* Dictionary entries added since the last call, for the store to append: fn per entry. */
int ax_new_dict(ax_writer *w, int (*fn)(int kind, int64_t id, const char *text, void *), void *arg);
/* The segment so far: *blob borrowed until the next call on w; then w holds no records. */
int ax_finish(ax_writer *w, const void **blob, size_t *len, int32_t *beg_min, int32_t *beg_max, yb_err *e);

/* ---- reading a segment ----------------------------------------------------------------------------- */
typedef struct ax_seg {
  ax_head h;
  const char *lines, *setls, *str; /* n_line × ax_line, n_setl × ax_setl, str_bytes of texts */
} ax_seg;
/* The parts of a segment of len bytes at blob, its header and sizes checked (YB_ESTORE when damaged). */
int ax_seg_view(const void *blob, size_t len, ax_seg *v, yb_err *e);

/* ---- compaction ------------------------------------------------------------------------------------ */
/* The settlements of n segments again into w (a writer holding no records), in (person, begin,
 * visit) order, records and texts copied as they are; flush(arg) is called whenever w holds
 * seg_lines lines or more, and once at the end. A real region's settlements arrive in time order,
 * so its segments hold a person's visits far apart: compacted, a person's lines lie together and
 * the rule pass reads them in one direction. *setls: how many were copied. */
int ax_compact(ax_writer *w, const void *const *blobs, const size_t *lens, size_t n, size_t seg_lines,
               int (*flush)(void *arg, yb_err *e), void *arg, int64_t *setls, yb_err *e);

/* ---- decoding ---------------------------------------------------------------------------------- */
/* The loader's maps from store row ids and dictionary ids to audit_data's ids, and the period. */
typedef struct ax_load ax_load;
/* Over d (borrowed), for visits beginning in [since, until] (seconds since 2000), those from
 * `from` on in scope and the earlier ones history, with their lines from `from` on. */
ax_load *ax_load_new(audit_data *d, int32_t since, int32_t from, int32_t until);
void ax_load_free(ax_load *l);
audit_data *ax_load_data(ax_load *l);
/* Room for the visits of the settlements the segments to come hold at most (their lines and
 * texts are read where the segments lie). */
int ax_load_reserve(ax_load *l, int64_t setls, yb_err *e);
int ax_load_person(ax_load *l, int64_t rowid, const char *psn_no, const char *gend, const char *brdy,
                   const char *death_date, yb_err *e);
/* A dialysis check-in of the person at row psn_rowid (YB_ENOT_FOUND: a person not loaded). */
int ax_load_checkin(ax_load *l, int64_t psn_rowid, const char *inst, const char *time, yb_err *e);
int ax_load_inst(ax_load *l, int64_t rowid, const char *code, int hosp_lv, bool has_geo, int64_t lat_e6,
                 int64_t lon_e6, yb_err *e);
/* A dictionary entry (after the doctors are added: a doctor code names a registered one or not). */
int ax_load_dict(ax_load *l, int kind, int64_t id, const char *text, yb_err *e);
/* Instead of the own-code group entries (AX_DICT_MGROUP) one by one: there are n, dictionary id k
 * is group k - 1, and their codes are looked up (lookup, with ctx) only for the evidence that
 * names one. */
int ax_load_groups(ax_load *l, int64_t n, int (*lookup)(void *ctx, int32_t group, char *out, size_t cap), void *ctx,
                   yb_err *e);
/* A settlement cancelled after it was packed: its records are skipped. */
int ax_load_void(ax_load *l, const char *setl_id, yb_err *e);
/* One segment's settlements and lines into d, the lines where they lie: blob must stay in place,
 * unchanged, until d is freed (audit_data_hold hands d a mapping to release then). A visit met
 * again (a later settlement of the same stay) keeps its first settlement and takes the newer end
 * time; its lines are then copied together at audit_data_finish. */
int ax_load_segment(ax_load *l, const void *blob, size_t len, yb_err *e);
/* d takes a mapping of len bytes at base (munmap) and its file descriptor (close; -1 none), to
 * release when it is freed: the segments loaded from it are read in place. */
void audit_data_hold(audit_data *d, void *base, size_t len, int fd);

#endif
