//! What every service's HTTP server holds against a hostile client: slow
//! headers time out, one address cannot hold more than its share of
//! connections, and every response carries the security headers.

use std::time::{Duration, Instant};

use axum::{
    Router,
    http::header,
    response::{Html, IntoResponse as _},
    routing::get,
};
use secrecy::SecretString;
use store_bus::BusConfig;
use store_service::{Foundation, Service, db, serve::HttpLimits};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};

/// A service with a few routes (JSON, a page without a CSP of its own, a
/// page with one) under `limits`, running: its port, its operator port,
/// what stops it and its exchange.
async fn running(limits: HttpLimits) -> (u16, u16, tokio_util::sync::CancellationToken, String) {
    let (_, url) = store_testkit::fresh_database_with_url().await.unwrap();
    let pool = db::connect(&SecretString::from(url), 2).await.unwrap();
    let exchange = store_testkit::unique("limits-test");
    let bus = BusConfig::new("limits-test", SecretString::from(store_testkit::amqp_url()))
        .with_exchange(exchange.clone());
    let mut base = Foundation::start("limits-test", pool, bus).await.unwrap();
    base.http = limits;
    let api = Router::new()
        .route(
            "/json",
            get(|| async { axum::Json(serde_json::json!({"a": 1})) }),
        )
        .route("/page", get(|| async { Html("<p>hi</p>") }))
        .route(
            "/echo",
            axum::routing::post(|body: String| async move { body }),
        )
        .route(
            "/own",
            get(|| async {
                (
                    [(
                        header::CONTENT_SECURITY_POLICY,
                        "frame-ancestors https://shop.example",
                    )],
                    Html("<p>framed</p>"),
                )
                    .into_response()
            }),
        );
    let service: Service = base
        .bind(
            store_service::config::test_http_addr(),
            api,
            store_service::config::test_http_addr(),
            Router::new(),
            vec![],
            vec![],
        )
        .await
        .unwrap();
    let (port, operator) = (service.port(), service.operator_port());
    let shutdown = service.shutdown_token();
    tokio::spawn(service.run_until_stopped());
    (port, operator, shutdown, exchange)
}

/// Reads until the server closes the connection; how long that took, or
/// `None` if it was still open after `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((start + wait).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_client_that_sends_half_a_request_line_is_disconnected_after_the_header_timeout() {
    let limits = HttpLimits {
        header_read_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    };
    let (port, _, shutdown, exchange) = running(limits).await;

    let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow.write_all(b"GET /js").await.unwrap();
    let closed = closed_within(&mut slow, Duration::from_secs(5)).await;

    assert!(
        closed.is_some(),
        "the half-sent request is still open after 5 s"
    );
    shutdown.cancel();
    store_testkit::purge_broker(&exchange).await;
}

#[tokio::test]
async fn a_body_that_stalls_is_refused_after_the_body_timeout() {
    let limits = HttpLimits {
        body_read_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    };
    let (port, _, shutdown, exchange) = running(limits).await;

    let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        .await
        .unwrap();
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut answer)).await;

    let read = read.expect("no answer 5 s after the body stalled").unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    shutdown.cancel();
    store_testkit::purge_broker(&exchange).await;
}

#[tokio::test]
async fn connections_over_the_cap_of_one_address_are_refused_and_the_others_served() {
    let limits = HttpLimits {
        max_connections_per_client: 2,
        ..HttpLimits::default()
    };
    let (port, operator, shutdown, exchange) = running(limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    // Let the server take both before the third arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut third = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let refused = closed_within(&mut third, Duration::from_secs(2)).await;
    held[0]
        .write_all(b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    held[0].read_to_string(&mut answer).await.unwrap();

    assert!(
        refused.is_some(),
        "a third connection from one address was kept open"
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(held);
    // Once the others are gone, the address is welcome again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = reqwest::get(format!("http://127.0.0.1:{port}/json"))
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let metrics = reqwest::get(format!("http://127.0.0.1:{operator}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        store_testkit::app::metric_sum(
            &metrics,
            "http_connections_refused_total",
            &[("reason", "client_full")]
        ),
        1.0,
        "the refusal is counted: {metrics}"
    );
    shutdown.cancel();
    store_testkit::purge_broker(&exchange).await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_page_keeps_its_own_policy() {
    let (port, _, shutdown, exchange) = running(HttpLimits::default()).await;
    let get = |path: &str| reqwest::get(format!("http://127.0.0.1:{port}{path}"));

    for path in ["/json", "/page", "/own", "/healthz", "/metrics", "/nowhere"] {
        let response = get(path).await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(headers.contains_key("content-security-policy"), "{path}");
    }
    let page = get("/page").await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let own = get("/own").await.unwrap();

    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(
        own.headers()["content-security-policy"],
        "frame-ancestors https://shop.example"
    );
    assert!(
        !own.headers().contains_key("x-frame-options"),
        "its own framing rule stands"
    );
    shutdown.cancel();
    store_testkit::purge_broker(&exchange).await;
}
