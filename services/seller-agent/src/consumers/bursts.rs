//! What sets off a burst's answer ([`crate::flows::answer_burst`]): a timer
//! per conversation in this process, re-armed by each message it stores,
//! and a sweeper on every replica that, every second and at start, arms the
//! conversations whose burst is due in the database (their messages were
//! stored by a replica that died, or its timer is elsewhere) or whose
//! answer was left unpublished. Arming twice, or on two replicas, is
//! harmless: the flush takes the conversation's burst lock and finds
//! nothing left to do.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::{
    sync::{Notify, Semaphore},
    task::JoinHandle,
    time::Instant,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::flows::{
    Seller,
    answer_burst::{Arrival, Flush},
};

/// How often the sweeper looks for due bursts.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Another flush of the conversation is running: look again this soon.
const BUSY_RETRY: Duration = Duration::from_millis(250);
/// A flush failed (database or broker): try again this soon (the sweeper
/// would too).
const ERROR_RETRY: Duration = Duration::from_secs(1);
/// Conversations the sweeper arms at most per sweep.
const SWEEP_LIMIT: i64 = 500;

/// The burst timers and sweeper of one seller (cheap to clone).
#[derive(Clone)]
pub struct Bursts(Arc<Inner>);

struct Inner {
    seller: Arc<Seller>,
    /// A slot per conversation with a timer task; the task owns its slot.
    slots: Mutex<HashMap<String, Slot>>,
    /// Flushes running at once (each holds a database connection).
    flushes: Semaphore,
    tasks: TaskTracker,
    stop: CancellationToken,
}

struct Slot {
    /// When to flush next; `None` while nothing is asked.
    due: Option<Instant>,
    /// Wakes the timer when `due` moves earlier.
    wake: Arc<Notify>,
}

impl Bursts {
    /// The timers of `seller`, at most `concurrency` flushes at once, until
    /// `stop`.
    pub fn new(seller: Arc<Seller>, concurrency: usize, stop: CancellationToken) -> Self {
        Self(Arc::new(Inner {
            seller,
            slots: Mutex::default(),
            flushes: Semaphore::new(concurrency.max(1)),
            tasks: TaskTracker::new(),
            stop,
        }))
    }

    /// A message was stored: flush its conversation after its wait.
    pub fn arrived(&self, arrival: Arrival) {
        self.arm(&arrival.conversation, Instant::now() + arrival.wait);
    }

    /// Flushes `conversation` at `at` (or earlier, when already asked).
    pub fn arm(&self, conversation: &str, at: Instant) {
        let mut slots = self.0.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get_mut(conversation) {
            if slot.due.is_none_or(|due| at < due) {
                slot.due = Some(at);
                slot.wake.notify_one();
            }
            return;
        }
        slots.insert(
            conversation.to_owned(),
            Slot {
                due: Some(at),
                wake: Arc::new(Notify::new()),
            },
        );
        drop(slots);
        self.0
            .tasks
            .spawn(self.clone().timer(conversation.to_owned()));
    }

    /// Starts the sweeper; the task ends after `stop`, once the flushes
    /// running then have finished (timers still waiting stop at once: their
    /// messages stay stored for the next start's sweeper).
    pub fn start(&self) -> JoinHandle<()> {
        let bursts = self.clone();
        tokio::spawn(async move {
            let inner = &bursts.0;
            loop {
                bursts.sweep().await;
                tokio::select! {
                    () = inner.stop.cancelled() => break,
                    () = tokio::time::sleep(SWEEP_EVERY) => {}
                }
            }
            inner.tasks.close();
            inner.tasks.wait().await;
        })
    }

    /// Arms every conversation whose burst is due in the database.
    async fn sweep(&self) {
        let seller = &self.0.seller;
        match crate::db::due_conversations(
            &seller.pool,
            seller.tenant.as_str(),
            seller.brand.as_str(),
            seller.burst_window.as_secs_f64(),
            SWEEP_LIMIT,
        )
        .await
        {
            Ok(due) => {
                let now = Instant::now();
                for conversation in due {
                    self.arm(&conversation, now);
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for due bursts"),
        }
    }

    /// The timer of `conversation`: sleeps until its slot is due, flushes,
    /// and ends when nothing more is asked.
    async fn timer(self, conversation: String) {
        let inner = &self.0;
        loop {
            let (due, wake) = {
                let mut slots = inner.slots.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(slot) = slots.get_mut(&conversation) else {
                    return;
                };
                match slot.due {
                    Some(due) if !inner.stop.is_cancelled() => (due, slot.wake.clone()),
                    _ => {
                        slots.remove(&conversation);
                        return;
                    }
                }
            };
            if due > Instant::now() {
                tokio::select! {
                    () = inner.stop.cancelled() => {}
                    () = tokio::time::sleep_until(due) => {}
                    () = wake.notified() => {}
                }
                // Look again: the due time may have moved, or we stop.
                continue;
            }
            if let Some(slot) = inner
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_mut(&conversation)
            {
                // Taken; a message stored during the flush asks again.
                slot.due = None;
            }
            let retry = {
                let Ok(_permit) = inner.flushes.acquire().await else {
                    return;
                };
                match inner.seller.flush_burst(&conversation).await {
                    Ok(Flush::Answered | Flush::Nothing) => None,
                    Ok(Flush::Busy) => Some(BUSY_RETRY),
                    Ok(Flush::NotDue(rest)) => Some(rest),
                    Err(error) => {
                        tracing::warn!(error = %error.describe(), %conversation, "could not answer a burst; trying again");
                        Some(ERROR_RETRY)
                    }
                }
            };
            if let Some(after) = retry {
                self.arm(&conversation, Instant::now() + after);
            }
        }
    }
}
