#!/usr/bin/env bash
# bench/settle.sh — `make bench-settle`: a fresh demo database, a real `yibao serve` on a free
# loopback port, the C load driver at concurrency 64, then the server is stopped.
# Env: B (build dir), POLICIES (policy folder), CONCURRENCY, SECONDS.
set -euo pipefail
B=${B:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/yibao-bench.XXXXXX")
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$B/yibao" init --demo --db "$dir/bench.db" --policies "${POLICIES:-policies}" >/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$B/yibao" serve --db "$dir/bench.db" --port "$port" >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q serving "$dir/serve.log" && break; sleep 0.05; done
"$B/bench-settle" --port "$port" --concurrency "${CONCURRENCY:-64}" --seconds "${SECONDS_RUN:-10}" --dir "$dir"
