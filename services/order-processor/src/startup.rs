//! Building and running the order processor: database, migrations, the
//! order consumer, the outbox relay, the expiry sweeper and the HTTP server;
//! one cancellation token stops them all.

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use sqlx::PgPool;
use store_bus::{Bus, ConsumerConfig, ConsumerHandle, health::BrokerCheck};
use store_events::{EventData as _, data::OrderCreate};
use store_telemetry::{Metrics, Readiness, health::check_fn};
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    consumers::{CREATE_QUEUE, Orders, create::CreateHandler, expiry, outbox},
    db,
    http::{self, AppState},
    payments::{Manual, Payments, stripe::Stripe},
};

/// The running order processor.
pub struct Application {
    listener: TcpListener,
    router: Router,
    bus: Bus,
    pool: PgPool,
    consumer: ConsumerHandle,
    tasks: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
}

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// consumer and background tasks and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrate(&pool).await?;
        let metrics = Metrics::new("order-processor")?;
        let bus = Bus::connect(config.bus.clone(), metrics.clone())
            .await
            .context("Failed to connect to RabbitMQ")?;
        let shutdown = CancellationToken::new();
        let orders = Arc::new(Orders {
            pool: pool.clone(),
            bus: bus.clone(),
            payment_timeout: config.payment_timeout,
            catalog_timeout: config.catalog_timeout,
            outbox_ready: Notify::new(),
            payments: Payments {
                manual: Manual,
                stripe: config.stripe.clone().map(Stripe::new),
            },
        });
        let queue = if config.bus.exchange == store_bus::config::DEFAULT_EXCHANGE {
            CREATE_QUEUE.to_owned()
        } else {
            format!("{}.{CREATE_QUEUE}", config.bus.exchange)
        };
        let consumer = bus
            .consume(
                ConsumerConfig::new(queue, [format!("{}.#", OrderCreate::TYPE)])
                    .with_prefetch(config.consumer_prefetch),
                CreateHandler(orders.clone()),
                shutdown.child_token(),
            )
            .await
            .context("Failed to start the order consumer")?;
        let tasks = vec![
            tokio::spawn(outbox::run(
                orders.clone(),
                config.outbox_poll,
                shutdown.child_token(),
            )),
            tokio::spawn(expiry::run(
                orders.clone(),
                config.expiry_sweep,
                shutdown.child_token(),
            )),
        ];
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
            orders,
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
            consumer,
            tasks,
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
    /// consumer, lets the relay publish what is committed, and closes.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        if let Ok(addr) = self.listener.local_addr() {
            tracing::info!(%addr, "order processor listening");
        }
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(self.shutdown.clone().cancelled_owned())
            .await
            .context("HTTP server failed");
        self.shutdown.cancel();
        self.consumer.stopped().await;
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "background task failed");
            }
        }
        self.bus.close().await;
        self.pool.close().await;
        tracing::info!("order processor stopped");
        served
    }
}
