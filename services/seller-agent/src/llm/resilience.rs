//! Retries with backoff and a circuit breaker around any [`LlmClient`].
//!
//! A call is tried once, then retried up to `max_retries` times while it fails
//! with a retryable error ([`LlmError::is_retryable`]), waiting
//! `initial_backoff × 2ⁿ` or the provider's `retry-after`, both capped at
//! `max_backoff`. Each attempt is also bounded by `timeout` here, so a client
//! that hangs without its own timeout still ends.
//!
//! The breaker counts calls, not attempts: a call that still fails with a
//! retryable error after its retries is one failure. A non-retryable error
//! (a 400, a bad key, an odd answer) proves the provider is up, so it counts
//! as healthy for the breaker while still being returned to the caller.
//! After `breaker_threshold` consecutive failures the circuit opens: calls
//! fail at once with [`LlmError::CircuitOpen`] for `breaker_cooldown`; then
//! one trial call goes through (half-open) while the others keep failing
//! fast; its success closes the circuit, its failure opens it again. A
//! threshold of 0 disables the breaker.
//!
//! There is no jitter: with a handful of replicas per brand the herd is small,
//! and deterministic delays keep the behaviour testable.

use std::{
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use tokio::time::Instant;

use super::{ChatReply, ChatRequest, LlmClient, LlmConfig, LlmError};

/// An [`LlmClient`] with retries and a circuit breaker around another one.
pub struct Resilient {
    inner: Arc<dyn LlmClient>,
    timeout: Duration,
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    breaker: Breaker,
}

impl std::fmt::Debug for Resilient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resilient")
            .field("provider", &self.inner.provider())
            .field("model", &self.inner.model())
            .field("max_retries", &self.max_retries)
            .field("breaker", &self.breaker.lock())
            .finish_non_exhaustive()
    }
}

impl Resilient {
    /// Wraps `inner` with the timeout, retry and breaker settings of `config`.
    pub fn new(inner: Arc<dyn LlmClient>, config: &LlmConfig) -> Self {
        Self {
            inner,
            timeout: config.timeout,
            max_retries: config.max_retries,
            initial_backoff: config.initial_backoff,
            max_backoff: config.max_backoff,
            breaker: Breaker {
                threshold: config.breaker_threshold,
                cooldown: config.breaker_cooldown,
                state: Mutex::new(State::Closed { failures: 0 }),
            },
        }
    }

    /// The wait before retry number `retry` (0 for the first retry) after
    /// `error`.
    pub fn backoff(&self, retry: u32, error: &LlmError) -> Duration {
        let wanted = match error {
            LlmError::Status {
                retry_after: Some(after),
                ..
            } => *after,
            _ => 2u32
                .checked_pow(retry)
                .and_then(|factor| self.initial_backoff.checked_mul(factor))
                .unwrap_or(self.max_backoff),
        };
        wanted.min(self.max_backoff)
    }

    /// True while calls fail fast (open, or half-open with its trial running).
    pub fn is_open(&self) -> bool {
        !matches!(*self.breaker.lock(), State::Closed { .. })
    }

    async fn attempt(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        tokio::time::timeout(self.timeout, self.inner.chat(request))
            .await
            .unwrap_or(Err(LlmError::Timeout(self.timeout)))
    }

    async fn call_with_retries(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let mut retry = 0;
        loop {
            match self.attempt(request).await {
                Err(error) if error.is_retryable() && retry < self.max_retries => {
                    let delay = self.backoff(retry, &error);
                    tracing::warn!(
                        provider = self.inner.provider(),
                        model = self.inner.model(),
                        retry = retry + 1,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        %error,
                        "LLM call failed; retrying",
                    );
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                result => return result,
            }
        }
    }
}

#[async_trait::async_trait]
impl LlmClient for Resilient {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let permit = self.breaker.admit()?;
        let result = self.call_with_retries(request).await;
        let healthy = result.as_ref().map_or_else(|e| !e.is_retryable(), |_| true);
        if permit.finish(healthy) {
            tracing::error!(
                provider = self.inner.provider(),
                model = self.inner.model(),
                cooldown_ms = u64::try_from(self.breaker.cooldown.as_millis()).unwrap_or(u64::MAX),
                "LLM circuit opened",
            );
        }
        result
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Calls go through; `failures` consecutive ones have failed.
    Closed { failures: u32 },
    /// Calls fail fast until `until`, then one trial goes through.
    Open { until: Instant },
    /// The trial call is running; others fail fast.
    HalfOpen,
}

#[derive(Debug)]
struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a plain value, valid whatever panicked while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn admit(&self) -> Result<Permit<'_>, LlmError> {
        let mut state = self.lock();
        let trial = match *state {
            State::Closed { .. } => false,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => return Err(LlmError::CircuitOpen),
        };
        Ok(Permit {
            breaker: self,
            trial,
            finished: false,
        })
    }

    fn open(&self, state: &mut State) {
        *state = State::Open {
            until: Instant::now() + self.cooldown,
        };
    }
}

/// Permission to make one call; reports its outcome to the breaker.
struct Permit<'a> {
    breaker: &'a Breaker,
    trial: bool,
    finished: bool,
}

impl Permit<'_> {
    /// Records the call's outcome; true when this opened the circuit.
    fn finish(mut self, healthy: bool) -> bool {
        self.finished = true;
        let breaker = self.breaker;
        let mut state = breaker.lock();
        let was_open = !matches!(*state, State::Closed { .. });
        match (*state, healthy) {
            (_, true) => *state = State::Closed { failures: 0 },
            _ if breaker.threshold == 0 => {}
            (State::HalfOpen, false) if self.trial => breaker.open(&mut state),
            (State::Closed { failures }, false) => {
                let failures = failures.saturating_add(1);
                if failures >= breaker.threshold {
                    breaker.open(&mut state);
                } else {
                    *state = State::Closed { failures };
                }
            }
            // Already open because of other calls: nothing to add.
            (State::Open { .. } | State::HalfOpen, false) => {}
        }
        let opened = matches!(*state, State::Open { .. });
        opened && (!was_open || self.trial)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // A trial dropped before it finished (the caller gave up) says nothing
        // about the provider: let the next call be the trial.
        if self.trial && !self.finished {
            let mut state = self.breaker.lock();
            if *state == State::HalfOpen {
                *state = State::Open {
                    until: Instant::now(),
                };
            }
        }
    }
}
