//! The store's database pools fitted to the server: every service started
//! here gets a `DATABASE_MAX_CONNECTIONS` such that all of them at full use,
//! the gateway's pool of reply records and loadgen's own readings stay
//! under PostgreSQL's `max_connections`. Without it the services' default
//! pools (six sellers alone hold up to 18 each) can take every connection
//! a default server allows (100), and the run stops on "too many clients".

use anyhow::Context as _;
use sqlx::{Connection as _, PgConnection};

/// Kept free: loadgen's statistics, a `psql` beside the run, and the
/// gateway's pool of reply records (one a reply shard, 8, and one more),
/// which `DATABASE_MAX_CONNECTIONS` does not size.
pub const SPARE: u32 = 20;

/// Fewest connections a service gets, however many there are.
pub const MIN_PER_SERVICE: u32 = 4;

/// Most: the services' largest default.
pub const MAX_PER_SERVICE: u32 = 20;

/// Connections the server lets ordinary users open: `max_connections`
/// less those reserved for superusers.
pub async fn available(server_url: &str) -> anyhow::Result<u32> {
    let mut conn = PgConnection::connect(server_url)
        .await
        .context("PostgreSQL is not answering (for max_connections)")?;
    let (available,): (i32,) = sqlx::query_as(
        "select current_setting('max_connections')::int \
         - current_setting('superuser_reserved_connections')::int",
    )
    .fetch_one(&mut conn)
    .await
    .context("Failed to read max_connections")?;
    conn.close().await.ok();
    Ok(u32::try_from(available).unwrap_or(0))
}

/// Each of `services`' share of `available` connections after [`SPARE`],
/// between [`MIN_PER_SERVICE`] and [`MAX_PER_SERVICE`].
pub fn per_service(available: u32, services: u32) -> u32 {
    (available.saturating_sub(SPARE) / services.max(1)).clamp(MIN_PER_SERVICE, MAX_PER_SERVICE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_server_is_shared_so_every_pool_fits() {
        // PostgreSQL's defaults: 100, 3 reserved; the gateway, catalog,
        // order processor, sales assistant and six sellers.
        let each = per_service(97, 10);
        assert_eq!(each, 7);
        assert!(each * 10 + SPARE <= 97);
    }

    #[test]
    fn a_large_server_gives_the_services_their_defaults_and_a_tiny_one_the_floor() {
        assert_eq!(per_service(1_000, 10), MAX_PER_SERVICE);
        assert_eq!(per_service(25, 10), MIN_PER_SERVICE);
        assert_eq!(per_service(0, 0), MIN_PER_SERVICE);
    }
}
