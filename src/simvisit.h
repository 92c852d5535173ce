/* simvisit.h — random but valid engine inputs for a policy and catalog: the engine
 * benchmark and the property test draw visits from here. Deterministic for a seed. */
#ifndef YB_SIMVISIT_H
#define YB_SIMVISIT_H

#include <stdint.h>

#include "benefit.h"

typedef struct simvisit {
  benefit_person psn;
  benefit_visit visit;
  accum acc;
  int n;
  benefit_line lines[64];
} simvisit;

/* xorshift64* state; any non-zero seed. */
uint64_t simvisit_rand(uint64_t *state);
/* Fill *out with a visit of `nlines` lines (≤ 64) under p, items drawn from c.
 * Returns 0, or -1 when the policy offers nothing to draw (no scheme or category). */
int simvisit_make(const policy *p, const catalog *c, uint64_t *state, int nlines, simvisit *out);

#endif
