//! Building and running the order processor: database, migrations, the
//! order and cancellation consumers, the outbox relay, the expiry sweeper
//! and the HTTP server (the shared start-up and drain are
//! `store-service`'s); one cancellation token stops them all.

use std::sync::Arc;

use anyhow::Context as _;
use store_bus::ConsumerConfig;
use store_events::{
    EventData as _,
    data::{OrderCancel, OrderCreate},
};
use store_service::{Foundation, Service, retention::Purge};
use tokio::sync::Notify;

use crate::{
    config::Config,
    consumers::{
        CANCEL_QUEUE, CREATE_QUEUE, order_cancel::OrderCancelHandler,
        order_create::OrderCreateHandler,
    },
    db,
    flows::{Orders, expire_orders, relay_outbox},
    http::{self, AppState},
    payments::{Manual, Payments, stripe::Stripe},
};

/// The running order processor.
pub struct Application(Service);

impl Application {
    /// Connects to PostgreSQL and RabbitMQ, applies migrations, starts the
    /// consumer and background tasks and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url, config.database_max_connections).await?;
        db::migrations().at_start(&pool).await?;
        let mut base = Foundation::start("order-processor", pool, config.bus.clone()).await?;
        base.purge(Purge::new("outbox", db::outbox::purge_published));
        let orders = Arc::new(Orders {
            pool: base.pool.clone(),
            bus: base.bus.clone(),
            payment_timeout: config.payment_timeout,
            catalog_timeout: config.catalog_timeout,
            outbox_ready: Notify::new(),
            payments: Payments {
                manual: Manual,
                stripe: config.stripe.clone().map(Stripe::new),
            },
        });
        let queue = config.bus.queue_name(CREATE_QUEUE);
        let consumer = base
            .bus
            .consume(
                ConsumerConfig::new(queue, [format!("{}.#", OrderCreate::TYPE)])
                    .with_prefetch(config.consumer_prefetch),
                OrderCreateHandler(orders.clone()),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the order consumer")?;
        let queue = config.bus.queue_name(CANCEL_QUEUE);
        let cancellations = base
            .bus
            .consume(
                // `<type>.<tenant>.<brand>`, every tenant and brand; not
                // `.#`, which would also match `store.order.cancel.result…`
                // (the answers go to the requester's queue, but a binding
                // should not depend on that).
                ConsumerConfig::new(queue, [format!("{}.*.*", OrderCancel::TYPE)])
                    .with_prefetch(config.consumer_prefetch),
                OrderCancelHandler(orders.clone()),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the order cancellation consumer")?;
        // Drained after the consumer, so the relay publishes what the last
        // orders committed.
        let tasks = vec![
            tokio::spawn(relay_outbox::run(
                orders.clone(),
                config.outbox_poll,
                base.shutdown.child_token(),
            )),
            tokio::spawn(expire_orders::run(
                orders.clone(),
                config.expiry_sweep,
                base.shutdown.child_token(),
            )),
        ];
        let state = AppState {
            orders,
            admin_token: config.admin_token.clone(),
        };
        let (api, operator) = (http::router(state.clone()), http::operator_router(state));
        let service = base
            .bind(
                config.http_addr,
                api,
                config.operator_addr,
                operator,
                vec![consumer, cancellations],
                tasks,
            )
            .await?;
        Ok(Self(service))
    }
}

store_service::application_accessors!(Application);
