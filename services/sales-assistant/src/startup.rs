//! Building and running the sales assistant: database, migrations, the
//! inbox consumer, the open-gauge recount, the notifications' sender and
//! the HTTP server (the shared
//! start-up and drain are `store-service`'s); one cancellation token stops
//! them all.

use std::sync::Arc;

use anyhow::Context as _;
use store_service::{Foundation, Service};

use crate::{
    config::Config,
    consumers::{self, InboxHandler},
    db,
    flows::Handoffs,
    http::{self, AppState},
    metrics::InboxMetrics,
    notify::Notifier,
};

/// The running sales assistant.
pub struct Application(Service);

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// inbox consumer and the gauge recount, and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrate(&pool).await?;
        anyhow::ensure!(
            db::reports::time_zone_exists(&pool, &config.report_time_zone).await?,
            "REPORT_TIME_ZONE {:?} is not a time zone PostgreSQL knows",
            config.report_time_zone
        );
        let base = Foundation::start("sales-assistant", pool, config.bus.clone()).await?;
        let metrics = InboxMetrics::new(base.metrics.registry())
            .context("Failed to register the inbox metrics")?;
        let inbox = Arc::new(Handoffs {
            pool: base.pool.clone(),
            bus: base.bus.clone(),
            metrics: metrics.clone(),
        });
        let consumer = base
            .bus
            .consume(
                consumers::config(&config.bus, config.consumer_shards),
                InboxHandler(inbox.clone()),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the inbox consumer")?;
        let notifier = Notifier::new(base.pool.clone(), config.notify.clone())
            .context("Failed to set up the notifications")?;
        let tasks = vec![
            tokio::spawn(metrics.run_open_gauge(
                base.pool.clone(),
                config.open_gauge_refresh,
                base.shutdown.child_token(),
            )),
            tokio::spawn(notifier.run(base.shutdown.child_token())),
        ];
        let api = http::router(AppState {
            inbox,
            admin_token: config.admin_token.clone(),
        });
        let service = base
            .bind(config.http_addr, api, vec![consumer], tasks)
            .await?;
        Ok(Self(service))
    }
}

store_service::application_accessors!(Application);
