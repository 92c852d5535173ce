/* catalog.h — the drug, service and material catalog (医保目录) an engine prices against:
 * 甲/乙/丙 class, self-pay-first share, price limits and use restrictions per item.
 * Loaded from JSON (format in docs/catalog.md); looked up by national code (med_list_codg). */
#ifndef YB_CATALOG_H
#define YB_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CATALOG_CODE_LEN 51
#define CATALOG_MAX_IND 8

typedef enum { CATALOG_LV_A = 1, CATALOG_LV_B = 2, CATALOG_LV_C = 3 } catalog_lv; /* chrgitm_lv 01/02/03 */
typedef enum { CATALOG_SCOPE_ANY = 0, CATALOG_SCOPE_INPATIENT = 1, CATALOG_SCOPE_OUTPATIENT = 2 } catalog_scope;

typedef struct catalog_item {
  char code[CATALOG_CODE_LEN];  /* med_list_codg */
  char name[96];
  uint8_t lv;                   /* catalog_lv */
  uint8_t chrgitm_type;         /* med_chrgitm_type 1..14 (01 床位费 … 09 西药费 … 14 其他费) */
  uint16_t list_type;           /* 101 西药中成药, 102 中药饮片, 201 医疗服务项目, 301 医用耗材 … */
  int32_t selfpay_bp;           /* 乙类 self-pay-first share (selfpay_prop) */
  int64_t price_limit[4];       /* micro-yuan per unit: [0] every level, [1..3] by institution level; 0 = none */
  /* restrictions: an item used outside them is fully self-paid */
  uint8_t gend;                 /* 0 any, 1 male only, 2 female only */
  int16_t age_min, age_max;     /* whole years, inclusive; -1 = no bound */
  uint8_t hosp_lv_min;          /* lowest institution level that may bill it to the fund (0 = any) */
  uint8_t scope;                /* catalog_scope */
  bool lmt_used_flag;           /* restricted use: reimbursable only with hosp_appr_flag 1 */
  uint8_t n_ind;
  char indications[CATALOG_MAX_IND][12]; /* ICD-10 prefixes that satisfy the restriction */
  bool bas_medn_flag, hi_nego_drug_flag, chld_medc_flag, list_sp_item_flag;
  bool acct_excluded;           /* may not be paid from the personal account (cosmetics, health food …) */
  char ingredient[16];          /* ingredient code, for duplicate-drug audit */
  int32_t max_days;             /* days of supply a prescription may carry (0 = no limit), for audit */
} catalog_item;

typedef struct catalog catalog;

/* Load a catalog file; *out is new (catalog_free). e names the JSON path of a bad entry. */
int catalog_load(const char *path, catalog **out, yb_err *e);
int catalog_load_text(const char *text, size_t len, catalog **out, yb_err *e);
/* Build from items (copied) — for the generator and tests. */
int catalog_from_items(const catalog_item *items, size_t n, catalog **out, yb_err *e);
void catalog_free(catalog *c);

/* Borrowed pointer to the item with this code, or NULL. O(1). */
const catalog_item *catalog_find(const catalog *c, const char *code);
size_t catalog_count(const catalog *c);
const catalog_item *catalog_at(const catalog *c, size_t i);

#endif
