//! Starting and running a service the same way everywhere: [`Foundation`]
//! holds what start-up shares (the migrated pool, the bus, metrics and the
//! one cancellation token); [`Foundation::bind`] adds the service's routes,
//! consumers and background tasks and gives the running [`Service`], which
//! serves HTTP until the token is cancelled and then drains: consumers
//! first, then background tasks, then the bus and the pool. Every service
//! has two listeners: the public one (its API, `/healthz`, `/readyz`) and
//! the operator's (`/metrics`, its `/admin/*` routes, `/healthz`,
//! `/readyz`), which an Ingress never routes to. [`Runnable`] is
//! what `main` ([`run`]) and the tests (`store_testkit::TestApp`) do with
//! any service's `Application`.

use std::future::Future;

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use sqlx::PgPool;
use store_bus::{Bus, BusConfig, ConsumerHandle, health::BrokerCheck};
use store_telemetry::{Metrics, Readiness};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    db,
    retention::{Housekeeper, Purge, Retention},
    serve::{HttpLimits, serve},
};

/// What a service builds on: its database (already migrated), its bus, its
/// metrics and the token that stops it all.
pub struct Foundation {
    /// The service's name (`catalog`, `seller-agent-demo-fashion`), for
    /// metrics and logs.
    pub name: String,
    /// The database.
    pub pool: PgPool,
    /// The bus, connected.
    pub bus: Bus,
    /// The service's metrics (the bus records into them).
    pub metrics: Metrics,
    /// Cancelled on SIGTERM, Ctrl-C or when the HTTP server ends; give
    /// consumers and tasks a child of it.
    pub shutdown: CancellationToken,
    /// What every HTTP listener holds its clients to (timeouts, connection
    /// caps), from the environment ([`HttpLimits::from_env`]).
    pub http: HttpLimits,
    /// How long the rows kept against repeats live, from the environment
    /// ([`Retention::from_env`]).
    pub retention: Retention,
    /// The tables swept by the retention: the idempotency ledger, plus the
    /// service's own ([`Foundation::purge`]).
    purges: Vec<Purge>,
}

impl Foundation {
    /// Creates the metrics of `name` and connects to the bus.
    pub async fn start(
        name: impl Into<String>,
        pool: PgPool,
        bus: BusConfig,
    ) -> anyhow::Result<Self> {
        let name = name.into();
        let metrics = Metrics::new(&name)?;
        let bus = Bus::connect(bus, metrics.clone())
            .await
            .context("Failed to connect to RabbitMQ")?;
        Ok(Self {
            name,
            pool,
            bus,
            metrics,
            shutdown: CancellationToken::new(),
            http: HttpLimits::from_env()?,
            retention: Retention::from_env()?,
            purges: vec![Purge::ledger()],
        })
    }

    /// Keeps one more table of the service's within the retention (an
    /// outbox's published events, say), beside the idempotency ledger.
    pub fn purge(&mut self, purge: Purge) {
        self.purges.push(purge);
    }

    /// Binds the public `addr` and the `operator` address and assembles the
    /// running service: `api` with `/healthz` and `/readyz` (checking the
    /// broker and the database) on the public port, `operator_api` (the
    /// service's `/admin/*` routes) with `/metrics`, `/healthz` and
    /// `/readyz` on the operator's, and the `consumers` and `tasks` to drain
    /// when it stops. The [`Housekeeper`] of the retention runs beside them.
    pub async fn bind(
        self,
        addr: SocketAddr,
        api: Router,
        operator: SocketAddr,
        operator_api: Router,
        consumers: Vec<ConsumerHandle>,
        mut tasks: Vec<JoinHandle<()>>,
    ) -> anyhow::Result<Service> {
        let housekeeper = Housekeeper::new(
            self.pool.clone(),
            self.retention,
            self.purges,
            &self.metrics,
        )?;
        tasks.push(housekeeper.clone().spawn(self.shutdown.child_token()));
        let readiness = Readiness::new()
            .with(BrokerCheck(self.bus.clone()))
            .with(db::readiness_check(self.pool.clone()))
            .with_shutdown(self.shutdown.clone());
        let metrics = self.metrics.clone();
        let router = api.merge(store_telemetry::health_router(readiness.clone()));
        let operator_router =
            operator_api.merge(store_telemetry::ops_router(self.metrics, readiness));
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("Failed to bind {addr}"))?;
        let operator_listener = TcpListener::bind(operator)
            .await
            .with_context(|| format!("Failed to bind the operator port {operator}"))?;
        Ok(Service {
            name: self.name,
            listener,
            router,
            operator_listener,
            operator_router,
            metrics,
            bus: self.bus,
            pool: self.pool,
            consumers,
            tasks,
            shutdown: self.shutdown,
            http: self.http,
            housekeeper,
        })
    }
}

/// A service ready to run: its port is bound, its consumers are started.
pub struct Service {
    name: String,
    listener: TcpListener,
    router: Router,
    /// The operator's listener and its routes, served and stopped with the
    /// public one.
    operator_listener: TcpListener,
    operator_router: Router,
    /// Every listener's requests are counted and timed in them.
    metrics: Metrics,
    bus: Bus,
    pool: PgPool,
    consumers: Vec<ConsumerHandle>,
    tasks: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
    http: HttpLimits,
    housekeeper: Housekeeper,
}

impl Service {
    /// The HTTP port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The operator's port (useful with port 0).
    pub fn operator_port(&self) -> u16 {
        self.operator_listener.local_addr().map_or(0, |a| a.port())
    }

    /// The database pool (tests look at rows through it).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The token that stops the service when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// What deletes the rows older than the retention (tests sweep with it
    /// instead of waiting for the next sweep).
    pub fn housekeeper(&self) -> &Housekeeper {
        &self.housekeeper
    }

    /// Serves until the shutdown token is cancelled, then drains the
    /// consumers, waits for the background tasks (an outbox relay publishes
    /// what is committed) and closes the bus and the pool.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let name = self.name.clone();
        if let Ok(addr) = self.listener.local_addr() {
            tracing::info!(%addr, "{name} listening");
        }
        // Every listener through the one `serve`: timeouts, connection
        // caps, security headers, the client's address for handlers (the
        // web chat limits new sessions by it); every request counted and
        // timed by route.
        let limits = self.http;
        let metrics = self.metrics;
        let refused = crate::serve::refused_connections(&metrics)?;
        let tracked = |router: Router| {
            router.layer(axum::middleware::from_fn_with_state(
                metrics.clone(),
                store_telemetry::http_metrics::track,
            ))
        };
        if let Ok(addr) = self.operator_listener.local_addr() {
            tracing::info!(%addr, "{name} operator endpoint listening");
        }
        let operator = tokio::spawn({
            let (shutdown, limits) = (self.shutdown.clone(), limits.clone());
            let router = tracked(self.operator_router);
            let listener = self.operator_listener;
            let refused = refused.clone();
            async move {
                serve(listener, router, limits, refused, shutdown.clone()).await;
                shutdown.cancel();
            }
        });
        serve(
            self.listener,
            tracked(self.router),
            limits,
            refused,
            self.shutdown.clone(),
        )
        .await;
        // Whatever ended the server, stop everything else too.
        self.shutdown.cancel();
        let served = operator
            .await
            .context("The operator's HTTP server's task panicked");
        for consumer in self.consumers {
            consumer.stopped().await;
        }
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "background task failed");
            }
        }
        self.bus.close().await;
        self.pool.close().await;
        tracing::info!("{name} stopped");
        served
    }
}

/// A built service, ready to run: every service's `Application`.
pub trait Runnable: Send + Sized + 'static {
    /// The HTTP port (useful with port 0).
    fn port(&self) -> u16;

    /// The operator's port (`/metrics`, `/admin/*`).
    fn operator_port(&self) -> u16;

    /// The token that stops the service when cancelled.
    fn shutdown_token(&self) -> CancellationToken;

    /// What deletes the rows older than the retention.
    fn housekeeper(&self) -> &Housekeeper;

    /// Serves until the shutdown token is cancelled, then drains.
    fn run_until_stopped(self) -> impl Future<Output = anyhow::Result<()>> + Send;
}

impl Runnable for Service {
    fn port(&self) -> u16 {
        Service::port(self)
    }

    fn operator_port(&self) -> u16 {
        Service::operator_port(self)
    }

    fn shutdown_token(&self) -> CancellationToken {
        Service::shutdown_token(self)
    }

    fn housekeeper(&self) -> &Housekeeper {
        Service::housekeeper(self)
    }

    fn run_until_stopped(self) -> impl Future<Output = anyhow::Result<()>> + Send {
        Service::run_until_stopped(self)
    }
}

/// What every `main` does with its built application: stop it on SIGTERM or
/// Ctrl-C, run it until stopped and log how it ended.
pub async fn run(name: &str, app: impl Runnable) -> anyhow::Result<()> {
    store_telemetry::spawn_signal_handler(app.shutdown_token());
    let result = app.run_until_stopped().await;
    if let Err(error) = &result {
        tracing::error!(error = format!("{error:#}"), "{name} stopped with an error");
    }
    result
}
