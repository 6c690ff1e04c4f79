//! `/healthz`, `/readyz` and `/metrics` through the router, with `oneshot`.

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use store_telemetry::{
    Metrics, Readiness,
    health::{check_fn, ops_router},
};
use tower::ServiceExt as _;

async fn get(router: Router, path: &str) -> (StatusCode, Option<String>, String) {
    let request = Request::get(path).body(Body::empty()).expect("request");
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).expect("utf-8"),
    )
}

/// The value of the sample `name{labels…}` in a text exposition, whatever
/// the order of its labels.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{')?;
        let pairs: Vec<&str> = rest.strip_suffix('}')?.split(',').collect();
        let wanted = labels.iter().map(|(k, v)| format!("{k}=\"{v}\""));
        let matches = metric == name
            && pairs.len() == labels.len()
            && wanted
                .into_iter()
                .all(|pair| pairs.contains(&pair.as_str()));
        matches.then(|| value.parse().ok()).flatten()
    })
}

fn metrics() -> Metrics {
    Metrics::new("gateway").expect("metrics")
}

#[tokio::test]
async fn healthz_is_ok_while_the_process_runs() {
    let router = ops_router(metrics(), Readiness::new());

    let (status, _, body) = get(router, "/healthz").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn readyz_is_200_when_every_check_passes() {
    // Arrange
    let readiness = Readiness::new()
        .with(check_fn("rabbitmq", || async { Ok(()) }))
        .with(check_fn("postgres", || async { Ok(()) }));
    let router = ops_router(metrics(), readiness);

    // Act
    let (status, content_type, body) = get(router, "/readyz").await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        body,
        json!({
            "ready": true,
            "checks": [
                {"name": "rabbitmq", "ok": true},
                {"name": "postgres", "ok": true},
            ],
        })
    );
}

#[tokio::test]
async fn readyz_is_503_naming_the_failing_check() {
    // Arrange
    let readiness = Readiness::new()
        .with(check_fn("rabbitmq", || async { Ok(()) }))
        .with(check_fn("postgres", || async {
            Err("connection refused by postgres://store:hunter2@db:5432/store".to_owned())
        }));
    let router = ops_router(metrics(), readiness);

    // Act
    let (status, _, body) = get(router, "/readyz").await;

    // Assert
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!body.contains("hunter2"), "{body}");
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["ready"], json!(false));
    assert_eq!(body["checks"][0], json!({"name": "rabbitmq", "ok": true}));
    assert_eq!(
        body["checks"][1],
        json!({
            "name": "postgres",
            "ok": false,
            "error": "connection refused by postgres://***@db:5432/store",
        })
    );
}

#[tokio::test]
async fn metrics_exposes_the_bus_counters_with_the_service_label() {
    // Arrange
    let metrics = metrics();
    metrics.bus().published("store.chat.message.new");
    metrics.bus().published("store.chat.message.new");
    metrics
        .bus()
        .dead_lettered("gateway.chat-response", "store.chat.response");
    let router = ops_router(metrics.clone(), Readiness::new());

    // Act
    let (status, content_type, body) = get(router, "/metrics").await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("text/plain; version=0.0.4"));
    let published = [("type", "store.chat.message.new"), ("service", "gateway")];
    assert_eq!(
        sample(&body, "store_events_published_total", &published),
        Some(2.0),
        "{body}"
    );
    let dead_lettered = [
        ("consumer", "gateway.chat-response"),
        ("type", "store.chat.response"),
        ("service", "gateway"),
    ];
    assert_eq!(
        sample(&body, "store_events_dead_lettered_total", &dead_lettered),
        Some(1.0),
        "{body}"
    );
}

#[tokio::test]
async fn metrics_includes_what_the_service_registers_itself() {
    // Arrange
    let metrics = metrics();
    let orders = prometheus::IntCounter::new("store_orders_created_total", "Orders created.")
        .expect("counter");
    metrics
        .registry()
        .register(Box::new(orders.clone()))
        .expect("register");
    orders.inc();
    let router = ops_router(metrics, Readiness::new());

    // Act
    let (_, _, body) = get(router, "/metrics").await;

    // Assert
    assert_eq!(
        sample(
            &body,
            "store_orders_created_total",
            &[("service", "gateway")]
        ),
        Some(1.0),
        "{body}"
    );
}

#[tokio::test]
async fn serve_ops_stops_when_the_token_is_cancelled() {
    // Arrange
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let token = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(store_telemetry::health::serve_ops_on(
        listener,
        ops_router(metrics(), Readiness::new()),
        token.clone(),
    ));

    // Act
    token.cancel();

    // Assert
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("server stopped")
        .expect("server task");
    assert!(outcome.is_ok(), "{outcome:?}");
}
