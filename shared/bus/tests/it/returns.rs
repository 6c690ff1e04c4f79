//! Returned messages reach the publish they belong to, with many mandatory
//! publishes in flight at once: routed events to a quorum queue (confirmed
//! after the broker's fsync) mixed with unroutable ones (returned, then
//! confirmed at once), so confirms arrive out of publish order — the case
//! where pairing returns with confirms by arrival order blames the wrong
//! publish.

use std::collections::BTreeMap;

use futures::StreamExt as _;
use lapin::{
    Connection, ConnectionProperties,
    options::{QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions},
    types::{AMQPValue, FieldTable},
};
use store_bus::PublishError;
use store_events::{BrandId, EventContext, TenantId, new_event};

use crate::support::{Ping, TestBus};

/// Publishes `count` events, `in_flight` at a time, every third one to a
/// brand nothing is bound for; returns how many were judged wrongly, by
/// kind.
async fn publish_mixed(
    test: &TestBus,
    count: u32,
    in_flight: usize,
) -> BTreeMap<&'static str, u32> {
    let exchange = test.bus.config().exchange.clone();
    let queue = test.queue("routed");
    let conn = Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            args,
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.as_str().into(),
            exchange.as_str().into(),
            "store.test.ping.demo.routed".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let outcomes: Vec<(bool, Result<(), PublishError>)> = futures::stream::iter(0..count)
        .map(|n| {
            let routed = n % 3 != 0;
            let mut context = EventContext::new(TenantId::parse("demo").unwrap());
            context.brand =
                Some(BrandId::parse(if routed { "routed" } else { "nowhere" }).unwrap());
            let event = new_event("/test", &context, &Ping { n }).unwrap();
            let bus = test.bus.clone();
            async move { (routed, bus.publish(event).await) }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;

    let mut wrong = BTreeMap::new();
    for (routed, outcome) in outcomes {
        let kind = match (routed, outcome) {
            (true, Ok(())) | (false, Err(PublishError::Unroutable { .. })) => continue,
            (true, Err(PublishError::Unroutable { .. })) => "routed reported unroutable",
            (false, Ok(())) => "unroutable reported routed",
            (_, Err(_)) => "failed otherwise",
        };
        *wrong.entry(kind).or_default() += 1;
    }
    let depth = test.depth(&queue).await;
    let _ = channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await;
    let _ = conn.close(200, "done".into()).await;
    assert_eq!(
        depth,
        count - count.div_ceil(3),
        "every routed event is queued"
    );
    wrong
}

#[tokio::test]
async fn concurrent_mandatory_publishes_each_get_their_own_return() {
    let test = TestBus::new().await;

    let wrong = publish_mixed(&test, 3000, 64).await;

    assert_eq!(wrong, BTreeMap::new());
}

#[tokio::test]
async fn concurrent_mandatory_publishes_on_one_channel_each_get_their_own_return() {
    // One channel for the whole bus: the publishes share it.
    let test = TestBus::with(|config| config.publish_channels = 1).await;

    let wrong = publish_mixed(&test, 1000, 64).await;

    assert_eq!(wrong, BTreeMap::new());
}
