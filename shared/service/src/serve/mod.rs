//! Serving HTTP the same way on every listener of every service: each
//! connection through hyper with a header-read timeout, request bodies
//! under a stall timeout, connections capped per client address and in
//! all ([`limits`]), the security headers on every response ([`headers`]),
//! the client's address for handlers (`ConnectInfo<SocketAddr>`), and a
//! graceful stop: on the token, no new connection, and each open one
//! finishes its request in flight.
//!
//! `axum::serve` has no timer, so hyper never times out a request's
//! headers there (one client held 3,000 half-sent requests open), and no
//! connection cap; hence this accept loop over hyper-util's pieces, which
//! is what `axum::serve` is made of.

pub mod headers;
pub mod limits;

use std::{net::SocketAddr, time::Duration};

use axum::{Router, extract::ConnectInfo, extract::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use prometheus::IntCounterVec;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt as _;
use tower_http::timeout::RequestBodyTimeoutLayer;

pub use headers::security_headers;
pub use limits::{Clients, HttpLimits, Refusal};

/// Serves `router` on `listener` under `limits` until `shutdown` is
/// cancelled, then waits for the open connections to finish. Connections
/// refused by the caps are counted in `refused` by reason.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    refused: IntCounterVec,
    shutdown: CancellationToken,
) {
    let router = router
        .layer(axum::middleware::map_response(security_headers))
        .layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout));
    let header_read_timeout = limits.header_read_timeout;
    let clients = Clients::new(limits);
    let connections = TaskTracker::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: the next
                    // accept may succeed once connections close (as
                    // `axum::serve` does).
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let admitted = match clients.admit(peer.ip()) {
            Ok(admitted) => admitted,
            Err(refusal) => {
                // Debug, not warn: a flood would write a line per
                // connection. The counter is what an operator watches: a
                // client refused here sees its connection closed at once.
                refused.with_label_values(&[refusal.label()]).inc();
                tracing::debug!(?refusal, "connection refused: too many open");
                drop(stream);
                continue;
            }
        };
        let service = router.clone().map_request(move |mut request: Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _admitted = admitted;
            serve_connection(stream, peer, service, header_read_timeout, shutdown).await;
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// `http_connections_refused_total{reason}`, registered in `metrics`: the
/// connections [`serve`] closed at accept because the service held
/// `HTTP_MAX_CONNECTIONS` (`full`) or the client's address
/// `HTTP_MAX_CONNECTIONS_PER_CLIENT` (`client_full`) already.
pub fn refused_connections(metrics: &store_telemetry::Metrics) -> anyhow::Result<IntCounterVec> {
    use anyhow::Context as _;
    let refused = IntCounterVec::new(
        prometheus::Opts::new(
            "http_connections_refused_total",
            "Connections closed at accept: the service held HTTP_MAX_CONNECTIONS (full), \
             or the client's address HTTP_MAX_CONNECTIONS_PER_CLIENT (client_full), already",
        ),
        &["reason"],
    )
    .context("Failed to create the refused connections counter")?;
    metrics
        .registry()
        .register(Box::new(refused.clone()))
        .context("Failed to register the refused connections counter")?;
    Ok(refused)
}

/// One connection: HTTP/1.1 (the only protocol the services speak) with
/// the header-read timeout; on `shutdown`, the request in flight finishes
/// and the connection closes.
async fn serve_connection<S>(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    service: S,
    header_read_timeout: Duration,
    shutdown: CancellationToken,
) where
    S: tower::Service<
            Request<Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let served = tokio::select! {
        served = connection.as_mut() => served,
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = served {
        // A client gone or too slow: its business, not the service's.
        tracing::debug!(%error, %peer, "connection ended with an error");
    }
}
