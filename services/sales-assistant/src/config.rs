//! Configuration from environment variables, validated at start-up.

use std::{net::SocketAddr, num::NonZeroU16, time::Duration};

use secrecy::SecretString;
use store_bus::BusConfig;
use store_service::config::{self, number_from_env as number, parse_env};

use crate::notify::NotifyConfig;

/// Everything the sales assistant needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the HTTP server (`HOST`, `PORT`).
    pub http_addr: SocketAddr,
    /// PostgreSQL (`DATABASE_URL`); holds credentials.
    pub database_url: SecretString,
    /// Connections in the pool (`DATABASE_MAX_CONNECTIONS`, default 10).
    pub database_max_connections: u32,
    /// The bus (`AMQP_URL`, `BUS_EXCHANGE`).
    pub bus: BusConfig,
    /// Platform operator token for `/admin` (`ADMIN_TOKEN`).
    pub admin_token: Option<SecretString>,
    /// Conversation shards of the inbox consumer (`CONSUMER_SHARDS`, default
    /// 4): its events are spread over this many ordered queues by
    /// conversation, so one conversation's events are handled one at a time
    /// in arrival order and up to this many conversations in parallel.
    /// Every replica must use the same number.
    pub consumer_shards: u16,
    /// How often the open hand-offs gauge is recounted from the database
    /// besides after each change (`OPEN_GAUGE_REFRESH_MS`, default 15000).
    pub open_gauge_refresh: Duration,
    /// Time zone of the report's days (`REPORT_TIME_ZONE`, an IANA name
    /// such as `America/Sao_Paulo`; default `UTC`), checked against
    /// PostgreSQL's at start-up.
    pub report_time_zone: String,
    /// Notifications of new escalations (`INBOX_PUBLIC_URL`,
    /// `TELEGRAM_API_BASE`, `TENANTS_FILE`, `NOTIFY_*`).
    pub notify: NotifyConfig,
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            http_addr: config::http_addr_from_env()?,
            database_url: config::database_url_from_env()?,
            database_max_connections: number("DATABASE_MAX_CONNECTIONS", "10")?,
            bus: config::bus_from_env("sales-assistant")?,
            admin_token: config::admin_token_from_env()?,
            consumer_shards: parse_env::<NonZeroU16>("CONSUMER_SHARDS", "4", "a positive number")?
                .get(),
            open_gauge_refresh: Duration::from_millis(number("OPEN_GAUGE_REFRESH_MS", "15000")?),
            report_time_zone: config::env_or("REPORT_TIME_ZONE", "UTC"),
            notify: NotifyConfig::from_env()?,
        })
    }

    /// A configuration for tests: local port 0, the given database and bus.
    pub fn for_tests(database_url: SecretString, bus: BusConfig) -> Self {
        Self {
            http_addr: config::test_http_addr(),
            database_url,
            database_max_connections: 10,
            bus,
            admin_token: None,
            consumer_shards: 4,
            open_gauge_refresh: Duration::from_secs(1),
            report_time_zone: "UTC".to_owned(),
            notify: NotifyConfig::for_tests(),
        }
    }
}
