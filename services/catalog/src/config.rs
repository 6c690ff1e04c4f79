//! Configuration from environment variables, validated at start-up.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::Context as _;
use secrecy::SecretString;
use store_bus::BusConfig;

/// Everything the catalog needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the HTTP server (`HOST`, `PORT`; port 0 picks a free one).
    pub http_addr: SocketAddr,
    /// PostgreSQL (`DATABASE_URL`); holds credentials.
    pub database_url: SecretString,
    /// Connections in the pool (`DATABASE_MAX_CONNECTIONS`, default 20).
    pub database_max_connections: u32,
    /// The bus (`AMQP_URL`, `BUS_EXCHANGE`).
    pub bus: BusConfig,
    /// Platform operator token for `/admin` (`ADMIN_TOKEN`); `/admin` is
    /// closed when unset.
    pub admin_token: Option<SecretString>,
    /// Most units of one item one order may hold, when the product sets no
    /// lower limit (`MAX_QUANTITY_PER_LINE`, default 100).
    pub max_quantity_per_line: u32,
    /// Deliveries of requests handled at once per consumer
    /// (`CONSUMER_PREFETCH`, default 16).
    pub consumer_prefetch: u16,
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let host: IpAddr = env_or("HOST", "0.0.0.0")
            .parse()
            .context("HOST is not an IP address")?;
        let port: u16 = env_or("PORT", "8080")
            .parse()
            .context("PORT is not a port number")?;
        let database_url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
        Ok(Self {
            http_addr: SocketAddr::new(host, port),
            database_url: SecretString::from(database_url),
            database_max_connections: env_or("DATABASE_MAX_CONNECTIONS", "20")
                .parse()
                .context("DATABASE_MAX_CONNECTIONS is not a number")?,
            bus: BusConfig::from_env("catalog"),
            admin_token: std::env::var("ADMIN_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .map(SecretString::from),
            max_quantity_per_line: env_or("MAX_QUANTITY_PER_LINE", "100")
                .parse()
                .context("MAX_QUANTITY_PER_LINE is not a number")?,
            consumer_prefetch: env_or("CONSUMER_PREFETCH", "16")
                .parse()
                .context("CONSUMER_PREFETCH is not a number")?,
        })
    }

    /// A configuration for tests: local port 0 and the given database and
    /// bus.
    pub fn for_tests(database_url: SecretString, bus: BusConfig) -> Self {
        Self {
            http_addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            database_url,
            database_max_connections: 20,
            bus,
            admin_token: None,
            max_quantity_per_line: 100,
            consumer_prefetch: 16,
        }
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}
