#!/usr/bin/env bash
# The build-time checked queries' data (`.sqlx/` in each crate that uses
# `sqlx::query!`): for each crate, a database migrated with exactly the
# migrations that crate's service applies (the idempotency ledger's, the
# tenant tables' where it has tenant API keys, its own), then the crate's
# library and binaries compiled against it with SQLX_OFFLINE_DIR set, which
# makes the query macros describe every query to the database and write
# what they learn.
#
#   scripts/sqlx-prepare.sh [PACKAGE…]          rewrite the crates' .sqlx/
#   scripts/sqlx-prepare.sh --check [PACKAGE…]  fail when a committed .sqlx/
#                                               is not what the code and the
#                                               migrations give (CI runs it)
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
if [[ "${1:-}" == "--check" ]]; then
  check=true
  shift
fi
only=("$@")

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

stale=()
for entry in "${crates[@]}"; do
  read -r package dir migrations <<<"$entry"
  if ((${#only[@]})) && [[ ! " ${only[*]} " == *" $package "* ]]; then
    continue
  fi
  # Only crates with checked queries have query data.
  if ! grep -rqE 'query(_as|_scalar)?!' "$dir/src"; then
    continue
  fi
  db="sqlx_prepare_${package//-/_}"
  psql -q "$server/postgres" -c "set client_min_messages = warning" -c "drop database if exists $db" -c "create database $db" >/dev/null
  # Every migration file of the crate's folders, in version order, as sqlx
  # applies them (each file whole).
  for file in $(for folder in $migrations; do ls "$folder"/*.sql; done | awk -F/ '{print $NF" "$0}' | sort | cut -d' ' -f2); do
    psql -q -v ON_ERROR_STOP=1 "$server/$db" -f "$file" >/dev/null
  done
  out="$dir/.sqlx"
  if $check; then
    out=$(mktemp -d)
  else
    rm -rf "$out"
    mkdir -p "$out"
  fi
  # SQLX_OFFLINE_DIR is seen by every crate compiled in the online run, so
  # first bring the crate's dependencies up to date offline: then only the
  # touched crate recompiles online, and only its queries land in $out.
  cargo check --quiet --locked -p "$package" --lib --bins
  # Touch the crate so its macros run again, online, writing into $out.
  touch "$dir/src/lib.rs"
  SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$(realpath "$out")" DATABASE_URL="$server/$db" \
    cargo check --quiet --locked -p "$package" --lib --bins
  touch "$dir/src/lib.rs"
  psql -q "$server/postgres" -c "drop database $db" >/dev/null
  if $check; then
    if ! diff -r "$out" "$dir/.sqlx" >/dev/null 2>&1; then
      stale+=("$package")
      diff -r "$out" "$dir/.sqlx" | head -20 || true
    fi
    rm -rf "$out"
  else
    echo "$package: $(ls "$out" | wc -l) checked queries in $out"
  fi
done

if ((${#stale[@]})); then
  echo "query data is stale for: ${stale[*]} (run scripts/sqlx-prepare.sh and commit .sqlx/)" >&2
  exit 1
fi
