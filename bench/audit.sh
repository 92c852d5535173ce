#!/bin/sh
# audit.sh — make bench-audit: a synthetic region (bench/audit_synth.c, until yibao gen lands),
# then the rule pass on one core against five of its rules as SQL on the same data.
set -e
B=${B:-build}
PERSONS=${AUDIT_PERSONS:-150000}
DB=${AUDIT_DB:-$B/audit-bench.db}
if [ ! -f "$DB" ] || [ -n "$AUDIT_REGEN" ]; then
  nice $B/audit-synth --db "$DB" --persons "$PERSONS"
fi
nice taskset -c 0 $B/audit-bench --db "$DB" 2>/dev/null || nice $B/audit-bench --db "$DB"
