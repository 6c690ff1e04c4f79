//! Hand-off between the AI seller and human sellers: an escalation to the
//! sales assistant's inbox, and the human handing the conversation back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{Channel, Customer};
use crate::EventData;

/// `store.sales.escalate`: a human seller should take the conversation over.
/// The AI seller stays silent in it until [`SalesResolved`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesEscalate {
    /// Why.
    pub reason: EscalationReason,
    /// What the human needs to know, in a few sentences.
    pub summary: String,
    /// The shopper.
    pub customer: Customer,
    /// Channel the conversation is on.
    pub channel: Channel,
    /// How urgent.
    pub priority: Priority,
    /// The latest messages of the conversation, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_messages: Option<Vec<TranscriptMessage>>,
}

impl EventData for SalesEscalate {
    const TYPE: &'static str = "store.sales.escalate";
}

/// Why a conversation goes to a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// The shopper asked for a person.
    CustomerRequest,
    /// No LLM answered (down, out of quota) and the rule-based brain could
    /// not help.
    LlmUnavailable,
    /// A brand rule requires a human (refunds, complaints, large orders).
    Policy,
    /// The seller judged the case too complex.
    ComplexCase,
    /// Anything else; see the summary.
    Other,
}

/// Urgency of an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Whenever someone is free.
    Low,
    /// The usual.
    Normal,
    /// Someone should answer now.
    High,
}

/// Who wrote a transcript message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The shopper.
    Customer,
    /// The AI seller.
    Ai,
    /// A human seller.
    Human,
    /// The platform.
    System,
}

/// One message of a conversation transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its text (media rendered as a short description).
    pub text: String,
    /// When it was sent.
    pub at: DateTime<Utc>,
}

/// `store.sales.resolved`: the human is done with the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesResolved {
    /// Id or name of the human seller.
    pub resolved_by: String,
    /// What happens to the conversation now.
    pub resolution: Resolution,
    /// Note for the AI seller (what was agreed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl EventData for SalesResolved {
    const TYPE: &'static str = "store.sales.resolved";
}

/// End of a human hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The AI seller takes the conversation back.
    HandedBack,
    /// The conversation is over; the AI seller answers again only when the
    /// shopper writes next.
    Closed,
}
