//! Configuration from environment variables, validated at start-up.

use std::net::SocketAddr;

use secrecy::SecretString;
use store_bus::BusConfig;
use store_service::config::{self, number_from_env as number};

/// Everything the catalog needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the HTTP server (`HOST`, `PORT`; port 0 picks a free one).
    pub http_addr: SocketAddr,
    /// The operator's listener (`OPERATOR_HOST`, default 127.0.0.1, and
    /// `OPERATOR_PORT`, default 9081): `/metrics` and `/admin/*`, never public.
    pub operator_addr: SocketAddr,
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
    /// Where shoppers' channels fetch the pictures the catalog serves
    /// (`CATALOG_PUBLIC_URL`, e.g. `https://catalog.shop.example`): picture
    /// paths stored as `/images/…` are answered as this URL plus the path.
    /// Unset: the catalog's own HTTP address, which only a browser on the
    /// same machine reaches (WhatsApp and Telegram need a public HTTPS URL).
    pub public_url: Option<String>,
}

/// `CATALOG_PUBLIC_URL`: an absolute `http(s)` URL, kept without its
/// trailing slash.
fn public_url_from_env() -> anyhow::Result<Option<String>> {
    let Some(url) = std::env::var("CATALOG_PUBLIC_URL")
        .ok()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    anyhow::ensure!(
        (url.starts_with("https://") || url.starts_with("http://")) && url.len() > "https://".len(),
        "CATALOG_PUBLIC_URL must be an absolute http(s) URL, not {url:?}"
    );
    Ok(Some(url))
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            http_addr: config::http_addr_from_env()?,
            operator_addr: config::operator_addr_from_env(9081)?,
            database_url: config::database_url_from_env()?,
            database_max_connections: number("DATABASE_MAX_CONNECTIONS", "20")?,
            bus: config::bus_from_env("catalog")?,
            admin_token: config::admin_token_from_env()?,
            max_quantity_per_line: number("MAX_QUANTITY_PER_LINE", "100")?,
            consumer_prefetch: number("CONSUMER_PREFETCH", "16")?,
            public_url: public_url_from_env()?,
        })
    }

    /// A configuration for tests: local port 0 and the given database and
    /// bus.
    pub fn for_tests(database_url: SecretString, bus: BusConfig) -> Self {
        Self {
            http_addr: config::test_http_addr(),
            operator_addr: config::test_http_addr(),
            database_url,
            database_max_connections: 20,
            bus,
            admin_token: None,
            max_quantity_per_line: 100,
            consumer_prefetch: 16,
            public_url: None,
        }
    }
}
