//! HTTP request metrics: every request a service answers, on every
//! listener, counted (`http_requests_total`) and timed
//! (`http_request_duration_seconds`) by route, method and status.
//!
//! Labels are bounded: `route` is the matched route's template
//! (`/api/tenants/{tenant}/products`), never the path a client sent, and
//! `unmatched` for a request no route took (a scanner's thousand paths are
//! one series); `method` is one of the standard methods or `other`;
//! `status` is the numeric code.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::{
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use prometheus::{CounterVec, HistogramOpts, HistogramVec, Opts, Registry};

use crate::Metrics;

/// Request-latency buckets in seconds, from 1 ms to 30 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The request counter and the latency histogram.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    requests: CounterVec,
    duration: HistogramVec,
}

impl HttpMetrics {
    /// Creates both metrics and registers them in `registry`.
    pub(crate) fn register(registry: &Registry) -> anyhow::Result<Self> {
        let labels = ["route", "method", "status"];
        let requests = CounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered."),
            &labels,
        )
        .context("Failed to create http_requests_total")?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival to its response's head.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &labels,
        )
        .context("Failed to create http_request_duration_seconds")?;
        registry
            .register(Box::new(requests.clone()))
            .context("Failed to register http_requests_total")?;
        registry
            .register(Box::new(duration.clone()))
            .context("Failed to register http_request_duration_seconds")?;
        Ok(Self { requests, duration })
    }

    /// A request to `route` with `method` was answered `status` after
    /// `elapsed`.
    pub fn observe(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [route, method_label(method), status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.duration
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }
}

/// Middleware recording every request in the service's [`HttpMetrics`];
/// add it with `Router::layer` (`axum::middleware::from_fn_with_state`) so
/// it runs after routing and sees the matched route.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let response = next.run(request).await;
    metrics.http().observe(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `method`'s label: a standard method's name, else `other`.
fn method_label(method: &Method) -> &'static str {
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use axum::{Router, body::Body, http::StatusCode, routing::get};
    use tower::ServiceExt as _;

    use super::*;

    async fn answer(router: &Router, method: Method, uri: &str) -> StatusCode {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        router
            .clone()
            .oneshot(request)
            .await
            .expect("response")
            .status()
    }

    /// The exposition's lines for `metric` (with its labels).
    fn lines<'a>(text: &'a str, metric: &str) -> Vec<&'a str> {
        text.lines()
            .filter(|line| line.starts_with(&format!("{metric}{{")))
            .collect()
    }

    #[tokio::test]
    async fn requests_are_counted_by_route_template_method_and_status() {
        // Arrange
        let metrics = Metrics::new("catalog").expect("metrics");
        let nested = Router::new().route("/products/{sku}", get(|| async { "a product" }));
        let router = Router::new()
            .nest("/api/{tenant}", nested)
            .route("/teapot", get(|| async { StatusCode::IM_A_TEAPOT }))
            .layer(axum::middleware::from_fn_with_state(metrics.clone(), track));

        // Act
        for sku in ["A-1", "B-2"] {
            answer(&router, Method::GET, &format!("/api/demo/products/{sku}")).await;
        }
        answer(&router, Method::GET, "/teapot").await;
        answer(&router, Method::GET, "/wp-admin/setup.php").await;
        answer(&router, Method::GET, "/.env").await;
        answer(
            &router,
            Method::from_bytes(b"BREW").expect("method"),
            "/teapot",
        )
        .await;
        let text = metrics.render();

        // Assert
        let counted = lines(&text, "http_requests_total");
        let expect = |labels: &str, value: &str| {
            assert!(
                counted
                    .iter()
                    .any(|line| line.contains(labels) && line.ends_with(value)),
                "no {labels} = {value} in {counted:#?}"
            );
        };
        expect(
            r#"method="GET",route="/api/{tenant}/products/{sku}",status="200",service="catalog""#,
            " 2",
        );
        expect(
            r#"method="GET",route="/teapot",status="418",service="catalog""#,
            " 1",
        );
        expect(
            r#"method="GET",route="unmatched",status="404",service="catalog""#,
            " 2",
        );
        expect(
            r#"method="other",route="/teapot",status="405",service="catalog""#,
            " 1",
        );
        assert_eq!(counted.len(), 4, "one series each: {counted:#?}");
        assert!(
            lines(&text, "http_request_duration_seconds_count")
                .iter()
                .any(
                    |line| line.contains(r#"route="/api/{tenant}/products/{sku}""#)
                        && line.ends_with(" 2")
                ),
            "{text}"
        );
        assert!(
            lines(&text, "http_request_duration_seconds_bucket")
                .iter()
                .any(|line| line.contains(r#"route="/teapot""#) && line.contains(r#"le="0.001""#)),
            "{text}"
        );
    }
}
