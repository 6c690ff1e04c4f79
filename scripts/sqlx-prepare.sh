#!/usr/bin/env bash
# The build-time checked queries' data (`.sqlx/` at the workspace root, read
# by every crate's `sqlx::query!` when SQLX_OFFLINE=true, which
# `.cargo/config.toml` sets). For each crate with checked queries: a
# database migrated with exactly the migrations that crate's service applies
# (the idempotency ledger's, the tenant tables' where it has tenant API
# keys, its own), named to the crate's macros by a `.env` of its own; then
# one `cargo check` of all of them, online, with SQLX_OFFLINE_DIR set, which
# makes the macros describe every query to their crate's database and write
# what they learn.
#
#   scripts/sqlx-prepare.sh           rewrite .sqlx/
#   scripts/sqlx-prepare.sh --check   fail when the committed .sqlx/ is not
#                                     what the code and the migrations give
#                                     (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[[ "${1:-}" == "--check" ]] && check=true

server=${SQLX_PREPARE_SERVER:-postgres://postgres@127.0.0.1:5432}
ledger=shared/idempotency/migrations
tenancy=shared/tenancy/migrations

# crate package, its folder, the migration folders its database gets.
crates=(
  "store-idempotency shared/idempotency $ledger"
  "store-tenancy shared/tenancy $tenancy"
  "gateway services/gateway $ledger services/gateway/migrations"
  "seller-agent services/seller-agent $ledger services/seller-agent/migrations"
  "catalog services/catalog $ledger $tenancy services/catalog/migrations"
  "order-processor services/order-processor $ledger $tenancy services/order-processor/migrations"
  "sales-assistant services/sales-assistant $ledger $tenancy services/sales-assistant/migrations"
)

databases=()
dotenvs=()
cleanup() {
  rm -f "${dotenvs[@]}"
  for db in "${databases[@]}"; do
    psql -q "$server/postgres" -c "drop database if exists $db" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

packages=()
for entry in "${crates[@]}"; do
  read -r package dir migrations <<<"$entry"
  # Only crates with checked queries need a database.
  grep -rqE 'query(_as|_scalar)?!' "$dir/src" || continue
  if [[ -e "$dir/.env" ]]; then
    echo "$dir/.env exists; it would be overwritten: move it away first" >&2
    exit 1
  fi
  # Unique per run: two runs at once (worktrees, helpers) must not drop
  # each other's databases.
  db="sqlx_prepare_${package//-/_}_$$"
  databases+=("$db")
  psql -q "$server/postgres" -c "set client_min_messages = warning" \
    -c "drop database if exists $db" -c "create database $db" >/dev/null
  # Every migration file of the crate's folders, in version order, as sqlx
  # applies them (each file whole).
  for file in $(for folder in $migrations; do ls "$folder"/*.sql; done | awk -F/ '{print $NF" "$0}' | sort | cut -d' ' -f2); do
    psql -q -v ON_ERROR_STOP=1 "$server/$db" -f "$file" >/dev/null
  done
  # The crate's macros read DATABASE_URL from the crate's own `.env`.
  echo "DATABASE_URL=$server/$db" >"$dir/.env"
  dotenvs+=("$dir/.env")
  touch "$dir/src/lib.rs"
  packages+=(-p "$package")
done

out=$(mktemp -d)
env -u DATABASE_URL SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" \
  cargo check --quiet --locked "${packages[@]}" --lib --bins

if $check; then
  if ! diff -r "$out" .sqlx >/dev/null 2>&1; then
    diff -r "$out" .sqlx | head -20 || true
    rm -rf "$out"
    echo "the query data in .sqlx/ is stale: run scripts/sqlx-prepare.sh and commit .sqlx/" >&2
    exit 1
  fi
  rm -rf "$out"
else
  rm -rf .sqlx
  mv "$out" .sqlx
  echo "$(ls .sqlx | wc -l) checked queries in .sqlx/"
fi
