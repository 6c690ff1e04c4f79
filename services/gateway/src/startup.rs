//! Building and running the gateway: the same [`Application`] in `main` and
//! in the tests.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use secrecy::ExposeSecret;
use sqlx::{PgPool, postgres::PgPoolOptions};
use store_bus::{Bus, ConsumerConfig, ConsumerHandle, health::BrokerCheck};
use store_telemetry::{Metrics, Readiness};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    channels::{telegram::TelegramClient, whatsapp::WhatsAppClient},
    config::{Config, SERVICE},
    consumers::chat_response::ChatResponseSender,
    db,
    domain::tenants::Tenants,
    domain::webchat_guard::WebchatGuard,
    http,
    live::Live,
    metrics::GatewayMetrics,
    state::AppState,
};

/// Binding of the outbound consumer: every reply, of every tenant and brand
/// (and the brand menus, which have no brand).
pub const CHAT_RESPONSE_BINDING: &str = "store.chat.response.#";

/// How often expired deduplication rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The running gateway: HTTP server, outbound consumer, housekeeping.
pub struct Application {
    port: u16,
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    consumer: ConsumerHandle,
    purge: JoinHandle<()>,
    sweep: JoinHandle<()>,
    listener_task: JoinHandle<()>,
    shutdown: CancellationToken,
}

impl Application {
    /// Connects to PostgreSQL and calls [`Application::build_with_pool`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .connect(config.database_url.expose_secret())
            .await
            .context("Failed to connect to PostgreSQL")?;
        Self::build_with_pool(config, pool).await
    }

    /// Loads the tenants, migrates the database, connects to the broker,
    /// starts the outbound consumer and binds the HTTP listener.
    pub async fn build_with_pool(config: Config, pool: PgPool) -> anyhow::Result<Self> {
        let tenants = Tenants::load(&config.tenants_file).context("Failed to load the tenants")?;
        db::migrate(&pool)
            .await
            .context("Failed to migrate the database")?;
        let metrics = Metrics::new(SERVICE).context("Failed to create the metrics")?;
        let gateway_metrics = GatewayMetrics::register(&metrics)?;
        let bus = Bus::connect(config.bus.clone(), metrics.clone())
            .await
            .context("Failed to connect to the broker")?;
        let shutdown = CancellationToken::new();
        // Whatever fails from here on stops what was already started.
        let stop_on_error = shutdown.clone().drop_guard();
        let (live, listener_task) = Live::start(&pool, shutdown.child_token())
            .await
            .context("Failed to start the web chat's live delivery")?;
        let state = AppState {
            tenants: Arc::new(tenants),
            bus: bus.clone(),
            pool: pool.clone(),
            dedup_ttl: config.dedup_ttl,
            max_body_bytes: config.max_body_bytes,
            metrics: gateway_metrics,
            live,
            webchat: Arc::new(WebchatGuard::new(
                config.webchat.message_rate,
                config.webchat.session_rate,
                config.webchat.trust_forwarded_for,
                config.webchat.session_ttl,
            )),
        };

        let http_client = reqwest::Client::builder()
            .timeout(config.send.request_timeout)
            .build()
            .context("Failed to build the HTTP client")?;
        let sender = ChatResponseSender::new(
            state.clone(),
            WhatsAppClient::new(http_client.clone(), &config.whatsapp_api_base),
            TelegramClient::new(http_client, &config.telegram_api_base),
            config.send.clone(),
        );
        let consumer_config = ConsumerConfig::new(
            format!("{}.chat-response", config.queue_prefix),
            [CHAT_RESPONSE_BINDING],
        )
        .with_retry_delays(config.send.bus_retry_delays.clone())
        // In order per conversation (the `conversation` extension travels
        // as the `ce-conversation` header), in parallel across them.
        .sharded(config.reply_shards, "ce-conversation");
        let consumer = bus
            .consume(consumer_config, sender, shutdown.child_token())
            .await
            .context("Failed to start the chat response consumer")?;

        let readiness = Readiness::new()
            .with(BrokerCheck(bus.clone()))
            .with(store_service::db::readiness_check(pool))
            .with_shutdown(shutdown.clone());
        let router = http::router(state.clone(), metrics, readiness);
        let listener = TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("Failed to listen on {}:{}", config.host, config.port))?;
        let port = listener
            .local_addr()
            .context("Failed to read the local address")?
            .port();
        let purge = tokio::spawn(purge_loop(state.pool.clone(), shutdown.clone()));
        let sweep = tokio::spawn(sweep_loop(
            state.clone(),
            config.webchat.sweep_every,
            shutdown.clone(),
        ));
        stop_on_error.disarm();
        Ok(Self {
            port,
            listener,
            router,
            state,
            consumer,
            purge,
            sweep,
            listener_task,
            shutdown,
        })
    }

    /// The port the HTTP server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The token that stops the application; `main` cancels it on SIGTERM,
    /// tests when they are done.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled, then drains: the HTTP
    /// server finishes in-flight requests (web chat event streams end on
    /// the token), the consumer its in-flight reply.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            state,
            consumer,
            purge,
            sweep,
            listener_task,
            shutdown,
            ..
        } = self;
        // The web chat limits new sessions by the client's address.
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let result = server.await.context("The HTTP server failed");
        tracing::info!("HTTP server stopped");
        // Whatever ended the server, stop the rest too.
        shutdown.cancel();
        consumer.shutdown().await;
        tracing::info!("chat response consumer stopped");
        let _ = purge.await;
        let _ = sweep.await;
        let _ = listener_task.await;
        state.bus.close().await;
        result
    }
}

async fn purge_loop(pool: PgPool, shutdown: CancellationToken) {
    loop {
        match db::dedup::purge_expired(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired deduplication rows"),
            Err(error) => tracing::warn!(%error, "failed to purge expired deduplication rows"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(PURGE_EVERY) => {}
        }
    }
}

/// Deletes the expired web chat sessions (and their transcripts) and the
/// idle rate-limit buckets, every `every`, until `shutdown`.
async fn sweep_loop(state: AppState, every: Duration, shutdown: CancellationToken) {
    loop {
        let ttl = state.webchat.session_ttl();
        match db::webchat::delete_expired_sessions(&state.pool, ttl).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "deleted expired web chat sessions"),
            Err(error) => tracing::warn!(%error, "failed to delete expired web chat sessions"),
        }
        state.webchat.evict_idle();
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
