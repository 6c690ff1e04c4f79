//! The store's database pools fitted to the server: each service started
//! here gets a `DATABASE_MAX_CONNECTIONS` such that all of them at full use,
//! the gateway's pool of reply records and loadgen's own readings stay
//! under PostgreSQL's `max_connections`. Without it the services' default
//! pools (six sellers alone hold up to 18 each) can take every connection a
//! default server allows (100), and the run stops on "too many clients".
//!
//! The connections are shared by weight, by how much of the store's
//! database work a service does at once: the gateway (every webhook, every
//! reply message, the web chat's streams) 4, the catalog, the order
//! processor and the sales assistant 2 each, a seller (a sixth of the
//! conversations) 1.

use std::fmt;

use anyhow::Context as _;
use sqlx::{Connection as _, PgConnection};

/// Kept free: loadgen's statistics, a `psql` beside the run, and the
/// gateway's pool of reply records (one a reply shard, 8, and one more),
/// which `DATABASE_MAX_CONNECTIONS` does not size.
pub const SPARE: u32 = 20;

/// Fewest connections a service gets, however small the server.
pub const MIN: u32 = 4;

/// Most a service gets, however large the server: the defaults' largest.
pub const MAX: u32 = 20;

/// Each service's `DATABASE_MAX_CONNECTIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pools {
    /// The gateway's main pool.
    pub gateway: u32,
    /// The catalog's.
    pub catalog: u32,
    /// The order processor's.
    pub orders: u32,
    /// The sales assistant's.
    pub sales: u32,
    /// Each seller's.
    pub seller: u32,
    /// What the server allows (`max_connections` less the superusers'
    /// reserve).
    pub available: u32,
}

impl Pools {
    /// The shares of `available` connections for the four services and
    /// `sellers` sellers, after [`SPARE`], each between [`MIN`] and [`MAX`].
    pub fn fit(available: u32, sellers: u32) -> Self {
        let weights = 4 + 2 + 2 + 2 + sellers;
        let unit = f64::from(available.saturating_sub(SPARE)) / f64::from(weights);
        let share = |weight: u32| {
            // Bounded by MAX just after, so the cast cannot truncate.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let connections = (unit * f64::from(weight)).floor() as u32;
            connections.clamp(MIN, MAX)
        };
        Self {
            gateway: share(4),
            catalog: share(2),
            orders: share(2),
            sales: share(2),
            seller: share(1),
            available,
        }
    }

    /// The `DATABASE_MAX_CONNECTIONS` setting of `connections`.
    pub fn env(connections: u32) -> Vec<(String, String)> {
        vec![(
            "DATABASE_MAX_CONNECTIONS".to_owned(),
            connections.to_string(),
        )]
    }
}

impl fmt::Display for Pools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gateway {}, catalog {}, order processor {}, sales assistant {}, each seller {}, fitted to the {} connections PostgreSQL allows",
            self.gateway, self.catalog, self.orders, self.sales, self.seller, self.available
        )
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_server_is_shared_by_weight_and_every_pool_fits() {
        // PostgreSQL's defaults: 100, 3 reserved; six sellers.
        let pools = Pools::fit(97, 6);
        assert_eq!(
            (
                pools.gateway,
                pools.catalog,
                pools.orders,
                pools.sales,
                pools.seller
            ),
            (19, 9, 9, 9, 4)
        );
        let total = pools.gateway + pools.catalog + pools.orders + pools.sales + 6 * pools.seller;
        assert!(total + SPARE <= 97, "{total}");
    }

    #[test]
    fn a_large_server_gives_at_most_the_defaults_and_a_tiny_one_the_floor() {
        let large = Pools::fit(10_000, 6);
        assert_eq!((large.gateway, large.seller), (MAX, MAX));
        let tiny = Pools::fit(25, 6);
        assert_eq!((tiny.gateway, tiny.seller), (MIN, MIN));
    }
}
