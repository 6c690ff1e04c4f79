//! Building and running the catalog: database, migrations, bus consumers,
//! HTTP server; one cancellation token stops them all.

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use sqlx::PgPool;
use store_bus::{Bus, ConsumerConfig, ConsumerHandle, Responder, health::BrokerCheck};
use store_events::{
    EventData as _,
    data::{InventoryRelease, InventoryReserve, ProductQuery, ProductRecommend},
};
use store_telemetry::{Metrics, Readiness, health::check_fn};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    consumers::{
        Catalog, PRODUCT_QUEUE, RELEASE_QUEUE, RESERVE_QUEUE,
        inventory::{ReleaseHandler, ReserveResponder},
        products::ProductResponder,
    },
    db,
    http::{self, AppState},
};

/// The running catalog.
pub struct Application {
    listener: TcpListener,
    router: Router,
    bus: Bus,
    pool: PgPool,
    consumers: Vec<ConsumerHandle>,
    shutdown: CancellationToken,
}

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// consumers and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrate(&pool).await?;
        let metrics = Metrics::new("catalog")?;
        let bus = Bus::connect(config.bus.clone(), metrics.clone())
            .await
            .context("Failed to connect to RabbitMQ")?;
        let shutdown = CancellationToken::new();
        let catalog = Arc::new(Catalog {
            pool: pool.clone(),
            bus: bus.clone(),
            max_quantity_per_line: config.max_quantity_per_line,
        });
        let prefix = queue_prefix(&config);
        let prefetch = config.consumer_prefetch;
        let products = bus
            .consume(
                ConsumerConfig::new(
                    format!("{prefix}{PRODUCT_QUEUE}"),
                    [
                        format!("{}.#", ProductQuery::TYPE),
                        format!("{}.#", ProductRecommend::TYPE),
                    ],
                )
                .with_prefetch(prefetch)
                // A reply that comes late is useless: no retries.
                .with_retry_delays([]),
                Responder::new(bus.clone(), ProductResponder(catalog.clone())),
                shutdown.child_token(),
            )
            .await
            .context("Failed to start the product query consumer")?;
        let reserve = bus
            .consume(
                ConsumerConfig::new(
                    format!("{prefix}{RESERVE_QUEUE}"),
                    [format!("{}.#", InventoryReserve::TYPE)],
                )
                .with_prefetch(prefetch)
                .with_retry_delays([std::time::Duration::from_millis(500)]),
                Responder::new(bus.clone(), ReserveResponder(catalog.clone())),
                shutdown.child_token(),
            )
            .await
            .context("Failed to start the reservation consumer")?;
        let release = bus
            .consume(
                ConsumerConfig::new(
                    format!("{prefix}{RELEASE_QUEUE}"),
                    [format!("{}.#", InventoryRelease::TYPE)],
                )
                .with_prefetch(prefetch),
                ReleaseHandler(catalog.clone()),
                shutdown.child_token(),
            )
            .await
            .context("Failed to start the release consumer")?;
        let readiness = Readiness::new()
            .with(BrokerCheck(bus.clone()))
            .with(check_fn("postgres", {
                let pool = pool.clone();
                move || {
                    let pool = pool.clone();
                    async move {
                        sqlx::query("select 1")
                            .execute(&pool)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                }
            }))
            .with_shutdown(shutdown.clone());
        let state = AppState {
            catalog,
            admin_token: config.admin_token.clone(),
        };
        let router = http::router(state).merge(store_telemetry::ops_router(metrics, readiness));
        let listener = TcpListener::bind(config.http_addr)
            .await
            .with_context(|| format!("Failed to bind {}", config.http_addr))?;
        Ok(Self {
            listener,
            router,
            bus,
            pool,
            consumers: vec![products, reserve, release],
            shutdown,
        })
    }

    /// The HTTP port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The database pool (tests look at rows through it).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The token that stops the application when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled, then drains the
    /// consumers and closes the bus.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        if let Ok(addr) = self.listener.local_addr() {
            tracing::info!(%addr, "catalog listening");
        }
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(self.shutdown.clone().cancelled_owned())
            .await
            .context("HTTP server failed");
        // Whatever ended the server, stop everything else too.
        self.shutdown.cancel();
        for consumer in self.consumers {
            consumer.stopped().await;
        }
        self.bus.close().await;
        self.pool.close().await;
        tracing::info!("catalog stopped");
        served
    }
}

/// Queue names are the service's; tests on a private exchange prefix them
/// with the exchange so parallel tests never share a queue.
fn queue_prefix(config: &Config) -> String {
    if config.bus.exchange == store_bus::config::DEFAULT_EXCHANGE {
        String::new()
    } else {
        format!("{}.", config.bus.exchange)
    }
}
