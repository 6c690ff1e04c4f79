//! Building and running the catalog: database, migrations, bus consumers,
//! HTTP server (the shared start-up and drain are `store-service`'s); one
//! cancellation token stops them all.

use std::sync::Arc;

use anyhow::Context as _;
use store_bus::{ConsumerConfig, Responder};
use store_events::{
    EventData as _,
    data::{InventoryRelease, InventoryReserve, ProductQuery, ProductRecommend},
};
use store_service::{Foundation, Service};

use crate::{
    config::Config,
    consumers::{
        PRODUCT_QUEUE, ProductResponder, RELEASE_QUEUE, RESERVE_QUEUE, ReleaseHandler,
        ReserveResponder,
    },
    db,
    flows::{Catalog, PublicUrl},
    http::{self, AppState},
};

/// The running catalog.
pub struct Application(Service);

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// consumers and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrations().at_start(&pool).await?;
        let base = Foundation::start("catalog", pool, config.bus.clone()).await?;
        let catalog = Arc::new(Catalog {
            pool: base.pool.clone(),
            bus: base.bus.clone(),
            max_quantity_per_line: config.max_quantity_per_line,
            public_url: PublicUrl::default(),
        });
        if let Some(url) = &config.public_url {
            catalog.public_url.set(url.clone());
        }
        let prefetch = config.consumer_prefetch;
        let products = base
            .bus
            .consume(
                ConsumerConfig::new(
                    config.bus.queue_name(PRODUCT_QUEUE),
                    [
                        format!("{}.#", ProductQuery::TYPE),
                        format!("{}.#", ProductRecommend::TYPE),
                    ],
                )
                .with_prefetch(prefetch)
                // A reply that comes late is useless: no retries.
                .with_retry_delays([]),
                Responder::new(base.bus.clone(), ProductResponder(catalog.clone())),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the product query consumer")?;
        let reserve = base
            .bus
            .consume(
                ConsumerConfig::new(
                    config.bus.queue_name(RESERVE_QUEUE),
                    [format!("{}.#", InventoryReserve::TYPE)],
                )
                .with_prefetch(prefetch)
                .with_retry_delays([std::time::Duration::from_millis(500)]),
                Responder::new(base.bus.clone(), ReserveResponder(catalog.clone())),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the reservation consumer")?;
        let release = base
            .bus
            .consume(
                ConsumerConfig::new(
                    config.bus.queue_name(RELEASE_QUEUE),
                    [format!("{}.#", InventoryRelease::TYPE)],
                )
                .with_prefetch(prefetch),
                ReleaseHandler(catalog.clone()),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the release consumer")?;
        let api = http::router(AppState {
            catalog: catalog.clone(),
            admin_token: config.admin_token.clone(),
        });
        let consumers = vec![products, reserve, release];
        let service = base.bind(config.http_addr, api, consumers, vec![]).await?;
        // Without CATALOG_PUBLIC_URL, pictures are served from the bound
        // address (loopback when bound to all interfaces).
        let host = match config.http_addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        catalog
            .public_url
            .set(format!("http://{host}:{}", service.port()));
        Ok(Self(service))
    }
}

store_service::application_accessors!(Application);
