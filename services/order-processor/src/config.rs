//! Configuration from environment variables, validated at start-up.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context as _;
use secrecy::SecretString;
use store_bus::BusConfig;
use store_service::config::{self, env_or, number_from_env as number};

use crate::payments::stripe::StripeConfig;

/// Everything the order processor needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the HTTP server (`HOST`, `PORT`).
    pub http_addr: SocketAddr,
    /// The operator's listener (`OPERATOR_HOST`, default 127.0.0.1, and
    /// `OPERATOR_PORT`, default 9082): `/metrics` and `/admin/*`, never public.
    pub operator_addr: SocketAddr,
    /// PostgreSQL (`DATABASE_URL` or `DATABASE_URL_FILE`); holds credentials.
    pub database_url: SecretString,
    /// Connections in the pool (`DATABASE_MAX_CONNECTIONS`, default 20).
    pub database_max_connections: u32,
    /// The bus (`AMQP_URL` or `AMQP_URL_FILE`, `BUS_EXCHANGE`).
    pub bus: BusConfig,
    /// Platform operator token for `/admin` (`ADMIN_TOKEN` or
    /// `ADMIN_TOKEN_FILE`).
    pub admin_token: Option<SecretString>,
    /// How long an unpaid order holds its stock (`ORDER_PAYMENT_TIMEOUT_SECS`,
    /// default 1800).
    pub payment_timeout: Duration,
    /// How often unpaid orders are checked for expiry
    /// (`ORDER_EXPIRY_SWEEP_MS`, default 5000).
    pub expiry_sweep: Duration,
    /// How long to wait for the catalog's reservation (`CATALOG_TIMEOUT_MS`,
    /// default 10000).
    pub catalog_timeout: Duration,
    /// How often the outbox is checked besides after each commit
    /// (`OUTBOX_POLL_MS`, default 1000).
    pub outbox_poll: Duration,
    /// Order requests handled at once (`CONSUMER_PREFETCH`, default 16).
    pub consumer_prefetch: u16,
    /// Stripe, when `STRIPE_SECRET_KEY` is set (secrets: `STRIPE_SECRET_KEY`,
    /// `STRIPE_WEBHOOK_SECRET`, or their `_FILE`s).
    pub stripe: Option<StripeConfig>,
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            http_addr: config::http_addr_from_env()?,
            operator_addr: config::operator_addr_from_env(9082)?,
            database_url: config::database_url_from_env()?,
            database_max_connections: number("DATABASE_MAX_CONNECTIONS", "20")?,
            bus: config::bus_from_env("order-processor")?,
            admin_token: config::admin_token_from_env()?,
            payment_timeout: Duration::from_secs(number("ORDER_PAYMENT_TIMEOUT_SECS", "1800")?),
            expiry_sweep: Duration::from_millis(number("ORDER_EXPIRY_SWEEP_MS", "5000")?),
            catalog_timeout: Duration::from_millis(number("CATALOG_TIMEOUT_MS", "10000")?),
            outbox_poll: Duration::from_millis(number("OUTBOX_POLL_MS", "1000")?),
            consumer_prefetch: number("CONSUMER_PREFETCH", "16")?,
            stripe: stripe_from_env()?,
        })
    }

    /// A configuration for tests: local port 0, the given database and bus,
    /// quick timers.
    pub fn for_tests(database_url: SecretString, bus: BusConfig) -> Self {
        Self {
            http_addr: config::test_http_addr(),
            operator_addr: config::test_http_addr(),
            database_url,
            database_max_connections: 20,
            bus,
            admin_token: None,
            payment_timeout: Duration::from_secs(1800),
            expiry_sweep: Duration::from_millis(100),
            catalog_timeout: Duration::from_secs(20),
            outbox_poll: Duration::from_millis(200),
            consumer_prefetch: 16,
            stripe: None,
        }
    }
}

/// Stripe, when `STRIPE_SECRET_KEY` (or `STRIPE_SECRET_KEY_FILE`) is set;
/// its webhook secret is then required.
fn stripe_from_env() -> anyhow::Result<Option<StripeConfig>> {
    let Some(secret_key) = config::secret_from_env("STRIPE_SECRET_KEY")? else {
        return Ok(None);
    };
    let webhook_secret = config::secret_from_env("STRIPE_WEBHOOK_SECRET")?.context(
        "STRIPE_WEBHOOK_SECRET (or STRIPE_WEBHOOK_SECRET_FILE) must be set with STRIPE_SECRET_KEY",
    )?;
    Ok(Some(StripeConfig {
        api_base: env_or("STRIPE_API_BASE", "https://api.stripe.com"),
        secret_key,
        webhook_secret,
        success_url: env_or("PAYMENT_SUCCESS_URL", "https://example.com/paid"),
        cancel_url: env_or("PAYMENT_CANCEL_URL", "https://example.com/cancelled"),
        tolerance: Duration::from_secs(number("STRIPE_WEBHOOK_TOLERANCE_SECS", "300")?),
    }))
}
