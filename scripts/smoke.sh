#!/usr/bin/env bash
# What a newcomer does, checked end to end on this machine: the README's run
# command brings the whole store up; a shopper places an order through
# `storectl chat` and through the web chat page in headless Chromium (the
# screenshot is kept in artifacts/); Ctrl-C stops everything cleanly.
#
# Runs a separate store (`--name smoke`, ports from 18080) so a store you are
# running yourself is not disturbed. Needs Chromium and Node.js
# (scripts/setup-browser.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-browser.sh
artifacts=artifacts
mkdir -p "$artifacts"
state=$(mktemp -d)
port=18080
gateway="http://127.0.0.1:$port"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
storectl="$target_dir/debug/storectl"

scripts/run.sh --name smoke --port "$port" --reset --state-dir "$state" >"$artifacts/smoke-run.log" 2>&1 &
store=$!
stop_store() {
  if kill -0 "$store" 2>/dev/null; then
    kill -INT "$store" 2>/dev/null || true
    wait "$store" || true
  fi
}
trap stop_store EXIT

echo "== smoke: waiting for the store"
for _ in $(seq 600); do
  grep -q "agent-store is up" "$artifacts/smoke-run.log" && break
  if ! kill -0 "$store" 2>/dev/null; then
    echo "error: the store did not start:" >&2
    tail -30 "$artifacts/smoke-run.log" >&2
    exit 1
  fi
  sleep 1
done
grep -q "agent-store is up" "$artifacts/smoke-run.log" || { echo "error: the store did not come up in 10 minutes" >&2; exit 1; }

echo "== smoke: a shopper orders with storectl chat"
printf 'hi\nshow me sneakers\n1 of 4\nyes\n' \
  | XDG_STATE_HOME="$state" "$storectl" --gateway "$gateway" chat --tenant demo --brand fashion --new \
  | tee "$artifacts/smoke-storectl-chat.txt"
grep -Eq '[A-Z]{2,}-[0-9]+' "$artifacts/smoke-storectl-chat.txt" \
  || { echo "error: no order number in the storectl conversation" >&2; exit 1; }

echo "== smoke: a shopper orders on the web chat page (headless Chromium)"
node tests/browser/webchat-order.mjs "$gateway" demo fashion "$artifacts/webchat-order.png" \
  | tee "$artifacts/smoke-webchat.json"

echo "== smoke: Ctrl-C stops everything"
trap - EXIT
kill -INT "$store"
status=0
wait "$store" || status=$?
tail -3 "$artifacts/smoke-run.log"
if [ "$status" -ne 0 ] || ! grep -q "stopped cleanly" "$artifacts/smoke-run.log"; then
  echo "error: the store did not stop cleanly (exit $status)" >&2
  exit 1
fi
rm -rf "$state"
echo "== smoke: passed (screenshot: $artifacts/webchat-order.png)"
