//! Building CloudEvents from typed data and reading typed data back.

use chrono::{SubsecRound, Utc};
use cloudevents::{AttributesReader, Data, Event, EventBuilder, EventBuilderV10};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

pub use crate::meta::{DecodeError, EventMeta, routing_key, string_extension};
use crate::{context::EventContext, ext};

/// Base of every `dataschema` URI; the path below it mirrors
/// `proto-events/schemas/`.
pub const SCHEMA_BASE: &str = "https://agent-store.dev/schemas";

/// Media type of every event's data.
pub const JSON: &str = "application/json";

/// Typed data of one event type.
///
/// The CloudEvents `type` doubles as the first words of the AMQP routing key.
/// `VERSION` is the major version of the data's schema: a breaking change
/// makes a new type version and a new schema file, never an edit in place.
pub trait EventData: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// CloudEvents `type`, e.g. `store.chat.message.new`.
    const TYPE: &'static str;
    /// Major version of the data schema.
    const VERSION: u32 = 1;

    /// The `dataschema` URI of this type.
    fn dataschema() -> String {
        format!("{SCHEMA_BASE}/{}.v{}.json", Self::TYPE, Self::VERSION)
    }
}

/// Building an event failed.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The data could not be serialized.
    #[error("failed to serialize the data of a {ty} event")]
    Serialize {
        /// The event type.
        ty: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The CloudEvents builder refused the attributes.
    #[error("failed to build a {ty} event: {message}")]
    Build {
        /// The event type.
        ty: &'static str,
        /// What the builder said.
        message: String,
    },
}

/// Builds the CloudEvent for `data` in `context`, emitted by `source`
/// (a URI reference such as `/agent-store/gateway`).
///
/// Sets `id` (a UUIDv7, so ids sort by time), `time`, `dataschema`,
/// `datacontenttype` = `application/json`, and the extensions `tenant`,
/// `brand`, `conversation`, `correlationid` (the new id when the context has
/// none) and `causationid`.
pub fn new_event<D: EventData>(
    source: &str,
    context: &EventContext,
    data: &D,
) -> Result<Event, EventError> {
    let id = Uuid::now_v7().to_string();
    let json = serde_json::to_value(data).map_err(|source| EventError::Serialize {
        ty: D::TYPE,
        source,
    })?;
    let mut builder = EventBuilderV10::new()
        .id(id.clone())
        .ty(D::TYPE)
        .source(source)
        // Microseconds: what other SDKs (Python's datetime) can hold, so the
        // time survives a round trip through them unchanged.
        .time(Utc::now().trunc_subsecs(6))
        .data_with_schema(JSON, D::dataschema(), json)
        .extension(ext::TENANT, context.tenant.as_str())
        .extension(
            ext::CORRELATION_ID,
            context.correlation_id.clone().unwrap_or_else(|| id.clone()),
        );
    if let Some(brand) = &context.brand {
        builder = builder.extension(ext::BRAND, brand.as_str());
    }
    if let Some(conversation) = &context.conversation {
        builder = builder.extension(ext::CONVERSATION, conversation.as_str());
    }
    if let Some(causation) = &context.causation_id {
        builder = builder.extension(ext::CAUSATION_ID, causation.as_str());
    }
    if let Some(subject) = &context.subject {
        builder = builder.subject(subject.as_str());
    }
    builder.build().map_err(|e| EventError::Build {
        ty: D::TYPE,
        message: e.to_string(),
    })
}

/// Reads the typed data of `event`, checking its type first.
pub fn decode<D: EventData>(event: &Event) -> Result<D, DecodeError> {
    if event.ty() != D::TYPE {
        return Err(DecodeError::WrongType {
            expected: D::TYPE,
            actual: event.ty().to_owned(),
        });
    }
    let bad = |source| DecodeError::BadData {
        id: event.id().to_owned(),
        ty: event.ty().to_owned(),
        source,
    };
    match event.data() {
        Some(Data::Json(value)) => D::deserialize(value).map_err(bad),
        Some(Data::String(s)) => serde_json::from_str(s).map_err(bad),
        Some(Data::Binary(bytes)) => serde_json::from_slice(bytes).map_err(bad),
        None => Err(DecodeError::NoData {
            id: event.id().to_owned(),
        }),
    }
}
