//! Edge deduplication by the channel's own message id (`wamid`, Telegram
//! `bot:update_id`): a webhook Meta or Telegram delivers again is answered
//! 200 without publishing anything.
//!
//! The ledger is an optimisation, not what keeps a message from being
//! doubled: events carry ids derived from the message id
//! (`domain::inbound_events`), and every consumer drops an event id it has
//! handled. So a key is looked up before publishing ([`seen`], batched
//! with other webhooks' lookups) and recorded only after the message's
//! events are confirmed, off the request's path:
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

use super::batch::{BatchError, Batcher, Statement};

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

/// Which of `keys` are recorded and not expired, looked up with the keys
/// of every webhook waiting at the moment (`db::batch`).
pub async fn seen(lookups: &Lookups, keys: &[Key]) -> Result<HashSet<Key>, sqlx::Error> {
    let found = lookups
        .ask(keys.to_vec())
        .await
        .map_err(BatchError::into_sqlx)?;
    Ok(keys
        .iter()
        .zip(found)
        .filter(|(_, found)| *found)
        .map(|(key, _)| key.clone())
        .collect())
}

/// Which of `keys` this replica knows as ingested: handed to `recorder`
/// and not written yet, or found by a lookup.
///
/// The unwritten keys are read before the lookup starts. A key leaves that
/// set only once its row is committed, so a key missing from it is in the
/// lookup's snapshot, or was handed over after this copy arrived (two
/// copies at once: module doc). Read after the lookup, a write committing
/// meanwhile would hide the key from both.
pub async fn known(
    lookups: &Lookups,
    recorder: &Recorder,
    keys: &[Key],
) -> Result<HashSet<Key>, sqlx::Error> {
    let mut known = recorder.unwritten(keys);
    known.extend(seen(lookups, keys).await?);
    Ok(known)
}

/// The ledger's lookups, batched.
pub type Lookups = Batcher<Key, bool>;

/// Starts the batched lookups on `pool`, `in_flight` statements at most.
pub fn lookups(pool: PgPool, in_flight: usize) -> Lookups {
    Batcher::start(Lookup(pool), in_flight)
}

/// The lookup of many keys in one statement.
struct Lookup(PgPool);

impl Statement<Key, bool> for Lookup {
    #[tracing::instrument(name = "dedup_lookup", skip_all, fields(keys = keys.len()))]
    async fn run(&self, keys: Vec<Key>) -> Result<Vec<bool>, sqlx::Error> {
        let (mut tenants, mut channels, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for k in &keys {
            tenants.push(k.tenant.as_str());
            channels.push(k.channel.as_str());
            ids.push(k.key.as_str());
        }
        // A scalar subquery per key: one primary-key lookup each, whatever
        // the plan. (`exists (…)` may be planned as a hash of the whole
        // table — PostgreSQL drops its `limit` — and a plan cached while
        // the table was small then scans it for every batch; a join with
        // the list was planned as a scan of the tenant's rows.)
        let found = sqlx::query_scalar!(
            r#"select coalesce((
                   select true from inbound_message m
                   where m.tenant = k.t and m.channel = k.c and m.channel_key = k.ck
                     and m.expires_at > now()
                   limit 1
               ), false) as "found!"
               from unnest($1::text[], $2::text[], $3::text[]) with ordinality as k(t, c, ck, i)
               order by k.i"#,
            &tenants as &[&str],
            &channels as &[&str],
            &ids as &[&str],
        )
        .fetch_all(&self.0)
        .await?;
        Ok(found)
    }
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
