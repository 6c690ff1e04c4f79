//! Pacing the shoppers. Open loop ([`Pace::Open`]): message *n* is sent at
//! `start + n / rate` whatever the store does, by an idle shopper (a new one
//! joins when every shopper waits for an answer), so a slow store shows as
//! latency and loss, never as a lower offered rate. Closed loop
//! ([`Pace::Closed`]): N shoppers each send, wait for the answer, and send
//! again.
//!
//! Shoppers are spread round-robin over the channels and brands and kept
//! between runs (a capacity search's steps reuse their conversations).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use tokio::task::JoinSet;

use crate::{
    channel::Channel, record::Recorder, shopper::Shopper, target::Target, tenants::LoadBrand,
};

/// How messages are paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// This many messages per second, on schedule.
    Open(f64),
    /// This many shoppers each with one message in flight.
    Closed(usize),
}

/// The shoppers and where they shop.
pub struct Crowd {
    target: Arc<Target>,
    channels: Vec<Channel>,
    brands: Vec<Arc<LoadBrand>>,
    /// Idle shoppers, the longest idle first: the load spreads over every
    /// conversation.
    idle: Mutex<VecDeque<Shopper>>,
    made: Mutex<usize>,
}

impl Crowd {
    /// `shoppers` shoppers over `channels` and `brands`.
    pub fn new(
        target: Arc<Target>,
        channels: Vec<Channel>,
        brands: Vec<LoadBrand>,
        shoppers: usize,
    ) -> Arc<Self> {
        let crowd = Arc::new(Self {
            target,
            channels,
            brands: brands.into_iter().map(Arc::new).collect(),
            idle: Mutex::new(VecDeque::new()),
            made: Mutex::new(0),
        });
        let fresh: Vec<Shopper> = (0..shoppers).map(|_| crowd.new_shopper()).collect();
        crowd.lock_idle().extend(fresh);
        crowd
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, VecDeque<Shopper>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the fake Graph and Bot API were sent so far.
    pub fn sends(&self) -> crate::outbound::Sends {
        self.target.outbound.sends()
    }

    /// Shoppers made so far.
    pub fn shoppers(&self) -> usize {
        *self.made.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn new_shopper(&self) -> Shopper {
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let n = *made;
        *made += 1;
        let channel = self.channels[n % self.channels.len()];
        let brand = self.brands[(n / self.channels.len()) % self.brands.len()].clone();
        Shopper::new(n, channel, brand)
    }

    /// An idle shopper, or a new one.
    fn take(&self) -> Shopper {
        let idle = self.lock_idle().pop_front();
        idle.unwrap_or_else(|| self.new_shopper())
    }

    fn put_back(&self, shopper: Shopper) {
        self.lock_idle().push_back(shopper);
    }

    /// Sends for `duration` at `pace`, then waits for the last answers (up
    /// to the deadline); what happened is in the recorder.
    pub async fn drive(self: &Arc<Self>, pace: Pace, duration: Duration) -> Arc<Recorder> {
        let recorder = Arc::new(Recorder::new());
        let start = Instant::now();
        let end = start + duration;
        let mut running = JoinSet::new();
        match pace {
            Pace::Open(rate) => {
                let every = Duration::from_secs_f64(1.0 / rate.max(0.001));
                let mut n: u32 = 0;
                loop {
                    let due = start + every * n;
                    if due >= end {
                        break;
                    }
                    tokio::time::sleep_until(due.into()).await;
                    let (crowd, recorder) = (self.clone(), recorder.clone());
                    running.spawn(async move {
                        let mut shopper = crowd.take();
                        shopper.say(&crowd.target, &recorder).await;
                        crowd.put_back(shopper);
                    });
                    // Reap the finished ones as we go: a soak must not
                    // hold every task's result.
                    while running.try_join_next().is_some() {}
                    n += 1;
                }
            }
            Pace::Closed(in_flight) => {
                for _ in 0..in_flight {
                    let (crowd, recorder) = (self.clone(), recorder.clone());
                    running.spawn(async move {
                        let mut shopper = crowd.take();
                        while Instant::now() < end {
                            shopper.say(&crowd.target, &recorder).await;
                        }
                        crowd.put_back(shopper);
                    });
                }
                tokio::time::sleep_until(end.into()).await;
            }
        }
        recorder.close_window();
        while running.join_next().await.is_some() {}
        recorder
    }
}
