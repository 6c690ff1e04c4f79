//! Test support for tests that talk to the real RabbitMQ and PostgreSQL.
//!
//! Every test isolates itself: a unique exchange and queue prefix on the
//! broker, a fresh database on the server, so tests run in parallel.
//! Addresses come from `AMQP_URL` and `DATABASE_URL`, with local defaults.
//! [`proxy`] takes the broker or the database away from one service;
//! [`TestApp`] runs any service as its `main` does; [`tenants`] creates
//! tenants on it as the operator does; [`whatsapp`] builds and signs
//! WhatsApp webhooks as Meta sends them; [`webhook_load`] posts many of
//! them at once and reports the rates and latencies; [`procs`] reads
//! processes' CPU and memory, and what a run cost each of them.

pub mod app;
pub mod bare_handler;
pub mod procs;
pub mod proxy;
pub mod tenants;
pub mod webhook_load;
pub mod whatsapp;

pub use app::{TestApp, TestEnv};

use sqlx::{Connection, PgConnection, PgPool, postgres::PgPoolOptions};

/// The path of a file of the repository's channel fixtures (`fixtures/`,
/// real WhatsApp and Telegram payloads), e.g. `whatsapp/text.json`.
pub fn fixture_path(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// A fixture file's bytes, unchanged.
pub fn fixture(path: &str) -> Vec<u8> {
    let file = fixture_path(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("fixture {}: {e}", file.display()))
}

/// Broker address for tests.
pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// Server address for tests (any database on it; tests create their own).
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A name unique to this test run, e.g. `t-3f2a…`, for exchanges and queues.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The broker's management API (`RABBITMQ_MANAGEMENT_URL`, default the
/// local one with the default credentials).
pub fn management_url() -> String {
    std::env::var("RABBITMQ_MANAGEMENT_URL")
        .unwrap_or_else(|_| "http://guest:guest@127.0.0.1:15672".to_owned())
}

/// The broker's management API: its base URL without credentials, and the
/// credentials, from [`management_url`].
pub struct Management {
    /// `http://host:port`, no trailing slash.
    pub api: String,
    /// User name.
    pub user: String,
    /// Its password.
    pub password: String,
}

/// [`Management`] of [`management_url`]; `None` when it is not a URL.
pub fn management() -> Option<Management> {
    let url = reqwest::Url::parse(&management_url()).ok()?;
    let (user, password) = (
        url.username().to_owned(),
        url.password().unwrap_or_default().to_owned(),
    );
    let mut api = url;
    let _ = api.set_username("");
    let _ = api.set_password(None);
    Some(Management {
        api: api.as_str().trim_end_matches('/').to_owned(),
        user,
        password,
    })
}

/// Deletes every queue and exchange whose name starts with `prefix` (a
/// test's unique prefix), so test runs do not pile durable quorum queues up
/// on the broker. Best effort: errors are ignored, and
/// `scripts/services-up.sh` sweeps leftovers before each run anyway.
pub async fn purge_broker(prefix: &str) {
    if prefix.len() < 8 {
        // A short prefix could match what is not ours.
        return;
    }
    let client = reqwest::Client::new();
    let Some(Management {
        api,
        user,
        password,
    }) = management()
    else {
        return;
    };
    for kind in ["queues", "exchanges"] {
        let listed = client
            .get(format!("{api}/api/{kind}/%2F?columns=name"))
            .basic_auth(&user, Some(&password))
            .send()
            .await;
        let Ok(response) = listed else { return };
        let Ok(items) = response.json::<Vec<serde_json::Value>>().await else {
            continue;
        };
        for name in items
            .iter()
            .filter_map(|i| i["name"].as_str())
            .filter(|n| n.starts_with(prefix))
        {
            let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
            let _ = client
                .delete(format!(
                    "{api}/api/{kind}/%2F/{}",
                    encoded.replace('+', "%20")
                ))
                .basic_auth(&user, Some(&password))
                .send()
                .await;
        }
    }
}

/// Prefix of every database the tests create; CI drops leftovers by it.
pub const TEST_DATABASE_PREFIX: &str = "t_";

/// Creates a fresh, empty database and returns a pool on it.
pub async fn fresh_database() -> anyhow::Result<PgPool> {
    Ok(fresh_database_with_url().await?.0)
}

/// Creates a fresh, empty database; returns a pool on it and its URL (for
/// starting a service against it).
pub async fn fresh_database_with_url() -> anyhow::Result<(PgPool, String)> {
    let url = database_url();
    let name = format!("{TEST_DATABASE_PREFIX}{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&url).await?;
    sqlx::query(&format!("create database \"{name}\""))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let db_url = with_database(&url, &name);
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect(&db_url)
        .await?;
    Ok((pool, db_url))
}

/// `url` pointing at database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if base[..i].contains("://") && i > base.find("://").map_or(0, |p| p + 2) => {
            &base[..i]
        }
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_swapped_in_the_url() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
