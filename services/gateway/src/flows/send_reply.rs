//! Sending a reply (`store.chat.response`) on WhatsApp or Telegram: rendered
//! for its channel and sent through the Graph API or the Bot API, message by
//! message (the reply consumer, `consumers::chat_response`, decodes it and
//! hands it here).
//!
//! - Order: replies are spread over ordered shard queues by conversation
//!   (`ConsumerConfig::sharded` on `ce-conversation`), each consumed one at a
//!   time by one active consumer across replicas, and rate limits and server
//!   errors are retried inside the handler (honouring `Retry-After` /
//!   `retry_after`), so a conversation's replies go out in the order they
//!   were produced while a slow conversation does not hold up the others.
//! - Effectively once: each channel message of a reply is recorded when sent;
//!   a redelivered reply resumes after the last one recorded (and one sent
//!   in full sends nothing more).
//! - Once the channel took a message, only its record is retried, never the
//!   post ([`ReplySender::record`]): a database failure right after a send
//!   is retried in process, with backoff, for up to
//!   `SendConfig::record_patience`, while the reply stays unacked. Neither
//!   the Graph API nor the Bot API takes an idempotency key, so the record
//!   is the only thing that tells a redelivery what was sent; handing the
//!   reply back to the bus with the record missing is exactly what sends it
//!   twice.
//! - After a crash (the broker redelivers the reply), the message after the
//!   last one recorded may have gone out unrecorded: on WhatsApp each send
//!   carries its reference (`biz_opaque_callback_data`,
//!   [`crate::domain::send_reference`]), Meta echoes it in the message's
//!   `sent` status, and the webhook records that status as the send's
//!   record; the redelivered reply waits up to `SendConfig::status_patience`
//!   for it ([`ReplySender::settle_uncertain`]), then sends the message.
//!   Records go through a pool of their own, up to one connection per reply
//!   shard, handed out without sqlx's ping, so the window is short to begin
//!   with. What remains (the gateway's README, "Delivery guarantees"): on
//!   WhatsApp, a status later than the patience; on Telegram, which echoes
//!   nothing, a crash between the Bot API's answer and the record's insert
//!   leaving the gateway; on both, a database down for longer than the
//!   record patience.
//! - A permanent refusal is recorded as a `failed` WhatsApp status. WhatsApp's
//!   131047 (24-hour window closed) sends the channel's template instead,
//!   where one is configured, and is settled as failed (`reply_failure`, so
//!   a redelivery reports the same); other refusals go to the dead-letter
//!   queue for an operator to inspect and replay.
//! - Each ends in a [`Settled`]: what the consumer reports in
//!   `store.chat.delivery` (`flows::report_delivery`), and whether the reply
//!   is then acked or dead-lettered.

use std::future::Future;

use chrono::Utc;
use serde_json::Value;
use sqlx::PgPool;
use store_bus::{HandlerError, PublishError};
use store_events::{
    AttributesReader as _, Event, EventContext,
    data::{
        channel::{WhatsAppError, WhatsAppMessageStatus, WhatsAppStatus},
        common::Channel,
        response::ChatResponse,
    },
    new_event,
};

use super::report_delivery::Settled;
use crate::{
    channels::{Refusal, SendOutcome, telegram::TelegramClient, whatsapp::WhatsAppClient},
    config::SendConfig,
    db::outbound::{self, Progress},
    domain::{
        conversation::ConversationRef,
        delivery::{Delivery, Failure, WHATSAPP_WINDOW_CLOSED, telegram_failure, whatsapp_failure},
        render, send_reference,
        tenants::{TelegramChannel, Tenant, WhatsAppChannel},
    },
    state::AppState,
};

/// Sends replies on WhatsApp and Telegram.
pub struct ReplySender {
    state: AppState,
    /// Where sent messages are recorded (see [`ReplySender::new`]).
    records: PgPool,
    whatsapp: WhatsAppClient,
    telegram: TelegramClient,
    send: SendConfig,
}

/// How one channel message ended after the retries.
enum Attempt {
    Sent(Option<String>),
    Refused(Refusal),
    GaveUp(String),
}

/// A channel kept failing (unavailable, rate limiting, no answer) through
/// all of the sender's attempts: the reply goes back to the bus to be
/// retried later, and is given up on after the bus's last attempt.
#[derive(Debug, thiserror::Error)]
#[error("{channel} did not take message {seq}: {reason}")]
pub struct ChannelGaveUp {
    /// `whatsapp` or `telegram`.
    pub channel: &'static str,
    /// Position of the message in the reply.
    pub seq: usize,
    /// The last failure, with the number of attempts.
    pub reason: String,
}

fn reject(message: impl Into<String>) -> HandlerError {
    HandlerError::reject(message.into())
}

fn gave_up(channel: &'static str, seq: usize, reason: String) -> HandlerError {
    HandlerError::retry(ChannelGaveUp {
        channel,
        seq,
        reason,
    })
}

fn retry(error: impl std::error::Error + Send + Sync + 'static) -> HandlerError {
    HandlerError::retry(error)
}

impl ReplySender {
    /// A sender using `state` and the two API clients.
    /// `records` is the pool the sent messages are recorded through: one
    /// of its own, so a record never waits behind the ingest path for a
    /// connection (`store_service::db::connect_unpinged`).
    pub fn new(
        state: AppState,
        records: PgPool,
        whatsapp: WhatsAppClient,
        telegram: TelegramClient,
        send: SendConfig,
    ) -> Self {
        Self {
            state,
            records,
            whatsapp,
            telegram,
            send,
        }
    }

    /// Sends `response` (the data of `event`) to the chat `conversation`
    /// names, on WhatsApp or Telegram, resuming after the channel messages
    /// an earlier delivery of `event` sent; a reply settled as failed before
    /// is settled the same way again, sending nothing.
    #[tracing::instrument(skip_all, fields(event_id = event.id(), channel = ?conversation.channel))]
    ///
    /// `redelivered` is the broker's word that an earlier delivery of
    /// `event` ended without an ack (the gateway was killed): on WhatsApp,
    /// the message after the last one recorded may then have gone out
    /// unrecorded, and its status is awaited before it is sent again
    /// ([`ReplySender::settle_uncertain`]).
    pub async fn send_reply(
        &self,
        event: &Event,
        tenant: &Tenant,
        conversation: &ConversationRef,
        response: &ChatResponse,
        redelivered: bool,
    ) -> Result<Settled, HandlerError> {
        // One read for both: whether the reply was settled as failed, and
        // what earlier deliveries sent.
        let earlier = outbound::earlier(&self.state.pool, event.id())
            .await
            .map_err(retry)?;
        if let Some(failure) = earlier.failure {
            tracing::info!("reply settled as failed before; reporting it again");
            return Ok(Settled::acked(Delivery::Failed(failure)));
        }
        let done = earlier.progress;
        match conversation.channel {
            Channel::Whatsapp => {
                let channel = tenant
                    .whatsapp_channel(&conversation.account)
                    .ok_or_else(|| {
                        reject(format!(
                            "tenant has no WhatsApp number {}",
                            conversation.account
                        ))
                    })?;
                self.deliver_whatsapp(event, channel, conversation, response, done, redelivered)
                    .await
            }
            Channel::Telegram => {
                let bot = tenant
                    .telegram_channel(&conversation.account)
                    .ok_or_else(|| {
                        reject(format!(
                            "tenant has no Telegram bot {}",
                            conversation.account
                        ))
                    })?;
                self.deliver_telegram(event, bot, conversation, response, done)
                    .await
            }
            Channel::Webchat => Err(reject(
                "a web chat reply is appended to its transcript, not sent",
            )),
        }
    }

    /// What earlier deliveries of `event` sent.
    async fn progress(&self, event: &Event) -> Result<Progress, HandlerError> {
        outbound::progress(&self.state.pool, event.id())
            .await
            .map_err(retry)
    }

    async fn deliver_whatsapp(
        &self,
        event: &Event,
        channel: &WhatsAppChannel,
        conversation: &ConversationRef,
        response: &ChatResponse,
        done: Progress,
        redelivered: bool,
    ) -> Result<Settled, HandlerError> {
        let bodies =
            render::whatsapp_messages(response, &conversation.chat, channel.catalog_id.as_deref());
        let done = if redelivered && done.sent < bodies.len() {
            self.settle_uncertain(event, done).await?
        } else {
            done
        };
        let mut last = done.last_channel_message_id;
        for (seq, body) in bodies.iter().enumerate().skip(done.sent) {
            let body = with_reference(body, event.id(), sequence(seq)?);
            let attempt = self
                .with_retries("whatsapp", || {
                    self.whatsapp
                        .send(&channel.phone_number_id, &channel.access_token, &body)
                })
                .await;
            match attempt {
                Attempt::Sent(id) => {
                    self.record(event, seq, id.as_deref()).await?;
                    last = id;
                }
                Attempt::GaveUp(reason) => return Err(gave_up("whatsapp", seq, reason)),
                Attempt::Refused(refusal) => {
                    self.publish_failed(event, channel, conversation, seq, &refusal)
                        .await?;
                    let mut failure =
                        whatsapp_failure(refusal.code, refusal.http_status, &refusal.title);
                    failure.channel_message_id = last;
                    if !refusal
                        .code
                        .is_some_and(|c| WHATSAPP_WINDOW_CLOSED.contains(&c))
                    {
                        self.state.metrics.outbound("whatsapp", "failed");
                        let error = reject(format!(
                            "WhatsApp refused message {seq}: {} (code {:?})",
                            refusal.title, refusal.code
                        ));
                        return Ok(Settled::dead_lettered(Delivery::Failed(failure), error));
                    }
                    return self
                        .fall_back(event, channel, conversation, seq, bodies.len(), failure)
                        .await;
                }
            }
        }
        Ok(Settled::acked(Delivery::Sent {
            channel_message_id: last,
        }))
    }

    /// 24-hour window closed: send the template if there is one, and settle
    /// the rest of the reply as failed.
    async fn fall_back(
        &self,
        event: &Event,
        channel: &WhatsAppChannel,
        conversation: &ConversationRef,
        seq: usize,
        total: usize,
        mut failure: Failure,
    ) -> Result<Settled, HandlerError> {
        self.state.metrics.outbound("whatsapp", "failed");
        let mut template_id = None;
        if let Some(template) = &channel.template_fallback {
            let body = render::whatsapp_template(&conversation.chat, template);
            match self
                .with_retries("whatsapp", || {
                    self.whatsapp
                        .send(&channel.phone_number_id, &channel.access_token, &body)
                })
                .await
            {
                Attempt::Sent(id) => {
                    self.state.metrics.outbound("whatsapp", "fallback");
                    failure.reason = format!(
                        "{} (the shop's re-engagement template {} was sent instead)",
                        failure.reason, template.name
                    );
                    failure.channel_message_id.clone_from(&id);
                    template_id = id;
                }
                Attempt::GaveUp(reason) => return Err(gave_up("whatsapp", seq, reason)),
                Attempt::Refused(refusal) => {
                    tracing::warn!(title = %refusal.title, code = ?refusal.code, "the fallback template was refused too");
                }
            }
        } else {
            tracing::info!("24-hour window closed and no template configured; reply not delivered");
        }
        let (seq, total) = (sequence(seq)?, sequence(total)?);
        outbound::settle_failed(
            &self.state.pool,
            event.id(),
            seq,
            total,
            template_id.as_deref(),
            &failure,
        )
        .await
        .map_err(retry)?;
        Ok(Settled::acked(Delivery::Failed(failure)))
    }

    async fn deliver_telegram(
        &self,
        event: &Event,
        bot: &TelegramChannel,
        conversation: &ConversationRef,
        response: &ChatResponse,
        done: Progress,
    ) -> Result<Settled, HandlerError> {
        let calls = render::telegram_calls(response, &conversation.chat);
        let mut last = done.last_channel_message_id;
        for (seq, call) in calls.iter().enumerate().skip(done.sent) {
            let attempt = self
                .with_retries("telegram", || {
                    self.telegram
                        .call(&bot.bot_token, call.method, &call.payload)
                })
                .await;
            match attempt {
                Attempt::Sent(id) => {
                    self.record(event, seq, id.as_deref()).await?;
                    last = id;
                }
                Attempt::GaveUp(reason) => return Err(gave_up("telegram", seq, reason)),
                Attempt::Refused(refusal) => {
                    self.state.metrics.outbound("telegram", "failed");
                    let mut failure =
                        telegram_failure(refusal.code, refusal.http_status, &refusal.title);
                    failure.channel_message_id = last;
                    let error = reject(format!(
                        "Telegram refused {} #{seq}: {} (code {:?})",
                        call.method, refusal.title, refusal.code
                    ));
                    return Ok(Settled::dead_lettered(Delivery::Failed(failure), error));
                }
            }
        }
        Ok(Settled::acked(Delivery::Sent {
            channel_message_id: last,
        }))
    }

    /// After a crash, message `done.sent` of `event` may have been taken by
    /// WhatsApp without a record: waits up to `status_patience` for its
    /// status (`sent` or `failed`, carrying its reference), which the
    /// webhook records as if the send had been (`db::outbound::record_taken`).
    /// Progress as it then stands: past the message when its status came,
    /// as it was when none came (the message is then sent, as it most
    /// likely never left: a status later than the patience is the one way
    /// left to send it twice).
    async fn settle_uncertain(
        &self,
        event: &Event,
        done: Progress,
    ) -> Result<Progress, HandlerError> {
        let give_up_at = tokio::time::Instant::now() + self.send.status_patience;
        loop {
            let now = self.progress(event).await?;
            if now.sent > done.sent {
                tracing::info!(
                    seq = done.sent,
                    "WhatsApp reported taking the message a crash left unrecorded; not sent again"
                );
                return Ok(now);
            }
            if tokio::time::Instant::now() >= give_up_at {
                tracing::warn!(
                    seq = done.sent,
                    "no WhatsApp status for the message after a crash; sending it"
                );
                return Ok(now);
            }
            tokio::time::sleep(STATUS_POLL).await;
        }
    }

    /// Records that message `seq` of `event` was sent, retrying the record
    /// (never the send) with backoff until it commits or
    /// `record_patience` has passed.
    async fn record(
        &self,
        event: &Event,
        seq: usize,
        id: Option<&str>,
    ) -> Result<(), HandlerError> {
        let seq = sequence(seq)?;
        let give_up_at = tokio::time::Instant::now() + self.send.record_patience;
        let mut delay = self
            .send
            .initial_backoff
            .max(std::time::Duration::from_millis(10));
        loop {
            match outbound::record_sent(&self.records, event.id(), seq, id).await {
                Ok(()) => return Ok(()),
                Err(error) if tokio::time::Instant::now() + delay < give_up_at => {
                    tracing::warn!(seq, %error, delay_ms = delay.as_millis() as u64, "sent but not recorded; retrying the record only");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2).min(self.send.max_backoff);
                }
                Err(error) => {
                    tracing::error!(seq, %error, "sent but could not record it; a redelivery sends it again");
                    return Err(retry(error));
                }
            }
        }
    }

    /// Publishes the `failed` WhatsApp status of message `seq` of `cause`
    /// (no queue bound is fine: the status is for whoever listens).
    #[tracing::instrument(skip_all, fields(event_id = cause.id(), seq = seq))]
    async fn publish_failed(
        &self,
        cause: &Event,
        channel: &WhatsAppChannel,
        conversation: &ConversationRef,
        seq: usize,
        refusal: &Refusal,
    ) -> Result<(), HandlerError> {
        let status = WhatsAppMessageStatus {
            phone_number_id: channel.phone_number_id.clone(),
            // No wamid exists for a message WhatsApp refused: name it by the
            // reply event and its position.
            message_id: format!("{}:{seq}", cause.id()),
            recipient_id: conversation.chat.clone(),
            status: WhatsAppStatus::Failed,
            timestamp: Utc::now(),
            errors: vec![WhatsAppError {
                code: refusal.code.unwrap_or(i64::from(refusal.http_status)),
                title: refusal.title.clone(),
                message: refusal.message.clone(),
                details: refusal.details.clone(),
            }],
            conversation: None,
            pricing: None,
        };
        let context = EventContext::caused_by(cause)?;
        let event = new_event(&self.state.bus.config().source, &context, &status).map_err(retry)?;
        match self.state.bus.publish(event).await {
            Ok(()) | Err(PublishError::Unroutable { .. }) => Ok(()),
            Err(error) => Err(retry(error)),
        }
    }

    async fn with_retries<F, Fut>(&self, channel: &str, mut call: F) -> Attempt
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<SendOutcome, reqwest::Error>>,
    {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let (wait, reason) = match call().await {
                Ok(SendOutcome::Sent(id)) => {
                    self.state.metrics.outbound(channel, "sent");
                    return Attempt::Sent(id);
                }
                Ok(SendOutcome::Refused(refusal)) => return Attempt::Refused(refusal),
                Ok(SendOutcome::RateLimited(wait)) => (wait, "rate limited".to_owned()),
                Ok(SendOutcome::Unavailable(why)) => (None, why),
                Err(error) => (None, format!("{error}")),
            };
            if attempt >= self.send.attempts {
                return Attempt::GaveUp(format!("{reason} after {attempt} attempts"));
            }
            let backoff = self
                .send
                .initial_backoff
                .saturating_mul(2u32.saturating_pow(attempt - 1));
            let delay = wait.unwrap_or(backoff).min(self.send.max_backoff);
            self.state.metrics.outbound(channel, "retried");
            tracing::warn!(channel, attempt, delay_ms = delay.as_millis() as u64, %reason, "send failed, retrying");
            tokio::time::sleep(delay).await;
        }
    }
}

/// How often a redelivered reply looks for the status it waits for.
const STATUS_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// `body` with the reference WhatsApp echoes in its statuses
/// (`biz_opaque_callback_data`): message `seq` of reply `event_id`.
fn with_reference(body: &Value, event_id: &str, seq: i32) -> Value {
    let mut body = body.clone();
    if let (Some(reference), Some(fields)) =
        (send_reference::encode(event_id, seq), body.as_object_mut())
    {
        fields.insert("biz_opaque_callback_data".to_owned(), reference.into());
    }
    body
}

/// A position in a reply as stored.
fn sequence(seq: usize) -> Result<i32, HandlerError> {
    i32::try_from(seq).map_err(|_| reject("reply too long"))
}
