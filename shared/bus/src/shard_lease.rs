//! Spreading a sharded consumer's shards over its replicas.
//!
//! Single active consumer keeps each shard's order across replicas, but on
//! its own it makes the first replica to subscribe active on every shard and
//! leaves the others standing by: adding replicas (by hand, or KEDA on the
//! queues' depth) would add no capacity. So a replica consumes a shard only
//! while it holds the shard's lease, and holds its share of the shards:
//!
//! - **Lease**: an exclusive classic queue `<shard>.lease`, declared on the
//!   connection that consumes the shard. The broker lets one connection hold
//!   it (another's declare is refused, `RESOURCE_LOCKED`) and deletes it when
//!   that connection closes, so a replica that dies or loses the broker
//!   frees its shards at once.
//! - **Replicas**: every replica consumes from the presence queue
//!   `<queue>.replicas` (classic, auto-deleted, never published to); its
//!   consumer count is the number of replicas.
//! - **Rank**: every replica holds the lowest free rank, an exclusive queue
//!   `<queue>.rank-<k>` on its presence connection, and consumes from the
//!   rank's marker `<queue>.rank-<k>.holder` (classic, expiring when unused)
//!   so that others see it taken. With `r` replicas at
//!   ranks `0..r` and `n` shards, rank `k`'s share is `n / r`, plus one for
//!   `k < n % r`: the shares add up to `n`, so no replica stands idle while
//!   another holds more than its share. A replica ranked `r` or above (one
//!   below it left) moves down to a free rank.
//! - **Balancing**, every `BusConfig::shard_balance_interval`: a replica
//!   above its share gives up shards (it stops taking, finishes the delivery
//!   in hand, cancels and closes the shard's connection, which deletes the
//!   lease); one below its share tries free shards, starting at a place of
//!   its own so replicas do not all try the same ones.
//!
//! A declare the broker refuses closes its channel and makes lapin log an
//! error, so nothing is tried blindly: a shard is tried only when its queue
//! has no consumer, a rank only when its marker has none (read with
//! declares that cannot fail). Only two replicas racing for the same free
//! one see a refusal.
//!
//! The shard queues keep single active consumer: even if two connections
//! ever consumed one shard, only one would be given its messages.

use std::sync::{Arc, Mutex, PoisonError};

use lapin::{
    Connection,
    options::{BasicConsumeOptions, QueueDeclareOptions, QueueDeleteOptions},
    protocol::{AMQPErrorKind, AMQPSoftError},
    types::FieldTable,
};
use store_telemetry::metrics::Metrics;
use tokio::{sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{config::BusConfig, connection, error::BusError, topology};

/// Name of the lease of the shard queue `shard`.
pub fn lease_queue(shard: &str) -> String {
    format!("{shard}.lease")
}

/// Name of the presence queue of the sharded consumer `queue`.
pub fn presence_queue(queue: &str) -> String {
    format!("{queue}.replicas")
}

fn rank_queue(queue: &str, rank: u32) -> String {
    format!("{queue}.rank-{rank}")
}

fn rank_marker(queue: &str, rank: u32) -> String {
    format!("{}.holder", rank_queue(queue, rank))
}

/// How long an unused rank marker stays (declares and consumers keep it).
const MARKER_EXPIRES_MS: i64 = 10 * 60 * 1000;

/// How many of `shards` the replica at `rank` holds when there are
/// `replicas`: an even split, one more for each of the lowest ranks until
/// the remainder is used up. A replica without a rank below `replicas`
/// (joining, or about to move down) takes the split rounded down.
pub(crate) fn share(shards: usize, replicas: usize, rank: Option<usize>) -> usize {
    let replicas = replicas.max(1);
    let base = shards / replicas;
    match rank {
        Some(rank) if rank < replicas => base + usize::from(rank < shards % replicas),
        _ => base,
    }
}

/// Declares the exclusive queue `name` on `connection`: true if this
/// connection holds it (now or already), false if another one does.
pub(crate) async fn hold(connection: &Connection, name: &str) -> Result<bool, BusError> {
    let channel = connection
        .create_channel()
        .await
        .map_err(BusError::Channel)?;
    let declared = channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await;
    match declared {
        Ok(_) => {
            let _ = channel.close(200, "held".into()).await;
            Ok(true)
        }
        // The broker closed the channel with the refusal.
        Err(error) if is_locked(&error) => Ok(false),
        Err(source) => Err(BusError::Declare {
            what: format!("exclusive queue {name}"),
            source,
        }),
    }
}

fn is_locked(error: &lapin::Error) -> bool {
    matches!(
        error.kind(),
        lapin::ErrorKind::ProtocolError(amqp)
            if matches!(amqp.kind(), AMQPErrorKind::Soft(AMQPSoftError::RESOURCELOCKED))
    )
}

/// Where one shard stands in this replica.
#[derive(Debug)]
enum State {
    /// Not held, not wanted.
    Idle,
    /// The balancer asked for it; its task is trying to take the lease.
    Claiming,
    /// Held and consumed until the token is cancelled (given up, or the
    /// consumer stopping).
    Held(CancellationToken),
}

/// One shard's state, shared by its task and the balancer.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The shard's queue.
    queue: String,
    state: Mutex<State>,
    wake: Notify,
}

impl Slot {
    pub(crate) fn new(queue: String) -> Self {
        Self {
            queue,
            state: Mutex::new(State::Idle),
            wake: Notify::new(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Waits until the balancer wants this shard taken; false when `cancel`
    /// fires first.
    pub(crate) async fn wanted(&self, cancel: &CancellationToken) -> bool {
        loop {
            if self.with(|s| matches!(s, State::Claiming)) {
                return true;
            }
            tokio::select! {
                () = cancel.cancelled() => return false,
                () = self.wake.notified() => {}
            }
        }
    }

    /// The lease is taken: the token to consume under, or `None` when the
    /// balancer no longer wants the shard (the caller then lets it go).
    pub(crate) fn held(&self, cancel: &CancellationToken) -> Option<CancellationToken> {
        self.with(|s| match s {
            State::Claiming => {
                let token = cancel.child_token();
                *s = State::Held(token.clone());
                Some(token)
            }
            _ => None,
        })
    }

    /// Consuming ended: given up (its token cancelled: back to idle), or
    /// the connection was lost (try to take the lease again). Read from the
    /// token, so a shard given up while its connection broke stays given up.
    pub(crate) fn ended(&self) {
        self.with(|s| {
            *s = match s {
                State::Held(token) if !token.is_cancelled() => State::Claiming,
                _ => State::Idle,
            }
        });
    }

    /// Another replica holds the lease.
    pub(crate) fn taken(&self) {
        self.with(|s| {
            if matches!(s, State::Claiming) {
                *s = State::Idle;
            }
        });
    }

    /// Held or being claimed, not being given up.
    fn counts(&self) -> bool {
        self.with(|s| match s {
            State::Idle => false,
            State::Claiming => true,
            State::Held(token) => !token.is_cancelled(),
        })
    }

    /// Held and consuming.
    fn is_held(&self) -> bool {
        self.with(|s| matches!(s, State::Held(token) if !token.is_cancelled()))
    }

    fn claim(&self) -> bool {
        let claimed = self.with(|s| {
            if matches!(s, State::Idle) {
                *s = State::Claiming;
                true
            } else {
                false
            }
        });
        if claimed {
            self.wake.notify_one();
        }
        claimed
    }

    fn give_up(&self) {
        self.with(|s| match s {
            State::Claiming => *s = State::Idle,
            State::Held(token) => token.cancel(),
            State::Idle => {}
        });
    }
}

/// The shards of one sharded consumer in this replica.
pub(crate) type Slots = Arc<[Slot]>;

/// How many of `slots` this replica holds and consumes now.
pub(crate) fn held(slots: &[Slot]) -> usize {
    slots.iter().filter(|s| s.is_held()).count()
}

/// Gives up the last shards above `target`; returns how many more this
/// replica should claim.
fn trim(slots: &[Slot], target: usize) -> usize {
    let counted: Vec<usize> = (0..slots.len()).filter(|&i| slots[i].counts()).collect();
    for &i in counted.iter().skip(target) {
        slots[i].give_up();
    }
    target.saturating_sub(counted.len())
}

/// The idle shards in the order to try them: from `start` on, round.
fn candidates(slots: &[Slot], start: usize) -> Vec<usize> {
    (0..slots.len())
        .map(|step| (start + step) % slots.len())
        .filter(|&i| slots[i].with(|s| matches!(s, State::Idle)))
        .collect()
}

/// This replica's presence and rank among the consumer's replicas.
struct Presence {
    connection: Connection,
    channel: lapin::Channel,
    /// The consumer marking this replica present (dropping it cancels it).
    _present: lapin::Consumer,
    rank: Option<(u32, lapin::Consumer)>,
}

impl Presence {
    async fn open(bus: &BusConfig, queue: &str) -> Result<Self, BusError> {
        let connection = connection::open(bus, &format!("replicas:{queue}")).await?;
        let channel = connection
            .create_channel()
            .await
            .map_err(BusError::Channel)?;
        let name = presence_queue(queue);
        channel
            .queue_declare(
                name.as_str().into(),
                QueueDeclareOptions {
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|source| BusError::Declare {
                what: format!("presence queue {name}"),
                source,
            })?;
        let present = mark(&channel, &name).await?;
        Ok(Self {
            connection,
            channel,
            _present: present,
            rank: None,
        })
    }

    /// Consumers of `queue` (which must exist).
    async fn consumers(&self, queue: &str) -> Result<u32, BusError> {
        Ok(topology::inspect(&self.channel, queue)
            .await?
            .consumer_count())
    }

    /// Declares the rank marker `name` (the same way every time, so the
    /// declare cannot be refused) and returns its consumers.
    async fn marker(&self, name: &str) -> Result<u32, BusError> {
        let mut args = FieldTable::default();
        args.insert(
            "x-expires".into(),
            lapin::types::AMQPValue::LongLongInt(MARKER_EXPIRES_MS),
        );
        let declared = self
            .channel
            .queue_declare(name.into(), QueueDeclareOptions::default(), args)
            .await
            .map_err(|source| BusError::Declare {
                what: format!("rank marker {name}"),
                source,
            })?;
        Ok(declared.consumer_count())
    }

    /// The replicas of the consumer, this one included.
    async fn replicas(&self, queue: &str) -> Result<u32, BusError> {
        Ok(self.consumers(&presence_queue(queue)).await?.max(1))
    }

    fn rank(&self) -> Option<u32> {
        self.rank.as_ref().map(|(rank, _)| *rank)
    }

    /// Takes the lowest free rank below `replicas` when this replica has
    /// none there (it keeps the one it has when none is free).
    async fn settle_rank(&mut self, queue: &str, replicas: u32) -> Result<(), BusError> {
        if self.rank().is_some_and(|rank| rank < replicas) {
            return Ok(());
        }
        for rank in 0..replicas {
            let marker = rank_marker(queue, rank);
            if self.marker(&marker).await? > 0
                || !hold(&self.connection, &rank_queue(queue, rank)).await?
            {
                continue;
            }
            let held = mark(&self.channel, &marker).await?;
            if let Some((old, marked)) = self.rank.replace((rank, held)) {
                drop(marked);
                let _ = self
                    .channel
                    .queue_delete(
                        rank_queue(queue, old).as_str().into(),
                        QueueDeleteOptions::default(),
                    )
                    .await;
            }
            return Ok(());
        }
        Ok(())
    }

    async fn close(self) {
        let _ = self.connection.close(200, "stopped".into()).await;
    }
}

/// Consumes from `queue` without taking anything (nothing is published
/// there): the consumer is the mark others count.
async fn mark(channel: &lapin::Channel, queue: &str) -> Result<lapin::Consumer, BusError> {
    channel
        .basic_consume(
            queue.into(),
            format!("mark:{}", uuid::Uuid::new_v4()).into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(BusError::Channel)
}

/// Starts the task that keeps this replica at its share of `slots`, the
/// shards of the consumer `queue`.
pub(crate) fn balance(
    bus: BusConfig,
    queue: String,
    slots: Slots,
    metrics: Metrics,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut presence: Option<Presence> = None;
        // A place of this replica's own to start looking for free shards.
        let mut next = usize::try_from(uuid::Uuid::new_v4().as_u128() % 1024).unwrap_or(0);
        loop {
            if let Err(error) = tick(&bus, &queue, &mut presence, &slots, &mut next).await {
                // Shards held stay held; the count is taken again next tick.
                tracing::debug!(%error, %queue, "could not count the consumer's replicas");
                if let Some(presence) = presence.take() {
                    presence.close().await;
                }
            }
            metrics.bus().shards_held(&queue, held(&slots));
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(bus.shard_balance_interval) => {}
            }
        }
        if let Some(presence) = presence {
            presence.close().await;
        }
    })
}

async fn tick(
    bus: &BusConfig,
    queue: &str,
    presence: &mut Option<Presence>,
    slots: &[Slot],
    next: &mut usize,
) -> Result<(), BusError> {
    if presence
        .as_ref()
        .is_none_or(|p| !p.connection.status().connected() || !p.channel.status().connected())
    {
        if let Some(old) = presence.take() {
            old.close().await;
        }
        *presence = Some(Presence::open(bus, queue).await?);
    }
    let Some(presence) = presence.as_mut() else {
        return Ok(());
    };
    let replicas = presence.replicas(queue).await?;
    presence.settle_rank(queue, replicas).await?;
    let rank = presence.rank().map(|r| r as usize);
    let mut missing = trim(slots, share(slots.len(), replicas as usize, rank));
    for i in candidates(slots, *next) {
        if missing == 0 {
            break;
        }
        // No consumer on the shard's queue: nobody holds it (or the holder
        // is between its lease and its subscription, and refuses us).
        if presence.consumers(&slots[i].queue).await? == 0 && slots[i].claim() {
            missing -= 1;
            *next = i + 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_shards_whatever_the_replicas() {
        for shards in 1..=16 {
            for replicas in 1..=20 {
                let total: usize = (0..replicas)
                    .map(|rank| share(shards, replicas, Some(rank)))
                    .sum();
                assert_eq!(total, shards, "{shards} shards over {replicas} replicas");
                let most = share(shards, replicas, Some(0));
                let least = share(shards, replicas, Some(replicas - 1));
                assert!(most - least <= 1, "{shards} over {replicas}: uneven");
            }
        }
        assert_eq!(share(8, 3, Some(0)), 3);
        assert_eq!(share(8, 3, Some(2)), 2);
        assert_eq!(share(8, 3, None), 2);
        assert_eq!(share(2, 3, Some(2)), 0);
    }

    #[test]
    fn trimming_gives_up_the_excess_and_counts_the_missing() {
        let slots: Vec<Slot> = (0..6).map(|i| Slot::new(format!("q.shard-{i}"))).collect();
        assert_eq!(
            candidates(&slots, 4),
            vec![4, 5, 0, 1, 2, 3],
            "from this replica's place"
        );
        assert_eq!(trim(&slots, 3), 3);
        for i in [0, 4, 5] {
            assert!(slots[i].claim());
        }
        assert!(!slots[4].claim(), "a claimed shard is not claimed twice");
        assert_eq!(candidates(&slots, 4), vec![1, 2, 3]);

        let cancel = CancellationToken::new();
        let token = slots[4].held(&cancel).expect("claimed, so held");
        slots[0].taken();
        assert_eq!(trim(&slots, 1), 0);
        assert!(!token.is_cancelled(), "the lower index stays");
        assert!(!slots[5].counts(), "the last claim is dropped");
        assert_eq!(held(&slots), 1);

        assert_eq!(trim(&slots, 0), 0);
        assert!(
            token.is_cancelled(),
            "a held shard is given up through its token"
        );
        assert!(!slots[4].counts());
        assert_eq!(held(&slots), 0);
        slots[4].ended();
        assert_eq!(candidates(&slots, 0).len(), 6);
    }
}
