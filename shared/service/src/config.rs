//! The settings every service reads from the environment the same way
//! (`HOST`, `PORT`, `DATABASE_URL`, `ADMIN_TOKEN`) and the helpers to read
//! the rest. Each service keeps its own `Config` with its own fields.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    str::FromStr,
};

use anyhow::Context as _;
use secrecy::SecretString;

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

/// Address of the HTTP server in tests: localhost, a free port.
pub fn test_http_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}

/// `DATABASE_URL`, required; it holds credentials, hence a secret.
pub fn database_url_from_env() -> anyhow::Result<SecretString> {
    std::env::var("DATABASE_URL")
        .map(SecretString::from)
        .context("DATABASE_URL is not set")
}

/// The platform operator's token for `/admin` (`ADMIN_TOKEN`); `None` when
/// unset or empty, which closes `/admin`.
pub fn admin_token_from_env() -> Option<SecretString> {
    std::env::var("ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(SecretString::from)
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
    fn tests_listen_on_a_free_local_port() {
        let addr = test_http_addr();

        assert!(addr.ip().is_loopback());
        assert_eq!(addr.port(), 0);
    }
}
