#!/usr/bin/env bash
# What a newcomer does, checked end to end on this machine: the README's run
# command brings the whole store up; a shopper places an order through
# `storectl chat` and through the web chat page in headless Chromium (the
# screenshot is kept in artifacts/); a human seller works a hand-off and a
# take-over from the inbox page (tests/browser/inbox.mjs; screenshots of the
# inbox, a conversation and the report page in artifacts/); Ctrl-C stops
# everything cleanly.
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
# The placed order's number (picture URLs carry SKUs of the same shape).
number=$(grep -Eo 'Order [A-Z]{2,}-[0-9]+ is placed' "$artifacts/smoke-storectl-chat.txt" | head -1 | cut -d' ' -f2)
[ -n "$number" ] || { echo "error: no order number in the storectl conversation" >&2; exit 1; }

echo "== smoke: the order, as the order processor holds it (storectl order show)"
STORE_ORDERS_API_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["demo"])' "$state/orders-api-keys.json") \
  "$storectl" --orders "http://127.0.0.1:$((port + 2))" order show "$number" --tenant demo \
  | tee "$artifacts/smoke-order.txt"
grep -q "Urban Sneakers" "$artifacts/smoke-order.txt" \
  || { echo "error: the order does not hold what the shopper ordered" >&2; exit 1; }

echo "== smoke: a shopper asks for a person; a human answers from the inbox and hands back"
printf 'I want to talk to a person\n' \
  | XDG_STATE_HOME="$state" "$storectl" --gateway "$gateway" chat --tenant demo --brand tech --new \
  | tee "$artifacts/smoke-handoff-chat.txt"
export STORE_SALES_API_KEY
STORE_SALES_API_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["demo"])' "$state/sales-api-keys.json")
sales="http://127.0.0.1:$((port + 3))"
handoff=""
for _ in $(seq 30); do
  handoff=$("$storectl" --sales "$sales" handoff list --brand tech --json \
    | python3 -c 'import json,sys; h=json.load(sys.stdin)["handoffs"]; print(h[0]["id"] if h else "")')
  [ -n "$handoff" ] && break
  sleep 1
done
[ -n "$handoff" ] || { echo "error: the escalation never reached the human sellers' inbox" >&2; exit 1; }
"$storectl" --sales "$sales" handoff reply "$handoff" "Hi, Ana here. How can I help?" --agent ana
"$storectl" --sales "$sales" handoff resolve "$handoff" --agent ana | tee "$artifacts/smoke-handoff.txt"
grep -q "human (ana)" "$artifacts/smoke-handoff.txt" \
  || { echo "error: the human's answer is not in the handoff's transcript" >&2; exit 1; }

echo "== smoke: the web chat page's product cards (page script on a stand-in DOM)"
node tests/browser/webchat-cards.mjs

echo "== smoke: a shopper orders on the web chat page (headless Chromium)"
node tests/browser/webchat-order.mjs "$gateway" demo fashion "$artifacts/webchat-order.png" \
  | tee "$artifacts/smoke-webchat.json"

echo "== smoke: a human seller works the inbox page next to a shopper (headless Chromium)"
owner_email=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["demo"]["email"])' "$state/inbox-owners.json")
owner_password=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["demo"]["password"])' "$state/inbox-owners.json")
node tests/browser/inbox.mjs "$gateway" "$sales" demo fashion "$owner_email" "$owner_password" "$artifacts" \
  | tee "$artifacts/smoke-inbox.json"

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
