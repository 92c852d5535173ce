/* accum.c — small fixed set of (bucket, period) → value, searched linearly:
 * a person holds a dozen entries a year, so a scan beats any index. */
#include "accum.h"

#include <string.h>

int64_t accum_get(const accum *a, int bucket, int period) {
  for (int i = 0; i < a->n; i++)
    if (a->e[i].bucket == bucket && a->e[i].period == period) return a->e[i].value;
  return 0;
}

int accum_add(accum *a, int bucket, int period, int64_t delta) {
  if (delta == 0) return 0;
  for (int i = 0; i < a->n; i++)
    if (a->e[i].bucket == bucket && a->e[i].period == period) {
      a->e[i].value += delta;
      return 0;
    }
  if (a->n >= ACCUM_MAX) return -1;
  a->e[a->n++] = (accum_entry){(uint16_t)bucket, (uint8_t)period, delta};
  return 0;
}

int accum_apply(accum *a, const accum *d, int sign) {
  for (int i = 0; i < d->n; i++)
    if (accum_add(a, d->e[i].bucket, d->e[i].period, sign * d->e[i].value) != 0) return -1;
  return 0;
}

void accum_compact(accum *a) {
  int j = 0;
  for (int i = 0; i < a->n; i++)
    if (a->e[i].value != 0) a->e[j++] = a->e[i];
  a->n = (uint8_t)j;
}

int accum_equal(const accum *a, const accum *b) {
  for (int i = 0; i < a->n; i++)
    if (accum_get(b, a->e[i].bucket, a->e[i].period) != a->e[i].value) return 0;
  for (int i = 0; i < b->n; i++)
    if (accum_get(a, b->e[i].bucket, b->e[i].period) != b->e[i].value) return 0;
  return 1;
}
