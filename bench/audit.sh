#!/bin/sh
# audit.sh — make bench-audit: a generated region (`yibao gen` when the binary has it, else the
# stand-in bench/audit_synth.c), then the rule pass on one core against five of its rules as SQL
# on the same data, and the per-settlement live check's latency (bench/audit_bench.c).
set -e
B=${B:-build}
PERSONS=${AUDIT_PERSONS:-150000}
DB=${AUDIT_DB:-$B/audit-bench.db}
if [ ! -f "$DB" ] || [ -n "$AUDIT_REGEN" ]; then
  if $B/yibao 2>&1 | grep -q '^  gen '; then
    echo "region: yibao gen, $PERSONS persons"
    nice $B/yibao gen --db "$DB" --persons "$PERSONS" >/dev/null
  else
    echo "region: bench/audit_synth.c (yibao gen not built in), $PERSONS persons"
    nice $B/audit-synth --db "$DB" --persons "$PERSONS"
  fi
fi
nice taskset -c 0 $B/audit-bench --db "$DB" 2>/dev/null || nice $B/audit-bench --db "$DB"
