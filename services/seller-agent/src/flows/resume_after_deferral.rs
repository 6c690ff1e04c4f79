//! No human can answer yet: `store.sales.deferred` from the sales assistant
//! (outside the brand's staffed hours, or no seller signed in) makes the AI
//! the conversation's handler again after an escalation. The sales
//! assistant has told the shopper when a person will answer; meanwhile the
//! AI keeps helping with what it can, and the hand-off waits in the inbox's
//! queue until a human claims it (`store.sales.claimed`).

use cloudevents::Event;
use store_bus::HandlerError;
use store_events::{data::SalesDeferred, decode};

use super::{HandOver, Seller};
use crate::domain::handoff::Answerer;

impl Seller {
    /// Gives the conversation of the `store.sales.deferred` `event` back to
    /// the AI until a human claims it. Idempotent: a redelivered deferral
    /// changes nothing, and one older than a later claim is ignored.
    pub async fn resume_after_deferral(&self, event: &Event) -> Result<(), HandlerError> {
        let deferred: SalesDeferred = decode(event)?;
        let (conversation, outcome) = self.hand_over(event, Answerer::Ai).await?;
        match outcome {
            HandOver::Applied => tracing::info!(
                %conversation,
                reason = ?deferred.reason,
                until = ?deferred.until,
                "no human can answer yet; the AI answers meanwhile"
            ),
            HandOver::Stale => tracing::info!(
                %conversation,
                "deferral older than the conversation's latest hand-over; nothing changed"
            ),
            HandOver::Duplicate => {
                tracing::debug!(%conversation, "deferral already applied")
            }
        }
        Ok(())
    }
}
