//! The consumers' queue depths in the metrics: messages waiting behind a
//! slow handler, and dead letters.

use std::time::{Duration, Instant};

use store_bus::{ConsumerConfig, topology};
use tokio_util::sync::CancellationToken;

use crate::support::{Scripted, TestBus, recv};

/// The value of `metric{queue="<queue>"}` in the bus's metrics, if any.
fn gauge(t: &TestBus, metric: &str, queue: &str) -> Option<u32> {
    let label = format!("queue=\"{queue}\"");
    t.bus.metrics().render().lines().find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        (series.starts_with(&format!("{metric}{{")) && series.contains(&label))
            .then(|| value.parse().ok())
            .flatten()
    })
}

/// Waits until `metric` of `queue` satisfies `wanted`, returning it.
async fn until(t: &TestBus, metric: &str, queue: &str, wanted: impl Fn(u32) -> bool) -> u32 {
    let started = Instant::now();
    loop {
        if let Some(value) = gauge(t, metric, queue).filter(|v| wanted(*v)) {
            return value;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{metric} of {queue} never as wanted: {:?}",
            gauge(t, metric, queue)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn messages_waiting_behind_a_slow_handler_are_counted_then_drain_to_zero() {
    let t = TestBus::new().await;
    let queue = t.queue("depth");
    let (mut handler, mut rx) = Scripted::new(0);
    handler.delay = Duration::from_millis(300);
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(queue.clone(), ["store.test.ping.#"]).with_prefetch(1),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();

    for n in 0..6 {
        t.bus.publish(t.ping(n)).await.unwrap();
    }
    let waiting = until(&t, "store_queue_messages", &queue, |v| v >= 3).await;
    for _ in 0..6 {
        recv(&mut rx, 10).await;
    }
    let drained = until(&t, "store_queue_messages", &queue, |v| v == 0).await;

    assert!(waiting >= 3, "{waiting}");
    assert_eq!(drained, 0);
    assert_eq!(
        gauge(
            &t,
            "store_dead_letter_messages",
            &topology::dead_letter_queue(&queue)
        ),
        Some(0)
    );
    consumer.shutdown().await;
}

#[tokio::test]
async fn dead_letters_are_counted() {
    let t = TestBus::new().await;
    let queue = t.queue("depth-dlq");
    let (mut handler, mut rx) = Scripted::new(u32::MAX);
    handler.reject = true;
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(queue.clone(), ["store.test.ping.#"]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();

    for n in 0..3 {
        t.bus.publish(t.ping(n)).await.unwrap();
        recv(&mut rx, 10).await;
    }
    let dead = until(
        &t,
        "store_dead_letter_messages",
        &topology::dead_letter_queue(&queue),
        |v| v == 3,
    )
    .await;

    assert_eq!(dead, 3);
    consumer.shutdown().await;
}
