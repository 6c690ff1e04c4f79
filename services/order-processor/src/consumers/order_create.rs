//! The consumer of `store.order.create`: places the order
//! (`flows::place_order`) and answers the requester, when the request came
//! with `reply_to`, with the outcome event (the relay publishes the same
//! event to the exchange). A malformed request is answered, then
//! dead-lettered.

use store_bus::{Handler, HandlerError, Incoming, Responder};

use super::Decided;
use crate::flows::{Shared, place_order::place_order};

/// Handles `store.order.create`.
pub struct OrderCreateHandler(pub Shared);

#[async_trait::async_trait]
impl Handler for OrderCreateHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let answered = place_order(&self.0, &incoming.event).await?;
        if incoming.reply_to.is_some() {
            Responder::new(self.0.bus.clone(), Decided(answered.outcome))
                .handle(incoming)
                .await?;
        }
        match answered.malformed {
            // Answered, and kept in the dead-letter queue for a look.
            Some(error) => Err(HandlerError::reject(error)),
            None => Ok(()),
        }
    }
}
