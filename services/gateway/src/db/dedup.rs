//! Edge deduplication by the channel's own message id (`wamid`, Telegram
//! `bot:update_id`): a webhook Meta or Telegram delivers again is answered
//! 200 without publishing anything.
//!
//! The ledger is an optimisation, not what keeps a message from being
//! doubled: events carry ids derived from the message id
//! (`domain::inbound_events`), and every consumer drops an event id it has
//! handled. So a key is looked up before publishing ([`seen`]) and recorded
//! only after the message's events are confirmed, off the request's path:
//! [`Recorder`] writes the keys of many webhooks in one statement (a group
//! commit); until then the replica remembers it in memory
//! ([`Recorder::unwritten`]). A key that is lost (the process dies before
//! the batch is written) or not yet written when a copy reaches another
//! replica lets a copy through to the bus, where its consumers drop it by
//! id.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use sqlx::PgPool;
use tokio::{
    sync::{mpsc, oneshot},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

/// One channel message's key in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Tenant.
    pub tenant: String,
    /// `whatsapp`, `telegram`, `whatsapp-status`.
    pub channel: String,
    /// The channel's id of the message.
    pub key: String,
}

impl Key {
    /// The key `key` of `channel` for `tenant`.
    pub fn new(tenant: &str, channel: &str, key: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            channel: channel.to_owned(),
            key: key.to_owned(),
        }
    }
}

/// Which of `keys` (all of one tenant) are recorded and not expired.
#[tracing::instrument(skip_all, fields(tenant = tenant, keys = keys.len()))]
pub async fn seen(pool: &PgPool, tenant: &str, keys: &[Key]) -> Result<HashSet<Key>, sqlx::Error> {
    let mut seen = HashSet::new();
    if keys.is_empty() {
        return Ok(seen);
    }
    let mut conn = pool.acquire().await?;
    // One primary-key lookup per key (a delivery holds one message but for
    // rare bursts): a statement whose plan is the same index lookup
    // whatever the table holds. (Joining with the list of keys was planned
    // as a scan of the tenant's rows once PostgreSQL cached a generic plan,
    // or replanned at every call: milliseconds of CPU per webhook.)
    for key in keys {
        let found = sqlx::query_scalar!(
            r#"select true as "found!" from inbound_message
               where tenant = $1 and channel = $2 and channel_key = $3
                 and expires_at > now()"#,
            tenant,
            key.channel,
            key.key,
        )
        .fetch_optional(&mut *conn)
        .await?;
        if found.is_some() {
            seen.insert(key.clone());
        }
    }
    Ok(seen)
}

/// Records `keys` until `ttl` from now (an expired row of the same key is
/// renewed); returns how many rows were written.
#[tracing::instrument(skip_all, fields(keys = keys.len()))]
pub async fn record(pool: &PgPool, keys: &[Key], ttl: Duration) -> Result<u64, sqlx::Error> {
    // One row per key: `on conflict do update` may not touch a row twice.
    let unique: HashSet<&Key> = keys.iter().collect();
    let (mut tenants, mut channels, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for k in unique {
        tenants.push(k.tenant.as_str());
        channels.push(k.channel.as_str());
        ids.push(k.key.as_str());
    }
    Ok(sqlx::query!(
        "insert into inbound_message (tenant, channel, channel_key, expires_at) \
         select t, c, k, now() + make_interval(secs => $4) \
         from unnest($1::text[], $2::text[], $3::text[]) as r(t, c, k) \
         on conflict (tenant, channel, channel_key) do update \
         set created_at = now(), expires_at = excluded.expires_at \
         where inbound_message.expires_at < now()",
        &tenants as &[&str],
        &channels as &[&str],
        &ids as &[&str],
        ttl.as_secs_f64()
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Deletes expired rows; returns how many.
#[tracing::instrument(skip_all)]
pub async fn purge_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("delete from inbound_message where expires_at < now()")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Most keys written in one statement.
const BATCH: usize = 1000;

/// Keys waiting for the writer; beyond that a webhook waits to hand its
/// keys over (it has answered nothing yet).
const BACKLOG: usize = 10_000;

/// Writes the keys handed to it in batches, one statement per batch, on a
/// task of its own. Cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    keys: mpsc::Sender<Handed>,
    /// Keys handed over and not written yet: a copy delivered to this
    /// replica meanwhile is still known as one.
    unwritten: Arc<Mutex<HashSet<Key>>>,
}

enum Handed {
    Keys(Vec<Key>),
    /// Answered once every key handed before it is written (tests).
    Flush(oneshot::Sender<()>),
}

impl Recorder {
    /// Starts the writer; it writes what it holds and stops when `shutdown`
    /// fires.
    pub fn start(
        pool: PgPool,
        ttl: Duration,
        shutdown: CancellationToken,
    ) -> (Self, JoinHandle<()>) {
        let (keys, rx) = mpsc::channel(BACKLOG);
        let unwritten = Arc::new(Mutex::new(HashSet::new()));
        let task = tokio::spawn(write_batches(
            pool,
            ttl,
            rx,
            Arc::clone(&unwritten),
            shutdown,
        ));
        (Self { keys, unwritten }, task)
    }

    /// Which of `keys` were handed over and are not written yet.
    pub fn unwritten(&self, keys: &[Key]) -> HashSet<Key> {
        let unwritten = lock(&self.unwritten);
        keys.iter()
            .filter(|k| unwritten.contains(*k))
            .cloned()
            .collect()
    }

    /// Hands `keys` to the writer. A writer that has stopped (shutdown) is
    /// not an error: the keys only spare consumers a copy (module doc).
    pub async fn record(&self, keys: Vec<Key>) {
        if keys.is_empty() {
            return;
        }
        lock(&self.unwritten).extend(keys.iter().cloned());
        if let Err(refused) = self.keys.send(Handed::Keys(keys)).await {
            tracing::debug!("deduplication writer stopped; keys not recorded");
            if let Handed::Keys(keys) = refused.0 {
                forget(&self.unwritten, &keys);
            }
        }
    }

    /// Waits until every key handed so far is written (or failed to be).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.keys.send(Handed::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(
    pool: PgPool,
    ttl: Duration,
    mut rx: mpsc::Receiver<Handed>,
    unwritten: Arc<Mutex<HashSet<Key>>>,
    shutdown: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            handed = rx.recv() => handed,
            () = shutdown.cancelled() => {
                // Write what was handed before the shutdown, then stop.
                rx.close();
                let mut rest = Vec::new();
                while let Some(handed) = rx.recv().await {
                    rest.push(handed);
                }
                write(&pool, ttl, rest, &unwritten).await;
                return;
            }
        };
        let Some(first) = first else { return };
        let mut batch = vec![first];
        let mut count = 0;
        while count < BATCH {
            match rx.try_recv() {
                Ok(handed) => {
                    if let Handed::Keys(k) = &handed {
                        count += k.len();
                    }
                    batch.push(handed);
                }
                Err(_) => break,
            }
        }
        write(&pool, ttl, batch, &unwritten).await;
    }
}

async fn write(pool: &PgPool, ttl: Duration, batch: Vec<Handed>, unwritten: &Mutex<HashSet<Key>>) {
    let mut keys = Vec::new();
    let mut flushes = Vec::new();
    for handed in batch {
        match handed {
            Handed::Keys(k) => keys.extend(k),
            Handed::Flush(done) => flushes.push(done),
        }
    }
    if !keys.is_empty()
        && let Err(error) = record(pool, &keys, ttl).await
    {
        // Not lost: a copy of these messages would reach the bus and be
        // dropped there by id.
        tracing::warn!(%error, keys = keys.len(), "failed to record deduplication keys");
    }
    forget(unwritten, &keys);
    for done in flushes {
        let _ = done.send(());
    }
}

fn forget(unwritten: &Mutex<HashSet<Key>>, keys: &[Key]) {
    let mut unwritten = lock(unwritten);
    for key in keys {
        unwritten.remove(key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
