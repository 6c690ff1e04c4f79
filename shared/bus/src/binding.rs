//! The CloudEvents AMQP 0-9-1 protocol binding.
//!
//! Writes binary content mode as specified by the RabbitMQ binding of
//! Knative's eventing-rabbitmq (`cloudevents-protocol-spec/spec.md`) and
//! implemented by the CloudEvents Python SDK (`cloudevents.core.bindings.rabbitmq`):
//! every attribute and extension except `datacontenttype` becomes a string
//! header `ce-<name>`, `datacontenttype` becomes the AMQP `content_type`
//! property, and the data is the body. We also set `message_id` = event id,
//! `timestamp` = event time, `type` = event type and persistent delivery.
//!
//! Reading is liberal: `ce-`/`ce_` prefixed headers, unprefixed names (what
//! Knative's Go broker writes), `cloudEvents_`/`cloudEvents:` (the AMQP 1.0
//! binding), any AMQP value type a client may have used for a header, and
//! structured content mode (`application/cloudevents+json`).
//! `proto-events/AMQP-BINDING.md` documents the mapping.

use chrono::{DateTime, SecondsFormat, Utc};
use cloudevents::{
    AttributesReader, Data, Event,
    event::SpecVersion,
    message::{
        BinaryDeserializer, BinarySerializer, Encoding, Error as MessageError,
        MessageAttributeValue, MessageDeserializer, StructuredDeserializer, StructuredSerializer,
    },
};
use lapin::{
    BasicProperties,
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

/// AMQP `delivery_mode` for messages that survive a broker restart.
pub const PERSISTENT: u8 = 2;

/// Header prefix written for every attribute and extension.
pub const CE_PREFIX: &str = "ce-";

/// Prefixes accepted on receive, in order of preference.
const PREFIXES: &[&str] = &["ce-", "ce_", "cloudevents_", "cloudevents:"];

/// Media type prefix of structured content mode.
const STRUCTURED_PREFIX: &str = "application/cloudevents";

/// Headers the bus itself adds (retry bookkeeping); never CloudEvents attributes.
pub(crate) const BUS_HEADER_PREFIX: &str = "x-";

/// An event as AMQP properties and body, ready to publish.
#[derive(Debug, Clone)]
pub struct AmqpMessage {
    /// AMQP basic properties (headers, content type, message id…).
    pub properties: BasicProperties,
    /// The body: the event's data in binary mode.
    pub body: Vec<u8>,
}

/// A received message could not be read as a CloudEvent.
#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    /// The message carries no CloudEvents specversion in any accepted form.
    #[error(
        "message is not a CloudEvent: no specversion header in any accepted form and not structured mode"
    )]
    NotACloudEvent,
    /// Structured batches are not events.
    #[error("batched structured mode ({0}) is not supported")]
    Batch(String),
    /// The content type says JSON but the body is not.
    #[error("body is not valid JSON although the content type says so")]
    InvalidJson(#[source] serde_json::Error),
    /// The SDK refused the attributes or the data.
    #[error("malformed CloudEvent: {0}")]
    Malformed(#[from] MessageError),
}

/// Encodes `event` in binary content mode.
pub fn to_amqp(event: Event) -> Result<AmqpMessage, BindingError> {
    Ok(event.deserialize_binary(AmqpSerializer::default())?)
}

/// Decodes a received message (binary or structured mode) into an event.
pub fn from_amqp(properties: &BasicProperties, body: &[u8]) -> Result<Event, BindingError> {
    let message = AmqpDeserializer::new(properties, body)?;
    let mut event = MessageDeserializer::into_event(message)?;
    json_data(&mut event)?;
    Ok(event)
}

/// Binary mode hands the body over as bytes; JSON data is parsed here so a
/// received event equals the one that was sent, and malformed JSON is refused
/// at the edge rather than in a handler.
fn json_data(event: &mut Event) -> Result<(), BindingError> {
    let is_json = event.datacontenttype().is_some_and(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("application/json") || ct.starts_with("text/json") || ct.contains("+json")
    });
    if !is_json {
        return Ok(());
    }
    if let Some(Data::Binary(bytes)) = event.data() {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(BindingError::InvalidJson)?;
        event.set_data_unchecked(value);
    }
    Ok(())
}

/// Builds the AMQP message while the SDK walks the event's attributes.
#[derive(Default)]
struct AmqpSerializer {
    headers: FieldTable,
    content_type: Option<String>,
    message_id: Option<String>,
    event_type: Option<String>,
    timestamp: Option<u64>,
}

impl AmqpSerializer {
    fn header(mut self, name: &str, value: String) -> Self {
        self.headers.insert(
            ShortString::from(format!("{CE_PREFIX}{name}")),
            AMQPValue::LongString(LongString::from(value)),
        );
        self
    }

    fn finish(self, body: Vec<u8>) -> AmqpMessage {
        let mut properties = BasicProperties::default()
            .with_headers(self.headers)
            .with_delivery_mode(PERSISTENT);
        if let Some(content_type) = self.content_type {
            properties = properties.with_content_type(content_type.into());
        }
        if let Some(id) = self.message_id {
            properties = properties.with_message_id(id.into());
        }
        if let Some(ty) = self.event_type {
            properties = properties.with_type(ty.into());
        }
        if let Some(ts) = self.timestamp {
            properties = properties.with_timestamp(ts);
        }
        AmqpMessage { properties, body }
    }
}

/// The string form of an attribute value; times as RFC 3339 in UTC with `Z`,
/// as the Python SDK writes them.
fn attribute_string(value: &MessageAttributeValue) -> String {
    match value {
        MessageAttributeValue::DateTime(time) => time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        other => other.to_string(),
    }
}

impl BinarySerializer<AmqpMessage> for AmqpSerializer {
    fn set_spec_version(self, spec_version: SpecVersion) -> cloudevents::message::Result<Self> {
        Ok(self.header("specversion", spec_version.to_string()))
    }

    fn set_attribute(
        mut self,
        name: &str,
        value: MessageAttributeValue,
    ) -> cloudevents::message::Result<Self> {
        let text = attribute_string(&value);
        match name {
            "datacontenttype" => {
                self.content_type = Some(text);
                return Ok(self);
            }
            "id" => self.message_id = Some(text.clone()),
            "type" => self.event_type = Some(text.clone()),
            "time" => {
                if let MessageAttributeValue::DateTime(time) = value {
                    self.timestamp = u64::try_from(time.timestamp()).ok();
                }
            }
            _ => {}
        }
        Ok(self.header(name, text))
    }

    fn set_extension(
        self,
        name: &str,
        value: MessageAttributeValue,
    ) -> cloudevents::message::Result<Self> {
        let text = attribute_string(&value);
        Ok(self.header(name, text))
    }

    fn end_with_data(self, bytes: Vec<u8>) -> cloudevents::message::Result<AmqpMessage> {
        Ok(self.finish(bytes))
    }

    fn end(self) -> cloudevents::message::Result<AmqpMessage> {
        Ok(self.finish(Vec::new()))
    }
}

/// A received message seen through the SDK's deserializer traits.
struct AmqpDeserializer<'a> {
    encoding: Encoding,
    /// Attribute and extension names (prefix removed, lowercased) with values.
    attributes: Vec<(String, MessageAttributeValue)>,
    content_type: Option<String>,
    body: &'a [u8],
}

impl<'a> AmqpDeserializer<'a> {
    fn new(properties: &BasicProperties, body: &'a [u8]) -> Result<Self, BindingError> {
        let content_type = properties
            .content_type()
            .as_ref()
            .map(|ct| ct.as_str().to_owned());
        if let Some(ct) = &content_type {
            let lower = ct.to_ascii_lowercase();
            if lower.starts_with(STRUCTURED_PREFIX) {
                if lower.starts_with("application/cloudevents-batch") {
                    return Err(BindingError::Batch(ct.clone()));
                }
                return Ok(Self {
                    encoding: Encoding::STRUCTURED,
                    attributes: Vec::new(),
                    content_type,
                    body,
                });
            }
        }
        let headers: Vec<(String, &AMQPValue)> = properties
            .headers()
            .as_ref()
            .map(|table| {
                table
                    .inner()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v))
                    .collect()
            })
            .unwrap_or_default();
        let attributes = select_attributes(&headers).ok_or(BindingError::NotACloudEvent)?;
        Ok(Self {
            encoding: Encoding::BINARY,
            attributes,
            content_type,
            body,
        })
    }
}

/// Finds the header naming style in use (by where `specversion` is) and
/// returns the CloudEvents attributes written in that style.
fn select_attributes(
    headers: &[(String, &AMQPValue)],
) -> Option<Vec<(String, MessageAttributeValue)>> {
    let has = |name: &str| headers.iter().any(|(k, _)| k == name);
    let prefix = PREFIXES
        .iter()
        .copied()
        .find(|p| has(&format!("{p}specversion")))
        .or_else(|| has("specversion").then_some(""))?;
    let selected = headers
        .iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix(prefix)?;
            // Unprefixed style: only names that can be CloudEvents attributes
            // (lowercase letters and digits), which leaves out `x-…` and other
            // broker or application headers.
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !valid || key.starts_with(BUS_HEADER_PREFIX) {
                return None;
            }
            attribute_value(value).map(|v| (name.to_owned(), v))
        })
        .collect();
    Some(selected)
}

/// Converts whatever AMQP type a client used for a header into an attribute value.
fn attribute_value(value: &AMQPValue) -> Option<MessageAttributeValue> {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Some(match value {
        AMQPValue::LongString(s) => MessageAttributeValue::String(text(s.as_bytes())),
        AMQPValue::ShortString(s) => MessageAttributeValue::String(s.as_str().to_owned()),
        AMQPValue::ByteArray(b) => MessageAttributeValue::String(text(b.as_slice())),
        AMQPValue::Boolean(b) => MessageAttributeValue::Boolean(*b),
        AMQPValue::ShortShortInt(i) => MessageAttributeValue::Integer(i64::from(*i)),
        AMQPValue::ShortShortUInt(i) => MessageAttributeValue::Integer(i64::from(*i)),
        AMQPValue::ShortInt(i) => MessageAttributeValue::Integer(i64::from(*i)),
        AMQPValue::ShortUInt(i) => MessageAttributeValue::Integer(i64::from(*i)),
        AMQPValue::LongInt(i) => MessageAttributeValue::Integer(i64::from(*i)),
        AMQPValue::LongUInt(i) => MessageAttributeValue::Integer(i64::from(*i)),
        AMQPValue::LongLongInt(i) => MessageAttributeValue::Integer(*i),
        AMQPValue::Timestamp(ts) => {
            let secs = i64::try_from(*ts).ok()?;
            MessageAttributeValue::DateTime(DateTime::<Utc>::from_timestamp(secs, 0)?)
        }
        _ => return None,
    })
}

impl BinaryDeserializer for AmqpDeserializer<'_> {
    fn deserialize_binary<R: Sized, V: BinarySerializer<R>>(
        self,
        mut visitor: V,
    ) -> cloudevents::message::Result<R> {
        if self.encoding != Encoding::BINARY {
            return Err(MessageError::WrongEncoding {});
        }
        let spec = self
            .attributes
            .iter()
            .find(|(name, _)| name == "specversion")
            .map(|(_, value)| value.to_string())
            .ok_or(MessageError::WrongEncoding {})?;
        let spec = SpecVersion::try_from(spec.as_str())?;
        let known = spec.attribute_names();
        visitor = visitor.set_spec_version(spec)?;
        // The AMQP property wins over a header, as the binding says.
        let mut content_type_set = false;
        if let Some(ct) = self.content_type {
            visitor =
                visitor.set_attribute("datacontenttype", MessageAttributeValue::String(ct))?;
            content_type_set = true;
        }
        for (name, value) in self.attributes {
            match name.as_str() {
                "specversion" => {}
                "datacontenttype" if content_type_set => {}
                n if known.contains(&n) => visitor = visitor.set_attribute(n, value)?,
                n => visitor = visitor.set_extension(n, value)?,
            }
        }
        if self.body.is_empty() {
            visitor.end()
        } else {
            visitor.end_with_data(self.body.to_vec())
        }
    }
}

impl StructuredDeserializer for AmqpDeserializer<'_> {
    fn deserialize_structured<R: Sized, V: StructuredSerializer<R>>(
        self,
        visitor: V,
    ) -> cloudevents::message::Result<R> {
        if self.encoding != Encoding::STRUCTURED {
            return Err(MessageError::WrongEncoding {});
        }
        visitor.set_structured_event(self.body.to_vec())
    }
}

impl MessageDeserializer for AmqpDeserializer<'_> {
    fn encoding(&self) -> Encoding {
        match self.encoding {
            Encoding::BINARY => Encoding::BINARY,
            Encoding::STRUCTURED => Encoding::STRUCTURED,
            Encoding::UNKNOWN => Encoding::UNKNOWN,
        }
    }
}

#[cfg(test)]
#[path = "binding_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "binding_fuzz_tests.rs"]
mod fuzz_tests;
