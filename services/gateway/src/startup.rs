//! Building the gateway on the house skeleton (`store_service::Foundation`):
//! the tenants, the migrated database, the bus, the reply consumer, the
//! media fetch responder, the housekeeping tasks (deduplication purge, web
//! chat sweep, the live transcript listener) and the HTTP API; the same
//! [`Application`] in `main` and in the tests.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use sqlx::PgPool;
use store_bus::{ConsumerConfig, Responder};
use store_service::{Foundation, Service, retention::Purge};
use tokio_util::sync::CancellationToken;

use crate::{
    channels::{media::MediaDownloader, telegram::TelegramClient, whatsapp::WhatsAppClient},
    config::{Config, SERVICE},
    consumers::{
        chat_response::ChatResponses,
        media_fetch::{MEDIA_FETCH_BINDING, MEDIA_FETCH_QUEUE, MediaFetches},
    },
    db::{self, live::Live},
    domain::tenants::Tenants,
    flows::send_reply::ReplySender,
    http,
    metrics::GatewayMetrics,
    state::AppState,
    webchat_guard::WebchatGuard,
};

/// Binding of the reply consumer: every reply, of every tenant and brand
/// (and the brand menus, which have no brand).
pub const CHAT_RESPONSE_BINDING: &str = "store.chat.response.#";

/// The reply consumer's queue, as named on the default exchange
/// (`BusConfig::queue_name` prefixes it on any other).
pub const CHAT_RESPONSE_QUEUE: &str = "gateway.chat-response";

/// How often expired deduplication rows are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Statements of each batched kind (ledger lookups, shoppers' token takes)
/// in flight at once; webhooks arriving meanwhile share the next one
/// (`db::batch`). Two keep a statement ready to go while one runs.
const BATCH_STATEMENTS: usize = 2;

/// The running gateway: HTTP server, reply consumer, housekeeping.
pub struct Application(Service, db::dedup::Recorder);

impl Application {
    /// Loads the tenants, connects to PostgreSQL and migrates it, connects
    /// to the broker, starts the reply consumer and the housekeeping tasks
    /// and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let tenants = Tenants::load(&config.tenants_file).context("Failed to load the tenants")?;
        let pool =
            store_service::db::connect(&config.database_url, config.database_max_connections)
                .await?;
        db::migrations().at_start(&pool).await?;
        let mut base = Foundation::start(SERVICE, pool, config.bus.clone()).await?;
        base.purge(Purge::new("outbound_message", db::outbound::purge_sent));
        base.purge(Purge::new("reply_failure", db::outbound::purge_failures));
        // Whatever fails from here on stops what was already started.
        let stop_on_error = base.shutdown.clone().drop_guard();
        let metrics = GatewayMetrics::register(&base.metrics)?;
        let (live, listener) = Live::start(&base.pool, base.shutdown.child_token())
            .await
            .context("Failed to start the web chat's live delivery")?;
        let (dedup, dedup_writer) = db::dedup::Recorder::start(
            base.pool.clone(),
            config.dedup_ttl,
            base.shutdown.child_token(),
        );
        let state = AppState {
            tenants: Arc::new(tenants),
            bus: base.bus.clone(),
            pool: base.pool.clone(),
            dedup_ttl: config.dedup_ttl,
            dedup: dedup.clone(),
            lookups: db::dedup::lookups(base.pool.clone(), BATCH_STATEMENTS),
            shopper_takes: db::rate_limits::takes(
                base.pool.clone(),
                config.inbound.per_shopper,
                BATCH_STATEMENTS,
            ),
            max_body_bytes: config.max_body_bytes,
            max_messages_per_delivery: config.max_messages_per_delivery,
            inbound: config.inbound,
            allowance: Default::default(),
            metrics,
            live,
            webchat: Arc::new(WebchatGuard::new(
                base.pool.clone(),
                config.webchat.message_rate,
                config.webchat.session_rate,
                config.webchat.trusted_proxies.clone(),
                config.webchat.session_ttl,
            )),
        };

        let http_client = reqwest::Client::builder()
            .timeout(config.send.request_timeout)
            .build()
            .context("Failed to build the HTTP client")?;
        let downloader = MediaDownloader::new(
            http_client.clone(),
            &config.whatsapp_api_base,
            &config.telegram_api_base,
            config.media_max_bytes,
        );
        // One connection per reply shard and one to spare: a record never
        // waits for a connection.
        let records = store_service::db::connect_unpinged(
            &config.database_url,
            u32::from(config.reply_shards) + 1,
        )
        .await?;
        let sender = ReplySender::new(
            state.clone(),
            records,
            WhatsAppClient::new(http_client.clone(), &config.whatsapp_api_base),
            TelegramClient::new(http_client, &config.telegram_api_base),
            config.send.clone(),
        );
        let replies = ConsumerConfig::new(
            config.bus.queue_name(CHAT_RESPONSE_QUEUE),
            [CHAT_RESPONSE_BINDING],
        )
        .with_retry_delays(config.send.bus_retry_delays.clone())
        // In order per conversation (the `conversation` extension travels
        // as the `ce-conversation` header), in parallel across them.
        .sharded(config.reply_shards, "ce-conversation");
        let max_attempts = replies.max_attempts();
        let replies = base
            .bus
            .consume(
                replies,
                ChatResponses::new(state.clone(), sender, max_attempts),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the chat response consumer")?;

        let media = base
            .bus
            .consume(
                ConsumerConfig::new(
                    config.bus.queue_name(MEDIA_FETCH_QUEUE),
                    [MEDIA_FETCH_BINDING],
                )
                // A seller waits a bounded time for the media: an answer
                // that comes late is useless, so no retries.
                .with_retry_delays([]),
                Responder::new(
                    base.bus.clone(),
                    MediaFetches::new(state.clone(), downloader),
                ),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start the media fetch consumer")?;

        let purge = tokio::spawn(purge_loop(base.pool.clone(), base.shutdown.child_token()));
        let sweep = tokio::spawn(sweep_loop(
            state.clone(),
            config.webchat.sweep_every,
            base.shutdown.child_token(),
        ));
        let api = http::router(state);
        let service = base
            .bind(
                config.http_addr,
                api,
                config.operator_addr,
                axum::Router::new(),
                vec![replies, media],
                vec![purge, sweep, listener, dedup_writer],
            )
            .await?;
        stop_on_error.disarm();
        Ok(Self(service, dedup))
    }

    /// The writer of the deduplication ledger (tests wait for it with
    /// [`db::dedup::Recorder::flush`] before reading the ledger).
    pub fn dedup_recorder(&self) -> db::dedup::Recorder {
        self.1.clone()
    }
}

store_service::application_accessors!(Application);

/// Deletes the expired deduplication rows every [`PURGE_EVERY`], until
/// `shutdown`.
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
        if let Err(error) = state.webchat.evict_idle().await {
            tracing::warn!(%error, "failed to delete idle rate-limit buckets");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
