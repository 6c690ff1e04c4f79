//! What every shopper sends to and hears from: the gateway, the fake Graph
//! and Bot API, the HTTP client, the deadline, and the ids that keep this
//! run's webhooks distinct from an earlier run's.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use anyhow::Context as _;
use serde_json::Value;

use crate::outbound::Outbound;

/// What every shopper sends to and hears from.
pub struct Target {
    /// The gateway's base URL.
    pub gateway: String,
    /// The fake Graph and Bot API.
    pub outbound: Outbound,
    /// HTTP client for the webhooks.
    pub http: reqwest::Client,
    /// A message not answered within this long is lost.
    pub deadline: Duration,
    /// The Telegram update template (the shared fixture).
    pub(crate) telegram_template: Value,
    /// Telegram ids handed out (update and message ids, unique per run).
    next_telegram_id: AtomicI64,
    /// Makes this run's shopper ids differ from an earlier run's.
    pub(crate) salt: i64,
}

impl Target {
    /// The target at `gateway`, answers heard by `outbound`.
    pub fn new(gateway: String, outbound: Outbound, deadline: Duration) -> anyhow::Result<Self> {
        let path = store_testkit::fixture_path("telegram/text.json");
        let template =
            std::fs::read(&path).with_context(|| format!("Failed to read {}", path.display()))?;
        let salt = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs()
                % 100_000,
        )?;
        Ok(Self {
            gateway,
            outbound,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(1024)
                .build()?,
            deadline,
            telegram_template: serde_json::from_slice(&template)
                .context("the Telegram fixture is not JSON")?,
            next_telegram_id: AtomicI64::new(salt * 1_000_000_000),
            salt,
        })
    }

    pub(crate) fn telegram_id(&self) -> i64 {
        self.next_telegram_id.fetch_add(1, Ordering::Relaxed)
    }
}
