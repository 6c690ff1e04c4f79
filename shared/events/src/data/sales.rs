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

/// `store.sales.claimed`: a human seller owns the conversation now, from
/// the inbox's queue or by taking it over from the AI before any
/// escalation. The AI seller stays silent in it (including for messages
/// already waiting in its queue) until [`SalesResolved`] or
/// [`SalesDeferred`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesClaimed {
    /// Id of the human seller's account.
    pub agent: String,
    /// The human seller's display name.
    pub agent_name: String,
    /// True when the human took the conversation from the AI before it
    /// escalated (the shopper is told a person joined).
    #[serde(default)]
    pub taken_over: bool,
}

impl EventData for SalesClaimed {
    const TYPE: &'static str = "store.sales.claimed";
}

/// `store.sales.deferred`: the conversation escalated, but no human can
/// answer now (outside the brand's staffed hours, or no seller signed in).
/// The shopper has been told when a person will answer; the AI seller keeps
/// helping meanwhile, and the hand-off waits in the inbox's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDeferred {
    /// Why no human answers now.
    pub reason: DeferralReason,
    /// When the next shift starts, if the brand has staffed hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

impl EventData for SalesDeferred {
    const TYPE: &'static str = "store.sales.deferred";
}

/// Why an escalation waits for a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeferralReason {
    /// Outside the brand's staffed hours.
    OffHours,
    /// Within hours, but no seller of the brand is signed in.
    NoSellerOnline,
}

/// `store.sales.draft` (request): the sales assistant asks the brand's AI
/// seller for a suggested reply in a conversation a human is working; the
/// seller answers [`SalesDraftResult`] on the request's `reply_to`, and
/// neither records nor sends anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDraft {
    /// The conversation's latest messages, oldest first, as the inbox holds
    /// them (the human's replies included, which the seller never saw).
    pub messages: Vec<TranscriptMessage>,
    /// Language of the conversation, when known (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl EventData for SalesDraft {
    const TYPE: &'static str = "store.sales.draft";
}

/// `store.sales.draft.result`: the seller's suggested reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDraftResult {
    /// The suggested text, for the human to send, edit or discard.
    pub text: String,
    /// Which brain wrote it.
    pub source: DraftSource,
}

impl EventData for SalesDraftResult {
    const TYPE: &'static str = "store.sales.draft.result";
}

/// The brain that drafted a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftSource {
    /// The brand's LLM.
    Llm,
    /// The offline, rule-based brain.
    Offline,
}
