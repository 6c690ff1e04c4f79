//! Opening a hand-off (`store.sales.escalate`, from an AI seller): open a
//! hand-off for the conversation (or escalate its open one again) and seed
//! the transcript with the escalation's `last_messages`, once per event.
//! The conversation (recorded from its messages, or created here when it
//! began before the inbox recorded every conversation) now waits for a
//! person, unless one already answers it; a new hand-off nobody can answer
//! now is deferred (`flows::defer`). The open pages are told.

use store_bus::HandlerError;
use store_events::{
    AttributesReader as _, Event, EventData as _, EventMeta, data::SalesEscalate, decode,
};

use super::{
    Handoffs,
    defer::{NewHandoff, defer_if_unstaffed},
    retry,
};
use crate::{
    db::{
        self,
        conversations::Activity,
        handoffs::{Escalated, Escalation},
        transcript::NewMessage,
    },
    domain::{handoff::fallback_conversation, transcript::Author},
    live::{self, Change},
};

/// The conversation transcript's name of an escalation message's author.
fn role_name(role: store_events::data::Role) -> &'static str {
    use store_events::data::Role;
    match role {
        Role::Customer => "shopper",
        Role::Ai => "ai",
        Role::Human => "human",
        Role::System => "system",
    }
}

/// Name of this flow in the idempotency ledger. It is the name of the queue
/// escalations had before the sales assistant's events shared one; kept,
/// so events claimed before stay claimed.
pub const LEDGER_NAME: &str = "sales-assistant.escalate";

/// The snake_case name serde gives `value` (an enum of the contracts).
fn name_of(value: impl serde::Serialize) -> Result<String, HandlerError> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| HandlerError::reject("enum without a name"))
}

/// Handles one `store.sales.escalate`.
#[tracing::instrument(skip_all, fields(event = %event.id()))]
pub async fn open_handoff(inbox: &Handoffs, event: &Event) -> Result<(), HandlerError> {
    let meta = EventMeta::from_event(event)?;
    let data: SalesEscalate = decode(event)?;
    // The hand-back is routed by brand to that brand's seller.
    let brand = meta
        .brand
        .ok_or_else(|| HandlerError::reject("store.sales.escalate names no brand"))?;
    let channel_kind = data.channel;
    let channel = name_of(data.channel)?;
    let conversation = meta.conversation.map_or_else(
        || fallback_conversation(&channel, &data.customer.id),
        |c| c.as_str().to_owned(),
    );
    let escalation = Escalation {
        tenant: meta.tenant.clone(),
        brand: brand.to_string(),
        conversation,
        channel,
        customer: data.customer.clone(),
        reason: name_of(data.reason)?,
        summary: data.summary,
        priority: data.priority,
        event_id: event.id().to_owned(),
        correlation_id: meta.correlation_id.unwrap_or_else(|| event.id().to_owned()),
    };

    let mut tx = inbox.pool.begin().await.map_err(retry)?;
    if store_idempotency::claim(&mut tx, LEDGER_NAME, event.id(), SalesEscalate::TYPE)
        .await
        .map_err(retry)?
        .is_duplicate()
    {
        return Ok(());
    }
    let tenant = meta.tenant.as_str();
    // The conversation first (every flow locks it before its hand-off).
    let (sender, text, at) = match data.last_messages.as_deref().and_then(<[_]>::last) {
        Some(last) => (role_name(last.role), last.text.clone(), last.at),
        None => (
            "system",
            escalation.summary.clone(),
            event.time().copied().unwrap_or_else(chrono::Utc::now),
        ),
    };
    let created = db::conversations::ensure(
        &mut tx,
        &Activity {
            tenant,
            conversation: &escalation.conversation,
            brand: &escalation.brand,
            channel: &escalation.channel,
            customer: &data.customer,
            customer_known: true,
            sender,
            text: &text,
            at,
        },
    )
    .await
    .map_err(retry)?;
    if created {
        // What the AI saw before: its transcript starts with it.
        for (i, message) in data.last_messages.iter().flatten().enumerate() {
            db::messages::append(
                &mut tx,
                &db::messages::NewMessage {
                    tenant,
                    conversation: &escalation.conversation,
                    sender: role_name(message.role),
                    text: &message.text,
                    parts: None,
                    at: message.at,
                    agent: None,
                    source_id: &format!("{}/{i}", event.id()),
                    delivery: None,
                },
                None,
            )
            .await
            .map_err(retry)?;
        }
    }
    let escalated = db::handoffs::escalate(&mut tx, &escalation)
        .await
        .map_err(retry)?;
    for message in data.last_messages.iter().flatten() {
        db::transcript::append(
            &mut tx,
            escalated.id(),
            &NewMessage {
                from: Author::of_role(message.role),
                text: &message.text,
                at: message.at,
                agent: None,
                source_id: None,
            },
        )
        .await
        .map_err(retry)?;
    }
    db::conversations::escalated(&mut tx, tenant, &escalation.conversation)
        .await
        .map_err(retry)?;
    if let Escalated::Opened(id) = escalated {
        defer_if_unstaffed(
            inbox,
            &mut tx,
            &NewHandoff {
                id,
                tenant,
                brand: &escalation.brand,
                conversation: &escalation.conversation,
                channel: channel_kind,
                customer: &data.customer,
                escalation: event,
            },
        )
        .await?;
        // A new hand-off (not a repeat) is told to the sellers not on the
        // page, after the commit (`notify`).
        crate::notify::db::queue_notice(&mut tx, id, &escalation)
            .await
            .map_err(retry)?;
    }
    live::notify(
        &mut tx,
        &Change::new(
            tenant,
            &escalation.brand,
            &escalation.conversation,
            "escalation",
        ),
    )
    .await
    .map_err(retry)?;
    tx.commit().await.map_err(retry)?;

    match escalated {
        Escalated::Opened(id) => {
            inbox.metrics.opened(meta.tenant.as_str());
            tracing::info!(handoff = %id, conversation = %escalation.conversation, "hand-off opened");
        }
        Escalated::Updated(id) => {
            tracing::info!(handoff = %id, conversation = %escalation.conversation, "hand-off escalated again");
        }
    }
    Ok(())
}
