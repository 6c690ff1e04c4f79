//! Live updates of the inbox pages: every change to a conversation
//! (a message, an escalation, a claim, a release, a resolution, a delivery
//! report, a take-over, an order) sends `pg_notify('inbox', <json>)` in
//! the transaction that makes it, so it is announced only once committed
//! and whichever replica made it. Each replica runs one listener task
//! ([`Live::start`]) on the `inbox` channel that fans the changes out on a
//! tokio broadcast channel; each open event stream (`GET /inbox/events`)
//! subscribes and forwards those of its seller's tenant and brands.
//!
//! The listener reconnects by itself after losing its connection (changes
//! made meanwhile are not replayed: the pages reload what they show when
//! their stream reconnects) and stops with the service's shutdown token,
//! which also ends every open stream.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool, postgres::PgListener};
use tokio::{sync::broadcast, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "inbox";
/// Changes a slow stream may fall behind by before it is told to reload.
const BUFFER: usize = 1024;
/// Wait before listening again after the connection failed.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// What changed, as the notification's payload and the stream's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Tenant: a stream only forwards its seller's tenant's changes.
    pub tenant: String,
    /// Brand: and only of brands the seller may work.
    pub brand: String,
    /// The conversation that changed.
    pub conversation: String,
    /// `message` (from the shopper), `reply` (from the AI, a person or the
    /// store), `escalation`, `claim`, `release`, `resolved`, `delivery`,
    /// `takeover` or `order`.
    pub kind: String,
    /// The transcript message it concerns, when one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i32>,
}

impl Change {
    /// A change of `kind` to `conversation`.
    pub fn new(tenant: &str, brand: &str, conversation: &str, kind: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            brand: brand.to_owned(),
            conversation: conversation.to_owned(),
            kind: kind.to_owned(),
            seq: None,
        }
    }

    /// About transcript message `seq`.
    pub fn with_seq(mut self, seq: Option<i32>) -> Self {
        self.seq = seq;
        self
    }
}

/// Announces `change` when `conn`'s transaction commits.
#[tracing::instrument(skip_all, fields(kind = %change.kind))]
pub async fn notify(conn: &mut PgConnection, change: &Change) -> sqlx::Result<()> {
    let payload = serde_json::to_string(change).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query!("select pg_notify($1, $2)", CHANNEL, payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// The replica's live changes: subscribe to receive them.
#[derive(Clone)]
pub struct Live {
    sender: broadcast::Sender<Change>,
    shutdown: CancellationToken,
}

impl Live {
    /// Listens on the `inbox` channel (the first connection is made here,
    /// so a change committed after this returns is seen) and starts the
    /// task fanning changes out until `shutdown`.
    pub async fn start(
        pool: &PgPool,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Self, JoinHandle<()>)> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        let (sender, _) = broadcast::channel(BUFFER);
        let live = Self {
            sender: sender.clone(),
            shutdown: shutdown.clone(),
        };
        let task = tokio::spawn(run(listener, pool.clone(), sender, shutdown));
        Ok((live, task))
    }

    /// A receiver of the changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Cancelled when the service stops (open streams end then).
    pub fn shutdown(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

async fn run(
    mut listener: PgListener,
    pool: PgPool,
    sender: broadcast::Sender<Change>,
    shutdown: CancellationToken,
) {
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => {
                match serde_json::from_str::<Change>(notification.payload()) {
                    // Nobody listening is fine.
                    Ok(change) => drop(sender.send(change)),
                    Err(error) => tracing::warn!(%error, "malformed inbox notification ignored"),
                }
            }
            // The connection was lost; the next call reconnects.
            Ok(None) => tracing::warn!("inbox listener reconnecting"),
            Err(error) => {
                tracing::warn!(error = %store_bus::error_chain(&error), "inbox listener failed; listening again");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(RECONNECT_DELAY) => {}
                }
                match reconnect(&pool).await {
                    Ok(fresh) => listener = fresh,
                    Err(error) => {
                        tracing::warn!(error = %store_bus::error_chain(&error), "inbox listener could not reconnect")
                    }
                }
            }
        }
    }
}

async fn reconnect(pool: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_change_reads_as_the_streams_json() {
        let change = Change::new("acme", "shoes", "wa:1", "message").with_seq(Some(3));
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            serde_json::json!({"tenant": "acme", "brand": "shoes", "conversation": "wa:1", "kind": "message", "seq": 3})
        );
        let escalation = Change::new("acme", "shoes", "wa:1", "escalation");
        assert!(!serde_json::to_string(&escalation).unwrap().contains("seq"));
    }
}
