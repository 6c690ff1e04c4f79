//! The shared start-up against the real PostgreSQL and RabbitMQ: migrating,
//! serving the ops routes, counting every listener's requests and draining
//! on shutdown.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, routing::get};
use secrecy::SecretString;
use store_bus::BusConfig;
use store_service::{Foundation, db};

async fn migrated_pool() -> sqlx::PgPool {
    let (_, url) = store_testkit::fresh_database_with_url().await.unwrap();
    let pool = db::connect(&SecretString::from(url), 2).await.unwrap();
    db::migrate(
        &pool,
        sqlx::migrate!("tests/it/probe_migrations"),
        "probe service",
    )
    .await
    .unwrap();
    pool
}

#[tokio::test]
async fn migrating_twice_applies_the_ledger_and_the_services_migrations_once() {
    let pool = migrated_pool().await;

    db::migrate(
        &pool,
        sqlx::migrate!("tests/it/probe_migrations"),
        "probe service",
    )
    .await
    .unwrap();

    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables \
         where table_name in ('probe', 'processed_event') order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(tables, ["probe", "processed_event"]);
}

#[tokio::test]
async fn a_service_serves_until_cancelled_then_drains_its_tasks() {
    let pool = migrated_pool().await;
    let exchange = store_testkit::unique("service-test");
    let bus = BusConfig::new(
        "service-test",
        SecretString::from(store_testkit::amqp_url()),
    )
    .with_exchange(exchange.clone());
    let base = Foundation::start("service-test", pool, bus).await.unwrap();
    let drained = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn({
        let (stop, drained) = (base.shutdown.child_token(), drained.clone());
        async move {
            stop.cancelled().await;
            // Work that takes a moment after the signal, like a last relay.
            tokio::time::sleep(Duration::from_millis(50)).await;
            drained.store(true, Ordering::SeqCst);
        }
    });
    let api = Router::new().route("/hello", get(|| async { "hi" }));
    let service = base
        .bind(
            store_service::config::test_http_addr(),
            api,
            vec![],
            vec![task],
        )
        .await
        .unwrap();
    let base_url = format!("http://127.0.0.1:{}", service.port());
    let shutdown = service.shutdown_token();
    let running = tokio::spawn(service.run_until_stopped());

    let http = reqwest::Client::new();
    let hello = http.get(format!("{base_url}/hello")).send().await.unwrap();
    let ready = http.get(format!("{base_url}/readyz")).send().await.unwrap();
    assert_eq!(hello.text().await.unwrap(), "hi");
    assert_eq!(ready.status(), 200);

    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .unwrap();

    assert!(stopped.is_ok());
    assert!(
        drained.load(Ordering::SeqCst),
        "stopped before its task finished"
    );
    store_testkit::purge_broker(&exchange).await;
}

#[tokio::test]
async fn a_second_listener_serves_only_its_own_routes_and_stops_with_the_service() {
    let pool = migrated_pool().await;
    let exchange = store_testkit::unique("service-test");
    let bus = BusConfig::new(
        "service-test",
        SecretString::from(store_testkit::amqp_url()),
    )
    .with_exchange(exchange.clone());
    let base = Foundation::start("service-test", pool, bus).await.unwrap();
    let api = Router::new().route("/hello", get(|| async { "hi" }));
    let operator = Router::new().route("/operate", get(|| async { "done" }));
    let operator_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let operator_port = operator_listener.local_addr().unwrap().port();
    let service = base
        .bind(store_service::config::test_http_addr(), api, vec![], vec![])
        .await
        .unwrap()
        .also_serve("operator port", operator_listener, operator);
    let public = format!("http://127.0.0.1:{}", service.port());
    let private = format!("http://127.0.0.1:{operator_port}");
    let shutdown = service.shutdown_token();
    let running = tokio::spawn(service.run_until_stopped());

    let http = reqwest::Client::new();
    let operated = http.get(format!("{private}/operate")).send().await.unwrap();
    let not_public = http.get(format!("{public}/operate")).send().await.unwrap();
    let no_ops = http.get(format!("{private}/readyz")).send().await.unwrap();
    assert_eq!(operated.text().await.unwrap(), "done");
    assert_eq!(not_public.status(), 404);
    assert_eq!(no_ops.status(), 404);
    // Every listener's requests are counted, by route template.
    let metrics = http.get(format!("{public}/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    let counted = |route: &str, status: u16, times: u32| {
        metrics.lines().any(|line| {
            line.starts_with("http_requests_total{")
                && line.contains(&format!("route=\"{route}\""))
                && line.contains(&format!("status=\"{status}\""))
                && line.ends_with(&format!(" {times}"))
        })
    };
    assert!(counted("/operate", 200, 1), "{metrics}");
    // `/operate` on the public port and `/readyz` on the other.
    assert!(counted("unmatched", 404, 2), "{metrics}");

    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .unwrap();
    assert!(stopped.is_ok());
    assert!(
        http.get(format!("{private}/operate")).send().await.is_err(),
        "the second listener is closed"
    );
    store_testkit::purge_broker(&exchange).await;
}
