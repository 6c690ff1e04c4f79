#!/usr/bin/env bash
# The project's one test command: what CI runs and what to run before pushing.
# Starts what the tests need, then formatting, lints and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage says when it started, so a slow one shows in CI's log.
stage() { echo "== $* ($(date +%T))"; }

stage "services"
scripts/services-up.sh
scripts/setup-python.sh >/dev/null

export AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}

stage "helm chart"
scripts/check-helm.sh
stage "cargo fmt --check"
cargo fmt --all -- --check
stage "house rules: no module cycles, no service crate depending on another, one integration-test binary per crate"
cargo run --quiet --locked -p house
stage "dependency audit: advisories (vendored RustSec database), licenses, bans, sources"
scripts/deny.sh
stage "checked queries: the committed .sqlx/ data is what the code and the migrations give"
scripts/sqlx-prepare.sh --check
stage "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# One build of the binaries (the end-to-end tests run them) and the tests,
# so cargo schedules both together.
stage "build the binaries and the tests"
cargo build --workspace --bins --tests --locked
stage "images and k8s/: hadolint, the binaries each image runs, the kustomize base and dev overlay in step with the chart"
scripts/check-images.sh
stage "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast
fi
stage "smoke: the README's run command, storectl chat and the web chat page in Chromium"
scripts/smoke.sh
stage "done"
