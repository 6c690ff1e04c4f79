//! `storectl dlq`: replay against the real broker (an exchange and queues
//! of this test's own), listing against a fake management API that
//! speaks RabbitMQ's `/api/queues` JSON.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use lapin::{Connection, ConnectionProperties, options::QueueDeclareOptions};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use store_bus::{Bus, BusConfig, ConsumerConfig, Handler, HandlerError, Incoming, topology};
use store_events::{EventContext, EventData, TenantId, decode, new_event};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path, query_param},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ping {
    n: u32,
}

impl EventData for Ping {
    const TYPE: &'static str = "store.test.ping";
}

/// Rejects the first `rejections` events, accepts the rest; reports each.
struct RejectFirst {
    calls: Arc<AtomicU32>,
    rejections: u32,
    tx: mpsc::UnboundedSender<Incoming>,
}

#[async_trait::async_trait]
impl Handler for RejectFirst {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.tx.send(incoming.clone());
        if call <= self.rejections {
            return Err(HandlerError::reject(format!("refused call {call}")));
        }
        Ok(())
    }
}

async fn depth(queue: &str) -> u32 {
    let conn = Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let declared = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            Default::default(),
        )
        .await
        .unwrap();
    let _ = conn.close(200, "done".into()).await;
    declared.message_count()
}

async fn wait_for_depth(queue: &str, expected: u32) {
    for _ in 0..100 {
        if depth(queue).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{queue} never held {expected} messages (holds {})",
        depth(queue).await
    );
}

/// Deletes this test's queues and exchange, also when the management API
/// (which `purge_broker` uses) is not there.
async fn clean_up(prefix: &str, queues: &[String], exchange: &str) {
    store_testkit::purge_broker(prefix).await;
    let Ok(conn) =
        Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default()).await
    else {
        return;
    };
    for queue in queues {
        if let Ok(channel) = conn.create_channel().await {
            let _ = channel
                .queue_delete(queue.as_str().into(), Default::default())
                .await;
        }
    }
    if let Ok(channel) = conn.create_channel().await {
        let _ = channel
            .exchange_delete(exchange.into(), Default::default())
            .await;
    }
    let _ = conn.close(200, "done".into()).await;
}

async fn storectl(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_storectl"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn replay_moves_dead_letters_back_to_their_consumer_up_to_the_limit() {
    store_telemetry::init_for_tests();
    let prefix = store_testkit::unique("storectl-dlq");
    let exchange = format!("{prefix}.events");
    let queue = format!("{prefix}.orders");
    let dlq = topology::dead_letter_queue(&queue);
    let config = BusConfig::new(
        prefix.clone(),
        SecretString::from(store_testkit::amqp_url()),
    )
    .with_exchange(exchange.clone());
    let bus = Bus::connect(config, Metrics::new(&prefix).unwrap())
        .await
        .unwrap();
    let (tx, mut seen) = mpsc::unbounded_channel();
    let calls = Arc::new(AtomicU32::new(0));
    let handler = RejectFirst {
        calls: calls.clone(),
        rejections: 2,
        tx,
    };
    let consumer = bus
        .consume(
            ConsumerConfig::new(queue.clone(), ["store.test.ping.#"])
                .with_retry_delays([Duration::from_millis(100)])
                .ordered(),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let context = EventContext::new(TenantId::parse("demo").unwrap());
    for n in [1, 2] {
        bus.publish(new_event("/test", &context, &Ping { n }).unwrap())
            .await
            .unwrap();
    }
    for _ in 0..2 {
        tokio::time::timeout(Duration::from_secs(10), seen.recv())
            .await
            .unwrap()
            .unwrap();
    }
    wait_for_depth(&dlq, 2).await;
    let replay = |limit: &str| {
        vec![
            "--amqp".to_owned(),
            store_testkit::amqp_url(),
            "dlq".to_owned(),
            "replay".to_owned(),
            dlq.clone(),
            "--exchange".to_owned(),
            exchange.clone(),
            "--limit".to_owned(),
            limit.to_owned(),
        ]
    };

    let first = storectl(replay("1")).await;
    let again = tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .unwrap()
        .unwrap();
    wait_for_depth(&dlq, 1).await;
    let rest = storectl(replay("10")).await;
    let last = tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .unwrap()
        .unwrap();

    let first_out = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(first_out.trim(), format!("replayed 1 message from {dlq}"));
    assert_eq!(
        String::from_utf8_lossy(&rest.stdout).trim(),
        format!("replayed 1 message from {dlq}")
    );
    assert_eq!(
        again.attempt, 1,
        "a replayed event starts its attempts afresh"
    );
    let mut replayed = [
        decode::<Ping>(&again.event).unwrap().n,
        decode::<Ping>(&last.event).unwrap().n,
    ];
    replayed.sort_unstable();
    assert_eq!(replayed, [1, 2], "both dead letters came back, each once");
    wait_for_depth(&dlq, 0).await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);

    consumer.shutdown().await;
    bus.close().await;
    let queues = [
        queue.clone(),
        dlq.clone(),
        topology::retry_queue(&queue, Duration::from_millis(100)),
    ];
    clean_up(&prefix, &queues, &exchange).await;
}

#[tokio::test]
async fn list_shows_only_dead_letter_queues_with_their_counts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/queues"))
        .and(query_param("columns", "name,vhost,messages"))
        // guest:guest, taken out of the URL into Basic auth.
        .and(header("authorization", "Basic Z3Vlc3Q6Z3Vlc3Q="))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"name": "seller.fashion", "vhost": "/", "messages": 3},
            {"name": "seller.fashion.dlq", "vhost": "/", "messages": 2},
            {"name": "orders.requests.dlq", "vhost": "/", "messages": 0},
            {"name": "orders.requests.retry.1000ms", "vhost": "/", "messages": 1},
            {"name": "other.dlq", "vhost": "shop2"}
        ])))
        .mount(&server)
        .await;
    let management = server.uri().replace("http://", "http://guest:guest@");

    let all = storectl::dlq::list(&management, None).await.unwrap();
    let sellers = storectl::dlq::list(&management, Some("seller."))
        .await
        .unwrap();

    let names: Vec<_> = all.iter().map(|q| (q.name.as_str(), q.messages)).collect();
    assert_eq!(
        names,
        [
            ("orders.requests.dlq", 0),
            ("seller.fashion.dlq", 2),
            ("other.dlq", 0)
        ]
    );
    assert_eq!(sellers.len(), 1);
    assert_eq!(sellers[0].name, "seller.fashion.dlq");
}

#[tokio::test]
async fn list_with_wrong_credentials_says_which_setting() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string(r#"{"error":"not_authorised"}"#))
        .mount(&server)
        .await;
    let management = server.uri().replace("http://", "http://guest:wrong@");

    let error = storectl::dlq::list(&management, None)
        .await
        .unwrap_err()
        .to_string();

    assert!(error.contains("RABBITMQ_MANAGEMENT_URL"), "{error}");
    assert!(!error.contains("wrong"), "{error}");
}
