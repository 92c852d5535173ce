#!/usr/bin/env bash
# console.sh — time the console's pages on a big database: each API route (median of 5, server
# side, over loopback) and each page in chromium (from the click to the page drawn, charts
# included). Makes the 1 M-person county with bench/console_bigdb.sql when DB is absent.
# Prints `name: value` lines. Usage: B=build DB=build/console-big.db bench/console.sh
set -euo pipefail
B=${B:-build}
DB=${DB:-$B/console-big.db}
Y=$B/yibao
if [ ! -f "$DB" ]; then
  echo "making $DB (1 000 000 persons, 2 000 000 settlements; a few minutes)" >&2
  $Y init --demo --db "$DB" --policies policies >/dev/null
  nice sqlite3 "$DB" < bench/console_bigdb.sql >&2
  nice $Y console refresh --db "$DB" >&2 # raw SQL: the store's console sums did not see it
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$Y serve --db "$DB" --port "$PORT" > "$B/console-bench.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q serving "$B/console-bench.log" 2>/dev/null && break; sleep 0.2; done
BASE=http://127.0.0.1:$PORT
JAR=$(mktemp)
curl -s -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"admin","password":"demo-admin"}' "$BASE/api/v1/login" >/dev/null
PSN=$(sqlite3 "$DB" "SELECT psn_no FROM settlement WHERE setl_id='411500BS0000000010'")
INST=H41150000101
SETL=411500BS0000000010
echo "persons: $(sqlite3 "$DB" 'SELECT count(*) FROM person')"
echo "settlements: $(sqlite3 "$DB" 'SELECT count(*) FROM settlement')"
echo "fee_lines: $(sqlite3 "$DB" 'SELECT count(*) FROM fee')"
for r in "overview:/api/v1/console/overview" "persons_search:/api/v1/console/persons?q=%E7%8E%8B%E4%BC%9F" \
         "person:/api/v1/console/persons/$PSN" "settlement:/api/v1/console/settlements/$SETL" \
         "institutions:/api/v1/console/institutions" "institution:/api/v1/console/institutions/$INST" \
         "institution_csv:/api/v1/console/institutions/$INST/settlements.csv" \
         "policy:/api/v1/console/policy?id=411500:2024:2024.demo.1" \
         "policy_diff:/api/v1/console/policy-diff?from=410100:2025:2025.demo.1&to=411500:2024:2024.demo.1"; do
  name=${r%%:*}; path=${r#*:}
  ts=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -b "$JAR" -w '%{time_total}\n' "$BASE$path"; done | sort -n)
  echo "api_${name}_ms: $(echo "$ts" | sed -n 3p | awk '{printf "%.1f", $1*1000}')"
done
rm -f "$JAR"
node bench/console_pages.mjs "$BASE" "$PSN" "$INST"
