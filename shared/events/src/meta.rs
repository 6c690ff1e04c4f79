//! Reading the agent-store context of a received event from its extensions
//! (tenant, brand, conversation, causality), its routing key, and what goes
//! wrong reading an event.

use cloudevents::{AttributesReader, Event, event::ExtensionValue};

use crate::{
    ext,
    ids::{BrandId, ConversationId, IdError, TenantId},
};

/// Reading an event failed.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The event is of another type than the one asked for.
    #[error("expected a {expected} event, got {actual}")]
    WrongType {
        /// The type asked for.
        expected: &'static str,
        /// The event's type.
        actual: String,
    },
    /// A required extension is missing.
    #[error("event {id} has no {name} extension")]
    MissingExtension {
        /// Event id.
        id: String,
        /// Extension name.
        name: &'static str,
    },
    /// An extension holds an invalid id.
    #[error("event {id} has an invalid {name} extension")]
    BadExtension {
        /// Event id.
        id: String,
        /// Extension name.
        name: &'static str,
        /// Why.
        #[source]
        source: IdError,
    },
    /// The event has no data.
    #[error("event {id} has no data")]
    NoData {
        /// Event id.
        id: String,
    },
    /// The data does not match the type's struct.
    #[error("event {id} of type {ty} has malformed data")]
    BadData {
        /// Event id.
        id: String,
        /// Event type.
        ty: String,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
}

/// A string extension of `event`, whatever type the SDK parsed it as.
pub fn string_extension(event: &Event, name: &str) -> Option<String> {
    event.extension(name).map(|value| match value {
        ExtensionValue::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The agent-store context of a received event, read from its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMeta {
    /// Tenant (required on every agent-store event).
    pub tenant: TenantId,
    /// Brand, if any.
    pub brand: Option<BrandId>,
    /// Conversation, if any.
    pub conversation: Option<ConversationId>,
    /// Correlation id, if any.
    pub correlation_id: Option<String>,
    /// Causation id, if any.
    pub causation_id: Option<String>,
}

impl EventMeta {
    /// Reads and validates the context extensions of `event`.
    pub fn from_event(event: &Event) -> Result<Self, DecodeError> {
        let id = || event.id().to_owned();
        let tenant =
            string_extension(event, ext::TENANT).ok_or_else(|| DecodeError::MissingExtension {
                id: id(),
                name: ext::TENANT,
            })?;
        let bad = |name| {
            move |source| DecodeError::BadExtension {
                id: id(),
                name,
                source,
            }
        };
        Ok(Self {
            tenant: TenantId::parse(tenant).map_err(bad(ext::TENANT))?,
            brand: string_extension(event, ext::BRAND)
                .map(BrandId::parse)
                .transpose()
                .map_err(bad(ext::BRAND))?,
            conversation: string_extension(event, ext::CONVERSATION)
                .map(ConversationId::parse)
                .transpose()
                .map_err(bad(ext::CONVERSATION))?,
            correlation_id: string_extension(event, ext::CORRELATION_ID),
            causation_id: string_extension(event, ext::CAUSATION_ID),
        })
    }
}

/// The routing key of an event: its type, then `.tenant`, then `.brand` when
/// it has one. Consumers of a type bind `<type>.#`; a per-brand consumer binds
/// `<type>.<tenant>.<brand>`.
pub fn routing_key(event: &Event) -> String {
    let mut key = event.ty().to_owned();
    if let Some(tenant) = string_extension(event, ext::TENANT) {
        key.push('.');
        key.push_str(&tenant);
        if let Some(brand) = string_extension(event, ext::BRAND) {
            key.push('.');
            key.push_str(&brand);
        }
    }
    key
}
