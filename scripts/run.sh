#!/usr/bin/env bash
# The whole store on this machine, in one command:
#
#   scripts/run.sh                 # offline sellers (no LLM, no key needed)
#   LLM_API_KEY=sk-… scripts/run.sh --llm openai --model gpt-4o-mini
#   LLM_API_KEY=sk-ant-… scripts/run.sh --llm anthropic --model claude-sonnet-4-5
#   scripts/run.sh --llm ollama --model llama3.1      # a local Ollama
#   scripts/run.sh --reset         # start again from empty databases
#
# Starts RabbitMQ and PostgreSQL if needed, builds the services, creates their
# databases, loads the demo catalog, starts the catalog, the order processor,
# the gateway, a seller per demo brand and the sales assistant (the human
# sellers' inbox, with an owner account per tenant), and prints the URLs and
# the inbox's sign-in. Ctrl-C stops everything. Logs, the generated API keys
# and the inbox sign-ins are in .run/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services-up.sh --keep-test-data
echo "building the services…"
cargo build --locked --quiet --bins \
  -p gateway -p catalog -p order-processor -p seller-agent -p sales-assistant -p storectl -p store-stack
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
exec "$target_dir/debug/store-up" "$@"
