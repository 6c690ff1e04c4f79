//! Live delivery of web chat transcripts across gateway replicas: one
//! PostgreSQL `LISTEN` per process (a [`PgListener`] on
//! [`NOTIFY_CHANNEL`]), fanned out to every open event stream through a
//! [`broadcast`] channel.
//!
//! A wake-up only says "session S has an entry S:n"; streams read the
//! entries themselves from their last `seq`, so a lost notification costs
//! nothing as long as a later wake-up comes. After the listener reconnects
//! (notifications sent meanwhile are lost) every stream is told to
//! [`Wake::Resync`], as it is when it lags behind the channel.

use std::time::Duration;

use anyhow::Context as _;
use sqlx::{PgPool, postgres::PgListener};
use tokio::{sync::broadcast, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::webchat::NOTIFY_CHANNEL;

/// Wake-ups buffered per stream before it lags (and resyncs).
const CAPACITY: usize = 1024;
/// Pause before reconnecting a failed listener.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// What a stream is woken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Session `session` has a new entry `seq`.
    Appended {
        /// The session.
        session: Uuid,
        /// The new entry's `seq`.
        seq: i64,
    },
    /// Notifications may have been missed: every stream re-reads.
    Resync,
}

/// The process's hub of wake-ups; cheap to clone.
#[derive(Clone, Debug)]
pub struct Live {
    wakes: broadcast::Sender<Wake>,
    shutdown: CancellationToken,
}

impl Live {
    /// Listens on [`NOTIFY_CHANNEL`] with a connection of `pool` (the first
    /// one is opened here, so a stream opened once this returns misses
    /// nothing) and fans out until `shutdown`.
    pub async fn start(
        pool: &PgPool,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Self, JoinHandle<()>)> {
        let listener = listen(pool)
            .await
            .context("Failed to listen for web chat notifications")?;
        let (wakes, _) = broadcast::channel(CAPACITY);
        let task = tokio::spawn(fan_out(
            listener,
            pool.clone(),
            wakes.clone(),
            shutdown.clone(),
        ));
        Ok((Self { wakes, shutdown }, task))
    }

    /// A receiver of every wake-up from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Wake> {
        self.wakes.subscribe()
    }

    /// Cancelled when the gateway stops: streams end then, so the HTTP
    /// server can drain.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }
}

/// A connection of `pool` listening on [`NOTIFY_CHANNEL`].
#[tracing::instrument(skip_all, fields(channel = NOTIFY_CHANNEL))]
async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    Ok(listener)
}

/// `<session_id>:<seq>` as a wake-up.
fn parse(payload: &str) -> Option<Wake> {
    let (session, seq) = payload.split_once(':')?;
    Some(Wake::Appended {
        session: Uuid::parse_str(session).ok()?,
        seq: seq.parse().ok()?,
    })
}

async fn fan_out(
    mut listener: PgListener,
    pool: PgPool,
    wakes: broadcast::Sender<Wake>,
    shutdown: CancellationToken,
) {
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => match parse(notification.payload()) {
                // No receiver is not an error: nobody is watching.
                Some(wake) => drop(wakes.send(wake)),
                None => tracing::warn!(
                    payload = notification.payload(),
                    "ignoring a malformed web chat notification"
                ),
            },
            Ok(None) => {
                // The connection was lost and re-established: whatever was
                // notified in between is gone.
                tracing::warn!("web chat listener reconnected; streams resync");
                drop(wakes.send(Wake::Resync));
            }
            Err(error) => {
                tracing::warn!(%error, "web chat listener failed; reconnecting");
                listener = loop {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(RECONNECT_AFTER) => {}
                    }
                    match listen(&pool).await {
                        Ok(listener) => break listener,
                        Err(error) => {
                            tracing::warn!(%error, "failed to reconnect the web chat listener");
                        }
                    }
                };
                drop(wakes.send(Wake::Resync));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_a_session_and_a_seq() {
        let session = Uuid::now_v7();

        assert_eq!(
            parse(&format!("{session}:7")),
            Some(Wake::Appended { session, seq: 7 })
        );
        assert_eq!(parse("nonsense"), None);
        assert_eq!(parse(&format!("{session}:x")), None);
    }
}
