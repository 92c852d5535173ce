#!/usr/bin/env bash
# bench/gen.sh — `make bench-gen`: generate a county into a fresh database under nice and print
# the generator's `name: value` lines (fee_lines_per_sec, fee_lines_per_cpu_sec, peak_rss_mb …),
# the load average before and after (the machine is shared) and the bytes each fee line costs.
# Env: B (build dir), PERSONS (default 100000; the issue's target is 1000000), INSTITUTIONS
# (default PERSONS/250), YEARS (1), SEED (1), KEEP=1 keeps the database.
set -euo pipefail
B=${B:-build}
PERSONS=${PERSONS:-100000}
INSTITUTIONS=${INSTITUTIONS:-$(( PERSONS / 250 > 40 ? PERSONS / 250 : 40 ))}
dir=$(mktemp -d "${TMPDIR:-/tmp}/yibao-bench-gen.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT
"$B/yibao" init --db "$dir/gen.db" --policies "${POLICIES:-policies}" >/dev/null
echo "loadavg_before: $(cut -d' ' -f1-3 /proc/loadavg)"
nice "$B/yibao" gen --db "$dir/gen.db" --persons "$PERSONS" --institutions "$INSTITUTIONS" \
  --years "${YEARS:-1}" --seed "${SEED:-1}" | tee "$dir/out.txt"
lines=$(awk '/^fee_lines:/ {print $2}' "$dir/out.txt")
bytes=$(stat -c %s "$dir/gen.db")
[ -f "$dir/gen.db-wal" ] && bytes=$(( bytes + $(stat -c %s "$dir/gen.db-wal") ))
echo "loadavg_after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "db_mb: $(( bytes / 1048576 ))"
echo "db_bytes_per_fee_line: $(( bytes / (lines > 0 ? lines : 1) ))"
echo "fee_lines_per_person_year: $(awk -v l="$lines" -v p="$PERSONS" -v y="${YEARS:-1}" 'BEGIN {printf "%.1f", l / p / y}')"
[ "${KEEP:-0}" = 1 ] && echo "db: $dir/gen.db"
true
