//! Ingesting a webhook (WhatsApp or Telegram), from its parsed content to
//! confirmed events: admit it under the inbound limits
//! (`limit_inbound`), skip the messages already ingested, route each to a
//! brand (or ask for one), publish the raw `store.<channel>.message.received`
//! and the normalised `store.chat.message.new` (or the brand menu as a
//! `store.chat.response`), and answer 200 only once the broker has confirmed
//! every event. A burst from one shopper at the brand menu is answered with
//! one menu per delivery, not one per message.
//!
//! # Why this is neither lost nor doubled
//!
//! The cost of the path is one lookup, the publishes (a message's raw and
//! normalised events together on one channel, `Publisher::publish_all`;
//! conversations in parallel) and nothing else on the way to the answer. What
//! makes that safe:
//!
//! 1. **Ids, not a lock, keep a message single.** Every event published for
//!    a channel message has an id derived from the message's id
//!    (`domain::inbound_events`). Publishing a message again, for any
//!    reason, publishes the same events under the same ids, and every
//!    consumer drops an id it has handled (`store_idempotency`; the reply
//!    consumer's `outbound_message` for menus). So a webhook may be
//!    published any number of times and is handled once.
//! 2. **200 means confirmed.** The answer is sent after the broker confirmed
//!    each event (`store.chat.message.new` and the menu published
//!    mandatory: confirmed means queued for a seller). Any failure before
//!    that (the broker refuses or goes away after the first publish, the
//!    database fails, the process dies) answers 503 or nothing, and the
//!    channel delivers the webhook again; by (1) the retry cannot double
//!    what the first attempt managed to publish.
//! 3. **The ledger only spares work.** `db::dedup` is read before
//!    publishing and written after the confirms, off the request's path
//!    (the replica remembers the keys it has not written yet).
//!    A key that was never written (a crash after the publishes) or is not
//!    written yet (two copies at once) lets a copy reach the bus: (1)
//!    drops it there.
//! 4. **Order per conversation.** The messages of one conversation in one
//!    delivery are published one after the other (their raw and normalised
//!    events together); different conversations in parallel.
//! 5. **Brand choices are written before the answer.** A pick from the menu
//!    is saved after its events are confirmed and before the 200; if saving
//!    fails the answer is 503, and the retry publishes the same ids again
//!    and saves the pick.
//!
//! Tests of each window are in the gateway's `ingest_failures` tests.

use std::collections::{HashMap, HashSet};

use anyhow::Context as _;
use futures::future::{try_join, try_join_all};
use serde::Serialize;
use sqlx::PgPool;
use store_bus::Routing as Delivery;
use store_events::{
    AttributesReader as _, BrandId, ConversationId, Event, EventContext,
    data::{
        channel::WhatsAppMessageStatus,
        chat::{ChatMessageNew, MessageContent},
        common::Channel,
        response::{ChatResponse, Sender},
    },
};

use super::limit_inbound::limit_inbound;
use crate::{
    db::{brand_choice, dedup},
    domain::{
        InboundMessage,
        conversation::{ConversationRef, channel_name},
        inbound_events::{self, EventIds},
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

    let keys: Vec<dedup::Key> = routed
        .iter()
        .map(|(m, _)| message_key(tenant, m))
        .chain(routed_statuses.iter().map(|(s, _)| status_key(tenant, s)))
        .collect();
    // Admission (the tenant's and each shopper's inbound limits) and the
    // ledger lookup at once: two statements in parallel, each shared with
    // the webhooks waiting at the moment (`db::batch`).
    let shoppers: Vec<String> = routed
        .iter()
        .map(|(m, _)| format!("{}:{}", channel_name(m.channel), m.customer.id))
        .collect();
    let (_, seen) = try_join(limit_inbound(state, tenant.id.as_str(), shoppers), async {
        dedup::known(&state.lookups, &state.dedup, &keys)
            .await
            .map_err(db)
    })
    .await?;

    let mut plan = Plan::new(state, tenant, seen);
    for (message, routing) in routed {
        plan.message(message, routing).await?;
    }
    for (status, routing) in routed_statuses {
        plan.status(status, routing).await?;
    }
    plan.publish().await?;
    plan.save_choices().await?;
    let Plan { report, fresh, .. } = plan;
    state.dedup.record(fresh).await;
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

fn message_key(tenant: &Tenant, message: &InboundMessage) -> dedup::Key {
    dedup::Key::new(
        tenant.id.as_str(),
        channel_name(message.channel),
        &message.dedup_key,
    )
}

/// One row per message and state: `delivered` after `sent` is news.
fn status_key(tenant: &Tenant, status: &WhatsAppMessageStatus) -> dedup::Key {
    let kind = serde_json::to_value(status.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    dedup::Key::new(
        tenant.id.as_str(),
        "whatsapp-status",
        &format!("{}:{kind}", status.message_id),
    )
}

/// The events of one delivery, worked out before any is published.
struct Plan<'a> {
    state: &'a AppState,
    tenant: &'a Tenant,
    /// Keys already ingested.
    seen: HashSet<dedup::Key>,
    /// Keys of this delivery's new messages, recorded once published.
    fresh: Vec<dedup::Key>,
    /// The brand each conversation at a menu has chosen, as loaded.
    loaded: HashMap<ConversationId, Option<BrandId>>,
    /// The choices as this delivery leaves them.
    choices: HashMap<ConversationId, Option<BrandId>>,
    /// Conversations shown the menu in this delivery.
    menus_shown: HashSet<ConversationId>,
    /// What to publish, per conversation, in order.
    outgoing: Vec<(ConversationId, Vec<Outgoing>)>,
    report: Report,
}

/// The events of one message or status, and what to count once published.
struct Outgoing {
    /// The raw event (or the status): confirmed, needs no queue.
    audit: Event,
    /// The event that must reach a queue: the message for the seller, or
    /// the menu.
    required: Option<Event>,
    /// Metric label (`inbound{channel, outcome}`).
    channel: &'static str,
    outcome: &'static str,
}

impl<'a> Plan<'a> {
    fn new(state: &'a AppState, tenant: &'a Tenant, seen: HashSet<dedup::Key>) -> Self {
        Self {
            state,
            tenant,
            seen,
            fresh: Vec::new(),
            loaded: HashMap::new(),
            choices: HashMap::new(),
            menus_shown: HashSet::new(),
            outgoing: Vec::new(),
            report: Report::default(),
        }
    }

    /// Whether `key` is new: not ingested before, nor earlier in this
    /// delivery.
    fn first_time(&mut self, key: dedup::Key) -> bool {
        if self.seen.contains(&key) || self.fresh.contains(&key) {
            return false;
        }
        self.fresh.push(key);
        true
    }

    fn duplicate(&mut self, channel: &'static str) {
        self.state.metrics.inbound(channel, "duplicate");
        self.report.duplicates += 1;
    }

    /// The brand `conversation` has chosen, as this delivery left it.
    async fn chosen(&mut self, conversation: &ConversationId) -> Result<Option<BrandId>, ApiError> {
        if let Some(choice) = self.choices.get(conversation) {
            return Ok(choice.clone());
        }
        let mut conn = self.state.pool.acquire().await.map_err(db)?;
        let choice = brand_choice::get(&mut conn, self.tenant.id.as_str(), conversation.as_str())
            .await
            .map_err(db)?;
        self.loaded.insert(conversation.clone(), choice.clone());
        self.choices.insert(conversation.clone(), choice.clone());
        Ok(choice)
    }

    fn push(&mut self, conversation: &ConversationId, outgoing: Outgoing) {
        match self.outgoing.iter_mut().find(|(c, _)| c == conversation) {
            Some((_, list)) => list.push(outgoing),
            None => self.outgoing.push((conversation.clone(), vec![outgoing])),
        }
    }

    fn source(&self) -> &str {
        &self.state.bus.config().source
    }

    async fn message(
        &mut self,
        message: InboundMessage,
        routing: &Routing,
    ) -> Result<(), ApiError> {
        let channel = channel_name(message.channel);
        if !self.first_time(message_key(self.tenant, &message)) {
            tracing::info!(channel, key = %message.dedup_key, "duplicate delivery skipped");
            self.duplicate(channel);
            return Ok(());
        }
        let ids = EventIds::new(self.tenant.id.as_str(), channel, &message.dedup_key);
        let conversation = ConversationRef::new(message.channel, &message.account, &message.chat)
            .id()
            .map_err(|e| GatewayError::Malformed(format!("conversation id: {e}")))?;
        let chosen = match routing {
            Routing::Menu(_) => self.chosen(&conversation).await?,
            Routing::Brand(_) => None,
        };
        // At the menu (no brand chosen), a brand's typed name is a tap on it:
        // the seller gets the same reply a tap gives (the raw event keeps what
        // the shopper typed).
        let typed = match (routing, &message.content) {
            (Routing::Menu(menu), MessageContent::Text { text })
                if !chosen.as_ref().is_some_and(|b| menu.contains(b)) =>
            {
                routing::typed_pick(self.tenant, menu, text)
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
        let raw = inbound_events::raw_event(
            self.source(),
            self.tenant,
            &conversation,
            brand.as_ref(),
            &message,
            &ids,
        )
        .context("Failed to build an event")
        .map_err(internal)?;

        let (required, outcome) = match decision {
            Decision::Deliver(_) | Decision::Choose(_) => {
                if let Decision::Choose(b) = &decision {
                    self.choices.insert(conversation.clone(), Some(b.clone()));
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
                let event = caused_by(self.source(), &raw, &data, &ids)?;
                self.report.delivered += 1;
                (Some(event), "published")
            }
            Decision::ShowMenu => {
                self.choices.insert(conversation.clone(), None);
                let Routing::Menu(menu) = routing else {
                    return Err(internal(anyhow::anyhow!("menu without a menu routing")));
                };
                if self.menus_shown.insert(conversation.clone()) {
                    let data = ChatResponse {
                        channel: message.channel,
                        recipient: message.customer.id,
                        reply_to_message_id: None,
                        sender: Sender::System,
                        parts: vec![routing::menu_part(self.tenant, menu)],
                    };
                    self.report.menus += 1;
                    (Some(caused_by(self.source(), &raw, &data, &ids)?), "menu")
                } else {
                    // Shown for an earlier message of this delivery: one menu
                    // answers the burst.
                    (None, "menu_skipped")
                }
            }
        };
        self.push(
            &conversation,
            Outgoing {
                audit: raw,
                required,
                channel,
                outcome,
            },
        );
        Ok(())
    }

    async fn status(
        &mut self,
        status: WhatsAppMessageStatus,
        routing: &Routing,
    ) -> Result<(), ApiError> {
        let key = status_key(self.tenant, &status);
        if !self.first_time(key.clone()) {
            self.duplicate("whatsapp");
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
            Routing::Menu(_) => self.chosen(&conversation).await?,
        };
        let mut context = EventContext::new(self.tenant.id.clone())
            .with_conversation(conversation.clone())
            .with_subject(status.message_id.clone());
        context.brand = brand;
        let event =
            inbound_events::status_event(self.source(), self.tenant, &context, &status, &key.key)
                .context("Failed to build an event")
                .map_err(internal)?;
        self.report.statuses += 1;
        self.push(
            &conversation,
            Outgoing {
                audit: event,
                required: None,
                channel: "whatsapp",
                outcome: "status",
            },
        );
        Ok(())
    }

    /// Publishes every event: conversations in parallel, each
    /// conversation's messages in order. Fails on the first refusal.
    async fn publish(&mut self) -> Result<(), ApiError> {
        let state = self.state;
        let groups = std::mem::take(&mut self.outgoing);
        try_join_all(groups.into_iter().map(|(_, list)| async move {
            for outgoing in list {
                match outgoing.required {
                    Some(event) => {
                        let id = event.id().to_owned();
                        publish(
                            state,
                            vec![(outgoing.audit, Delivery::IfBound), (event, Delivery::Required)],
                        )
                        .await?;
                        // No phone numbers or text in logs: the ids name it.
                        if outgoing.outcome == "menu" {
                            tracing::info!(channel = outgoing.channel, event_id = %id, "brand menu sent");
                        } else {
                            tracing::info!(
                                channel = outgoing.channel,
                                event_id = %id,
                                "message delivered to the seller"
                            );
                        }
                    }
                    None => publish(state, vec![(outgoing.audit, Delivery::IfBound)]).await?,
                }
                state.metrics.inbound(outgoing.channel, outgoing.outcome);
            }
            Ok::<_, ApiError>(())
        }))
        .await?;
        Ok(())
    }

    /// Saves the brand choices this delivery changed, in one transaction.
    async fn save_choices(&self) -> Result<(), ApiError> {
        let changed: Vec<_> = self
            .choices
            .iter()
            .filter(|(c, choice)| self.loaded.get(*c) != Some(*choice))
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        save_choices(&self.state.pool, self.tenant.id.as_str(), &changed)
            .await
            .map_err(db)
    }
}

async fn save_choices(
    pool: &PgPool,
    tenant: &str,
    changed: &[(&ConversationId, &Option<BrandId>)],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for (conversation, choice) in changed {
        match choice {
            Some(brand) => brand_choice::set(&mut tx, tenant, conversation.as_str(), brand).await?,
            None => brand_choice::clear(&mut tx, tenant, conversation.as_str()).await?,
        }
    }
    tx.commit().await
}

/// An event carrying `data`, caused by `cause`, with its id of `ids`.
fn caused_by<D: store_events::EventData>(
    source: &str,
    cause: &Event,
    data: &D,
    ids: &EventIds,
) -> Result<Event, ApiError> {
    inbound_events::caused_by(source, cause, data, ids)
        .context("Failed to build an event")
        .map_err(internal)
}

/// Publishes `events` together on one channel (each mandatory or not as
/// its routing says: the raw and status events may have no consumer in a
/// deployment, and the broker confirms and drops them) and waits for the
/// broker's confirms; a failure is a 503, so the channel delivers the
/// webhook again.
#[tracing::instrument(skip_all, fields(events = events.len()))]
async fn publish(state: &AppState, events: Vec<(Event, Delivery)>) -> Result<(), ApiError> {
    // The error names the event's routing key.
    state
        .bus
        .publisher()
        .publish_all(events)
        .await
        .map_err(|error| {
            unavailable(anyhow::Error::new(error).context("Failed to publish a webhook's events"))
        })
}
