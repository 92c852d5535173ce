/* audit.h — the fund-supervision rule engine (智能审核): rules are data (files in rules/) bound to a
 * static table of rule types, each an evaluator over compact in-memory records (persons,
 * institutions, visits, fee lines). One streaming pass runs every enabled rule, before, during or
 * after settlement; the engine is pure (no I/O besides reading rule files). */
#ifndef YB_AUDIT_H
#define YB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "err.h"

/* ---- rules ---------------------------------------------------------------------------------- */
enum { AUDIT_STAGE_PRE = 1, AUDIT_STAGE_DURING = 2, AUDIT_STAGE_POST = 4 };
enum { AUDIT_CLASS_POLICY = 1, AUDIT_CLASS_MANAGEMENT = 2, AUDIT_CLASS_MEDICAL = 3 };
enum { AUDIT_LEVEL_LINE = 1, AUDIT_LEVEL_VISIT = 2, AUDIT_LEVEL_INST = 3 };

#define AUDIT_MAX_PARAMS 8
#define AUDIT_MAX_PAIRS 32

typedef struct audit_type audit_type; /* a rule type: evaluator and parameter schema (audit.c) */

typedef struct audit_rule {
  char rule_id[24];         /* national style: GZ + 14 digits */
  char name[128];
  const audit_type *type;   /* borrowed from the static table */
  int cls;                  /* AUDIT_CLASS_* */
  int sev_deg;              /* 1 clear, 2 highly suspicious, 3 slightly suspicious */
  unsigned stages;          /* AUDIT_STAGE_* mask */
  bool block;               /* during: refuse the settlement */
  bool enabled;
  int list_class;           /* line rules: 0 every line, 1 drugs, 2 services, 3 materials */
  int visit_kind;           /* visit rules: 0 any, 1 outpatient, 2 inpatient */
  int64_t p[AUDIT_MAX_PARAMS]; /* integer parameters, by the type's schema order */
  int n_pairs;              /* string-pair parameter (contraindications, surgery ↔ diagnosis) */
  char pairs[AUDIT_MAX_PAIRS][2][24];
} audit_rule;

typedef struct audit_rules {
  audit_rule *r;
  int n;
} audit_rules;

/* Load every *.json file of dir (or one file) into *out (audit_rules_free). Each file holds one
 * rule object or a list of them. A bad rule fails with e->field "FILE: params.days" etc. */
int audit_rules_load(const char *path, audit_rules *out, yb_err *e);
/* Parse one rule from JSON text; `where` prefixes error paths. */
int audit_rules_add_text(audit_rules *rs, const char *text, const char *where, yb_err *e);
void audit_rules_free(audit_rules *rs);
/* Keep only the rules whose id is listed in csv ("GZ…,GZ…"); YB_ENOT_FOUND names an unknown id. */
int audit_rules_select(audit_rules *rs, const char *csv, yb_err *e);
/* The rule type's name (= the fraud_label kind for the kinds of docs/fraud-labels.md). */
const char *audit_rule_kind(const audit_rule *r);
int audit_rule_level(const audit_rule *r);
/* Names of every rule type, for docs and checks; *n the count. */
const char *audit_type_name(int i);
const char *audit_class_name(int cls); /* policy / management / medical */
int audit_type_count(void);

/* ---- data: the period in compact columnar form ------------------------------------------------- */
typedef struct audit_data audit_data;

/* New empty data set over a catalog (borrowed; must outlive the data). */
audit_data *audit_data_new(const catalog *cat);
void audit_data_free(audit_data *d);
/* Builders, called by the loader (store_audit_load) or tests. Texts are copied. Times are
 * yyyy-MM-dd[ HH:mm:ss]; "" = none. A visit with in_scope false is history: cross-visit
 * rules see it, but no finding names it. */
int audit_data_person(audit_data *d, const char *psn_no, const char *gend, const char *brdy,
                      const char *death_date, yb_err *e);
bool audit_data_has_person(const audit_data *d, const char *psn_no);
bool audit_data_has_inst(const audit_data *d, const char *code);
/* Whether a visit added is a stay (1) or an outpatient visit (0); -1 not added. */
int audit_data_visit_ipt(const audit_data *d, const char *mdtrt_id);
int audit_data_inst(audit_data *d, const char *code, int hosp_lv, bool has_geo, int64_t lat_e6,
                    int64_t lon_e6, yb_err *e);
int audit_data_doctor(audit_data *d, const char *dr_code, const char *inst, const char *begndate,
                      const char *enddate, yb_err *e);
int audit_data_checkin(audit_data *d, const char *psn_no, const char *inst, const char *time,
                       yb_err *e);
int audit_data_visit(audit_data *d, const char *mdtrt_id, const char *psn_no, const char *inst,
                     const char *kind, const char *begntime, const char *endtime,
                     const char *main_diag, bool in_scope, yb_err *e);
/* A settlement of a visit: the first one names the visit's setl_id in findings. */
int audit_data_setl(audit_data *d, const char *mdtrt_id, const char *setl_id, yb_err *e);

typedef struct audit_line_in {
  const char *mdtrt_id, *feedetl_sn, *med_list_codg, *medins_list_codg, *fee_ocur_time;
  const char *bilg_dr_codg, *setl_id;
  int64_t seq, cnt, pric, sumamt; /* upload order; 1e-4 units; micro-yuan; fen */
  int prd_days, hosp_appr_flag;
} audit_line_in;
/* A line of a visit already added; lines of unknown visits are refused (YB_ENOT_FOUND). */
int audit_data_line(audit_data *d, const audit_line_in *in, yb_err *e);
/* Sort and index; call once after the last builder call. */
int audit_data_finish(audit_data *d, yb_err *e);
size_t audit_data_lines(const audit_data *d);
size_t audit_data_visits(const audit_data *d);

/* ---- findings -------------------------------------------------------------------------------- */
typedef struct audit_finding {
  const audit_rule *rule;
  int level;                 /* AUDIT_LEVEL_* */
  const char *psn_no, *fixmedins_code, *mdtrt_id, *setl_id, *feedetl_sn; /* "" when n/a */
  int64_t vola_amt;          /* amount at issue, fen */
  char occur_date[12];       /* yyyy-MM-dd the visit began ("" for institution findings) */
  char evid[256];            /* evidence in words */
} audit_finding;

typedef int (*audit_finding_fn)(const audit_finding *f, void *arg);

/* Run every enabled rule of `stages` over d in one pass; fn gets each finding (non-zero stops
 * with that code). only_mdtrt: restrict findings to one visit (pre/during), else NULL. */
int audit_run(const audit_rules *rs, const audit_data *d, unsigned stages, const char *only_mdtrt,
              audit_finding_fn fn, void *arg, yb_err *e);

/* ---- statistical screening ------------------------------------------------------------------- */
typedef struct audit_peer {
  const char *fixmedins_code;
  int hosp_lv;
  int64_t visits, ipt_visits, lines, amt;  /* amt fen */
  int64_t cost_per_visit, test_bp, drug_bp, avg_los_x100; /* fen; bp of amount; days × 100 */
  int64_t med[4];            /* the level's medians of the four indicators above, same units */
  int64_t z_x100[4];         /* robust z against level peers ×100: cost, test, drug, length of stay */
  int64_t n_peers;           /* institutions of the level with visits */
} audit_peer;
/* Per-institution indicators against peers of the same level. *out malloc'd (free). */
int audit_peers(const audit_data *d, audit_peer **out, size_t *n, yb_err *e);

typedef struct audit_item_use {
  const char *fixmedins_code, *med_list_codg, *name;
  int64_t amt_first, amt_second; /* fen in the first and second half of the period */
  int64_t growth_bp;             /* (second - first) / first, bp; INT64_MAX when first is 0 */
} audit_item_use;
/* Drugs and materials by amount per institution, top k each (by amount, then by growth). */
int audit_items(const audit_data *d, size_t k, audit_item_use **out, size_t *n, yb_err *e);

/* ---- credit ----------------------------------------------------------------------------------- */
/* An institution's credit from its confirmed findings of a year (n[1..3] by sev_deg): 1000 minus
 * 20 per clear, 8 per highly suspicious and 3 per slightly suspicious violation, floored at 0. */
int audit_credit_score(const int64_t n[4]);
/* A ≥ 900, B ≥ 750, C ≥ 600, else D. */
const char *audit_credit_grade(int score);

#endif
