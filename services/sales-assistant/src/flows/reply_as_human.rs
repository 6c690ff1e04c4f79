//! A human seller's reply to the shopper, over HTTP: lock the hand-off,
//! check it is open (`domain::handoff`), record the reply in the
//! transcript under the id of the `store.chat.response` it becomes,
//! publish that event with a publisher confirm and only then commit. When
//! the broker does not take the event, nothing is recorded. The event's
//! delivery back to this service (`record_human_reply`) then adds nothing.

use chrono::Utc;
use store_events::{
    AttributesReader as _, Event, TenantId,
    data::{Channel, ChatResponse, ResponsePart, Sender},
    new_event,
};
use uuid::Uuid;

use super::{Handoffs, handoff_context};
use crate::{
    db::{
        self,
        handoffs::Handoff,
        transcript::{Message, NewMessage},
    },
    domain::{
        handoff::check_reply,
        input::{Agent, ReplyText},
        transcript::Author,
    },
    error::{ApiError, bus_unavailable},
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
    db::reports::first_human_reply(&mut tx, id, message.at).await?;
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
