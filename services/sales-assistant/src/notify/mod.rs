//! Notifications of new escalations to the human sellers who are not on
//! the inbox page: a Telegram message through the tenant's bot to each such
//! seller with a chat id, and/or a signed POST to the tenant's webhook,
//! each with a link to the conversation; configured per tenant on
//! `/inbox/settings/notifications`.
//!
//! An escalation that opens a hand-off (not a repeat of an open one)
//! queues a notice in its own transaction ([`db::queue_notice`]), so a
//! notice exists exactly when the hand-off does. After the commit, the
//! [`Notifier`] task of any replica (woken by `NOTIFY`, or by its clock for
//! retries) decides who to tell — the settings then, the sellers not signed
//! in then — queues one delivery each and sends them, retrying an
//! unanswered or 5xx/408/429 attempt with backoff and giving up on other
//! refusals or after the last attempt. The consumer never waits for it.

pub mod bots;
pub mod db;
pub mod input;
pub mod rules;
pub mod send;

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context as _;
use chrono::Utc;
use sqlx::{PgPool, postgres::PgListener};
use store_service::config::{self, number_from_env as number};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use self::{
    bots::TelegramBots,
    db::{Due, Target},
    rules::{Attempt, Backoff, conversation_link, telegram_text, webhook_body},
};

/// How the notifications go out.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The inbox's address as sellers reach it (`INBOX_PUBLIC_URL`, default
    /// `http://localhost:8080`), for the links.
    pub public_url: Url,
    /// The Telegram Bot API (`TELEGRAM_API_BASE`, default
    /// `https://api.telegram.org`).
    pub telegram_api_base: Url,
    /// The tenants file with the tenants' Telegram bots (`TENANTS_FILE`;
    /// unset: no Telegram notifications).
    pub tenants_file: Option<PathBuf>,
    /// Attempts in all and the first wait, doubled after each failed
    /// attempt up to 10 minutes (`NOTIFY_ATTEMPTS`, default 6;
    /// `NOTIFY_BACKOFF_MS`, default 5000).
    pub backoff: Backoff,
    /// How long one attempt may take (`NOTIFY_TIMEOUT_MS`, default 10000).
    pub timeout: Duration,
}

impl NotifyConfig {
    /// Reads the notifications' settings from the environment.
    /// `public_url` is the inbox's address as people reach it
    /// (`INBOX_PUBLIC_URL`, read once with the rest of the configuration).
    pub fn from_env(public_url: &str) -> anyhow::Result<Self> {
        let url = |name: &str, default: &str| {
            Url::parse(&config::env_or(name, default))
                .with_context(|| format!("{name} is not a URL"))
        };
        let attempts: u32 = number("NOTIFY_ATTEMPTS", "6")?;
        anyhow::ensure!(attempts > 0, "NOTIFY_ATTEMPTS must be at least 1");
        Ok(Self {
            public_url: Url::parse(public_url)
                .with_context(|| format!("INBOX_PUBLIC_URL {public_url:?} is not a URL"))?,
            telegram_api_base: url("TELEGRAM_API_BASE", DEFAULT_TELEGRAM_API_BASE)?,
            tenants_file: std::env::var_os("TENANTS_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            backoff: Backoff {
                attempts,
                first: Duration::from_millis(number("NOTIFY_BACKOFF_MS", "5000")?),
                max: Duration::from_secs(600),
            },
            timeout: Duration::from_millis(number("NOTIFY_TIMEOUT_MS", "10000")?),
        })
    }

    /// Settings for tests: links to `http://inbox.test`, the real Bot API
    /// address (tests point it at their fake), no bots, quick retries.
    pub fn for_tests() -> Self {
        Self {
            #[allow(clippy::expect_used)]
            public_url: Url::parse("http://inbox.test").expect("a URL"),
            #[allow(clippy::expect_used)]
            telegram_api_base: Url::parse(DEFAULT_TELEGRAM_API_BASE).expect("a URL"),
            tenants_file: None,
            backoff: Backoff {
                attempts: 3,
                first: Duration::from_millis(100),
                max: Duration::from_secs(1),
            },
            timeout: Duration::from_secs(5),
        }
    }
}

/// The Bot API's address.
pub const DEFAULT_TELEGRAM_API_BASE: &str = "https://api.telegram.org";

/// Deliveries taken per round.
const BATCH: i64 = 20;
/// A seller whose open inbox page was seen this recently is on the page
/// (its event stream marks it every 20 s).
const ON_THE_PAGE: Duration = Duration::from_secs(60);
/// The longest sleep between rounds (a `NOTIFY` lost with a dropped
/// connection is caught up by then).
const IDLE: Duration = Duration::from_secs(30);

/// What a delivery needs besides its row.
struct Sending {
    config: NotifyConfig,
    bots: TelegramBots,
}

/// The background task sending notifications.
pub struct Notifier {
    pool: PgPool,
    http: reqwest::Client,
    sending: Arc<Sending>,
}

impl Notifier {
    /// A notifier over `pool`, with the Telegram bots of the tenants file
    /// when one is configured.
    pub fn new(pool: PgPool, config: NotifyConfig) -> anyhow::Result<Self> {
        let bots = match &config.tenants_file {
            Some(path) => TelegramBots::load(path)?,
            None => TelegramBots::default(),
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            // A webhook must answer itself, not send us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("Failed to build the notifications' HTTP client")?;
        Ok(Self {
            pool,
            http,
            sending: Arc::new(Sending { config, bots }),
        })
    }

    /// The tenants' Telegram bots it sends through.
    pub fn bots(&self) -> TelegramBots {
        self.sending.bots.clone()
    }

    /// Works until `stop`: queues the deliveries of new notices and sends
    /// those due, then sleeps until woken, until the next one is due, or
    /// at most [`IDLE`].
    pub async fn run(self, stop: CancellationToken) {
        let mut listener = match PgListener::connect_with(&self.pool).await {
            Ok(mut listener) => match listener.listen(db::WAKE_CHANNEL).await {
                Ok(()) => Some(listener),
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for notices; polling");
                    None
                }
            },
            Err(error) => {
                tracing::warn!(%error, "cannot listen for notices; polling");
                None
            }
        };
        loop {
            let wait = match self.round().await {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::warn!(error = %store_bus::error_chain(&error), "notification round failed");
                    Duration::from_secs(1)
                }
            };
            let woken = async {
                match listener.as_mut() {
                    Some(listener) => {
                        if listener.recv().await.is_err() {
                            // Reconnecting: do not spin.
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = woken => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One round: every new notice expanded, every due delivery sent.
    /// Returns how long to sleep after.
    async fn round(&self) -> Result<Duration, sqlx::Error> {
        while self.expand_one().await? {}
        loop {
            let due = db::take_due(&self.pool, BATCH, self.sending.config.timeout * 2).await?;
            if due.is_empty() {
                break;
            }
            let mut sending = JoinSet::new();
            for delivery in due {
                let (pool, http, with) =
                    (self.pool.clone(), self.http.clone(), self.sending.clone());
                sending.spawn(async move { deliver(&pool, &http, &with, delivery).await });
            }
            while let Some(done) = sending.join_next().await {
                if let Ok(Err(error)) = done {
                    tracing::warn!(%error, "a delivery's outcome was not recorded; it is tried again");
                }
            }
        }
        let next = db::next_due(&self.pool).await?;
        Ok(next.map_or(IDLE, |at| {
            (at - Utc::now()).to_std().unwrap_or_default().min(IDLE)
        }))
    }

    /// Queues the deliveries of one new notice; false when there was none.
    async fn expand_one(&self) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let Some((id, notice)) = db::lock_unexpanded(&mut tx).await? else {
            return Ok(false);
        };
        let settings = db::settings(&mut tx, &notice.tenant).await?;
        let mut targets = Vec::new();
        if let Some(url) = settings.webhook_url {
            targets.push(Target::Webhook(url));
        }
        if settings.telegram && self.sending.bots.has(&notice.tenant) {
            // Who has the inbox open sees the escalation arrive.
            let on_the_page = crate::db::presence::on_the_page(
                &self.pool,
                &notice.tenant,
                &notice.brand,
                ON_THE_PAGE,
            )
            .await?;
            targets.extend(
                db::telegram_chats(&mut tx, &notice.tenant, &notice.brand)
                    .await?
                    .into_iter()
                    .filter(|chat| !on_the_page.contains(&chat.account))
                    .map(Target::Telegram),
            );
        }
        db::expand(&mut tx, id, &notice.tenant, &targets).await?;
        tx.commit().await?;
        tracing::info!(notice = %id, deliveries = targets.len(), "escalation notice queued");
        Ok(true)
    }
}

/// Sends one delivery and records what became of it.
async fn deliver(
    pool: &PgPool,
    http: &reqwest::Client,
    with: &Sending,
    delivery: Due,
) -> Result<(), sqlx::Error> {
    let config = &with.config;
    let link = conversation_link(&config.public_url, &delivery.notice.conversation);
    let attempt = match delivery.channel.as_str() {
        "telegram" => match with
            .bots
            .token(&delivery.notice.tenant, &delivery.notice.brand)
        {
            Some(token) => {
                send::telegram(
                    http,
                    config.telegram_api_base.as_str().trim_end_matches('/'),
                    token,
                    &delivery.target,
                    &telegram_text(&delivery.notice, &link),
                )
                .await
            }
            None => Attempt::Refused("the tenant has no Telegram bot now".to_owned()),
        },
        _ => {
            // The secret as it is now (it may have been changed since).
            let mut conn = pool.acquire().await?;
            let secret = db::settings(&mut conn, &delivery.notice.tenant)
                .await?
                .webhook_secret;
            drop(conn);
            send::webhook(
                http,
                &delivery.target,
                secret.as_deref(),
                webhook_body(&delivery.notice, &link),
            )
            .await
        }
    };
    let attempt_no = u32::try_from(delivery.attempt).unwrap_or(u32::MAX);
    match attempt {
        Attempt::Sent => {
            db::sent(pool, delivery.id).await?;
            tracing::info!(delivery = %delivery.id, channel = %delivery.channel, "notification sent");
        }
        Attempt::Retry(why, asked) => {
            let again = config
                .backoff
                .next(attempt_no, asked)
                .and_then(|wait| chrono::Duration::from_std(wait).ok())
                .map(|wait| Utc::now() + wait);
            tracing::warn!(delivery = %delivery.id, channel = %delivery.channel, attempt = attempt_no, error = %why, retry = again.is_some(), "notification not delivered");
            db::failed(pool, delivery.id, &why, again).await?;
        }
        Attempt::Refused(why) => {
            tracing::warn!(delivery = %delivery.id, channel = %delivery.channel, error = %why, "notification refused; not retried");
            db::failed(pool, delivery.id, &why, None).await?;
        }
    }
    Ok(())
}
