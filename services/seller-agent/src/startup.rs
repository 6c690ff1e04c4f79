//! Building and running the seller: the very same thing `main` starts and
//! tests start in-process.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::postgres::PgPoolOptions;
use store_bus::{Bus, ConsumerHandle, health::BrokerCheck};
use store_telemetry::{Readiness, metrics::Metrics, ops_router};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    brain::{
        Brain,
        llm::{Limits, LlmBrain},
        offline::OfflineBrain,
    },
    config::Config,
    consumers::{self, SellerHandler},
    db,
    domain::persona,
    llm,
    metrics::SellerMetrics,
    seller::Seller,
    tools::OrdersApi,
};

/// A running seller.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    consumer: ConsumerHandle,
    bus: Bus,
    shutdown: CancellationToken,
    brain: String,
}

impl Application {
    /// Connects to PostgreSQL (applying migrations) and RabbitMQ, loads the
    /// persona, starts consuming and binds the HTTP port. Stops when
    /// `shutdown` is cancelled.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect(config.database_url.expose_secret())
            .await
            .context("Failed to connect to PostgreSQL")?;
        db::migrate(&pool)
            .await
            .context("Failed to migrate the database")?;
        let persona = persona::load(
            &config.tenants_file,
            config.tenant.as_str(),
            config.brand.as_str(),
        )
        .context("Failed to load the persona")?;
        let metrics =
            Metrics::new(&config.bus.service).context("Failed to create the metrics registry")?;
        let seller_metrics = SellerMetrics::new(
            metrics.registry(),
            config.tenant.as_str(),
            config.brand.as_str(),
            config.prices,
        )
        .context("Failed to register the seller metrics")?;
        let bus = Bus::connect(config.bus.clone(), metrics.clone())
            .await
            .context("Failed to connect to RabbitMQ")?;
        let (brain, summarizer): (Arc<dyn Brain>, _) = match &config.llm {
            Some(llm_config) => {
                let client =
                    llm::client(llm_config).context("Failed to set up the model client")?;
                let limits = Limits {
                    max_rounds: config.max_rounds,
                    ..Limits::default()
                };
                (
                    Arc::new(LlmBrain::new(
                        client.clone(),
                        limits,
                        seller_metrics.clone(),
                    )),
                    Some(client),
                )
            }
            None => (Arc::new(OfflineBrain::new(seller_metrics.clone())), None),
        };
        let brain_name = brain.name();
        let seller = Arc::new(Seller {
            tenant: config.tenant.clone(),
            brand: config.brand.clone(),
            pool: pool.clone(),
            bus: bus.clone(),
            persona,
            brain,
            summarizer,
            metrics: seller_metrics,
            tool_timeout: config.tool_timeout,
            orders_api: config
                .orders_api
                .as_ref()
                .map(|(url, key)| OrdersApi::new(url.clone(), key.clone(), config.tool_timeout)),
            history_budget: config.history_token_budget,
        });
        let consumer = bus
            .consume(
                consumers::config(
                    &config.queue_prefix,
                    &config.tenant,
                    &config.brand,
                    config.shards,
                ),
                SellerHandler(seller),
                shutdown.child_token(),
            )
            .await
            .context("Failed to start consuming")?;
        let readiness = Readiness::new()
            .with(BrokerCheck(bus.clone()))
            .with(store_service::db::readiness_check(pool))
            .with_shutdown(shutdown.clone());
        let router = ops_router(metrics, readiness);
        let listener = TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], config.port)))
            .await
            .with_context(|| format!("Failed to bind port {}", config.port))?;
        tracing::info!(tenant = %config.tenant, brand = %config.brand, brain = %brain_name, "seller ready");
        Ok(Self {
            listener,
            router,
            consumer,
            bus,
            shutdown,
            brain: brain_name,
        })
    }

    /// The bound HTTP port.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Which brain answers (`offline`, `openai:<model>`…).
    pub fn brain(&self) -> &str {
        &self.brain
    }

    /// Serves until shutdown, then drains the consumer and closes the bus.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let served = store_telemetry::health::serve_ops_on(
            self.listener,
            self.router,
            self.shutdown.clone(),
        )
        .await;
        self.shutdown.cancel();
        self.consumer.stopped().await;
        self.bus.close().await;
        tracing::info!("seller stopped");
        served
    }
}
