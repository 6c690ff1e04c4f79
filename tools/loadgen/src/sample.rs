//! Sampling while load runs: every interval, each watched process's CPU
//! and memory and the store's queue depths; and the before/after
//! snapshots that give the cost of one message (CPU, events, database
//! writes).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use store_testkit::procs::{Procs, Reading};
use tokio::{sync::oneshot, task::JoinHandle};

use crate::{
    broker::{Management, Queue, Traffic},
    pgstats::{self, DbCounters},
};

/// One sample.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Since sampling started.
    pub at: Duration,
    /// Every watched process group.
    pub procs: Vec<Reading>,
    /// Messages in all the store's queues (`None`: the broker did not say).
    pub queued: Option<u64>,
    /// The deepest queues.
    pub deepest: Vec<Queue>,
}

/// Where the store's costs are read.
#[derive(Clone)]
pub struct Watch {
    /// Its processes.
    pub procs: Arc<Mutex<Procs>>,
    /// Its broker.
    pub broker: Arc<Management>,
    /// PostgreSQL's server URL.
    pub postgres_url: String,
    /// Its databases' prefix.
    pub db_prefix: String,
}

/// The store's cumulative counters at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// CPU seconds per process group.
    pub cpu: BTreeMap<String, f64>,
    /// Messages published to the store's exchange.
    pub published: Option<u64>,
    /// Copies its queues took in and handed out, by queue family.
    pub traffic: Option<BTreeMap<String, Traffic>>,
    /// Per database.
    pub databases: BTreeMap<String, DbCounters>,
}

impl Watch {
    /// Reads the processes now.
    pub fn read_procs(&self) -> Vec<Reading> {
        self.procs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sample()
    }

    /// The counters now.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let cpu = self
            .read_procs()
            .into_iter()
            .map(|r| (r.name, r.cpu_seconds))
            .collect();
        Ok(Snapshot {
            cpu,
            published: self.broker.published().await.ok(),
            traffic: self.broker.traffic().await.ok(),
            databases: pgstats::read(&self.postgres_url, &self.db_prefix).await?,
        })
    }

    /// One sample now, `at` since sampling started.
    pub async fn sample(&self, at: Duration) -> Sample {
        let procs = self.read_procs();
        let queues = self.broker.queues().await.ok();
        Sample {
            at,
            procs,
            queued: queues.as_ref().map(|q| q.iter().map(|q| q.messages).sum()),
            deepest: queues
                .unwrap_or_default()
                .into_iter()
                .filter(|q| q.messages > 0)
                .take(3)
                .collect(),
        }
    }

    /// Samples every `every` until stopped.
    pub fn start_sampling(&self, every: Duration) -> Sampler {
        let (stop, mut stopped) = oneshot::channel();
        let watch = self.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => samples.push(watch.sample(started.elapsed()).await),
                }
            }
            samples.push(watch.sample(started.elapsed()).await);
            samples
        });
        Sampler { stop, task }
    }
}

/// Sampling under way.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Vec<Sample>>,
}

impl Sampler {
    /// Stops and returns the samples (one more taken now).
    pub async fn finish(self) -> Vec<Sample> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}
