//! A suggested reply for the seller working a conversation: its last
//! messages (as `TranscriptMessage`s) and the shopper's language go to the
//! brand's AI seller as a `store.sales.draft` request over the bus, and
//! its `store.sales.draft.result` comes back. Nothing is sent or recorded:
//! the person edits, sends or discards it. When no seller of the brand
//! answers in time, the person is told to write it themselves.

use serde::Serialize;
use store_events::{
    data::{DraftSource, Role, SalesDraft, SalesDraftResult, TranscriptMessage},
    decode,
};

use super::{
    Actor, Handoffs, build_event,
    find_products::{request_context, visible_conversation},
    unanswered,
};
use crate::{db, error::ApiError};

/// Messages the draft is written from.
pub const DRAFT_MESSAGES: i64 = 20;

/// A draft as the page gets it.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    /// The suggested reply.
    pub text: String,
    /// `llm` or `offline` (the rule-based brain).
    pub source: DraftSource,
}

/// The role of a transcript sender in the contracts.
fn role(sender: &str) -> Role {
    match sender {
        "shopper" => Role::Customer,
        "human" => Role::Human,
        "system" => Role::System,
        _ => Role::Ai,
    }
}

/// A draft reply for `conversation`.
#[tracing::instrument(skip_all, fields(tenant = actor.tenant, conversation))]
pub async fn draft_reply(
    inbox: &Handoffs,
    actor: &Actor<'_>,
    conversation: &str,
) -> Result<Draft, ApiError> {
    let conv = visible_conversation(inbox, actor, conversation).await?;
    let messages = db::messages::latest(&inbox.pool, actor.tenant, conversation, DRAFT_MESSAGES)
        .await?
        .into_iter()
        .map(|m| TranscriptMessage {
            role: role(&m.sender),
            text: m.text,
            at: m.at,
        })
        .collect();
    let request = SalesDraft {
        messages,
        language: conv.language.clone(),
    };
    let event = build_event(&request_context(&conv, actor.tenant)?, &request)?;
    let reply = inbox
        .bus
        .request(event, inbox.request_timeout)
        .await
        .map_err(|e| {
            unanswered(
                e,
                format!(
                    "No AI seller of {} answered; write the reply yourself",
                    conv.brand
                ),
            )
        })?;
    let result: SalesDraftResult = decode(&reply).map_err(anyhow::Error::new)?;
    Ok(Draft {
        text: result.text,
        source: result.source,
    })
}
