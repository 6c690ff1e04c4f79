//! A human seller claims the conversation: `store.sales.claimed` from the
//! sales assistant (a claim from the inbox's queue, or a take-over before
//! any escalation) makes a human the conversation's handler, so the AI
//! falls silent in it until `store.sales.deferred` or
//! `store.sales.resolved` gives it back.
//!
//! The claim comes on the seller's control queue, not behind the shopper
//! messages waiting in the conversation's shard, so it takes effect at once.
//! Messages already waiting, and a turn already running, are then kept for
//! the human: [`super::answer_shopper`] re-checks the handler under the
//! conversation's row lock when it commits a turn.

use cloudevents::Event;
use store_bus::HandlerError;
use store_events::{data::SalesClaimed, decode};

use super::{HandOver, Seller};
use crate::domain::handoff::Answerer;

impl Seller {
    /// Hands the conversation of the `store.sales.claimed` `event` to the
    /// human who claimed it (creating the conversation's memory when the
    /// seller has none yet). Idempotent: a redelivered claim changes
    /// nothing.
    pub async fn yield_to_human(&self, event: &Event) -> Result<(), HandlerError> {
        let claimed: SalesClaimed = decode(event)?;
        let (conversation, outcome) = self.hand_over(event, Answerer::Human).await?;
        match outcome {
            HandOver::Applied => tracing::info!(
                %conversation,
                agent = %claimed.agent,
                taken_over = claimed.taken_over,
                "a human seller has the conversation; the AI is silent in it"
            ),
            HandOver::Stale => tracing::info!(
                %conversation,
                agent = %claimed.agent,
                "claim older than the conversation's latest hand-over; nothing changed"
            ),
            HandOver::Duplicate => {
                tracing::debug!(%conversation, "claim already applied")
            }
        }
        Ok(())
    }
}
