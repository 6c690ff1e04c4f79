//! Starting and running a service the same way everywhere: [`Foundation`]
//! holds what start-up shares (the migrated pool, the bus, metrics and the
//! one cancellation token); [`Foundation::bind`] adds the service's routes,
//! consumers and background tasks and gives the running [`Service`], which
//! serves HTTP until the token is cancelled and then drains: consumers
//! first, then background tasks, then the bus and the pool
//! ([`Service::also_serve`] adds a listener of its own, such as an
//! operator's port, served and stopped with it). [`Runnable`] is
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
        })
    }

    /// Binds `addr` and assembles the running service: `api` with the ops
    /// routes (`/healthz`, `/readyz` checking the broker and the database,
    /// `/metrics`), and the `consumers` and `tasks` to drain when it stops.
    pub async fn bind(
        self,
        addr: SocketAddr,
        api: Router,
        consumers: Vec<ConsumerHandle>,
        tasks: Vec<JoinHandle<()>>,
    ) -> anyhow::Result<Service> {
        let readiness = Readiness::new()
            .with(BrokerCheck(self.bus.clone()))
            .with(db::readiness_check(self.pool.clone()))
            .with_shutdown(self.shutdown.clone());
        let metrics = self.metrics.clone();
        let router = api.merge(store_telemetry::ops_router(self.metrics, readiness));
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("Failed to bind {addr}"))?;
        Ok(Service {
            name: self.name,
            listener,
            router,
            more: Vec::new(),
            metrics,
            bus: self.bus,
            pool: self.pool,
            consumers,
            tasks,
            shutdown: self.shutdown,
            http: self.http,
        })
    }
}

/// A service ready to run: its port is bound, its consumers are started.
pub struct Service {
    name: String,
    listener: TcpListener,
    router: Router,
    /// More listeners with their own routes (an operator's port), served
    /// and stopped with the main one.
    more: Vec<(String, TcpListener, Router)>,
    /// Every listener's requests are counted and timed in them.
    metrics: Metrics,
    bus: Bus,
    pool: PgPool,
    consumers: Vec<ConsumerHandle>,
    tasks: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
    http: HttpLimits,
}

impl Service {
    /// The HTTP port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// Also serves `router` on `listener` (e.g. an operator's port kept
    /// off the public one), as `what` in logs: only those routes (not the
    /// ops routes), stopped with the rest by the shutdown token; if it
    /// fails, the whole service stops.
    pub fn also_serve(
        mut self,
        what: impl Into<String>,
        listener: TcpListener,
        router: Router,
    ) -> Self {
        self.more.push((what.into(), listener, router));
        self
    }

    /// The database pool (tests look at rows through it).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The token that stops the service when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
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
        let tracked = |router: Router| {
            router.layer(axum::middleware::from_fn_with_state(
                metrics.clone(),
                store_telemetry::http_metrics::track,
            ))
        };
        let more: Vec<_> = self
            .more
            .into_iter()
            .map(|(what, listener, router)| {
                if let Ok(addr) = listener.local_addr() {
                    tracing::info!(%addr, "{name} {what} listening");
                }
                let shutdown = self.shutdown.clone();
                let limits = limits.clone();
                let router = tracked(router);
                tokio::spawn(async move {
                    serve(listener, router, limits, shutdown.clone()).await;
                    shutdown.cancel();
                })
            })
            .collect();
        serve(
            self.listener,
            tracked(self.router),
            limits,
            self.shutdown.clone(),
        )
        .await;
        // Whatever ended the server, stop everything else too.
        self.shutdown.cancel();
        let mut served = Ok(());
        for server in more {
            if let Err(error) = server.await
                && served.is_ok()
            {
                served = Err(anyhow::Error::new(error).context("An HTTP server's task panicked"));
            }
        }
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

    /// The token that stops the service when cancelled.
    fn shutdown_token(&self) -> CancellationToken;

    /// Serves until the shutdown token is cancelled, then drains.
    fn run_until_stopped(self) -> impl Future<Output = anyhow::Result<()>> + Send;
}

impl Runnable for Service {
    fn port(&self) -> u16 {
        Service::port(self)
    }

    fn shutdown_token(&self) -> CancellationToken {
        Service::shutdown_token(self)
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
