/* test_audit_extract.c — the audit extract's segments: a region packed into a segment and loaded
 * back gives the same findings as the same region built directly; the period, cancelled
 * settlements and a stay settled twice; dictionaries out of sequence and damaged segments are
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "audit.h"
#include "audit_extract.h"
#include "audit_int.h"

static catalog *cat;

static int setup(void **state) {
  (void)state;
  catalog_item v[3];
  memset(v, 0, sizeof v);
  for (int i = 0; i < 3; i++) v[i].lv = CATALOG_LV_A, v[i].age_min = v[i].age_max = -1;
  snprintf(v[0].code, sizeof v[0].code, "SVC"), v[0].chrgitm_type = 2, v[0].list_type = 201;
  v[0].price_limit[0] = 10000000; /* 10 yuan */
  snprintf(v[1].code, sizeof v[1].code, "MALE"), v[1].chrgitm_type = 9, v[1].list_type = 101, v[1].gend = 1;
  snprintf(v[2].code, sizeof v[2].code, "BED"), v[2].chrgitm_type = 1, v[2].list_type = 201;
  yb_err e;
  return catalog_from_items(v, 3, &cat, &e);
}
static int teardown(void **state) {
  (void)state;
  catalog_free(cat);
  return 0;
}

/* ---- one small region, described once ---------------------------------------------------------- */
typedef struct t_setl {
  const char *setl, *mdtrt, *psn, *inst, *kind, *beg, *end, *diag;
  int64_t psn_row, inst_row, visit_row;
} t_setl;
typedef struct t_line {
  int setl; /* index into SETLS */
  const char *sn, *code, *own, *t, *dr;
  int64_t yuan;
} t_line;

static const t_setl SETLS[] = {
    {"S1", "M1", "PF", "H1", "otp", "2024-03-01 09:00:00", "", "J06.9", 2, 1, 10},
    {"S2", "M2", "PM", "H1", "ipt", "2024-03-05 09:00:00", "", "K35.8", 1, 1, 11},           /* mid-way */
    {"S3", "M2", "PM", "H1", "ipt", "2024-03-05 09:00:00", "2024-03-12 10:00:00", "K35.8", 1, 1, 11}, /* final */
    {"S4", "M3", "PM", "H2", "otp", "2024-01-10 09:00:00", "", "J06.9", 1, 2, 12},           /* history */
    {"S5", "M4", "PF", "H2", "otp", "2023-06-01 09:00:00", "", "J06.9", 2, 2, 13},           /* before it */
};
static const t_line LINES[] = {
    {0, "1", "MALE", "H-MALE", "2024-03-01 09:10:00", "D1", 20}, /* a girl: gender */
    {0, "2", "SVC", "H-SVC", "2024-03-01 09:10:00", "D9", 13},   /* over the limit; an unregistered doctor */
    {1, "1", "BED", "", "2024-03-05 10:00:00", "D1", 50},
    {2, "2", "SVC", "H-SVC", "2024-03-11 09:00:00", "D1", 12},
    {3, "1", "SVC", "H-SVC", "2024-01-10 09:10:00", "D1", 15},  /* before `from`: not loaded */
    {4, "1", "MALE", "H-MALE", "2023-06-01 09:10:00", "D1", 20},
};
#define N_SETL (sizeof SETLS / sizeof SETLS[0])
#define N_LINE (sizeof LINES / sizeof LINES[0])

static audit_line_in line_in(const t_line *l, int64_t seq) {
  return (audit_line_in){SETLS[l->setl].mdtrt, l->sn, l->code, l->own, l->t, l->dr, SETLS[l->setl].setl, seq,
                         10000, l->yuan * 1000000, l->yuan * 100, 0, 0};
}

static void base(audit_data *d, ax_load *l) {
  yb_err e;
  const char *p[2][4] = {{"PM", "1", "1980-06-15", ""}, {"PF", "2", "2015-03-01", ""}};
  for (int i = 0; i < 2; i++) {
    if (l) assert_int_equal(ax_load_person(l, i + 1, p[i][0], p[i][1], p[i][2], p[i][3], &e), 0);
    else assert_int_equal(audit_data_person(d, p[i][0], p[i][1], p[i][2], p[i][3], &e), 0);
  }
  const char *in[2] = {"H1", "H2"};
  for (int i = 0; i < 2; i++) {
    if (l) assert_int_equal(ax_load_inst(l, i + 1, in[i], 2, false, 0, 0, &e), 0);
    else assert_int_equal(audit_data_inst(d, in[i], 2, false, 0, 0, &e), 0);
  }
  assert_int_equal(audit_data_doctor(d, "D1", "H1", "2020-01-01", "", &e), 0);
}

/* The region built directly, as the live checks build theirs: visits from 2024-01-01 on in scope,
 * lines from 2024-02-01 on. */
static audit_data *direct(void) {
  audit_data *d = audit_data_new(cat);
  yb_err e;
  base(d, NULL);
  for (size_t i = 0; i < N_SETL; i++) {
    const t_setl *s = &SETLS[i];
    if (strcmp(s->beg, "2024-01-01") < 0 || (i > 0 && !strcmp(s->mdtrt, SETLS[i - 1].mdtrt))) continue;
    const char *end = !strcmp(s->mdtrt, "M2") ? SETLS[2].end : s->end;
    assert_int_equal(audit_data_visit(d, s->mdtrt, s->psn, s->inst, s->kind, s->beg, end, s->diag,
                                      strcmp(s->beg, "2024-02-01") >= 0, &e), 0);
    assert_int_equal(audit_data_setl(d, s->mdtrt, s->setl, &e), 0);
  }
  for (size_t i = 0; i < N_LINE; i++) {
    audit_line_in in = line_in(&LINES[i], (int64_t)i + 1);
    if (strcmp(in.fee_ocur_time, "2024-02-01") < 0) continue;
    assert_int_equal(audit_data_line(d, &in, &e), 0);
  }
  return d;
}

/* The same region packed into one segment (the settlements skipped in `voids` still packed). */
static void pack(const void **blob, size_t *len, ax_writer *w) {
  yb_err e;
  for (size_t i = 0; i < N_SETL; i++) {
    const t_setl *s = &SETLS[i];
    ax_setl_in in = {s->psn_row, s->inst_row, s->visit_row, s->setl, s->mdtrt, s->inst, s->kind, s->beg, s->end, s->diag};
    assert_int_equal(ax_add_setl(w, &in, &e), 0);
    for (size_t k = 0; k < N_LINE; k++) {
      if (LINES[k].setl != (int)i) continue;
      audit_line_in li = line_in(&LINES[k], (int64_t)k + 1);
      assert_int_equal(ax_add_line(w, &li, s->inst, &e), 0);
    }
  }
  assert_int_equal(ax_setls(w), N_SETL);
  assert_int_equal(ax_lines(w), N_LINE);
  int32_t lo, hi;
  assert_int_equal(ax_finish(w, blob, len, &lo, &hi, &e), 0);
  int32_t t;
  ad_time("2023-06-01 09:00:00", &t);
  assert_int_equal(lo, t);
  assert_int_equal(ax_lines(w), 0);
}

typedef struct dict_copy {
  ax_load *l;
  int n;
} dict_copy;
static int copy_dict(int kind, int64_t id, const char *text, void *arg) {
  dict_copy *c = arg;
  yb_err e;
  c->n++;
  return ax_load_dict(c->l, kind, id, text, &e);
}

/* A loader of the period February to December 2024 (January is history) with the persons,
 * institutions and doctors and w's dictionaries. */
static ax_load *loader(audit_data *d, ax_writer *w) {
  int32_t since, from, until;
  ad_time("2024-01-01", &since), ad_time("2024-02-01", &from), ad_time("2024-12-31 23:59:59", &until);
  ax_load *l = ax_load_new(d, since, from, until);
  base(d, l);
  dict_copy dc = {l, 0};
  assert_int_equal(ax_new_dict(w, copy_dict, &dc), 0);
  assert_int_equal(dc.n, 3 + 2 + 4); /* items; doctors D1, D9; own codes at H1 and at H2 */
  return l;
}

static audit_data *extracted(const char *void_setl) {
  ax_writer *w = ax_writer_new(cat);
  const void *blob;
  size_t len;
  pack(&blob, &len, w);
  audit_data *d = audit_data_new(cat);
  ax_load *l = loader(d, w);
  yb_err e;
  if (void_setl) assert_int_equal(ax_load_void(l, void_setl, &e), 0);
  assert_int_equal(ax_load_reserve(l, 5, &e), 0);
  /* the lines are read where the segment lies: a mapping d releases, as the store hands it one */
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(m != MAP_FAILED);
  memcpy(m, blob, len);
  audit_data_hold(d, m, len, -1);
  ax_writer_free(w);
  assert_int_equal(ax_load_segment(l, m, len, &e), 0);
  ax_load_free(l);
  return d;
}

typedef struct hits {
  int n;
  char k[16][96];
} hits;
static int on_hit(const audit_finding *f, void *arg) {
  hits *h = arg;
  if (h->n < 16)
    snprintf(h->k[h->n], sizeof h->k[0], "%s %s/%s %s %lld", audit_rule_kind(f->rule), f->mdtrt_id, f->feedetl_sn,
             f->setl_id, (long long)f->vola_amt);
  h->n++;
  return 0;
}

#define RULE(id, type)                                                                                       \
  "{\"rule_id\":\"" id "\",\"name\":\"t\",\"type\":\"" type "\",\"class\":\"policy\",\"sev_deg\":1,"       \
  "\"stages\":[\"post\"],\"params\":{}}"

static hits run(audit_data *d) {
  audit_rules rs = {0};
  yb_err e = {0};
  const char *rules[] = {RULE("GZ10000000000001", "gender_limit"), RULE("GZ10000000000002", "over_price_limit"),
                         RULE("GZ10000000000003", "unregistered_doctor")};
  for (int i = 0; i < 3; i++)
    if (audit_rules_add_text(&rs, rules[i], "rule", &e)) fail_msg("%s: %s", e.field, e.msg);
  assert_int_equal(audit_data_finish(d, &e), 0);
  hits h = {0};
  assert_int_equal(audit_run(&rs, d, AUDIT_STAGE_POST, NULL, on_hit, &h, &e), 0);
  audit_rules_free(&rs);
  return h;
}

static void test_same_findings_as_direct(void **state) {
  (void)state;
  audit_data *a = direct(), *b = extracted(NULL);
  assert_int_equal(audit_data_visits(a), 3); /* M1, M2, M3 (history); M4 began before the period */
  assert_int_equal(audit_data_visits(b), 3);
  assert_int_equal(audit_data_lines(a), 4);
  assert_int_equal(audit_data_lines(b), 4);
  hits x = run(a), y = run(b);
  assert_int_equal(x.n, 4);
  assert_int_equal(y.n, x.n);
  for (int i = 0; i < x.n; i++) assert_string_equal(y.k[i], x.k[i]);
  /* PM's stay first (visits by person, then begin): over the limit by 2 yuan on the final
   * settlement's line; then the girl's visit, its lines by time and item */
  assert_string_equal(y.k[0], "over_price_limit M2/2 S3 200");
  assert_string_equal(y.k[1], "over_price_limit M1/2 S1 300");
  assert_string_equal(y.k[2], "unregistered_doctor M1/2 S1 1300");
  assert_string_equal(y.k[3], "gender_limit M1/1 S1 2000");
  /* the stay settled twice keeps its first settlement and the final end time */
  int v = -1;
  for (size_t i = 0; i < b->n_visit; i++)
    if (!strcmp(ad_mdtrt(b, &b->visit[i]), "M2")) v = (int)i;
  assert_true(v >= 0);
  assert_string_equal(ad_setl(b, &b->visit[v]), "S2");
  int32_t end;
  ad_time("2024-03-12 10:00:00", &end);
  assert_int_equal(b->visit[v].end, end);
  assert_int_equal(b->visit[v].nl, 2);
  /* the girl's two lines at one moment were packed in the catalog's order: SVC before MALE */
  for (size_t i = 0; i < b->n_visit; i++)
    if (!strcmp(ad_mdtrt(b, &b->visit[i]), "M1")) assert_string_equal(ad_ltext(b, &b->visit[i], b->visit[i].ln[0].sn), "2");
  audit_data_free(a), audit_data_free(b);
}

/* Compaction's segments, gathered 8-byte aligned in one buffer as the store lays them in its file. */
typedef struct gathered {
  ax_writer *w;
  char buf[16384];
  size_t n, off[16], len[16], nseg;
} gathered;
static int gather(void *arg, yb_err *e) {
  gathered *g = arg;
  const void *blob;
  size_t len;
  int32_t lo, hi;
  if (!ax_setls(g->w)) return 0;
  int rc = ax_finish(g->w, &blob, &len, &lo, &hi, e);
  if (rc) return rc;
  assert_true(g->nseg < 16 && g->n + len <= sizeof g->buf);
  memcpy(g->buf + g->n, blob, len);
  g->off[g->nseg] = g->n, g->len[g->nseg++] = len;
  g->n += (len + 7) & ~(size_t)7;
  return 0;
}

static void test_compacted_same_findings(void **state) {
  (void)state;
  ax_writer *w = ax_writer_new(cat);
  const void *blob;
  size_t len;
  pack(&blob, &len, w);
  gathered *g = calloc(1, sizeof *g);
  g->w = ax_writer_new(NULL);
  yb_err e;
  int64_t moved = 0;
  const void *blobs[1] = {blob};
  /* two lines a segment: the stays and visits spread over several, as in a city's file */
  assert_int_equal(ax_compact(g->w, blobs, &len, 1, 2, gather, g, &moved, &e), 0);
  assert_int_equal(moved, N_SETL);
  assert_true(g->nseg >= 2);
  /* every segment's settlements, one after another, in (person row, begin) order */
  int64_t last_psn = -1;
  int32_t last_beg = INT32_MIN;
  for (size_t i = 0; i < g->nseg; i++) {
    ax_seg v;
    assert_int_equal(ax_seg_view(g->buf + g->off[i], g->len[i], &v, &e), 0);
    for (uint32_t j = 0; j < v.h.n_setl; j++) {
      ax_setl st;
      memcpy(&st, v.setls + (size_t)j * sizeof st, sizeof st);
      assert_true(st.psn > last_psn || (st.psn == last_psn && st.beg >= last_beg));
      last_psn = st.psn, last_beg = st.beg;
    }
  }
  /* loaded from the compacted segments: the findings of the region built directly */
  audit_data *d = audit_data_new(cat);
  ax_load *l = loader(d, w);
  for (size_t i = 0; i < g->nseg; i++) assert_int_equal(ax_load_segment(l, g->buf + g->off[i], g->len[i], &e), 0);
  ax_load_free(l);
  audit_data *a = direct();
  hits x = run(a), y = run(d);
  assert_int_equal(audit_data_lines(d), audit_data_lines(a));
  assert_int_equal(y.n, x.n);
  for (int i = 0; i < x.n; i++) assert_string_equal(y.k[i], x.k[i]);
  audit_data_free(a), audit_data_free(d);
  ax_writer_free(g->w), free(g);
  ax_writer_free(w);
}

static void test_cancelled_settlement_left_out(void **state) {
  (void)state;
  audit_data *d = extracted("S1");
  assert_int_equal(audit_data_visits(d), 2);
  assert_int_equal(audit_data_lines(d), 2);
  hits h = run(d);
  for (int i = 0; i < h.n; i++) assert_null(strstr(h.k[i], "M1/"));
  audit_data_free(d);
}

/* The own-code groups counted and looked up (as the store loads them), not given one by one. */
static int copy_no_groups(int kind, int64_t id, const char *text, void *arg) {
  return kind == AX_DICT_MGROUP ? 0 : copy_dict(kind, id, text, arg);
}
static int lookup(void *ctx, int32_t group, char *out, size_t cap) {
  (*(int *)ctx)++;
  snprintf(out, cap, "own-%d", group);
  return 0;
}
static void test_groups_looked_up(void **state) {
  (void)state;
  ax_writer *w = ax_writer_new(cat);
  const void *blob;
  size_t len;
  pack(&blob, &len, w);
  audit_data *d = audit_data_new(cat);
  ax_load *l = ax_load_new(d, INT32_MIN + 1, INT32_MIN + 1, INT32_MAX - 1);
  yb_err e;
  base(d, l);
  dict_copy dc = {l, 0};
  assert_int_equal(ax_new_dict(w, copy_no_groups, &dc), 0);
  int calls = 0;
  assert_int_equal(ax_load_groups(l, 4, lookup, &calls, &e), 0);
  assert_int_equal(ax_load_groups(l, 4, lookup, &calls, &e), YB_EINVAL); /* twice */
  assert_int_equal(ax_load_segment(l, blob, len, &e), 0);
  ax_load_free(l);
  assert_int_equal(audit_data_finish(d, &e), 0);
  assert_int_equal(calls, 0); /* loading looks nothing up */
  /* first met: H1/H-MALE group 0, H1/H-SVC 1, then H2/H-SVC 2 and H2/H-MALE 3 */
  int seen = 0;
  for (size_t v = 0; v < d->n_visit; v++)
    for (uint32_t i = 0; i < d->visit[v].nl; i++) {
      const ad_line *x = &d->visit[v].ln[i];
      const char *own = !x->mgroup ? "" : ad_mgroup_code(d, (int32_t)x->mgroup - 1, (char[32]){0}, 32);
      if (!strcmp(ad_mdtrt(d, &d->visit[v]), "M4")) assert_string_equal(own, "own-3"), seen++;
    }
  assert_int_equal(seen, 1);
  assert_int_equal(calls, 5); /* one per line with an own code, when asked */
  audit_data_free(d);
  ax_writer_free(w);
}

static void test_dictionary_sequence(void **state) {
  (void)state;
  ax_writer *w = ax_writer_new(cat);
  yb_err e;
  assert_int_equal(ax_writer_dict(w, AX_DICT_ITEM, 1, "SVC", &e), 0);
  assert_int_equal(ax_writer_dict(w, AX_DICT_ITEM, 3, "BED", &e), YB_ESTORE); /* a gap */
  assert_int_equal(ax_writer_dict(w, AX_DICT_ITEM, 2, "SVC", &e), YB_ESTORE); /* twice */
  assert_int_equal(ax_writer_dict(w, 9, 1, "X", &e), YB_EINVAL);
  audit_line_in in = line_in(&LINES[0], 1);
  assert_int_equal(ax_add_line(w, &in, "H1", &e), YB_EINVAL); /* no settlement yet */
  ax_setl_in bad = {1, 1, 1, "S", "M", "H1", "otp", "2024-13-01", "", ""};
  assert_int_equal(ax_add_setl(w, &bad, &e), YB_EINVAL);
  assert_string_equal(e.field, "visit.begntime");
  ax_writer_free(w);
}

static void test_damaged_segment(void **state) {
  (void)state;
  ax_writer *w = ax_writer_new(cat);
  const void *blob;
  size_t len;
  pack(&blob, &len, w);
  char *copy = malloc(len);
  audit_data *d = audit_data_new(cat);
  ax_load *l = ax_load_new(d, INT32_MIN + 1, INT32_MIN + 1, INT32_MAX - 1);
  yb_err e;
  base(d, l);
  /* dictionaries not loaded: the codes are unknown */
  assert_int_equal(ax_load_segment(l, blob, len, &e), YB_ESTORE);
  memcpy(copy, blob, len);
  copy[0] ^= 1;
  assert_int_equal(ax_load_segment(l, copy, len, &e), YB_ESTORE); /* magic */
  assert_int_equal(ax_load_segment(l, blob, len - 1, &e), YB_ESTORE); /* truncated */
  assert_int_equal(ax_load_segment(l, blob, 3, &e), YB_ESTORE);
  memcpy(copy, blob, len);
  copy[len - 1] = 'x';
  assert_int_equal(ax_load_segment(l, copy, len, &e), YB_ESTORE); /* texts not terminated */
  ax_load_free(l);
  audit_data_free(d);
  free(copy);
  ax_writer_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_findings_as_direct),
      cmocka_unit_test(test_compacted_same_findings),
      cmocka_unit_test(test_cancelled_settlement_left_out),
      cmocka_unit_test(test_groups_looked_up),
      cmocka_unit_test(test_dictionary_sequence),
      cmocka_unit_test(test_damaged_segment),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
