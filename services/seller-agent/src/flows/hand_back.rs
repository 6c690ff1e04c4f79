//! A human hands the conversation back to the AI: `store.sales.resolved`
//! from the sales assistant sets the conversation's handler to the AI
//! again, so the next shopper message is answered by the seller (while a
//! human had it, [`super::answer_shopper`] kept the messages for them).

use cloudevents::Event;
use store_bus::HandlerError;
use store_events::{EventMeta, data::SalesResolved, decode};

use super::{Seller, internal};
use crate::{db, domain::handoff::Answerer};

impl Seller {
    /// Hands the conversation of the `store.sales.resolved` `event` back to
    /// the AI.
    pub async fn hand_back(&self, event: &Event) -> Result<(), HandlerError> {
        let meta = EventMeta::from_event(event)?;
        self.check_scope(&meta)?;
        let resolved: SalesResolved = decode(event)?;
        let conversation = meta
            .conversation
            .ok_or_else(|| HandlerError::reject("store.sales.resolved without a conversation"))?;
        let found = db::set_handler(&self.pool, &self.key(conversation.as_str()), Answerer::Ai)
            .await
            .map_err(internal)?;
        tracing::info!(%conversation, by = %resolved.resolved_by, found, "conversation handed back to the AI");
        Ok(())
    }
}
