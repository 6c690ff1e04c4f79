//! A human seller's reply to the shopper, over HTTP: lock the hand-off,
//! check it is open (`domain::handoff`), record the reply in the
//! transcript under the id of the `store.chat.response` it becomes,
//! publish that event with a publisher confirm and only then commit. When
//! the broker does not take the event, nothing is recorded. The event's
//! delivery back to this service (`record_human_reply`) then adds nothing.
//!
//! The inbox's replies go through [`send_as_human`]: only the owner of the
//! conversation's open hand-off sends, any parts (text, product cards);
//! the reply is recorded in the conversation's transcript with delivery
//! `pending` and in the hand-off's transcript, the hand-off's first human
//! reply noted, the pages told.

use chrono::Utc;
use store_events::{
    AttributesReader as _, Event, TenantId,
    data::{Channel, ChatResponse, ResponsePart, Sender},
    new_event,
};
use uuid::Uuid;

use super::{
    Actor, Handoffs, claim::tenant_id, handoff_context, lock_conversation, record_outgoing, refused,
};
use crate::{
    db::{
        self,
        handoffs::Handoff,
        transcript::{Message, NewMessage},
    },
    domain::ownership::{Ownership, check_owner},
    domain::{
        handoff::check_reply,
        input::{Agent, ReplyText},
        transcript::Author,
    },
    error::{ApiError, bus_unavailable},
    live::{self, Change},
};

/// Sends `text` from `agent` to the shopper of `tenant`'s hand-off `id`;
/// returns the message as recorded.
#[tracing::instrument(skip_all, fields(tenant = %tenant, handoff = %id))]
pub async fn reply_as_human(
    inbox: &Handoffs,
    tenant: &TenantId,
    id: Uuid,
    text: &ReplyText,
    agent: &Agent,
) -> Result<Message, ApiError> {
    let mut tx = inbox.pool.begin().await?;
    let handoff = db::handoffs::lock(&mut tx, tenant, id)
        .await?
        .ok_or(ApiError::NotFound("handoff"))?;
    check_reply(handoff.status()).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let event = reply_event(&handoff, text.as_str())?;
    // Recorded under the event's id, so its delivery to our own reply
    // consumer adds nothing.
    let message = db::transcript::append(
        &mut tx,
        id,
        &NewMessage {
            from: Author::Human,
            text: text.as_str(),
            at: event.time().copied().unwrap_or_else(Utc::now),
            agent: Some(agent.as_str()),
            source_id: Some(event.id()),
        },
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("a fresh reply event was already recorded"))?;
    db::handoffs::replied(&mut tx, id, message.at).await?;
    inbox.bus.publish(event).await.map_err(bus_unavailable)?;
    tx.commit().await?;
    tracing::info!(handoff = %id, "human reply sent");
    Ok(message)
}

/// `store.chat.response`: a human seller's `text` for the shopper, on the
/// hand-off's channel.
fn reply_event(handoff: &Handoff, text: &str) -> anyhow::Result<Event> {
    let channel: Channel =
        serde_json::from_value(serde_json::Value::String(handoff.channel.clone()))?;
    let data = ChatResponse {
        channel,
        recipient: handoff.customer.id.clone(),
        reply_to_message_id: None,
        sender: Sender::Human,
        parts: vec![ResponsePart::Text {
            text: text.to_owned(),
        }],
    };
    Ok(new_event(crate::SOURCE, &handoff_context(handoff)?, &data)?)
}

/// The owner `actor` sends `parts` (reading as `text`) to the shopper of
/// `conversation`; returns the reply's `seq` in the conversation's
/// transcript.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn send_as_human(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
    parts: Vec<ResponsePart>,
    text: &str,
) -> Result<i32, ApiError> {
    let mut tx = inbox.pool.begin().await?;
    let conv = lock_conversation(&mut tx, actor, conversation).await?;
    let open = db::handoffs::lock_open(&mut tx, &tenant_id(actor)?, conversation).await?;
    check_owner(
        open.as_ref().map(|h| Ownership {
            owner: h.owner_account,
        }),
        actor.account,
    )
    .map_err(refused)?;
    let Some(handoff) = open else {
        return Err(anyhow::anyhow!("checked open hand-off missing").into());
    };
    let (event, seq, at) =
        record_outgoing(&mut tx, actor, &conv, &handoff, Sender::Human, parts, text).await?;
    let seq = seq.ok_or_else(|| anyhow::anyhow!("a fresh reply event was already recorded"))?;
    db::transcript::append(
        &mut tx,
        handoff.id,
        &NewMessage {
            from: Author::Human,
            text,
            at,
            agent: Some(actor.name),
            source_id: Some(event.id()),
        },
    )
    .await?;
    db::handoffs::replied(&mut tx, handoff.id, at).await?;
    live::notify(
        &mut tx,
        &Change::new(actor.tenant, &conv.brand_id, conversation, "reply").with_seq(Some(seq)),
    )
    .await?;
    inbox.bus.publish(event).await.map_err(bus_unavailable)?;
    tx.commit().await?;
    tracing::info!(conversation, seq, "human reply sent from the inbox");
    Ok(seq)
}
