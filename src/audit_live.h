/* audit_live.h — pre- and during-settlement checks of one visit against the person's recent
 * history (audit_live.c). */
#ifndef YB_AUDIT_LIVE_H
#define YB_AUDIT_LIVE_H

#include "audit.h"
#include "store_audit.h"

typedef struct audit_live_in {
  const char *psn_no, *fixmedins_code, *mdtrt_id;
  const char *now;        /* yyyy-MM-dd HH:mm:ss: history is read back from here */
  unsigned stage;         /* AUDIT_STAGE_PRE or AUDIT_STAGE_DURING */
  /* NULL: the visit and its unsettled lines come from the store; else this adds the visit (and
   * the person when the store has none) and its lines, from a request (3101/3102) */
  int (*add_current)(audit_data *d, void *arg, yb_err *e);
  void *arg;
} audit_live_in;

/* Run the rules of in->stage on one visit; fn gets each finding. rs NULL or empty: nothing. */
int audit_live(store_conn *c, const catalog *cat, const audit_rules *rs, const audit_live_in *in, audit_finding_fn fn,
               void *arg, yb_err *e);

/* The days back the live rules of `stages` (AUDIT_STAGE_* bits) read a person's history: visits
 * that began earlier are not read. */
int audit_live_back(const audit_rules *rs, unsigned stages);
/* yyyy-MM-dd of now (yyyy-MM-dd…) minus days. */
void audit_live_since(const char *now, int days, char *out, size_t cap);

#endif
