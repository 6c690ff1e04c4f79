#!/usr/bin/env bash
# Chromium (Debian's package) and the browser test's Node.js dependencies
# (playwright-core, which drives the system Chromium; it downloads nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v node >/dev/null 2>&1 || { echo "error: Node.js is required for the browser test" >&2; exit 1; }
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
