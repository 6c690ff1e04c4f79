//! An order's outcome after the seller stopped waiting for it: a turn
//! whose order request outlived the tool timeout told the shopper the
//! order is being placed and marked the request late (`db::order_wait`);
//! when `store.order.created` (or `store.order.rejected`) comes, its
//! confirmation (or refusal) goes to the shopper once, in their language.
//! Outcomes of requests answered in time are recorded and told by nobody
//! but their turn. The reply's id is derived from the request's, so a
//! redelivery after a lost commit publishes the same event again, which
//! the gateway sends once.

use cloudevents::{AttributesReader, AttributesWriter, Event};
use store_bus::HandlerError;
use store_events::{
    ConversationId, EventContext, EventMeta,
    data::{Channel, ChatResponse, ResponsePart, Sender},
    new_event,
};

use super::{Seller, internal};
use crate::{
    brain::{lang::Lang, late_order},
    db::order_wait::{self, OrderRequest},
};

impl Seller {
    /// Records the order outcome `event` and tells it to the shopper when
    /// their turn stopped waiting for it (see the module's doc).
    pub async fn tell_late_order(&self, event: &Event) -> Result<(), HandlerError> {
        let meta = EventMeta::from_event(event)?;
        self.check_scope(&meta)?;
        let Some(request_id) = meta.causation_id.as_deref() else {
            // Not the answer to a request: no turn waited for it.
            return Ok(());
        };
        let request = OrderRequest {
            tenant: self.tenant.as_str(),
            brand: self.brand.as_str(),
            request_id,
        };
        let outcome = serde_json::to_value(event).map_err(HandlerError::reject)?;
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let Some(late) = order_wait::outcome_arrived(&mut tx, request, &outcome)
            .await
            .map_err(internal)?
        else {
            return tx.commit().await.map_err(internal);
        };
        let Some(text) = late_order::told(event, Lang::from_tag(&late.language)) else {
            return Err(HandlerError::reject(format!(
                "{} is not an order's outcome",
                event.ty()
            )));
        };
        let channel: Channel =
            serde_json::from_value(late.channel.clone().into()).map_err(HandlerError::reject)?;
        let response = ChatResponse {
            channel,
            recipient: late.recipient,
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: vec![ResponsePart::Text { text }],
        };
        let mut context = EventContext::caused_by(event)?;
        context.conversation =
            Some(ConversationId::parse(&late.conversation).map_err(HandlerError::reject)?);
        let mut response = new_event(&self.bus.config().source, &context, &response)
            .map_err(HandlerError::reject)?;
        let name = format!("{request_id}/told");
        response
            .set_id(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string());
        self.bus
            .publish(response)
            .await
            .map_err(HandlerError::retry)?;
        tracing::info!(conversation = %late.conversation, "a late order's outcome told");
        tx.commit().await.map_err(internal)
    }
}
