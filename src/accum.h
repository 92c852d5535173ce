/* accum.h — a person's yearly accumulators (累计): deductible used, pooled fund paid per
 * cap bucket, critical-illness base and paid, assistance paid, admissions… One set per
 * person, scheme and year; a settlement reads it and returns deltas; a cancellation
 * applies the same deltas negated, which restores it exactly. Buckets are named by the
 * policy (policy.buckets); `period` is 0 for the year or 1–12 for a month. */
#ifndef YB_ACCUM_H
#define YB_ACCUM_H

#include <stdint.h>

#define ACCUM_MAX 64

typedef struct accum_entry {
  uint16_t bucket;  /* index into policy.buckets */
  uint8_t period;   /* 0 = year, 1..12 = month */
  int64_t value;    /* fen, or a count for "admissions" */
} accum_entry;

typedef struct accum {
  uint8_t n;
  accum_entry e[ACCUM_MAX];
} accum;

/* Value of (bucket, period); 0 when absent. */
int64_t accum_get(const accum *a, int bucket, int period);
/* Add delta to (bucket, period). Returns 0, or -1 when the set is full. */
int accum_add(accum *a, int bucket, int period, int64_t delta);
/* a += sign × d for every entry of d (sign +1 settle, -1 reverse). Returns 0 or -1. */
int accum_apply(accum *a, const accum *d, int sign);
/* Drop zero entries (after a reversal) so equal states compare equal. */
void accum_compact(accum *a);
/* 1 when both hold the same non-zero values. */
int accum_equal(const accum *a, const accum *b);

#endif
