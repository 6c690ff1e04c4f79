//! Ingesting a webhook (WhatsApp or Telegram), from its parsed content to
//! confirmed events: deduplicate by the channel's message id, route to a
//! brand (or ask for one), publish the raw `store.<channel>.message.received`
//! and the normalised `store.chat.message.new` (or the brand menu as a
//! `store.chat.response`), all inside one database transaction that commits
//! only after the broker confirmed every event. A failure anywhere rolls the
//! deduplication rows back (a 503), so the channel's retry is processed
//! again; nothing is acknowledged that was not stored.
//!
//! Every event published here has an id derived from the channel's message
//! id (UUIDv5 of the event type, tenant, channel and deduplication key, see
//! [`event_id`]), not a random one. A delivery that published some events
//! and then failed (the broker went away between two publishes) is rolled
//! back and retried by the channel; the retry publishes the same events
//! under the same ids, so every consumer's idempotency ledger
//! (`store_idempotency`, keyed by event id) drops the copies the first
//! attempt left on the bus, and the reply consumer's `outbound_message`
//! (also keyed by event id) does not send a brand menu twice.
//!
//! A burst from one shopper at the brand menu is answered with one menu
//! per delivery, not one per message.

use std::collections::HashSet;

use anyhow::Context as _;
use chrono::Utc;
use cloudevents::AttributesWriter as _;
use serde::Serialize;
use sqlx::PgConnection;
use store_bus::PublishError;
use store_events::{
    AttributesReader as _, BrandId, ConversationId, Event, EventContext, EventData,
    data::{
        channel::{TelegramMessageReceived, WhatsAppMessageReceived, WhatsAppMessageStatus},
        chat::{ChatMessageNew, MessageContent},
        common::Channel,
        response::{ChatResponse, Sender},
    },
    new_event,
};

use crate::{
    db::{brand_choice, dedup},
    domain::{
        InboundMessage,
        conversation::{ConversationRef, channel_name},
        routing::{self, Decision},
        tenants::{Routing, Tenant},
    },
    error::{ApiError, GatewayError, db_unavailable as db, internal, unavailable},
    state::AppState,
};

/// What a webhook delivery led to; the body of the 200 answer.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Report {
    /// Messages delivered to a brand's seller.
    pub delivered: u32,
    /// Messages answered with the brand menu.
    pub menus: u32,
    /// Statuses published.
    pub statuses: u32,
    /// Messages and statuses already seen.
    pub duplicates: u32,
}

/// Publishes `messages` and `statuses` received for `tenant`.
#[tracing::instrument(skip_all, fields(tenant = %tenant.id, messages = messages.len(), statuses = statuses.len()))]
pub async fn ingest_webhook(
    state: &AppState,
    tenant: &Tenant,
    messages: Vec<InboundMessage>,
    statuses: Vec<WhatsAppMessageStatus>,
) -> Result<Report, ApiError> {
    // Resolve every channel account first: an unknown one refuses the whole
    // delivery before anything is published.
    let mut routed = Vec::with_capacity(messages.len());
    for message in messages {
        let routing = routing_of(tenant, message.channel, &message.account)?;
        routed.push((message, routing));
    }
    let mut routed_statuses = Vec::with_capacity(statuses.len());
    for status in statuses {
        let routing = routing_of(tenant, Channel::Whatsapp, &status.phone_number_id)?;
        routed_statuses.push((status, routing));
    }

    let mut tx = state.pool.begin().await.map_err(db)?;
    let mut report = Report::default();
    let mut menus_shown = HashSet::new();
    for (message, routing) in routed {
        ingest_message(
            state,
            &mut tx,
            tenant,
            message,
            routing,
            &mut menus_shown,
            &mut report,
        )
        .await?;
    }
    for (status, routing) in routed_statuses {
        ingest_status(state, &mut tx, tenant, status, routing, &mut report).await?;
    }
    tx.commit()
        .await
        .context("Failed to commit the deduplication rows")
        .map_err(unavailable)?;
    Ok(report)
}

fn routing_of<'t>(
    tenant: &'t Tenant,
    channel: Channel,
    account: &str,
) -> Result<&'t Routing, ApiError> {
    let routing = match channel {
        Channel::Whatsapp => tenant.whatsapp_channel(account).map(|c| &c.routing),
        Channel::Telegram => tenant.telegram_channel(account).map(|c| &c.routing),
        Channel::Webchat => None,
    };
    routing.ok_or_else(|| {
        GatewayError::UnknownChannel(format!(
            "tenant {} has no {} account {account}",
            tenant.id,
            channel_name(channel)
        ))
        .into()
    })
}

async fn ingest_message(
    state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    message: InboundMessage,
    routing: &Routing,
    menus_shown: &mut HashSet<ConversationId>,
    report: &mut Report,
) -> Result<(), ApiError> {
    let channel = channel_name(message.channel);
    let ids = EventIds::new(tenant, channel, &message.dedup_key);
    let seen = dedup::claim(
        conn,
        tenant.id.as_str(),
        channel,
        &message.dedup_key,
        state.dedup_ttl,
    )
    .await
    .map_err(db)?;
    if seen == dedup::Seen::Duplicate {
        tracing::info!(channel, key = %message.dedup_key, "duplicate delivery skipped");
        state.metrics.inbound(channel, "duplicate");
        report.duplicates += 1;
        return Ok(());
    }
    let conversation = ConversationRef::new(message.channel, &message.account, &message.chat)
        .id()
        .map_err(|e| GatewayError::Malformed(format!("conversation id: {e}")))?;
    let chosen = match routing {
        Routing::Menu(_) => brand_choice::get(conn, tenant.id.as_str(), conversation.as_str())
            .await
            .map_err(db)?,
        Routing::Brand(_) => None,
    };
    // At the menu (no brand chosen), a brand's typed name is a tap on it:
    // the seller gets the same reply a tap gives (the raw event keeps what
    // the shopper typed).
    let typed = match (routing, &message.content) {
        (Routing::Menu(menu), MessageContent::Text { text })
            if !chosen.as_ref().is_some_and(|b| menu.contains(b)) =>
        {
            routing::typed_pick(tenant, menu, text)
        }
        _ => None,
    };
    let decision = routing::decide(
        routing,
        chosen.as_ref(),
        typed.as_ref().unwrap_or(&message.content),
    );
    let brand = match &decision {
        Decision::Deliver(b) | Decision::Choose(b) => Some(b.clone()),
        Decision::ShowMenu => None,
    };

    let raw = raw_event(state, tenant, &conversation, brand.as_ref(), &message, &ids)?;
    publish(state, raw.clone(), Tolerate::Unroutable).await?;

    match decision {
        Decision::Deliver(_) | Decision::Choose(_) => {
            if let Decision::Choose(b) = &decision {
                brand_choice::set(conn, tenant.id.as_str(), conversation.as_str(), b)
                    .await
                    .map_err(db)?;
            }
            let data = ChatMessageNew {
                message_id: ids.of("message").to_string(),
                channel: message.channel,
                channel_message_id: message.channel_message_id,
                customer: message.customer,
                sent_at: message.sent_at,
                content: typed.unwrap_or(message.content),
                reply_to: message.reply_to,
                edited: message.edited,
            };
            let message_id = data.message_id.clone();
            let event = caused_by(state, &raw, &data, &ids)?;
            publish(state, event, Tolerate::Nothing).await?;
            state.metrics.inbound(channel, "published");
            // No phone numbers or text in logs: the ids name the message.
            tracing::info!(
                channel,
                brand = brand.as_ref().map(|b| b.as_str()),
                %message_id,
                "message delivered to the seller"
            );
            report.delivered += 1;
        }
        Decision::ShowMenu => {
            brand_choice::clear(conn, tenant.id.as_str(), conversation.as_str())
                .await
                .map_err(db)?;
            let Routing::Menu(menu) = routing else {
                return Err(internal(anyhow::anyhow!("menu without a menu routing")));
            };
            if !menus_shown.insert(conversation.clone()) {
                // Shown for an earlier message of this delivery: one menu
                // answers the burst.
                tracing::info!(channel, "brand menu already shown in this delivery");
                state.metrics.inbound(channel, "menu_skipped");
                return Ok(());
            }
            let data = ChatResponse {
                channel: message.channel,
                recipient: message.customer.id,
                reply_to_message_id: None,
                sender: Sender::System,
                parts: vec![routing::menu_part(tenant, menu)],
            };
            let event = caused_by(state, &raw, &data, &ids)?;
            publish(state, event, Tolerate::Nothing).await?;
            state.metrics.inbound(channel, "menu");
            report.menus += 1;
        }
    }
    Ok(())
}

async fn ingest_status(
    state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    status: WhatsAppMessageStatus,
    routing: &Routing,
    report: &mut Report,
) -> Result<(), ApiError> {
    // One row per message and state: `delivered` after `sent` is news.
    let kind = serde_json::to_value(status.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let key = format!("{}:{kind}", status.message_id);
    let seen = dedup::claim(
        conn,
        tenant.id.as_str(),
        "whatsapp-status",
        &key,
        state.dedup_ttl,
    )
    .await
    .map_err(db)?;
    if seen == dedup::Seen::Duplicate {
        state.metrics.inbound("whatsapp", "duplicate");
        report.duplicates += 1;
        return Ok(());
    }
    let conversation = ConversationRef::new(
        Channel::Whatsapp,
        &status.phone_number_id,
        &status.recipient_id,
    )
    .id()
    .map_err(|e| GatewayError::Malformed(format!("conversation id: {e}")))?;
    let brand = match routing {
        Routing::Brand(b) => Some(b.clone()),
        Routing::Menu(_) => brand_choice::get(conn, tenant.id.as_str(), conversation.as_str())
            .await
            .map_err(db)?,
    };
    let mut context = EventContext::new(tenant.id.clone())
        .with_conversation(conversation)
        .with_subject(status.message_id.clone());
    context.brand = brand;
    let mut event = build(state, &context, &status)?;
    event.set_id(EventIds::new(tenant, "whatsapp-status", &key).of(WhatsAppMessageStatus::TYPE));
    publish(state, event, Tolerate::Unroutable).await?;
    state.metrics.inbound("whatsapp", "status");
    report.statuses += 1;
    Ok(())
}

fn raw_event(
    state: &AppState,
    tenant: &Tenant,
    conversation: &ConversationId,
    brand: Option<&BrandId>,
    message: &InboundMessage,
    ids: &EventIds,
) -> Result<Event, ApiError> {
    let mut context = EventContext::new(tenant.id.clone()).with_conversation(conversation.clone());
    context.brand = brand.cloned();
    let received_at = Utc::now();
    let ty = match message.channel {
        Channel::Telegram => TelegramMessageReceived::TYPE,
        _ => WhatsAppMessageReceived::TYPE,
    };
    // The first event of the exchange: its correlation id is its own id.
    let id = ids.of(ty).to_string();
    context.correlation_id = Some(id.clone());
    let mut event = match message.channel {
        Channel::Telegram => {
            let update_id = message
                .raw
                .get("update_id")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or_default();
            build(
                state,
                &context,
                &TelegramMessageReceived {
                    bot_id: message.account.clone(),
                    update_id: update_id.to_string(),
                    received_at,
                    payload: message.raw.clone(),
                },
            )
        }
        _ => build(
            state,
            &context,
            &WhatsAppMessageReceived {
                phone_number_id: message.account.clone(),
                message_id: message.channel_message_id.clone(),
                received_at,
                payload: message.raw.clone(),
            },
        ),
    }?;
    event.set_id(id);
    Ok(event)
}

/// The ids of the events published for one channel message (see the
/// module's doc for why they are not random).
struct EventIds {
    name: String,
}

impl EventIds {
    /// The ids for message `dedup_key` of `channel` received for `tenant`.
    fn new(tenant: &Tenant, channel: &str, dedup_key: &str) -> Self {
        // Tenant ids and channel names hold no '/'; the key is last and may
        // hold anything.
        Self {
            name: format!("{}/{channel}/{dedup_key}", tenant.id.as_str()),
        }
    }

    /// The id of what `what` names (an event type, or `message` for the
    /// `message_id` of the `store.chat.message.new`).
    fn of(&self, what: &str) -> uuid::Uuid {
        event_id(what, &self.name)
    }
}

/// UUIDv5 of `what` and `name`.
fn event_id(what: &str, name: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("{what}/{name}").as_bytes(),
    )
}

/// An event of the gateway carrying `data` in `context`.
fn build<D: EventData>(
    state: &AppState,
    context: &EventContext,
    data: &D,
) -> Result<Event, ApiError> {
    new_event(&state.bus.config().source, context, data)
        .context("Failed to build an event")
        .map_err(internal)
}

/// An event carrying `data`, caused by `cause` (same tenant, brand,
/// conversation and correlation), with its id of `ids`.
fn caused_by<D: EventData>(
    state: &AppState,
    cause: &Event,
    data: &D,
    ids: &EventIds,
) -> Result<Event, ApiError> {
    let context = EventContext::caused_by(cause)
        .context("Failed to read back our own event")
        .map_err(internal)?;
    let mut event = build(state, &context, data)?;
    event.set_id(ids.of(D::TYPE).to_string());
    Ok(event)
}

/// Which publish failures are not worth refusing the delivery for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tolerate {
    /// None: the event must reach a queue.
    Nothing,
    /// No queue bound: fine for the audit and status events, which may have
    /// no consumer in a given deployment; the broker still confirmed it.
    Unroutable,
}

/// Publishes `event` and waits for the broker's confirm; a failure is a
/// 503, so the caller's transaction rolls back and the channel retries.
#[tracing::instrument(skip_all, fields(event_type = event.ty(), event_id = event.id(), ?tolerate))]
async fn publish(state: &AppState, event: Event, tolerate: Tolerate) -> Result<(), ApiError> {
    let ty = event.ty().to_owned();
    match state.bus.publish(event).await {
        Ok(()) => Ok(()),
        Err(PublishError::Unroutable { routing_key, .. }) if tolerate == Tolerate::Unroutable => {
            tracing::debug!(%routing_key, "no queue is bound for this event; published to nobody");
            Ok(())
        }
        Err(error) => Err(unavailable(
            anyhow::Error::new(error).context(format!("Failed to publish a {ty} event")),
        )),
    }
}
