# syntax=docker/dockerfile:1
#
# Every agent-store service from one build. Build one image with its target:
#
#   docker build --target gateway         -t agent-store/gateway .
#   docker build --target catalog         -t agent-store/catalog .          # also `catalog seed`
#   docker build --target order-processor -t agent-store/order-processor .
#   docker build --target seller-agent    -t agent-store/seller-agent .     # one deployment per brand
#
# Stages: `chef` (Rust + cargo-chef) → `planner` (the dependency recipe) →
# `builder` (dependencies compiled from the recipe in their own cached layer,
# then the workspace) → `runtime` (Debian slim, non-root) → one small target
# per service holding only its binary. Editing the services' code rebuilds only
# the last `cargo build`; the dependency layer is reused until Cargo.toml or
# Cargo.lock change.
#
# Queries are checked at build time (`sqlx::query!`) against the query data
# committed in `.sqlx/`; `.cargo/config.toml` (copied with the
# context) sets `SQLX_OFFLINE=true`, so the build needs no database. The
# migrations are embedded at compile time by `sqlx::migrate!()` from each
# crate's `migrations/`.
#
# sales-assistant has no target yet: its main is still empty.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# The dependencies alone, cached as long as the recipe (manifests and lock
# file) is unchanged.
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked \
        --bin gateway --bin catalog --bin order-processor --bin seller-agent \
        --bin sales-assistant --bin storectl \
    && mkdir -p /out \
    && cp target/release/gateway target/release/catalog \
          target/release/order-processor target/release/seller-agent \
          target/release/sales-assistant target/release/storectl /out/

# What every service image shares: CA certificates (TLS to Meta, Telegram,
# LLM providers, Stripe), curl for the health checks, an unprivileged user,
# and the demo tenant file at the path the services default to.
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# Debian's security updates replace package versions within a release, so an
# exact version pin would break the build; the release itself is pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 store \
    && useradd --system --uid 10001 --gid store --no-create-home --shell /usr/sbin/nologin store
WORKDIR /app
COPY config/tenants.demo.yaml /app/config/tenants.demo.yaml
ENV RUST_LOG=info \
    PORT=8080
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]

FROM runtime AS gateway
COPY --from=builder /out/gateway /usr/local/bin/gateway
ENV TENANTS_FILE=/app/config/tenants.demo.yaml
ENTRYPOINT ["/usr/local/bin/gateway"]

FROM runtime AS catalog
COPY --from=builder /out/catalog /usr/local/bin/catalog
ENTRYPOINT ["/usr/local/bin/catalog"]

FROM runtime AS order-processor
COPY --from=builder /out/order-processor /usr/local/bin/order-processor
ENTRYPOINT ["/usr/local/bin/order-processor"]

FROM runtime AS seller-agent
COPY --from=builder /out/seller-agent /usr/local/bin/seller-agent
ENV TENANTS_FILE=/app/config/tenants.demo.yaml
ENTRYPOINT ["/usr/local/bin/seller-agent"]

FROM runtime AS sales-assistant
COPY --from=builder /out/sales-assistant /usr/local/bin/sales-assistant
ENTRYPOINT ["/usr/local/bin/sales-assistant"]

# The operator's command line (`docker compose run --rm storectl dlq list`,
# or a Kubernetes debug pod): no server, so no health check.
FROM runtime AS storectl
COPY --from=builder /out/storectl /usr/local/bin/storectl
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/storectl"]
