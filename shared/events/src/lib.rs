//! Event contracts of agent-store.
//!
//! Every event on the bus is a CloudEvent 1.0 whose `data` is one of the typed
//! structs in [`data`], each tied to its CloudEvents `type` and `dataschema` by
//! the [`EventData`] trait. [`new_event`] is the one way to build an event:
//! it sets the attributes and extensions the design brief requires (`tenant`,
//! `brand`, `conversation`, correlation and causation ids). `traceparent` is
//! written by the bus at publish time from the current span.
//!
//! With the feature `schema-validation`, `validation::validate` checks an
//! event's data against its JSON Schema in `proto-events/schemas`.

pub mod catalog;
pub mod context;
pub mod data;
pub mod envelope;
pub mod ids;
pub mod meta;
#[cfg(feature = "schema-validation")]
pub mod validation;

pub use cloudevents::{AttributesReader, Event};
pub use context::EventContext;
pub use envelope::{DecodeError, EventData, EventError, EventMeta, decode, new_event};
pub use ids::{BrandId, ConversationId, IdError, TenantId};

/// Names of the CloudEvents extension attributes agent-store uses.
///
/// CloudEvents extension names are lowercase letters and digits only, hence
/// `correlationid` rather than `correlation_id`.
pub mod ext {
    /// Tenant (shop owner) the event belongs to. Always present.
    pub const TENANT: &str = "tenant";
    /// Brand within the tenant, where the event concerns one brand.
    pub const BRAND: &str = "brand";
    /// Conversation with one shopper on one channel.
    pub const CONVERSATION: &str = "conversation";
    /// W3C trace context (CloudEvents distributed-tracing extension).
    pub const TRACEPARENT: &str = "traceparent";
    /// W3C trace state, carried with `traceparent` when present.
    pub const TRACESTATE: &str = "tracestate";
    /// Id shared by every event of one exchange (request and its reply, a
    /// shopper message and everything it caused).
    pub const CORRELATION_ID: &str = "correlationid";
    /// Id of the event that directly caused this one.
    pub const CAUSATION_ID: &str = "causationid";
}
