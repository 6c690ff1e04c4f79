//! The gateway's configuration: environment variables (12-factor), plus the
//! tenant file whose path is one of them. Secrets are [`SecretString`]s and
//! may also be read from a file named by `<VAR>_FILE` (Kubernetes secrets
//! mounted as files).

use std::{net::IpAddr, path::PathBuf, time::Duration};

use anyhow::{Context as _, bail};
use secrecy::SecretString;
use store_bus::BusConfig;
use url::Url;

use crate::domain::rate_limit::Rate;

/// Name of the service: names its queues, connections and metrics.
pub const SERVICE: &str = "gateway";

/// Graph API base used when `WHATSAPP_API_BASE` is not set.
pub const DEFAULT_WHATSAPP_API_BASE: &str = "https://graph.facebook.com/v21.0";
/// Bot API base used when `TELEGRAM_API_BASE` is not set.
pub const DEFAULT_TELEGRAM_API_BASE: &str = "https://api.telegram.org";

/// Everything the gateway needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`GATEWAY_HOST`, default `0.0.0.0`).
    pub host: IpAddr,
    /// Port to listen on (`PORT`, default 8080; 0 picks a free one).
    pub port: u16,
    /// PostgreSQL (`DATABASE_URL` or `DATABASE_URL_FILE`).
    pub database_url: SecretString,
    /// RabbitMQ (`AMQP_URL` or `AMQP_URL_FILE`, `BUS_EXCHANGE`).
    pub bus: BusConfig,
    /// The tenant file (`GATEWAY_TENANTS_FILE`).
    pub tenants_file: PathBuf,
    /// Graph API base URL, version included (`WHATSAPP_API_BASE`).
    pub whatsapp_api_base: Url,
    /// Bot API base URL (`TELEGRAM_API_BASE`).
    pub telegram_api_base: Url,
    /// How long a channel message id is remembered for deduplication
    /// (`GATEWAY_DEDUP_TTL_SECS`, default 7 days: Meta retries a webhook for
    /// up to 7 days).
    pub dedup_ttl: Duration,
    /// Largest webhook body accepted (`GATEWAY_MAX_BODY_BYTES`, default 1 MiB).
    pub max_body_bytes: usize,
    /// Prefix of the gateway's queue names (`GATEWAY_QUEUE_PREFIX`, default
    /// `gateway`).
    pub queue_prefix: String,
    /// Outbound sending: attempts and backoff within one delivery.
    pub send: SendConfig,
    /// Shards of the reply consumer (`GATEWAY_REPLY_SHARDS`, default 8):
    /// replies are spread over this many ordered queues by conversation, so
    /// each conversation's replies keep their order while different
    /// conversations are sent in parallel. Every replica must use the same
    /// number.
    pub reply_shards: u16,
    /// Abuse protection of the public web chat endpoints.
    pub webchat: WebchatConfig,
}

/// Rate limits and session expiry of the web chat.
#[derive(Debug, Clone)]
pub struct WebchatConfig {
    /// Messages per session (`WEBCHAT_MESSAGE_BURST`, default 10;
    /// `WEBCHAT_MESSAGE_REFILL_MS`, default 3000).
    pub message_rate: Rate,
    /// Sessions opened per client address (`WEBCHAT_SESSION_BURST`,
    /// default 20; `WEBCHAT_SESSION_REFILL_MS`, default 30000).
    pub session_rate: Rate,
    /// Whether the client address is the first `X-Forwarded-For` hop
    /// (`WEBCHAT_TRUST_FORWARDED_FOR`, default false: the TCP peer). Only
    /// behind a proxy that sets the header itself.
    pub trust_forwarded_for: bool,
    /// Sessions idle longer than this are gone (`WEBCHAT_SESSION_TTL_HOURS`,
    /// default 720, i.e. 30 days).
    pub session_ttl: Duration,
    /// How often expired sessions are deleted (default 1 hour).
    pub sweep_every: Duration,
}

impl Default for WebchatConfig {
    fn default() -> Self {
        Self {
            message_rate: Rate {
                burst: 10,
                refill: Duration::from_secs(3),
            },
            session_rate: Rate {
                burst: 20,
                refill: Duration::from_secs(30),
            },
            trust_forwarded_for: false,
            session_ttl: Duration::from_secs(720 * 3600),
            sweep_every: Duration::from_secs(3600),
        }
    }
}

/// How the sender retries rate limits and server errors before giving the
/// reply back to the bus.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// Attempts per channel message (`GATEWAY_SEND_ATTEMPTS`, default 5).
    pub attempts: u32,
    /// First backoff delay (`GATEWAY_SEND_BACKOFF_MS`, default 500 ms),
    /// doubled each attempt; a `Retry-After`/`retry_after` overrides it.
    pub initial_backoff: Duration,
    /// Longest wait honoured for one retry (default 60 s).
    pub max_backoff: Duration,
    /// Timeout of one HTTP call (default 15 s).
    pub request_timeout: Duration,
    /// Retry delays of the bus after the sender gave up on a delivery.
    pub bus_retry_delays: Vec<Duration>,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
            bus_retry_delays: vec![
                Duration::from_secs(5),
                Duration::from_secs(30),
                Duration::from_secs(120),
            ],
        }
    }
}

impl Config {
    /// A configuration with defaults for everything but the essentials.
    pub fn new(database_url: SecretString, bus: BusConfig, tenants_file: PathBuf) -> Self {
        Self {
            host: IpAddr::from([0, 0, 0, 0]),
            port: 8080,
            database_url,
            bus,
            tenants_file,
            #[allow(clippy::expect_used)]
            whatsapp_api_base: Url::parse(DEFAULT_WHATSAPP_API_BASE).expect("a valid URL"),
            #[allow(clippy::expect_used)]
            telegram_api_base: Url::parse(DEFAULT_TELEGRAM_API_BASE).expect("a valid URL"),
            dedup_ttl: Duration::from_secs(7 * 24 * 3600),
            max_body_bytes: 1024 * 1024,
            queue_prefix: SERVICE.to_owned(),
            send: SendConfig::default(),
            reply_shards: 8,
            webchat: WebchatConfig::default(),
        }
    }

    /// Reads the configuration from the environment, refusing bad values.
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url = secret_var("DATABASE_URL")?
            .context("DATABASE_URL (or DATABASE_URL_FILE) must be set")?;
        let bus = store_service::config::bus_from_env(SERVICE)?;
        let tenants_file = var("GATEWAY_TENANTS_FILE")
            .context("GATEWAY_TENANTS_FILE must name the tenant file")?;
        let mut config = Self::new(database_url, bus, PathBuf::from(tenants_file));
        if let Some(host) = var("GATEWAY_HOST") {
            config.host = host.parse().context("GATEWAY_HOST is not an IP address")?;
        }
        if let Some(port) = var("PORT") {
            config.port = port.parse().context("PORT is not a port number")?;
        }
        if let Some(base) = var("WHATSAPP_API_BASE") {
            config.whatsapp_api_base = base_url(&base).context("WHATSAPP_API_BASE")?;
        }
        if let Some(base) = var("TELEGRAM_API_BASE") {
            config.telegram_api_base = base_url(&base).context("TELEGRAM_API_BASE")?;
        }
        if let Some(secs) = var("GATEWAY_DEDUP_TTL_SECS") {
            config.dedup_ttl = Duration::from_secs(
                secs.parse()
                    .context("GATEWAY_DEDUP_TTL_SECS is not a number")?,
            );
        }
        if let Some(bytes) = var("GATEWAY_MAX_BODY_BYTES") {
            config.max_body_bytes = bytes
                .parse()
                .context("GATEWAY_MAX_BODY_BYTES is not a number")?;
        }
        if let Some(prefix) = var("GATEWAY_QUEUE_PREFIX") {
            config.queue_prefix = prefix;
        }
        if let Some(shards) = var("GATEWAY_REPLY_SHARDS") {
            config.reply_shards = shards
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .context("GATEWAY_REPLY_SHARDS is not a positive number")?;
        }
        if let Some(attempts) = var("GATEWAY_SEND_ATTEMPTS") {
            config.send.attempts = attempts
                .parse()
                .context("GATEWAY_SEND_ATTEMPTS is not a number")?;
        }
        if let Some(ms) = var("GATEWAY_SEND_BACKOFF_MS") {
            config.send.initial_backoff = Duration::from_millis(
                ms.parse()
                    .context("GATEWAY_SEND_BACKOFF_MS is not a number")?,
            );
        }
        config.webchat.message_rate = rate_var(
            "WEBCHAT_MESSAGE_BURST",
            "WEBCHAT_MESSAGE_REFILL_MS",
            config.webchat.message_rate,
        )?;
        config.webchat.session_rate = rate_var(
            "WEBCHAT_SESSION_BURST",
            "WEBCHAT_SESSION_REFILL_MS",
            config.webchat.session_rate,
        )?;
        if let Some(trust) = var("WEBCHAT_TRUST_FORWARDED_FOR") {
            config.webchat.trust_forwarded_for = trust
                .parse()
                .context("WEBCHAT_TRUST_FORWARDED_FOR is not true or false")?;
        }
        if let Some(hours) = var("WEBCHAT_SESSION_TTL_HOURS") {
            let hours: u64 = hours
                .parse()
                .ok()
                .filter(|h| *h > 0)
                .context("WEBCHAT_SESSION_TTL_HOURS is not a positive number")?;
            config.webchat.session_ttl = Duration::from_secs(hours.saturating_mul(3600));
        }
        Ok(config)
    }
}

/// A rate from a burst and a refill variable, each defaulting to `default`'s.
fn rate_var(burst: &str, refill_ms: &str, default: Rate) -> anyhow::Result<Rate> {
    let burst_value = match var(burst) {
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{burst} is not a positive number"))?,
        None => default.burst,
    };
    let refill = match var(refill_ms) {
        Some(v) => Duration::from_millis(
            v.parse()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("{refill_ms} is not a positive number"))?,
        ),
        None => default.refill,
    };
    Rate::new(burst_value, refill).with_context(|| format!("{burst}/{refill_ms} are not a rate"))
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `NAME`, or the content of the file named by `NAME_FILE`.
fn secret_var(name: &str) -> anyhow::Result<Option<SecretString>> {
    if let Some(value) = var(name) {
        return Ok(Some(SecretString::from(value)));
    }
    let Some(path) = var(&format!("{name}_FILE")) else {
        return Ok(None);
    };
    let value = std::fs::read_to_string(&path)
        .with_context(|| format!("Failed to read {name}_FILE ({path})"))?;
    Ok(Some(SecretString::from(value.trim().to_owned())))
}

/// A base URL with a trailing slash, so joining keeps its path.
pub fn base_url(value: &str) -> anyhow::Result<Url> {
    let url = Url::parse(value).with_context(|| format!("{value:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("{value:?} is not an http(s) URL");
    }
    Ok(url)
}
