//! Request/reply over the real broker.

use std::time::{Duration, Instant};

use crate::support::{Ping, TestBus};
use cloudevents::{AttributesReader, Event};
use store_bus::{
    ConsumerConfig, HandlerError, Incoming, PublishError, RequestHandler, Responder, RpcError,
};
use store_events::{EventContext, decode, new_event};
use tokio_util::sync::CancellationToken;

/// Answers a ping with a ping of twice the number.
struct Doubler;

#[async_trait::async_trait]
impl RequestHandler for Doubler {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let ping: Ping = decode(&request.event)?;
        let context = EventContext::caused_by(&request.event)?;
        new_event("/doubler", &context, &Ping { n: ping.n * 2 }).map_err(HandlerError::reject)
    }
}

#[tokio::test]
async fn a_request_gets_its_reply() {
    let t = TestBus::new().await;
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(t.queue("doubler"), ["store.test.ping.#"]),
            Responder::new(t.bus.clone(), Doubler),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let request = t.ping(21);

    let reply = t
        .bus
        .request(request.clone(), Duration::from_secs(5))
        .await
        .unwrap();

    assert_eq!(decode::<Ping>(&reply).unwrap(), Ping { n: 42 });
    assert_eq!(
        reply.extension("causationid").unwrap().to_string(),
        request.id()
    );
    // Several requests in flight at once are matched to their own replies.
    let many = (1..=10).map(|n| {
        let bus = t.bus.clone();
        let request = t.ping(n);
        tokio::spawn(async move { (n, bus.request(request, Duration::from_secs(5)).await) })
    });
    for handle in many {
        let (n, reply) = handle.await.unwrap();
        assert_eq!(decode::<Ping>(&reply.unwrap()).unwrap(), Ping { n: n * 2 });
    }
    consumer.shutdown().await;
}

/// Never answers in time.
struct Sleeper;

#[async_trait::async_trait]
impl RequestHandler for Sleeper {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok(request.event.clone())
    }
}

#[tokio::test]
async fn a_request_times_out_cleanly_and_a_late_reply_is_dropped() {
    let t = TestBus::new().await;
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(t.queue("sleeper"), ["store.test.ping.#"]),
            Responder::new(t.bus.clone(), Sleeper),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let started = Instant::now();

    let result = t.bus.request(t.ping(1), Duration::from_millis(300)).await;

    assert!(matches!(result, Err(RpcError::Timeout(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The late reply arrives and is dropped; the client keeps working.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let again = t
        .bus
        .request(t.ping(2), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(decode::<Ping>(&again).unwrap(), Ping { n: 2 });
    consumer.shutdown().await;
}

#[tokio::test]
async fn a_request_nobody_serves_fails_at_once() {
    let t = TestBus::new().await;

    let result = t.bus.request(t.ping(1), Duration::from_secs(5)).await;

    assert!(
        matches!(
            result,
            Err(RpcError::Publish(PublishError::Unroutable { .. }))
        ),
        "{result:?}"
    );
}
