//! The services' databases: created when missing, dropped on reset.

use anyhow::Context as _;
use sqlx::{Connection as _, PgConnection};
use url::Url;

/// The URL of database `name` on the server of `server_url`.
pub fn url_of(server_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = Url::parse(server_url).context("The PostgreSQL URL is invalid")?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

async fn connect(server_url: &str) -> anyhow::Result<PgConnection> {
    PgConnection::connect(server_url).await.with_context(|| {
        format!(
            "PostgreSQL is not answering at {} — is it running? (`scripts/services-up.sh` starts it)",
            redact(server_url)
        )
    })
}

/// Creates each database of `names` that does not exist yet.
pub async fn ensure(server_url: &str, names: &[String]) -> anyhow::Result<()> {
    let mut conn = connect(server_url).await?;
    for name in names {
        check_name(name)?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .await
                .with_context(|| format!("Failed to create database {name}"))?;
        }
    }
    Ok(())
}

/// Drops each database of `names` (closing other sessions on it first).
pub async fn drop_all(server_url: &str, names: &[String]) -> anyhow::Result<()> {
    let mut conn = connect(server_url).await?;
    for name in names {
        check_name(name)?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .with_context(|| format!("Failed to drop database {name}"))?;
    }
    Ok(())
}

/// Database names are made by us, but are spliced into SQL: keep them plain.
fn check_name(name: &str) -> anyhow::Result<()> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    anyhow::ensure!(
        plain,
        "database name {name:?} must be lowercase letters, digits and _"
    );
    Ok(())
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<invalid URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_keeps_the_server_and_credentials() {
        let url = url_of(
            "postgres://u:p@db:5432/postgres?sslmode=disable",
            "store_seller",
        )
        .expect("valid");
        assert_eq!(url, "postgres://u:p@db:5432/store_seller?sslmode=disable");
    }

    #[test]
    fn names_that_could_inject_sql_are_refused() {
        assert!(check_name("store_gateway").is_ok());
        assert!(check_name("x\"; DROP DATABASE y; --").is_err());
        assert!(check_name("").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
