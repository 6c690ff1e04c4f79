//! The consumer of `store.order.cancel`: cancels the order
//! (`flows::cancel_order`) and, after the commit, answers the request's
//! `reply_to` with `store.order.cancel.result` (a redelivered request gets
//! the same answer again). A request without `reply_to` is still applied;
//! its outcome shows in `store.order.status.changed`.

use store_bus::{Handler, HandlerError, Incoming, Responder};

use super::Decided;
use crate::flows::{Shared, cancel_order::cancel_order};

/// Handles `store.order.cancel`.
pub struct OrderCancelHandler(pub Shared);

#[async_trait::async_trait]
impl Handler for OrderCancelHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let answer = cancel_order(&self.0, &incoming.event).await?;
        if incoming.reply_to.is_some() {
            Responder::new(self.0.bus.clone(), Decided(answer))
                .handle(incoming)
                .await?;
        }
        Ok(())
    }
}
