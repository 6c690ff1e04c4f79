//! The publishing connection and its pool of confirm channels, each lent to
//! one publishing call at a time.
//!
//! # Why one publishing call per channel
//!
//! A mandatory publish that no queue takes comes back as a `basic.return`
//! before its `basic.ack`. AMQP does not say which publish a return belongs
//! to: lapin keeps the returns in arrival order and hands the oldest to
//! whichever confirm it resolves next. Confirms do not arrive in publish
//! order (a message for a quorum queue is confirmed after its fsync, an
//! unroutable one at once), so with several publishes in flight on one
//! channel the return of one (say the gateway's raw event that nothing
//! binds) is handed to another, which then reports a routed event as
//! unroutable. So a channel is lent to one publishing call at a time: a
//! single publish, whose confirm can carry only its own return, or the
//! events of one `Publisher::publish_all`, whose returns are told apart by
//! the message id they carry. The pool keeps that true while publishes run
//! concurrently: a channel comes back only once every confirm of its call
//! has arrived; a channel whose confirm never came (a
//! timeout) is closed, not reused. Throughput is unchanged: the broker runs
//! each channel as its own process and batches the fsyncs of all of them.
//!
//! The pool opens channels on demand, up to `BusConfig::publish_channels`;
//! beyond that a publish waits for a channel to come back.

use std::sync::{Arc, Mutex as SyncMutex};

use lapin::{Channel, Connection};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};

use crate::{config::BusConfig, connection, error::BusError};

/// The connection publishes go through, reopened when it goes away.
pub(crate) struct ChannelPool {
    config: BusConfig,
    live: Mutex<Option<Arc<Live>>>,
    /// One permit per channel a publish may hold.
    permits: Arc<Semaphore>,
}

/// An open connection and the channels it has idle.
struct Live {
    connection: Connection,
    idle: SyncMutex<Vec<Channel>>,
}

impl Live {
    fn usable(&self) -> bool {
        self.connection.status().connected()
    }
}

/// A channel lent to one publish. Give it back with [`Lent::give_back`]
/// once its confirm has arrived; dropping it closes the channel.
pub(crate) struct Lent {
    channel: Channel,
    live: Arc<Live>,
    given_back: bool,
    _permit: OwnedSemaphorePermit,
}

impl Lent {
    /// The channel.
    pub(crate) fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Returns the channel to the pool: its publish has been confirmed (or
    /// refused), so no confirm of it is outstanding.
    pub(crate) fn give_back(mut self) {
        self.given_back = true;
        if self.channel.status().connected() && self.live.usable() {
            lock(&self.live.idle).push(self.channel.clone());
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        // Not given back: its confirm may still come, carrying a return that
        // is not the next publish's. Close it.
        if !self.given_back && self.channel.status().connected() {
            let channel = self.channel.clone();
            tokio::spawn(async move {
                let _ = channel.close(200, "confirm outstanding".into()).await;
            });
        }
    }
}

impl ChannelPool {
    /// A pool for `config`'s broker; connects on first use.
    pub(crate) fn new(config: BusConfig) -> Self {
        let permits = Arc::new(Semaphore::new(config.publish_channels.max(1)));
        Self {
            config,
            live: Mutex::new(None),
            permits,
        }
    }

    /// The configuration the pool was made with.
    pub(crate) fn config(&self) -> &BusConfig {
        &self.config
    }

    /// Lends a channel: an idle one, or a new one while fewer than
    /// `publish_channels` are lent; otherwise waits for one to come back.
    pub(crate) async fn lend(&self) -> Result<Lent, BusError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| BusError::PoolClosed)?;
        let live = self.live().await?;
        let idle = lock(&live.idle).pop();
        let channel = match idle.filter(|c| c.status().connected()) {
            Some(channel) => channel,
            None => connection::confirm_channel(&live.connection).await?,
        };
        Ok(Lent {
            channel,
            live,
            given_back: false,
            _permit: permit,
        })
    }

    /// True while the connection is open.
    pub(crate) async fn is_connected(&self) -> bool {
        self.live.lock().await.as_ref().is_some_and(|l| l.usable())
    }

    /// Opens the connection (declaring the exchange on it) if it is not open.
    pub(crate) async fn connect(&self) -> Result<(), BusError> {
        self.live().await.map(|_| ())
    }

    /// The open connection, opening one (and declaring the exchange on it)
    /// if there is none.
    async fn live(&self) -> Result<Arc<Live>, BusError> {
        let mut live = self.live.lock().await;
        if let Some(l) = live.as_ref().filter(|l| l.usable()) {
            return Ok(Arc::clone(l));
        }
        let connection = connection::open(&self.config, "publish").await?;
        let channel = connection::confirm_channel(&connection).await?;
        connection::declare_exchange(&channel, &self.config.exchange).await?;
        if live.is_some() {
            tracing::info!("reconnected to the broker");
        }
        let fresh = Arc::new(Live {
            connection,
            idle: SyncMutex::new(vec![channel]),
        });
        *live = Some(Arc::clone(&fresh));
        Ok(fresh)
    }

    /// Forgets the connection so the next publish opens a new one.
    pub(crate) async fn invalidate(&self) {
        if let Some(old) = self.live.lock().await.take() {
            let _ = old.connection.close(200, "reconnecting".into()).await;
        }
    }

    /// Closes the connection (a later publish opens a new one).
    pub(crate) async fn close(&self) {
        if let Some(live) = self.live.lock().await.take() {
            let _ = live.connection.close(200, "shutdown".into()).await;
        }
    }
}

fn lock<T>(mutex: &SyncMutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
