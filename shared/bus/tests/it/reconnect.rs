//! When the broker drops our connections (a restart, a network cut, an
//! operator), the publisher and the consumer reconnect on their own and
//! nothing published after that is lost. The drop is real: the broker's own
//! `rabbitmqctl close_connection` on every connection of the test's service.

use std::{process::Command, time::Duration};

use crate::support::{Scripted, TestBus, recv};
use store_bus::ConsumerConfig;
use tokio_util::sync::CancellationToken;

/// Closes every broker connection whose name starts with `service`.
fn close_connections_of(service: &str) -> usize {
    let out = Command::new("rabbitmqctl")
        .args([
            "list_connections",
            "--no-table-headers",
            "--quiet",
            "pid",
            "client_properties",
        ])
        .output()
        .expect("rabbitmqctl must be installed beside the broker for this test");
    let listing = String::from_utf8_lossy(&out.stdout);
    let pids: Vec<String> = listing
        .lines()
        .filter(|line| line.contains(&format!("\"{service}:")))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect();
    for pid in &pids {
        let status = Command::new("rabbitmqctl")
            .args(["close_connection", pid, "test: simulated broker outage"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    pids.len()
}

#[tokio::test]
async fn publisher_and_consumer_reconnect_after_the_broker_drops_them() {
    let t = TestBus::new().await;
    let (handler, mut rx) = Scripted::new(0);
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(t.queue("survivor"), ["store.test.ping.#"])
                .with_retry_delays([Duration::from_millis(100)]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    t.bus.publish(t.ping(1)).await.unwrap();
    assert_eq!(recv(&mut rx, 10).await.attempt, 1);

    let service = t.bus.config().service.clone();
    let closed = tokio::task::spawn_blocking(move || close_connections_of(&service))
        .await
        .unwrap();
    assert!(
        closed >= 2,
        "expected the publishing and the consuming connection, closed {closed}"
    );

    // The first publish after the outage reconnects by itself.
    let mut published = false;
    for _ in 0..50 {
        if t.bus.publish(t.ping(2)).await.is_ok() {
            published = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(published, "publisher never reconnected");
    let got = recv(&mut rx, 30).await;
    assert_eq!(
        store_events::decode::<crate::support::Ping>(&got.event)
            .unwrap()
            .n,
        2
    );
    consumer.shutdown().await;
}
