//! The gateway's configuration: environment variables (12-factor) in the
//! house's one naming scheme (`HOST`, `PORT`, `DATABASE_URL`, `AMQP_URL`,
//! `BUS_EXCHANGE`, `TENANTS_FILE` as every service; `GATEWAY_*` and
//! `WEBCHAT_*` its own), plus the tenants file whose path is one of them.
//! Secrets may also be read from the file named by `<NAME>_FILE`
//! (`store_service::config::secret_from_env`).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context as _, bail};
use secrecy::SecretString;
use store_bus::BusConfig;
use store_events::data::MAX_MEDIA_BYTES;
use store_service::config::{self, var};
use url::Url;

use store_service::client_ip::TrustedProxies;

use crate::domain::rate_limit::Rate;

/// Name of the service: names its queues, connections and metrics.
pub const SERVICE: &str = "gateway";

/// Graph API base used when `WHATSAPP_API_BASE` is not set.
pub const DEFAULT_WHATSAPP_API_BASE: &str = "https://graph.facebook.com/v21.0";
/// Bot API base used when `TELEGRAM_API_BASE` is not set.
pub const DEFAULT_TELEGRAM_API_BASE: &str = "https://api.telegram.org";
/// The tenants file when `TENANTS_FILE` is not set (the seller's default
/// too).
pub const DEFAULT_TENANTS_FILE: &str = "config/tenants.demo.yaml";

/// Everything the gateway needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the HTTP server (`HOST`, default `0.0.0.0`; `PORT`,
    /// default 8080; port 0 picks a free one).
    pub http_addr: SocketAddr,
    /// The operator's listener (`OPERATOR_HOST`, default 127.0.0.1, and
    /// `OPERATOR_PORT`, default 9080): `/metrics` and `/admin/*`, never public.
    pub operator_addr: SocketAddr,
    /// PostgreSQL (`DATABASE_URL` or `DATABASE_URL_FILE`).
    pub database_url: SecretString,
    /// Connections in the pool (`DATABASE_MAX_CONNECTIONS`, default 10).
    pub database_max_connections: u32,
    /// RabbitMQ (`AMQP_URL` or `AMQP_URL_FILE`, `BUS_EXCHANGE`); the reply
    /// queue is named by its [`BusConfig::queue_name`].
    pub bus: BusConfig,
    /// The tenants file (`TENANTS_FILE`, default
    /// [`DEFAULT_TENANTS_FILE`]).
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
    /// Most messages and statuses one WhatsApp delivery may carry
    /// (`GATEWAY_MAX_MESSAGES_PER_DELIVERY`, default 100); a delivery over
    /// it is refused with 413 before anything is stored or published.
    pub max_messages_per_delivery: usize,
    /// Shopper messages let in per tenant and per shopper, on every channel
    /// and across every replica.
    pub inbound: InboundLimits,
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
    /// Largest media handed to a seller (`GATEWAY_MEDIA_MAX_BYTES`, default
    /// and at most `store_events::data::MAX_MEDIA_BYTES`, 10 MiB).
    pub media_max_bytes: u64,
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
    /// The proxies whose `X-Forwarded-For` gives the client address
    /// (`TRUSTED_PROXIES`, see [`store_service::client_ip`]; none by
    /// default: the TCP peer. The older `WEBCHAT_TRUST_FORWARDED_FOR=true`
    /// still means "trust any peer").
    pub trusted_proxies: TrustedProxies,
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
            trusted_proxies: TrustedProxies::none(),
            session_ttl: Duration::from_secs(720 * 3600),
            sweep_every: Duration::from_secs(3600),
        }
    }
}

/// Shopper messages let in, as token buckets shared by every replica: per
/// tenant (all its channels and shoppers) and per shopper (one WhatsApp
/// number, Telegram user or web chat session). A webhook over either is
/// answered 429 with `Retry-After` and nothing is kept: WhatsApp and
/// Telegram deliver it again later, so a flood is slowed, never lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundLimits {
    /// Per tenant (`GATEWAY_TENANT_MESSAGE_BURST`, default 600;
    /// `GATEWAY_TENANT_MESSAGE_REFILL_MS`, default 10: 100 a second).
    pub per_tenant: Rate,
    /// Per shopper (`GATEWAY_SHOPPER_MESSAGE_BURST`, default 30;
    /// `GATEWAY_SHOPPER_MESSAGE_REFILL_MS`, default 2000: 30 a minute).
    pub per_shopper: Rate,
}

impl Default for InboundLimits {
    fn default() -> Self {
        #[allow(clippy::expect_used)]
        Self {
            per_tenant: Rate::new(600, Duration::from_millis(10)).expect("a rate"),
            per_shopper: Rate::new(30, Duration::from_secs(2)).expect("a rate"),
        }
    }
}

/// Default of [`Config::max_messages_per_delivery`]: the Cloud API sends
/// one message per delivery, and batches of a few under load.
pub const DEFAULT_MAX_MESSAGES_PER_DELIVERY: usize = 100;

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
    /// How long the record of a message the channel took is retried when
    /// the database fails (`GATEWAY_RECORD_PATIENCE_SECS`, default 600 s),
    /// before the reply goes back to the bus (and that message is sent
    /// again on redelivery).
    pub record_patience: Duration,
    /// How long a reply redelivered after a crash waits for the WhatsApp
    /// status of the message the crash may have left unrecorded, before it
    /// sends that message (`GATEWAY_STATUS_PATIENCE_SECS`, default 10 s;
    /// Meta reports `sent` within seconds).
    pub status_patience: Duration,
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
            record_patience: Duration::from_secs(600),
            status_patience: Duration::from_secs(10),
        }
    }
}

impl Config {
    /// A configuration with defaults for everything but the essentials.
    fn new(database_url: SecretString, bus: BusConfig, tenants_file: PathBuf) -> Self {
        Self {
            http_addr: SocketAddr::from(([0, 0, 0, 0], 8080)),
            operator_addr: SocketAddr::from(([127, 0, 0, 1], 9080)),
            database_url,
            database_max_connections: 10,
            bus,
            tenants_file,
            #[allow(clippy::expect_used)]
            whatsapp_api_base: Url::parse(DEFAULT_WHATSAPP_API_BASE).expect("a valid URL"),
            #[allow(clippy::expect_used)]
            telegram_api_base: Url::parse(DEFAULT_TELEGRAM_API_BASE).expect("a valid URL"),
            dedup_ttl: Duration::from_secs(7 * 24 * 3600),
            max_body_bytes: 1024 * 1024,
            max_messages_per_delivery: DEFAULT_MAX_MESSAGES_PER_DELIVERY,
            inbound: InboundLimits::default(),
            send: SendConfig::default(),
            reply_shards: 8,
            webchat: WebchatConfig::default(),
            media_max_bytes: MAX_MEDIA_BYTES,
        }
    }

    /// A configuration for tests: local port 0, the given database, bus and
    /// tenants file, defaults for the rest.
    pub fn for_tests(database_url: SecretString, bus: BusConfig, tenants_file: PathBuf) -> Self {
        Self {
            http_addr: config::test_http_addr(),
            operator_addr: config::test_http_addr(),
            ..Self::new(database_url, bus, tenants_file)
        }
    }

    /// Reads the configuration from the environment, refusing bad values.
    pub fn from_env() -> anyhow::Result<Self> {
        let mut config = Self::new(
            config::database_url_from_env()?,
            config::bus_from_env(SERVICE)?,
            config::tenants_file_from_env(DEFAULT_TENANTS_FILE),
        );
        config.http_addr = config::http_addr_from_env()?;
        config.operator_addr = config::operator_addr_from_env(9080)?;
        if let Some(n) = var("DATABASE_MAX_CONNECTIONS") {
            config.database_max_connections = n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .context("DATABASE_MAX_CONNECTIONS is not a positive number")?;
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
        if let Some(n) = var("GATEWAY_MAX_MESSAGES_PER_DELIVERY") {
            config.max_messages_per_delivery = n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .context("GATEWAY_MAX_MESSAGES_PER_DELIVERY is not a positive number")?;
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
        if let Some(secs) = var("GATEWAY_RECORD_PATIENCE_SECS") {
            config.send.record_patience = Duration::from_secs(
                secs.parse()
                    .context("GATEWAY_RECORD_PATIENCE_SECS is not a number")?,
            );
        }
        if let Some(secs) = var("GATEWAY_STATUS_PATIENCE_SECS") {
            config.send.status_patience = Duration::from_secs(
                secs.parse()
                    .context("GATEWAY_STATUS_PATIENCE_SECS is not a number")?,
            );
        }
        if let Some(ms) = var("GATEWAY_SEND_BACKOFF_MS") {
            config.send.initial_backoff = Duration::from_millis(
                ms.parse()
                    .context("GATEWAY_SEND_BACKOFF_MS is not a number")?,
            );
        }
        config.inbound.per_tenant = rate_var(
            "GATEWAY_TENANT_MESSAGE_BURST",
            "GATEWAY_TENANT_MESSAGE_REFILL_MS",
            config.inbound.per_tenant,
        )?;
        config.inbound.per_shopper = rate_var(
            "GATEWAY_SHOPPER_MESSAGE_BURST",
            "GATEWAY_SHOPPER_MESSAGE_REFILL_MS",
            config.inbound.per_shopper,
        )?;
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
        if let Some(bytes) = var("GATEWAY_MEDIA_MAX_BYTES") {
            config.media_max_bytes = bytes
                .parse()
                .ok()
                .filter(|n| (1..=MAX_MEDIA_BYTES).contains(n))
                .with_context(|| {
                    format!("GATEWAY_MEDIA_MAX_BYTES is not a number from 1 to {MAX_MEDIA_BYTES}")
                })?;
        }
        let legacy = match var("WEBCHAT_TRUST_FORWARDED_FOR") {
            Some(trust) => trust
                .parse::<bool>()
                .context("WEBCHAT_TRUST_FORWARDED_FOR is not true or false")?
                .then(TrustedProxies::any),
            None => None,
        };
        config.webchat.trusted_proxies = TrustedProxies::from_env(legacy)?;
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

/// `value` as the base URL of a channel API: an http(s) URL.
pub fn base_url(value: &str) -> anyhow::Result<Url> {
    let url = Url::parse(value).with_context(|| format!("{value:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("{value:?} is not an http(s) URL");
    }
    Ok(url)
}
