#!/usr/bin/env bash
# The dependency audit: cargo-deny's advisories (known vulnerabilities,
# unmaintained and yanked crates), licenses, bans and sources, offline.
#
# The RustSec advisory database is vendored in deny/advisory-db (a snapshot:
# deny/advisory-db/SNAPSHOT names its upstream commit and date), because CI
# cannot reach GitHub. cargo-deny reads a database as a git checkout, so this
# makes one in a temporary directory, committed at the snapshot's own date
# (cargo-deny's staleness limit in deny.toml then measures the snapshot's
# real age).
#
#   scripts/deny.sh                    # the audit
#   scripts/deny.sh --refresh DIR      # replace the snapshot with the
#                                      # advisory-db checkout in DIR
set -euo pipefail
cd "$(dirname "$0")/.."

vendored=deny/advisory-db

if [[ "${1:-}" == "--refresh" ]]; then
  source=${2:?"usage: scripts/deny.sh --refresh <advisory-db checkout>"}
  rm -rf "$vendored"
  mkdir -p "$vendored"
  cp -r "$source/crates" "$source/rust" "$source/LICENSE.txt" "$vendored/"
  {
    echo "rustsec/advisory-db $(git -C "$source" rev-parse HEAD)"
    git -C "$source" log -1 --format=%cI
  } > "$vendored/SNAPSHOT"
  echo "advisory database snapshot: $(head -1 "$vendored/SNAPSHOT") of $(tail -1 "$vendored/SNAPSHOT")"
  exit 0
fi

if ! cargo deny --version >/dev/null 2>&1; then
  echo "installing cargo-deny"
  cargo install --locked cargo-deny@0.20.2
fi

db_root=$(mktemp -d)
trap 'rm -rf "$db_root"' EXIT
# The directory cargo-deny derives from the default database URL.
db="$db_root/advisory-db-3157b0e258782691"
mkdir -p "$db"
cp -r "$vendored"/. "$db/"
snapshot_date=$(tail -1 "$vendored/SNAPSHOT")
(
  cd "$db"
  git init -q
  git add -A
  GIT_AUTHOR_DATE="$snapshot_date" GIT_COMMITTER_DATE="$snapshot_date" \
    git -c user.name=deny -c user.email=deny@localhost commit -q -m "$(head -1 SNAPSHOT)"
)
# cargo-deny reads the metadata of every target's dependencies offline: a
# fresh machine has only its own platform's crates, so fetch the rest first
# (from the package registry; a no-op once they are there).
cargo fetch --locked --quiet
ADVISORY_DB_ROOT="$db_root" cargo deny --offline --locked check --show-stats
