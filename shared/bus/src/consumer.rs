//! The consumer runner: declares a consumer's queues, feeds deliveries to its
//! handler, acks after success, retries through delay queues, dead-letters
//! what keeps failing, reconnects when the broker goes away and drains
//! in-flight work on shutdown; its queues' depths go into the metrics
//! ([`queue_depth`]).

use std::sync::Arc;

use futures::StreamExt;
use lapin::{
    Channel, Connection,
    options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions},
    types::FieldTable,
};
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_util::sync::CancellationToken;

use store_telemetry::metrics::Metrics;

pub use crate::consumer_config::{ConsumerConfig, Sharding};
use crate::{
    config::BusConfig,
    connection,
    delivery::{DeliveryContext, process},
    error::BusError,
    handler::Handler,
    queue_depth, shard_lease, topology,
};

/// A running consumer.
pub struct ConsumerHandle {
    cancel: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    shards: Option<shard_lease::Slots>,
}

impl ConsumerHandle {
    /// How many shards of a sharded consumer this replica holds and consumes
    /// now (`None` for a consumer that is not sharded).
    pub fn shards_held(&self) -> Option<usize> {
        self.shards.as_deref().map(shard_lease::held)
    }

    /// Stops consuming, waits for in-flight handlers, closes the connection.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.stopped().await;
    }

    /// Waits until the consumer stops (after its token is cancelled).
    pub async fn stopped(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Declares the consumer's queues and starts consuming in the background.
///
/// Fails if the first connection or declaration fails (a misconfigured
/// service should not start); afterwards the consumer reconnects with backoff
/// on its own until `cancel` fires.
pub async fn start(
    bus: &BusConfig,
    config: ConsumerConfig,
    handler: Arc<dyn Handler>,
    metrics: Metrics,
    cancel: CancellationToken,
) -> Result<ConsumerHandle, BusError> {
    let dead_letter_queue = config.dead_letter_queue();
    let context = |config| {
        Arc::new(DeliveryContext {
            config,
            handler: handler.clone(),
            metrics: metrics.clone(),
            confirm_timeout: bus.confirm_timeout,
        })
    };
    let mut tasks = Vec::new();
    let mut shards = None;
    let watched = match &config.sharding {
        None => {
            let watched = vec![config.queue.clone()];
            let shared = context(config);
            let session = Session::open(bus, &shared).await?;
            tasks.push(tokio::spawn(run(
                bus.clone(),
                shared,
                session,
                cancel.clone(),
            )));
            watched
        }
        Some(sharding) => {
            let configs = shard_configs(bus, &config, sharding).await?;
            let watched = configs.iter().map(|c| c.queue.clone()).collect();
            let slots: shard_lease::Slots = configs
                .iter()
                .map(|c| shard_lease::Slot::new(c.queue.clone()))
                .collect();
            for (index, config) in configs.into_iter().enumerate() {
                tasks.push(tokio::spawn(run_shard(
                    bus.clone(),
                    context(config),
                    slots.clone(),
                    index,
                    cancel.clone(),
                )));
            }
            shards = Some(slots.clone());
            tasks.push(shard_lease::balance(
                bus.clone(),
                config.queue.clone(),
                slots,
                metrics.clone(),
                cancel.clone(),
            ));
            watched
        }
    };
    tasks.push(queue_depth::watch(
        bus.clone(),
        watched,
        dead_letter_queue,
        metrics,
        cancel.clone(),
    ));
    Ok(ConsumerHandle {
        cancel,
        tasks,
        shards,
    })
}

/// Declares the consistent-hash exchange of a sharded consumer and returns
/// one ordered consumer configuration per shard, bound to it.
async fn shard_configs(
    bus: &BusConfig,
    config: &ConsumerConfig,
    sharding: &Sharding,
) -> Result<Vec<ConsumerConfig>, BusError> {
    let hash_exchange = topology::shard_exchange(&config.queue);
    let connection = connection::open(bus, "declare").await?;
    let channel = connection
        .create_channel()
        .await
        .map_err(BusError::Channel)?;
    connection::declare_exchange(&channel, &bus.exchange).await?;
    let declared = topology::declare_shard_exchange(
        &channel,
        &bus.exchange,
        &hash_exchange,
        &config.bindings,
        &sharding.hash_header,
    )
    .await;
    let dlq = config.dead_letter_queue();
    let configs: Vec<ConsumerConfig> = (0..sharding.shards)
        .map(|index| ConsumerConfig {
            queue: topology::shard_queue(&config.queue, index),
            // Weight of the shard in the consistent hash ring.
            bindings: vec!["1".to_owned()],
            // One at a time keeps the shard's order; the consumer's
            // prefetch lets the broker send the next ones meanwhile, so no
            // round trip to the broker sits between one event's ack and
            // the next event's delivery.
            prefetch: config.prefetch,
            concurrency: 1,
            single_active_consumer: true,
            sharding: None,
            source: Some(hash_exchange.clone()),
            dead_letter_queue: Some(dlq.clone()),
            ..config.clone()
        })
        .collect();
    // Every shard's queues exist before this returns, whichever shards this
    // replica comes to hold: events published from now on are kept.
    let declared = async {
        declared?;
        for config in &configs {
            declare_queues_of(&channel, bus, config).await?;
        }
        Ok::<(), BusError>(())
    }
    .await;
    let _ = connection.close(200, "declared".into()).await;
    declared?;
    Ok(configs)
}

/// Declares `config`'s queue, delay queues and dead-letter queue.
async fn declare_queues_of(
    channel: &Channel,
    bus: &BusConfig,
    config: &ConsumerConfig,
) -> Result<(), BusError> {
    let dead_letter_queue = config.dead_letter_queue();
    topology::declare_consumer_queues(
        channel,
        &topology::QueueSpec {
            source: config.source.as_deref().unwrap_or(&bus.exchange),
            queue: &config.queue,
            bindings: &config.bindings,
            delays: &config.retry_delays,
            single_active_consumer: config.single_active_consumer,
            dead_letter_queue: &dead_letter_queue,
        },
    )
    .await
}

async fn run(
    bus: BusConfig,
    shared: Arc<DeliveryContext>,
    first: Session,
    cancel: CancellationToken,
) {
    let mut next = Some(first);
    let mut failures = 0u32;
    loop {
        let session = match next.take() {
            Some(session) => session,
            None => match reopen(&bus, &shared, &cancel, &mut failures).await {
                Some(session) => session,
                None => return,
            },
        };
        let stopped = session.consume(&shared, &cancel).await;
        if stopped {
            return;
        }
        tracing::warn!(queue = %shared.config.queue, "consumer lost its broker connection, reconnecting");
    }
}

/// Consumes shard `index` while this replica holds its lease: waits until
/// the balancer asks for it, takes the lease (or finds it held elsewhere),
/// consumes until told to give it up, the consumer stops or the connection
/// breaks (then tries to take it again).
async fn run_shard(
    bus: BusConfig,
    shared: Arc<DeliveryContext>,
    slots: shard_lease::Slots,
    index: usize,
    cancel: CancellationToken,
) {
    let slot = &slots[index];
    let mut failures = 0u32;
    while slot.wanted(&cancel).await {
        let session = match Session::open_leased(&bus, &shared).await {
            Ok(Some(session)) => session,
            Ok(None) => {
                slot.taken();
                continue;
            }
            Err(error) => {
                let delay = bus.reconnect.delay(failures);
                failures = failures.saturating_add(1);
                tracing::warn!(%error, queue = %shared.config.queue, retry_in_ms = delay.as_millis() as u64, "consumer cannot take its shard");
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(delay) => continue,
                }
            }
        };
        failures = 0;
        let Some(lease) = slot.held(&cancel) else {
            // No longer wanted while the lease was being taken.
            session.close().await;
            continue;
        };
        tracing::debug!(queue = %shared.config.queue, "shard taken");
        let given_up = session.consume(&shared, &lease).await;
        if cancel.is_cancelled() {
            return;
        }
        if !given_up {
            tracing::warn!(queue = %shared.config.queue, "consumer lost its broker connection, taking its shard again");
        }
        slot.ended();
    }
}

async fn reopen(
    bus: &BusConfig,
    shared: &Arc<DeliveryContext>,
    cancel: &CancellationToken,
    failures: &mut u32,
) -> Option<Session> {
    loop {
        if cancel.is_cancelled() {
            return None;
        }
        match Session::open(bus, shared).await {
            Ok(session) => {
                tracing::info!(queue = %shared.config.queue, "consumer reconnected");
                *failures = 0;
                return Some(session);
            }
            Err(error) => {
                let delay = bus.reconnect.delay(*failures);
                *failures = failures.saturating_add(1);
                tracing::warn!(%error, queue = %shared.config.queue, retry_in_ms = delay.as_millis() as u64, "consumer cannot reconnect");
                tokio::select! {
                    () = cancel.cancelled() => return None,
                    () = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// One connection's worth of consuming.
struct Session {
    connection: Connection,
    channel: Channel,
    consumer: lapin::Consumer,
}

impl Session {
    async fn open(bus: &BusConfig, shared: &DeliveryContext) -> Result<Self, BusError> {
        let connection = connection::open(bus, &format!("consume:{}", shared.config.queue)).await?;
        Self::start(bus, connection, shared).await
    }

    /// Opens a session on a shard only if this connection takes the shard's
    /// lease (`None`: another replica holds it).
    async fn open_leased(
        bus: &BusConfig,
        shared: &DeliveryContext,
    ) -> Result<Option<Self>, BusError> {
        let queue = &shared.config.queue;
        let connection = connection::open(bus, &format!("consume:{queue}")).await?;
        match shard_lease::hold(&connection, &shard_lease::lease_queue(queue)).await {
            Ok(true) => Self::start(bus, connection, shared).await.map(Some),
            held => {
                let _ = connection.close(200, "lease held elsewhere".into()).await;
                held.map(|_| None)
            }
        }
    }

    /// Declares the queues and starts consuming on `connection`, closing
    /// it when that fails.
    async fn start(
        bus: &BusConfig,
        connection: Connection,
        shared: &DeliveryContext,
    ) -> Result<Self, BusError> {
        match Self::consume_on(&connection, bus, shared).await {
            Ok((channel, consumer)) => Ok(Self {
                connection,
                channel,
                consumer,
            }),
            Err(error) => {
                let _ = connection
                    .close(200, "failed to start consuming".into())
                    .await;
                Err(error)
            }
        }
    }

    async fn consume_on(
        connection: &Connection,
        bus: &BusConfig,
        shared: &DeliveryContext,
    ) -> Result<(Channel, lapin::Consumer), BusError> {
        let config = &shared.config;
        // Confirm mode: retries and dead letters are republished on this
        // channel, and the original is acked only once they are confirmed.
        let channel = connection::confirm_channel(connection).await?;
        connection::declare_exchange(&channel, &bus.exchange).await?;
        declare_queues_of(&channel, bus, config).await?;
        // Bounded prefetch: at most this many unacked deliveries in our
        // hands, so a slow handler cannot pull the whole queue into memory.
        channel
            .basic_qos(config.prefetch, BasicQosOptions::default())
            .await
            .map_err(BusError::Channel)?;
        let tag = format!("{}:{}", bus.service, uuid::Uuid::new_v4());
        let consumer = channel
            .basic_consume(
                config.queue.as_str().into(),
                tag.into(),
                // Manual acks (no_ack = false): a delivery stays the broker's
                // until the handler's effect is committed.
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(BusError::Channel)?;
        Ok((channel, consumer))
    }

    async fn close(self) {
        let _ = self.connection.close(200, "shard given up".into()).await;
    }

    /// Consumes until cancelled (returns true after draining) or until the
    /// connection breaks (returns false).
    async fn consume(mut self, shared: &Arc<DeliveryContext>, cancel: &CancellationToken) -> bool {
        let permits = Arc::new(Semaphore::new(shared.config.concurrency.max(1)));
        let mut in_flight = JoinSet::new();
        let stopped = loop {
            // Reap finished tasks so the set does not grow without bound.
            while in_flight.try_join_next().is_some() {}
            let permit = tokio::select! {
                () = cancel.cancelled() => break true,
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break true,
                },
            };
            let next = tokio::select! {
                () = cancel.cancelled() => break true,
                next = self.consumer.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    let shared = shared.clone();
                    let channel = self.channel.clone();
                    in_flight.spawn(async move {
                        process(&shared, &channel, delivery).await;
                        drop(permit);
                    });
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, queue = %shared.config.queue, "consumer stream failed");
                    break false;
                }
                None => {
                    tracing::warn!(queue = %shared.config.queue, "consumer was cancelled by the broker");
                    break false;
                }
            }
        };
        // An ordered consumer (one at a time, one active across replicas:
        // a shard) is not cancelled before its channel closes. A cancelled
        // consumer still holding prefetched deliveries stops being the
        // queue's active one at once: the next replica's consumer would be
        // given the events after them and get them back only when the
        // channel closes, out of order. Closing the channel hands back
        // every unstarted delivery and the consumer's place together.
        let ordered = shared.config.single_active_consumer && shared.config.concurrency == 1;
        if stopped && !ordered {
            // Stop receiving first, then let in-flight handlers finish and
            // ack; anything prefetched but not started goes back to the queue
            // when the channel closes.
            let _ = self
                .channel
                .basic_cancel(self.consumer.tag(), BasicCancelOptions::default())
                .await;
        }
        let drained = tokio::time::timeout(shared.config.drain_timeout, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(queue = %shared.config.queue, "in-flight handlers did not finish in time; their events will be redelivered");
            in_flight.abort_all();
        }
        if stopped {
            let _ = self.channel.close(200, "shutdown".into()).await;
            let _ = self.connection.close(200, "shutdown".into()).await;
        }
        stopped
    }
}
