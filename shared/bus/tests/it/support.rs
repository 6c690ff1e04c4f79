//! Shared set-up of the bus tests: a unique exchange and queue names per
//! test on the real broker, a handler that reports what it saw.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use cloudevents::Event;
use lapin::{Connection, ConnectionProperties, options::BasicGetOptions};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use store_bus::{Bus, BusConfig, Handler, HandlerError, Incoming};
use store_events::{EventContext, EventData, TenantId, new_event};
use store_telemetry::metrics::Metrics;
use tokio::sync::mpsc;

/// A test event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ping {
    pub n: u32,
}

impl EventData for Ping {
    const TYPE: &'static str = "store.test.ping";
}

/// A bus on a fresh exchange.
pub struct TestBus {
    pub bus: Bus,
    pub prefix: String,
}

impl TestBus {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// A bus whose configuration `tweak` has changed.
    pub async fn with(tweak: impl FnOnce(&mut BusConfig)) -> Self {
        store_telemetry::init_for_tests();
        let prefix = store_testkit::unique("bus-test");
        let exchange = format!("{prefix}.events");
        let mut config = BusConfig::new(
            prefix.clone(),
            SecretString::from(store_testkit::amqp_url()),
        )
        .with_exchange(exchange);
        config.confirm_timeout = Duration::from_secs(5);
        config.queue_depth_interval = Duration::from_millis(100);
        config.shard_balance_interval = Duration::from_millis(100);
        tweak(&mut config);
        let metrics = Metrics::new(&prefix).unwrap();
        let bus = Bus::connect(config, metrics).await.unwrap();
        Self { bus, prefix }
    }

    /// A queue name unique to this test.
    pub fn queue(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    pub fn ping(&self, n: u32) -> Event {
        new_event(
            "/test",
            &EventContext::new(TenantId::parse("demo").unwrap()),
            &Ping { n },
        )
        .unwrap()
    }

    /// Takes one message off `queue` (no consumer involved), if any.
    pub async fn get(&self, queue: &str) -> Option<lapin::message::BasicGetMessage> {
        let conn = Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        let message = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap();
        let _ = conn.close(200, "done".into()).await;
        message
    }

    /// Message count of `queue`.
    pub async fn depth(&self, queue: &str) -> u32 {
        let conn = Connection::connect(&store_testkit::amqp_url(), ConnectionProperties::default())
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        let q = channel
            .queue_declare(
                queue.into(),
                lapin::options::QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                Default::default(),
            )
            .await
            .unwrap();
        let _ = conn.close(200, "done".into()).await;
        q.message_count()
    }
}

/// A handler that fails the first `failures` calls with `error`, then
/// succeeds, and sends every call's `Incoming` to a channel.
pub struct Scripted {
    pub calls: Arc<AtomicU32>,
    pub failures: u32,
    pub reject: bool,
    pub tx: mpsc::UnboundedSender<Incoming>,
    pub delay: Duration,
}

impl Scripted {
    pub fn new(failures: u32) -> (Self, mpsc::UnboundedReceiver<Incoming>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Self {
                calls: Arc::default(),
                failures,
                reject: false,
                tx,
                delay: Duration::ZERO,
            },
            rx,
        )
    }
}

#[async_trait::async_trait]
impl Handler for Scripted {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let _ = self.tx.send(incoming.clone());
        if call <= self.failures {
            return Err(if self.reject {
                HandlerError::reject(format!("refused call {call}"))
            } else {
                HandlerError::retry(format!("failed call {call}"))
            });
        }
        Ok(())
    }
}

/// Receives the next item or fails the test after `secs` seconds.
pub async fn recv<T>(rx: &mut mpsc::UnboundedReceiver<T>, secs: u64) -> T {
    tokio::time::timeout(Duration::from_secs(secs), rx.recv())
        .await
        .expect("timed out waiting")
        .expect("channel closed")
}

/// Asserts nothing arrives within `millis`.
pub async fn silent<T: std::fmt::Debug>(rx: &mut mpsc::UnboundedReceiver<T>, millis: u64) {
    if let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(millis), rx.recv()).await {
        panic!("unexpected delivery: {item:?}");
    }
}
