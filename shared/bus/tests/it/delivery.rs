//! Publishing and consuming through the real broker: round trip, retries
//! with delay, dead letters, unroutable events, graceful shutdown.

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use crate::support::{Ping, Scripted, TestBus, recv, silent};
use cloudevents::{AttributesReader, EventBuilder, EventBuilderV10};
use lapin::{
    Connection, ConnectionProperties,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    types::AMQPValue,
};
use store_bus::{ConsumerConfig, PublishError, topology};
use store_events::{BrandId, ConversationId, EventContext, TenantId, decode, new_event};
use tokio_util::sync::CancellationToken;

fn fast_retries(queue: String, binding: &str, delays_ms: &[u64]) -> ConsumerConfig {
    ConsumerConfig::new(queue, [binding])
        .with_retry_delays(delays_ms.iter().map(|ms| Duration::from_millis(*ms)))
}

#[tokio::test]
async fn a_cloud_event_round_trips_with_every_attribute_intact() {
    let t = TestBus::new().await;
    let (handler, mut rx) = Scripted::new(0);
    let consumer = t
        .bus
        .consume(
            fast_retries(t.queue("roundtrip"), "store.test.ping.#", &[100]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let context = EventContext {
        correlation_id: Some("corr-1".into()),
        causation_id: Some("cause-1".into()),
        ..EventContext::new(TenantId::parse("demo").unwrap())
            .with_brand(BrandId::parse("fashion").unwrap())
            .with_conversation(ConversationId::parse("wa:34600000000").unwrap())
            .with_subject("order-17")
    };
    let sent = new_event("/agent-store/test", &context, &Ping { n: 7 }).unwrap();

    t.bus.publish(sent.clone()).await.unwrap();
    let got = recv(&mut rx, 10).await;

    // The publisher adds the trace context of its publish span; everything
    // else arrives exactly as sent.
    let mut received = got.event.clone();
    let traceparent = received
        .remove_extension("traceparent")
        .expect("no traceparent")
        .to_string();
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(
        (parts[0], parts[1].len(), parts[2].len()),
        ("00", 32, 16),
        "{traceparent}"
    );
    assert_eq!(received, sent, "received event differs from the sent one");
    assert_eq!(got.routing_key, "store.test.ping.demo.fashion");
    assert_eq!(got.attempt, 1);
    assert_eq!(decode::<Ping>(&got.event).unwrap(), Ping { n: 7 });
    consumer.shutdown().await;
}

#[tokio::test]
async fn a_handler_failing_twice_is_retried_with_delay_and_acked_once() {
    let t = TestBus::new().await;
    let queue = t.queue("flaky");
    let (handler, mut rx) = Scripted::new(2);
    let calls = handler.calls.clone();
    let consumer = t
        .bus
        .consume(
            fast_retries(queue.clone(), "store.test.ping.#", &[300, 600, 600]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let event = t.ping(1);
    let started = Instant::now();

    t.bus.publish(event.clone()).await.unwrap();
    let first = recv(&mut rx, 10).await;
    let second = recv(&mut rx, 10).await;
    let second_at = started.elapsed();
    let third = recv(&mut rx, 10).await;
    let third_at = started.elapsed();

    assert_eq!([first.attempt, second.attempt, third.attempt], [1, 2, 3]);
    assert!(
        second_at >= Duration::from_millis(300),
        "first retry came after {second_at:?}"
    );
    assert!(
        third_at >= Duration::from_millis(900),
        "second retry came after {third_at:?}"
    );
    assert!(
        [&first, &second, &third]
            .iter()
            .all(|i| i.event.id() == event.id())
    );
    silent(&mut rx, 1500).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    consumer.shutdown().await;
    assert_eq!(t.depth(&queue).await, 0, "the event was not acked");
    assert_eq!(t.depth(&topology::dead_letter_queue(&queue)).await, 0);
}

#[tokio::test]
async fn a_handler_always_failing_ends_in_the_dead_letter_queue_after_max_attempts() {
    let t = TestBus::new().await;
    let queue = t.queue("poison");
    let (handler, mut rx) = Scripted::new(u32::MAX);
    let calls = handler.calls.clone();
    let consumer = t
        .bus
        .consume(
            fast_retries(queue.clone(), "store.test.ping.#", &[100, 100]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let event = t.ping(2);

    t.bus.publish(event.clone()).await.unwrap();
    for _ in 0..3 {
        recv(&mut rx, 10).await;
    }
    silent(&mut rx, 800).await;

    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "max attempts = 2 retries + 1"
    );
    let dead = t
        .get(&topology::dead_letter_queue(&queue))
        .await
        .expect("nothing dead-lettered");
    let headers = dead.delivery.properties.headers().clone().unwrap();
    assert_eq!(
        headers.inner().get("x-attempt"),
        Some(&AMQPValue::LongUInt(3))
    );
    let error = match headers.inner().get("x-last-error") {
        Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        other => panic!("x-last-error is {other:?}"),
    };
    assert_eq!(error, "gave up after 3 attempts: failed call 3");
    let back =
        store_bus::binding::from_amqp(&dead.delivery.properties, &dead.delivery.data).unwrap();
    assert_eq!(
        back.id(),
        event.id(),
        "the dead letter is the original event"
    );
    consumer.shutdown().await;
}

#[tokio::test]
async fn a_rejected_event_is_dead_lettered_without_retry_and_can_be_replayed() {
    let t = TestBus::new().await;
    let queue = t.queue("reject");
    let (mut handler, mut rx) = Scripted::new(1);
    handler.reject = true;
    let calls = handler.calls.clone();
    let consumer = t
        .bus
        .consume(
            fast_retries(queue.clone(), "store.test.ping.#", &[100, 100]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();

    t.bus.publish(t.ping(3)).await.unwrap();
    recv(&mut rx, 10).await;
    silent(&mut rx, 500).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(t.depth(&topology::dead_letter_queue(&queue)).await, 1);

    let moved = t.bus.replay_dead_letters(&queue, 10).await.unwrap();
    let replayed = recv(&mut rx, 10).await;

    assert_eq!(moved, 1);
    assert_eq!(
        replayed.attempt, 1,
        "a replayed event starts its attempts afresh"
    );
    assert_eq!(decode::<Ping>(&replayed.event).unwrap(), Ping { n: 3 });
    consumer.shutdown().await;
    assert_eq!(t.depth(&topology::dead_letter_queue(&queue)).await, 0);
}

#[tokio::test]
async fn an_unroutable_publish_is_an_error() {
    let t = TestBus::new().await;

    let result = t.bus.publish(t.ping(4)).await;

    match result {
        Err(PublishError::Unroutable { routing_key, .. }) => {
            assert_eq!(routing_key, "store.test.ping.demo")
        }
        other => panic!("expected Unroutable, got {other:?}"),
    }
}

#[tokio::test]
async fn an_undecodable_message_goes_to_the_dead_letter_queue() {
    let t = TestBus::new().await;
    let queue = t.queue("garbage");
    let (handler, mut rx) = Scripted::new(0);
    let consumer = t
        .bus
        .consume(
            fast_retries(queue.clone(), "store.test.ping.#", &[100]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    // JSON content type, body that is not JSON.
    let event = EventBuilderV10::new()
        .id("bad-1")
        .ty("store.test.ping")
        .source("/test")
        .extension("tenant", "demo")
        .data("application/json", b"{oops".to_vec())
        .build()
        .unwrap();

    t.bus.publish(event).await.unwrap();
    silent(&mut rx, 800).await;

    assert_eq!(t.depth(&topology::dead_letter_queue(&queue)).await, 1);
    consumer.shutdown().await;
}

#[tokio::test]
async fn an_event_whose_routing_key_names_another_tenant_is_dead_lettered_unhandled() {
    let t = TestBus::new().await;
    let queue = t.queue("addressing");
    let (handler, mut rx) = Scripted::new(0);
    let consumer = t
        .bus
        .consume(
            fast_retries(queue.clone(), "store.test.ping.#", &[100]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    // Someone with broker access publishes the demo tenant's event under
    // the bakery's routing key: a consumer acting on the attributes would
    // cross tenants.
    let message = store_bus::binding::to_amqp(t.ping(1)).unwrap();
    let connection =
        Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
            .await
            .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    channel
        .basic_publish(
            format!("{}.events", t.prefix).as_str().into(),
            "store.test.ping.bakery".into(),
            BasicPublishOptions::default(),
            &message.body,
            message.properties,
        )
        .await
        .unwrap()
        .await
        .unwrap();
    // Its own key is handled as usual.
    t.bus.publish(t.ping(2)).await.unwrap();

    let handled = recv(&mut rx, 10).await;
    assert_eq!(decode::<Ping>(&handled.event).unwrap(), Ping { n: 2 });
    silent(&mut rx, 800).await;
    let dead = topology::dead_letter_queue(&queue);
    assert_eq!(t.depth(&dead).await, 1);
    let letter = t.get(&dead).await.expect("the dead letter");
    let reason = match letter
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-last-error").cloned())
    {
        Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        other => panic!("no reason: {other:?}"),
    };
    assert!(reason.starts_with("mis-addressed"), "{reason}");
    consumer.shutdown().await;
}

#[tokio::test]
async fn shutdown_finishes_in_flight_work_before_closing() {
    let t = TestBus::new().await;
    let queue = t.queue("drain");
    let (mut handler, mut rx) = Scripted::new(0);
    handler.delay = Duration::from_millis(800);
    let calls = handler.calls.clone();
    let consumer = t
        .bus
        .consume(
            fast_retries(queue.clone(), "store.test.ping.#", &[100]),
            handler,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    t.bus.publish(t.ping(5)).await.unwrap();
    // Wait until the handler has started.
    let deadline = Instant::now() + Duration::from_secs(10);
    while calls.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    consumer.shutdown().await;

    assert!(
        rx.try_recv().is_ok(),
        "shutdown returned before the in-flight handler finished"
    );
    assert_eq!(t.depth(&queue).await, 0, "the finished event was not acked");
}
