//! The events a human seller's actions emit, built from the hand-off: its
//! tenant, brand and conversation, and the correlation id of the exchange
//! that escalated it (so the reply and the hand-back join that exchange).
//! They have no causing event (a person caused them), hence no causation id.

use store_events::{
    BrandId, ConversationId, Event, EventContext, TenantId,
    data::{Channel, ChatResponse, Resolution, ResponsePart, SalesResolved, Sender},
    new_event,
};

use crate::db::handoffs::Handoff;

/// The context of the events about `handoff`.
pub fn handoff_context(handoff: &Handoff) -> anyhow::Result<EventContext> {
    let mut context = EventContext::new(TenantId::parse(&handoff.tenant_id)?)
        .with_brand(BrandId::parse(&handoff.brand_id)?)
        .with_conversation(ConversationId::parse(&handoff.conversation)?)
        .with_subject(handoff.id.to_string());
    context.correlation_id = Some(handoff.correlation_id.clone());
    Ok(context)
}

/// `store.chat.response`: a human seller's `text` for the shopper, on the
/// hand-off's channel.
pub fn reply(handoff: &Handoff, text: &str) -> anyhow::Result<Event> {
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

/// `store.sales.resolved`: the human is done with the conversation.
pub fn resolved(
    handoff: &Handoff,
    by: &str,
    resolution: Resolution,
    note: Option<&str>,
) -> anyhow::Result<Event> {
    let data = SalesResolved {
        resolved_by: by.to_owned(),
        resolution,
        note: note.map(str::to_owned),
    };
    Ok(new_event(crate::SOURCE, &handoff_context(handoff)?, &data)?)
}
