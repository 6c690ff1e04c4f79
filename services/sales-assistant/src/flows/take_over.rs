//! A seller takes a conversation from the AI before it escalated: in one
//! transaction a hand-off is opened, owned by them (`taken_over`, reason
//! `other`, "Taken over by <name>"); when an escalation opened one first
//! (the unique open hand-off settles the race) they claim that one
//! instead. `store.sales.claimed` (`taken_over: true`) silences the AI and
//! the shopper is told "<name> from our team joined the conversation" in
//! their language; both confirmed before the commit.

use chrono::Utc;
use store_events::{
    AttributesReader as _,
    data::{Channel, ChatResponse, ResponsePart, Sender},
};

use super::{
    Actor, Handoffs, build_event,
    claim::{claim, claimed, tenant_id},
    conversation_context, lock_conversation,
};
use crate::{
    db::{self, conversations::Activity, handoffs::TakeOver, messages::NewMessage},
    domain::notices::{self, Lang},
    error::{ApiError, bus_unavailable},
};

/// `actor` takes `conversation` over.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn take_over(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<(), ApiError> {
    let mut tx = inbox.pool.begin().await?;
    let conv = lock_conversation(&mut tx, actor, conversation).await?;
    let summary = format!("Taken over by {}", actor.name);
    let event_id = format!("take-over:{}", uuid::Uuid::now_v7());
    let opened = db::handoffs::take_over(
        &mut tx,
        &TakeOver {
            tenant: actor.tenant,
            brand: &conv.brand_id,
            conversation,
            channel: &conv.channel,
            customer: &conv.customer,
            summary: &summary,
            owner: actor.account,
            event_id: &event_id,
        },
    )
    .await?;
    if opened.is_none() {
        // An escalation was first: claim its hand-off like any other.
        drop(tx);
        return claim(inbox, actor, conversation).await;
    }
    let handoff = db::handoffs::lock_open(&mut tx, &tenant_id(actor)?, conversation)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the taken-over hand-off is not open"))?;

    // The shopper hears a person joined.
    let text = notices::joined(Lang::of(conv.language.as_deref()), actor.name);
    let parts = vec![ResponsePart::Text { text: text.clone() }];
    let channel: Channel = serde_json::from_value(serde_json::Value::String(conv.channel.clone()))
        .map_err(anyhow::Error::new)?;
    let notice = build_event(
        &conversation_context(&conv, Some(&handoff))?,
        &ChatResponse {
            channel,
            recipient: conv.customer.id.clone(),
            reply_to_message_id: None,
            sender: Sender::System,
            parts: parts.clone(),
        },
    )?;
    let now = notice.time().copied().unwrap_or_else(Utc::now);
    db::conversations::record(
        &mut tx,
        &Activity {
            tenant: actor.tenant,
            conversation,
            brand: &conv.brand_id,
            channel: &conv.channel,
            customer: &conv.customer,
            customer_known: false,
            sender: "system",
            text: &text,
            at: now,
        },
    )
    .await?;
    db::messages::append(
        &mut tx,
        &NewMessage {
            tenant: actor.tenant,
            conversation,
            sender: "system",
            text: &text,
            parts: serde_json::to_value(&parts).ok(),
            at: now,
            agent: None,
            source_id: notice.id(),
            delivery: Some("pending"),
        },
    )
    .await?;
    claimed(inbox, &mut tx, actor, &conv, true).await?;
    inbox.bus.publish(notice).await.map_err(bus_unavailable)?;
    tx.commit().await?;
    inbox.metrics.opened(actor.tenant);
    tracing::info!(conversation, "conversation taken over");
    Ok(())
}
