#!/usr/bin/env bash
# Installs every Debian package the build, the tests and `make run` need.
# Idempotent and quick when everything is present: apt is touched only when a package is missing.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libjansson-dev libmicrohttpd-dev libsqlite3-dev libssl-dev libcmocka-dev libargon2-dev zlib1g-dev liblz4-dev
  sqlite3 curl
  python3 python3-pytest python3-requests
  chromium fonts-noto-cjk
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js and npm for the console's libraries (ECharts) and its browser tests (playwright-core).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages from package-lock.json, only when node_modules is missing or older than the lock
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  echo "deps: npm ci"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi
