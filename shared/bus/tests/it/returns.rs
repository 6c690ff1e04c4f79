//! Returned messages reach the publish they belong to, with many mandatory
//! publishes in flight at once: routed events to a quorum queue (confirmed
//! after the broker's fsync) mixed with unroutable ones (returned, then
//! confirmed at once), so confirms arrive out of publish order — the case
//! where pairing returns with confirms by arrival order blames the wrong
//! publish. Events published together on one channel
//! (`Publisher::publish_all`) are told apart by their ids.

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

/// A quorum queue bound to brand `routed`'s pings: (connection, channel,
/// queue name).
async fn routed_queue(test: &TestBus) -> (Connection, lapin::Channel, String) {
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
    (conn, channel, queue)
}

fn ping(n: u32, brand: &str) -> store_events::Event {
    let mut context = EventContext::new(TenantId::parse("demo").unwrap());
    context.brand = Some(BrandId::parse(brand).unwrap());
    new_event("/test", &context, &Ping { n }).unwrap()
}

/// Publishes `count` events, `in_flight` at a time, every third one to a
/// brand nothing is bound for; returns how many were judged wrongly, by
/// kind.
async fn publish_mixed(
    test: &TestBus,
    count: u32,
    in_flight: usize,
) -> BTreeMap<&'static str, u32> {
    let (conn, channel, queue) = routed_queue(test).await;

    let outcomes: Vec<(bool, Result<(), PublishError>)> = futures::stream::iter(0..count)
        .map(|n| {
            let routed = n % 3 != 0;
            let event = ping(n, if routed { "routed" } else { "nowhere" });
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

#[tokio::test]
async fn events_published_together_are_told_apart_by_id_not_by_order() {
    // Few channels, so groups also queue for them.
    let test = TestBus::with(|config| config.publish_channels = 4).await;
    let (conn, channel, queue) = routed_queue(&test).await;

    // Each group: twelve events on one channel. Group n sends its event at
    // position n % 12 to brand `gone<position>`, which nothing binds, and
    // every other to the quorum queue (mandatory all), except every fourth
    // group, all routed; the first event is a raw-like one nothing binds,
    // published without mandatory. Routed events are confirmed after an
    // fsync, the others at once: out of publish order, in acks covering
    // several at a time.
    let outcomes: Vec<(u32, Result<(), PublishError>)> = futures::stream::iter(0..400u32)
        .map(|n| {
            let bus = test.bus.clone();
            async move {
                let mut group = vec![(ping(n, "audit"), store_bus::Routing::IfBound)];
                for at in 0..12 {
                    let brand = if n % 4 != 0 && at == n % 12 {
                        format!("gone{at}")
                    } else {
                        "routed".to_owned()
                    };
                    group.push((ping(n, &brand), store_bus::Routing::Required));
                }
                (n, bus.publisher().publish_all(group).await)
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;

    let mut routed = 0;
    for (n, outcome) in outcomes {
        match outcome {
            Ok(()) => {
                assert_eq!(n % 4, 0, "group {n}: its unroutable event passed");
                routed += 12;
            }
            Err(PublishError::Unroutable { routing_key, .. }) => {
                assert_ne!(n % 4, 0, "group {n} was all routable");
                let gone = format!(".gone{}", n % 12);
                assert!(
                    routing_key.ends_with(&gone),
                    "group {n}: blamed {routing_key}"
                );
                routed += 11;
            }
            Err(other) => panic!("group {n}: {other}"),
        }
    }
    let depth = test.depth(&queue).await;
    let _ = channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await;
    let _ = conn.close(200, "done".into()).await;
    assert_eq!(depth, routed, "every routed event is queued");
}
