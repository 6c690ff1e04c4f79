//! The ops HTTP surface every service exposes on its own port:
//! `GET /healthz`, `GET /readyz` and `GET /metrics`.

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::Readiness;
use crate::metrics::Metrics;

#[derive(Clone)]
struct OpsState {
    metrics: Metrics,
    readiness: Readiness,
}

/// `/healthz` and `/readyz` alone, for a service's public port (load
/// balancers and the kubelet probe them there); `/metrics` stays on the
/// operator's port ([`ops_router`]).
pub fn health_router(readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz_only))
        .with_state(readiness)
}

async fn readyz_only(State(readiness): State<Readiness>) -> Response {
    readiness_response(&readiness).await
}

/// `/healthz` (200 `ok` while the process runs), `/readyz` (200 or 503 with
/// a JSON [`ReadinessReport`](super::ReadinessReport)) and `/metrics`
/// (Prometheus text format).
pub fn ops_router(metrics: Metrics, readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(render_metrics))
        .with_state(OpsState { metrics, readiness })
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<OpsState>) -> Response {
    readiness_response(&state.readiness).await
}

async fn readiness_response(readiness: &Readiness) -> Response {
    let report = readiness.run().await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

async fn render_metrics(State(state): State<OpsState>) -> Response {
    (
        [(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        state.metrics.render(),
    )
        .into_response()
}

/// Binds `addr` and serves `router` until `shutdown` is cancelled, then
/// finishes in-flight requests.
pub async fn serve_ops(
    addr: SocketAddr,
    router: Router,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("Failed to bind the ops server to {addr}"))?;
    serve_ops_on(listener, router, shutdown).await
}

/// Like [`serve_ops`] on an already bound listener (tests bind port 0).
pub async fn serve_ops_on(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "ops server listening");
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .context("Ops server failed")
}
