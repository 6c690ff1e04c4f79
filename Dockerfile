# syntax=docker/dockerfile:1
#
# Every agent-store service from one build. Build one image with its target:
#
#   docker build --target gateway         -t agent-store/gateway .
#   docker build --target catalog         -t agent-store/catalog .          # also `catalog seed`
#   docker build --target order-processor -t agent-store/order-processor .
#   docker build --target seller-agent    -t agent-store/seller-agent .     # one deployment per brand
#   docker build --target sales-assistant -t agent-store/sales-assistant .
#   docker build --target storectl        -t agent-store/storectl .         # the operator's CLI
#
# Labels: `--build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD)
# --build-arg SOURCE=<repository URL>` fill org.opencontainers.image.version,
# .revision and .source.
#
# Pinned by digest (production): the base images are build arguments, so a
# release build names each by digest and the build cannot change under it
# when a tag moves:
#
#   docker build --target gateway \
#     --build-arg BUILDER_IMAGE=rust:1.95-bookworm@sha256:<digest> \
#     --build-arg RUNTIME_IMAGE=debian:bookworm-slim@sha256:<digest> \
#     --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) .
#
# (`docker buildx imagetools inspect debian:bookworm-slim` prints a digest.)
# The images built from it are then deployed by digest too
# (`image: …/gateway@sha256:…`, see the chart's example production values).
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
# Ports: every service serves its public routes, /healthz and /readyz on
# PORT (8080) and its operator routes (/metrics, /admin/*) on OPERATOR_PORT
# (9090); the health check asks the public port.
#
# Why Debian slim and not smaller: the binaries link glibc dynamically (TLS is
# rustls, so no OpenSSL), which rules out scratch and Alpine (musl) without a
# second toolchain; distroless cannot be pulled from here. The slim runtime
# adds only CA certificates and curl (for HEALTHCHECK) to Debian's base.
# scripts/check-images.sh checks this file (hadolint, checkov) and that every
# binary compose and the chart start is built and copied into its target;
# scripts/images/build.sh builds every target with buildah (no daemon) and
# starts each entrypoint inside its image.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm
# Tags by default; production overrides these with `name:tag@sha256:<digest>`.
ARG BUILDER_IMAGE=rust:${RUST_VERSION}-${DEBIAN_RELEASE}
ARG RUNTIME_IMAGE=debian:${DEBIAN_RELEASE}-slim

# checkov:skip=CKV_DOCKER_7:The base images are build arguments so production can pin them by digest; their defaults above are tagged (rust:1.95-bookworm, debian:bookworm-slim), never latest.

FROM ${BUILDER_IMAGE} AS chef
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
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
# SOURCE: the repository's URL, given by the release build (the project has
# no public address yet, so no default pretends to be one).
ARG SOURCE=unknown
LABEL org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.vendor="agent-store" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.title="agent-store" \
      org.opencontainers.image.description="agent-store service runtime"
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
# OPERATOR_HOST: in a container the operator listener must be reachable by
# Prometheus; what may reach it is the network's business (the chart's
# NetworkPolicy, compose's private network), as the chart does.
ENV RUST_LOG=info \
    PORT=8080 \
    OPERATOR_HOST=0.0.0.0 \
    OPERATOR_PORT=9090
EXPOSE 8080 9090
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]

FROM runtime AS gateway
LABEL org.opencontainers.image.title="agent-store-gateway" \
      org.opencontainers.image.description="agent-store gateway: WhatsApp, Telegram and web chat in and out"
COPY --from=builder /out/gateway /usr/local/bin/gateway
ENV TENANTS_FILE=/app/config/tenants.demo.yaml
ENTRYPOINT ["/usr/local/bin/gateway"]

FROM runtime AS catalog
LABEL org.opencontainers.image.title="agent-store-catalog" \
      org.opencontainers.image.description="agent-store catalog: products, stock and search"
COPY --from=builder /out/catalog /usr/local/bin/catalog
ENTRYPOINT ["/usr/local/bin/catalog"]

FROM runtime AS order-processor
LABEL org.opencontainers.image.title="agent-store-order-processor" \
      org.opencontainers.image.description="agent-store order-processor: orders, payments and shipping"
COPY --from=builder /out/order-processor /usr/local/bin/order-processor
ENTRYPOINT ["/usr/local/bin/order-processor"]

FROM runtime AS seller-agent
LABEL org.opencontainers.image.title="agent-store-seller-agent" \
      org.opencontainers.image.description="agent-store seller-agent: one brand's AI seller"
COPY --from=builder /out/seller-agent /usr/local/bin/seller-agent
ENV TENANTS_FILE=/app/config/tenants.demo.yaml
ENTRYPOINT ["/usr/local/bin/seller-agent"]

FROM runtime AS sales-assistant
LABEL org.opencontainers.image.title="agent-store-sales-assistant" \
      org.opencontainers.image.description="agent-store sales-assistant: the human sellers' inbox and hand-off"
COPY --from=builder /out/sales-assistant /usr/local/bin/sales-assistant
ENTRYPOINT ["/usr/local/bin/sales-assistant"]

# The operator's command line (`docker compose run --rm storectl dlq list`,
# or a Kubernetes debug pod): no server, so no health check and no port.
FROM runtime AS storectl
LABEL org.opencontainers.image.title="agent-store-storectl" \
      org.opencontainers.image.description="agent-store storectl: the operator's command line"
COPY --from=builder /out/storectl /usr/local/bin/storectl
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/storectl"]
