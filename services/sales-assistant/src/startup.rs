//! Building and running the sales assistant: database, migrations, the
//! inbox consumer, the open-gauge recount, the accounts' housekeeping, the
//! notifications' sender, the HTTP server and the operator's listener (the
//! shared
//! start-up and drain are `store-service`'s); one cancellation token stops
//! them all.

use std::sync::Arc;

use anyhow::Context as _;
use store_service::{Foundation, Service};
use tokio::net::TcpListener;

use crate::{
    accounts,
    config::Config,
    consumers::{self, InboxHandler},
    db,
    flows::Handoffs,
    http::{self, AppState},
    live::Live,
    metrics::InboxMetrics,
    notify::Notifier,
};

/// The running sales assistant, and its operator listener's port.
pub struct Application(Service, u16);

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// inbox consumer and the gauge recount, and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrations().at_start(&pool).await?;
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
            staffed_hours: config.staffed_hours.clone(),
            defer_when_nobody_signed_in: config.defer_when_nobody_signed_in,
            request_timeout: config.request_timeout,
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
        let mut tasks = vec![tokio::spawn(metrics.run_open_gauge(
            base.pool.clone(),
            config.open_gauge_refresh,
            base.shutdown.child_token(),
        ))];
        let telegram_bots = notifier.bots();
        tasks.push(tokio::spawn(notifier.run(base.shutdown.child_token())));
        // Expired sessions and old failed sign-ins deleted.
        tasks.push(tokio::spawn(accounts::cleanup::run(
            base.pool.clone(),
            accounts::cleanup::EVERY,
            base.shutdown.child_token(),
        )));
        // Live changes for the pages' event streams.
        let (live, listener) = Live::start(&base.pool, base.shutdown.child_token())
            .await
            .context("Failed to listen for the inbox's changes")?;
        tasks.push(listener);
        let state = AppState {
            live,
            inbox,
            admin_token: config.admin_token.clone(),
            session: http::pages::session::SessionSettings {
                idle: config.session_idle,
                cookie_secure: config.cookie_secure,
                trusted_proxies: config.trusted_proxies.clone(),
            },
            public_url: config.public_url.clone(),
            report_time_zone: config.report_time_zone.clone(),
            telegram_bots,
        };
        // The operator's endpoint on a listener of its own, never the
        // public port.
        let operator = http::operator::router(state.clone());
        let operator_listener =
            TcpListener::bind(config.operator_addr)
                .await
                .with_context(|| {
                    format!("Failed to bind the operator port {}", config.operator_addr)
                })?;
        let operator_port = operator_listener
            .local_addr()
            .context("The operator listener has no address")?
            .port();
        let api = http::router(state);
        let service = base
            .bind(config.http_addr, api, vec![consumer], tasks)
            .await?
            .also_serve("operator endpoint", operator_listener, operator);
        Ok(Self(service, operator_port))
    }

    /// The operator listener's port (useful with port 0).
    pub fn operator_port(&self) -> u16 {
        self.1
    }
}

store_service::application_accessors!(Application);
