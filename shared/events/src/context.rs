//! The context every event carries besides its data: who it belongs to and
//! what caused it.

use cloudevents::{AttributesReader, Event};

use crate::{
    ext,
    ids::{BrandId, ConversationId, TenantId},
    meta::{DecodeError, EventMeta, string_extension},
};

/// Tenant, brand, conversation and causality of an event.
///
/// Build one with [`EventContext::new`] at the edge (a webhook, an admin call)
/// or with [`EventContext::caused_by`] when handling another event, so the new
/// event keeps the tenant, brand and conversation and points back to its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    /// Tenant the event belongs to.
    pub tenant: TenantId,
    /// Brand, when the event concerns one brand.
    pub brand: Option<BrandId>,
    /// Conversation, when the event belongs to one.
    pub conversation: Option<ConversationId>,
    /// Correlation id shared by a whole exchange; defaults to the new event's
    /// own id when this is the first event of the exchange.
    pub correlation_id: Option<String>,
    /// Id of the event that caused this one.
    pub causation_id: Option<String>,
    /// CloudEvents `subject`, e.g. an order id.
    pub subject: Option<String>,
}

impl EventContext {
    /// A context for the first event of an exchange.
    pub fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            brand: None,
            conversation: None,
            correlation_id: None,
            causation_id: None,
            subject: None,
        }
    }

    /// Sets the brand.
    pub fn with_brand(mut self, brand: BrandId) -> Self {
        self.brand = Some(brand);
        self
    }

    /// Sets the conversation.
    pub fn with_conversation(mut self, conversation: ConversationId) -> Self {
        self.conversation = Some(conversation);
        self
    }

    /// Sets the CloudEvents `subject`.
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// The context of an event caused by `cause`: same tenant, brand and
    /// conversation; same correlation id (or the cause's id when it had none);
    /// causation id = the cause's id.
    pub fn caused_by(cause: &Event) -> Result<Self, DecodeError> {
        let meta = EventMeta::from_event(cause)?;
        Ok(Self {
            tenant: meta.tenant,
            brand: meta.brand,
            conversation: meta.conversation,
            correlation_id: Some(
                string_extension(cause, ext::CORRELATION_ID)
                    .unwrap_or_else(|| cause.id().to_owned()),
            ),
            causation_id: Some(cause.id().to_owned()),
            subject: None,
        })
    }
}
