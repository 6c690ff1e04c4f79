//! Trace context crosses a publish → consume hop: the handler runs in the
//! same trace as the code that published. The consumer's handler runs on
//! the runtime's threads, so this needs the global subscriber:
//! `init_for_tests` installs it once for the whole binary (the other tests
//! only log through it, into libtest's capture).

use std::time::Duration;

use crate::support::{TestBus, recv};
use store_bus::{ConsumerConfig, Handler, HandlerError, Incoming};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

struct TraceRecorder(mpsc::UnboundedSender<(Option<String>, Incoming)>);

#[async_trait::async_trait]
impl Handler for TraceRecorder {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let _ = self.0.send((
            store_telemetry::propagation::current_trace_id(),
            incoming.clone(),
        ));
        Ok(())
    }
}

#[tokio::test]
async fn trace_context_survives_a_publish_consume_hop() {
    store_telemetry::init_for_tests();
    let t = TestBus::new().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let consumer = t
        .bus
        .consume(
            ConsumerConfig::new(t.queue("traced"), ["store.test.ping.#"])
                .with_retry_delays([Duration::from_millis(100)]),
            TraceRecorder(tx),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let span = tracing::info_span!("shopper_message");
    let published_trace = span
        .in_scope(store_telemetry::propagation::current_trace_id)
        .unwrap();

    t.bus.publish(t.ping(1)).instrument(span).await.unwrap();
    let (consumed_trace, incoming) = recv(&mut rx, 10).await;

    assert_eq!(consumed_trace.as_deref(), Some(published_trace.as_str()));
    let traceparent = incoming.event.extension("traceparent").unwrap().to_string();
    assert!(
        traceparent.starts_with(&format!("00-{published_trace}-")),
        "traceparent {traceparent} does not carry trace {published_trace}"
    );
    consumer.shutdown().await;
}
