//! A human hands the conversation back to the AI: `store.sales.resolved`
//! from the sales assistant sets the conversation's handler to the AI
//! again, so the next shopper message is answered by the seller (while a
//! human had it, [`super::answer_shopper`] kept the messages for them).

use cloudevents::Event;
use store_bus::HandlerError;
use store_events::{data::SalesResolved, decode};

use super::{HandOver, Seller};
use crate::domain::handoff::Answerer;

impl Seller {
    /// Hands the conversation of the `store.sales.resolved` `event` back to
    /// the AI. Idempotent: a redelivered hand-back changes nothing, and one
    /// older than a later claim is ignored.
    pub async fn hand_back(&self, event: &Event) -> Result<(), HandlerError> {
        let resolved: SalesResolved = decode(event)?;
        let (conversation, outcome) = self.hand_over(event, Answerer::Ai).await?;
        match outcome {
            HandOver::Applied => tracing::info!(
                %conversation,
                by = %resolved.resolved_by,
                resolution = ?resolved.resolution,
                "conversation handed back to the AI"
            ),
            HandOver::Stale => tracing::info!(
                %conversation,
                by = %resolved.resolved_by,
                "hand-back older than the conversation's latest hand-over; nothing changed"
            ),
            HandOver::Duplicate => {
                tracing::debug!(%conversation, "hand-back already applied")
            }
        }
        Ok(())
    }
}
