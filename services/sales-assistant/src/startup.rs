//! Building and running the sales assistant: database, migrations, the
//! three consumers, the open-gauge recount and the HTTP server (the shared
//! start-up and drain are `store-service`'s); one cancellation token stops
//! them all.

use std::sync::Arc;

use anyhow::Context as _;
use store_bus::{ConsumerConfig, ConsumerHandle, Handler};
use store_events::{
    EventData as _,
    data::{ChatMessageNew, ChatResponse, SalesEscalate},
};
use store_service::{Foundation, Service};

use crate::{
    config::Config,
    consumers::{
        ESCALATE_QUEUE, Inbox, REPLY_QUEUE, SHOPPER_QUEUE, escalate::EscalateHandler,
        human::HumanReplyHandler, shopper::ShopperHandler,
    },
    db,
    http::{self, AppState},
    metrics::InboxMetrics,
};

/// The running sales assistant.
pub struct Application(Service);

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// consumers and the gauge recount, and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrate(&pool).await?;
        let base = Foundation::start("sales-assistant", pool, config.bus.clone()).await?;
        let metrics = InboxMetrics::new(base.metrics.registry())
            .context("Failed to register the inbox metrics")?;
        let inbox = Arc::new(Inbox {
            pool: base.pool.clone(),
            metrics: metrics.clone(),
        });
        let prefix = queue_prefix(&config);
        let prefetch = config.consumer_prefetch;
        let consumers = vec![
            consume(
                &base,
                &prefix,
                ESCALATE_QUEUE,
                SalesEscalate::TYPE,
                prefetch,
                EscalateHandler(inbox.clone()),
            )
            .await?,
            consume(
                &base,
                &prefix,
                SHOPPER_QUEUE,
                ChatMessageNew::TYPE,
                prefetch,
                ShopperHandler(inbox.clone()),
            )
            .await?,
            consume(
                &base,
                &prefix,
                REPLY_QUEUE,
                ChatResponse::TYPE,
                prefetch,
                HumanReplyHandler(inbox.clone()),
            )
            .await?,
        ];
        let tasks = vec![tokio::spawn(metrics.run_open_gauge(
            base.pool.clone(),
            config.open_gauge_refresh,
            base.shutdown.child_token(),
        ))];
        let api = http::router(AppState {
            inbox,
            bus: base.bus.clone(),
            admin_token: config.admin_token.clone(),
        });
        let service = base.bind(config.http_addr, api, consumers, tasks).await?;
        Ok(Self(service))
    }
}

store_service::application_accessors!(Application);

/// Starts the consumer of `queue` bound to every tenant's and brand's
/// events of type `ty` (`<ty>.#`).
async fn consume(
    base: &Foundation,
    prefix: &str,
    queue: &str,
    ty: &str,
    prefetch: u16,
    handler: impl Handler,
) -> anyhow::Result<ConsumerHandle> {
    base.bus
        .consume(
            ConsumerConfig::new(format!("{prefix}{queue}"), [format!("{ty}.#")])
                .with_prefetch(prefetch),
            handler,
            base.shutdown.child_token(),
        )
        .await
        .with_context(|| format!("Failed to start the {ty} consumer"))
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
