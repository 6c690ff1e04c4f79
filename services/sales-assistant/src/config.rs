//! Configuration from environment variables, validated at start-up.

use std::{
    net::SocketAddr,
    num::{NonZeroU16, NonZeroU64},
    time::Duration,
};
use store_service::client_ip::TrustedProxies;

use secrecy::SecretString;
use store_bus::BusConfig;
use store_service::config::{self, number_from_env as number, parse_env};

use crate::{domain::hours::StaffedHours, notify::NotifyConfig};

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
    /// A signed-in seller's session ends after this long without a request
    /// (`INBOX_SESSION_IDLE_MINUTES`, default 720).
    pub session_idle: Duration,
    /// The session cookie is sent over HTTPS only (`INBOX_COOKIE_SECURE`,
    /// default true; false for plain-HTTP local runs).
    pub cookie_secure: bool,
    /// The proxies whose `X-Forwarded-For` gives the client's address for
    /// sign-in throttling (`TRUSTED_PROXIES`, see
    /// [`store_service::client_ip`]; none by default. The older
    /// `INBOX_TRUSTED_PROXY=true` still means "trust any peer").
    pub trusted_proxies: TrustedProxies,
    /// The inbox's address as people reach it, for absolute links in
    /// invitations and notifications (`INBOX_PUBLIC_URL`, default
    /// `http://127.0.0.1:<PORT>`; no trailing slash).
    pub public_url: String,
    /// Address of the operator's listener, never the public port
    /// (`OPERATOR_HOST`, default 127.0.0.1, and `OPERATOR_PORT`, default
    /// 9090): `POST /admin/tenants/{tenant}/owners`.
    pub operator_addr: SocketAddr,
    /// Staffed hours per brand (`INBOX_STAFFED_HOURS`, e.g. `fashion=Mon-Fri
    /// 09:00-18:00 Europe/Madrid; tech=Mon-Sat 10:00-20:00
    /// America/Sao_Paulo`); brands without an entry are always staffed. A
    /// new escalation outside them is deferred.
    pub staffed_hours: StaffedHours,
    /// Defer a new escalation when no seller who may work its brand is
    /// signed in (`INBOX_DEFER_WHEN_NOBODY_SIGNED_IN`, default true; false
    /// in the tests' configuration, whose escalations are not about
    /// presence).
    pub defer_when_nobody_signed_in: bool,
    /// How long the inbox waits for an answer over the bus: a draft from
    /// the brand's AI seller, the catalog, the order processor
    /// (`INBOX_REQUEST_TIMEOUT_MS`, default 10000).
    pub request_timeout: Duration,
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
        let http_addr = config::http_addr_from_env()?;
        let public_url = public_url(config::var("INBOX_PUBLIC_URL"), http_addr.port())?;
        Ok(Self {
            http_addr,
            database_url: config::database_url_from_env()?,
            database_max_connections: number("DATABASE_MAX_CONNECTIONS", "10")?,
            bus: config::bus_from_env("sales-assistant")?,
            admin_token: config::admin_token_from_env()?,
            consumer_shards: parse_env::<NonZeroU16>("CONSUMER_SHARDS", "4", "a positive number")?
                .get(),
            open_gauge_refresh: Duration::from_millis(number("OPEN_GAUGE_REFRESH_MS", "15000")?),
            session_idle: Duration::from_secs(
                60 * parse_env::<NonZeroU64>(
                    "INBOX_SESSION_IDLE_MINUTES",
                    "720",
                    "a positive number",
                )?
                .get(),
            ),
            cookie_secure: parse_env("INBOX_COOKIE_SECURE", "true", "true or false")?,
            trusted_proxies: TrustedProxies::from_env(
                parse_env::<bool>("INBOX_TRUSTED_PROXY", "false", "true or false")?
                    .then(TrustedProxies::any),
            )?,
            notify: NotifyConfig::from_env(&public_url)?,
            public_url,
            operator_addr: config::operator_addr_from_env(9090)?,
            staffed_hours: StaffedHours::parse(
                &config::var("INBOX_STAFFED_HOURS").unwrap_or_default(),
            )
            .map_err(|why| anyhow::anyhow!("INBOX_STAFFED_HOURS is not valid: {why}"))?,
            defer_when_nobody_signed_in: parse_env(
                "INBOX_DEFER_WHEN_NOBODY_SIGNED_IN",
                "true",
                "true or false",
            )?,
            request_timeout: Duration::from_millis(number("INBOX_REQUEST_TIMEOUT_MS", "10000")?),
            report_time_zone: config::env_or("REPORT_TIME_ZONE", "UTC"),
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
            session_idle: Duration::from_secs(3600),
            // Tests speak plain HTTP.
            cookie_secure: false,
            trusted_proxies: TrustedProxies::none(),
            public_url: TEST_PUBLIC_URL.to_owned(),
            operator_addr: config::test_http_addr(),
            staffed_hours: StaffedHours::default(),
            defer_when_nobody_signed_in: false,
            request_timeout: Duration::from_secs(10),
            report_time_zone: "UTC".to_owned(),
            notify: NotifyConfig::for_tests(),
        }
    }
}

/// The public URL tests are given (the port is only known once bound):
/// tests take the path of the links built with it.
pub const TEST_PUBLIC_URL: &str = "http://inbox.test";

/// `INBOX_PUBLIC_URL` without its trailing slash, or the local address of
/// `port`; it must be an http(s) URL.
fn public_url(value: Option<String>, port: u16) -> anyhow::Result<String> {
    let url = value.unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    let url = url.trim().trim_end_matches('/').to_owned();
    anyhow::ensure!(
        (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "https://".len(),
        "INBOX_PUBLIC_URL is not an http(s) URL"
    );
    Ok(url)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_public_url_defaults_to_the_local_port_and_loses_its_slash() {
        assert_eq!(public_url(None, 8083).unwrap(), "http://127.0.0.1:8083");
        assert_eq!(
            public_url(Some("https://inbox.shop.test/".to_owned()), 8083).unwrap(),
            "https://inbox.shop.test"
        );
        assert!(public_url(Some("inbox.shop.test".to_owned()), 8083).is_err());
    }
}
