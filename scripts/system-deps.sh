#!/usr/bin/env bash
# Installs the Debian packages that the test suite starts for real (servers, browsers) when they are missing.
set -euo pipefail
need=()
check() { command -v "$1" >/dev/null 2>&1 || [ -x "$2" ] || need+=("$3"); }
# command  fallback-path  debian-package
check pg_ctl "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | head -n1)" postgresql
check redis-server /usr/bin/redis-server redis-server
check chromium /usr/bin/chromium chromium  # the analyst pages' browser tests (Playwright drives it)
check pdftoppm /usr/bin/pdftoppm poppler-utils  # PNG renders of the quarterly report's PDF pages
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${need[*]} (run as root, or install them; tests that need them are skipped)" >&2
  exit 0
fi
echo "installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts a cluster on install; the tests start their own, so stop the packaged one.
if command -v service >/dev/null 2>&1; then service postgresql stop >/dev/null 2>&1 || true; fi
