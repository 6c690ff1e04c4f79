//! The settings every service reads from the environment the same way and
//! the helpers to read the rest. Each service keeps its own `Config` with its
//! own fields.
//!
//! One naming scheme: a setting every service has carries the same name in
//! each (`HOST`, `PORT`, `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`,
//! `AMQP_URL`, `BUS_EXCHANGE`, `ADMIN_TOKEN`, `TENANTS_FILE`,
//! `CONSUMER_PREFETCH`), read with these helpers; a setting of one service is named for
//! what it configures (`GATEWAY_REPLY_SHARDS`, `WEBCHAT_SESSION_TTL_HOURS`,
//! `SELLER_BRAND`, `LLM_MODEL`, `STRIPE_SECRET_KEY`). Every secret may
//! instead be read from the file named by `<NAME>_FILE` (Kubernetes secrets
//! mounted as files), through [`secret_from_env`].

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    str::FromStr,
};

use anyhow::Context as _;
use secrecy::SecretString;
use store_bus::{BusConfig, config::DEFAULT_AMQP_URL};

/// The value of `name`, or `default` when unset.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The value of `name` (or `default` when unset) parsed as a `T`; the error
/// says `"{name} is not {what}"`, e.g. `what = "a number"`.
pub fn parse_env<T>(name: &str, default: &str, what: &str) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    parse_value(name, std::env::var(name).ok(), default, what)
}

/// The number in `name` (or `default` when unset), e.g. a size or a
/// duration in milliseconds; the error says `"{name} is not a number"`.
pub fn number_from_env<T>(name: &str, default: &str) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    parse_env(name, default, "a number")
}

fn parse_value<T>(name: &str, value: Option<String>, default: &str, what: &str) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    value
        .as_deref()
        .unwrap_or(default)
        .parse()
        .with_context(|| format!("{name} is not {what}"))
}

/// Address of the HTTP server: `HOST` (default `0.0.0.0`) and `PORT`
/// (default 8080; 0 picks a free one).
pub fn http_addr_from_env() -> anyhow::Result<SocketAddr> {
    let host: IpAddr = parse_env("HOST", "0.0.0.0", "an IP address")?;
    let port: u16 = parse_env("PORT", "8080", "a port number")?;
    Ok(SocketAddr::new(host, port))
}

/// Address of the operator's listener (`/metrics`, `/admin/*`, and
/// `/healthz`, `/readyz` again): `OPERATOR_HOST` (default `127.0.0.1`: only
/// this machine, or this pod, reaches it unless the deployment says
/// otherwise) and `OPERATOR_PORT` (default `default_port`; 0 picks a free
/// one).
pub fn operator_addr_from_env(default_port: u16) -> anyhow::Result<SocketAddr> {
    let host: IpAddr = parse_env("OPERATOR_HOST", "127.0.0.1", "an IP address")?;
    let port: u16 = parse_env("OPERATOR_PORT", &default_port.to_string(), "a port number")?;
    Ok(SocketAddr::new(host, port))
}

/// Address of the HTTP server in tests: localhost, a free port.
pub fn test_http_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}

/// The value of `name`; `None` when unset or empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The secret in `name`, or else in the file named by `<name>_FILE` (its
/// content, trimmed); `None` when neither is set.
pub fn secret_from_env(name: &str) -> anyhow::Result<Option<SecretString>> {
    secret_from(name, var)
}

/// [`secret_from_env`] over any lookup of variables.
fn secret_from(
    name: &str,
    var: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<SecretString>> {
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

/// `DATABASE_URL` (or `DATABASE_URL_FILE`), required; it holds
/// credentials, hence a secret.
pub fn database_url_from_env() -> anyhow::Result<SecretString> {
    secret_from_env("DATABASE_URL")?.context("DATABASE_URL (or DATABASE_URL_FILE) must be set")
}

/// The platform operator's token for `/admin` (`ADMIN_TOKEN` or
/// `ADMIN_TOKEN_FILE`); `None` when unset or empty, which closes `/admin`.
pub fn admin_token_from_env() -> anyhow::Result<Option<SecretString>> {
    secret_from_env("ADMIN_TOKEN")
}

/// The bus of `service`: `AMQP_URL` (or `AMQP_URL_FILE`; default the local
/// broker), `BUS_EXCHANGE` (default the one store exchange) and
/// `BUS_PUBLISH_CHANNELS` (most publishes in flight at once).
pub fn bus_from_env(service: &str) -> anyhow::Result<BusConfig> {
    let url = secret_from_env("AMQP_URL")?.unwrap_or_else(|| SecretString::from(DEFAULT_AMQP_URL));
    let mut bus = BusConfig::new(service, url);
    if let Some(exchange) = var("BUS_EXCHANGE") {
        bus.exchange = exchange;
    }
    bus.publish_channels = number_from_env(
        "BUS_PUBLISH_CHANNELS",
        &store_bus::config::DEFAULT_PUBLISH_CHANNELS.to_string(),
    )?;
    if bus.publish_channels == 0 {
        anyhow::bail!("BUS_PUBLISH_CHANNELS must be at least 1");
    }
    Ok(bus)
}

/// The tenants file (`TENANTS_FILE`, default `default`).
pub fn tenants_file_from_env(default: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env_or("TENANTS_FILE", default))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_value_is_parsed_and_an_unset_one_takes_the_default() {
        let given: u32 = parse_value("N", Some("7".to_owned()), "20", "a number").unwrap();
        let unset: u32 = parse_value("N", None, "20", "a number").unwrap();

        assert_eq!((given, unset), (7, 20));
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let error = parse_value::<u16>("PORT", Some("eighty".to_owned()), "8080", "a port number")
            .unwrap_err();

        assert_eq!(error.to_string(), "PORT is not a port number");
    }

    #[test]
    fn a_secret_is_read_from_the_file_its_file_variable_names() {
        let dir = std::env::temp_dir().join(format!("secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "s3cret\n").unwrap();
        let path = file.display().to_string();
        let env = |name: &str| (name == "TOKEN_FILE").then(|| path.clone());

        let secret = secret_from("TOKEN", env).unwrap().unwrap();

        assert_eq!(secrecy::ExposeSecret::expose_secret(&secret), "s3cret");
        assert!(secret_from("OTHER", env).unwrap().is_none());
    }

    #[test]
    fn tests_listen_on_a_free_local_port() {
        let addr = test_http_addr();

        assert!(addr.ip().is_loopback());
        assert_eq!(addr.port(), 0);
    }
}
