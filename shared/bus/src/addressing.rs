//! Defence in depth against a mis-addressed event: the routing key a
//! delivery arrived with must be the one its own attributes give
//! (`<type>.<tenant>[.<brand>]`, see [`store_events::envelope::routing_key`]).
//!
//! Consumers bind by routing key (a per-brand seller binds
//! `store.chat.message.new.<tenant>.<brand>`) but act on the attributes (the
//! gateway sends a `chat.response` into the chat its `tenant` names), so an
//! event whose key and attributes disagree (only someone with broker access
//! can publish one) would cross tenants. Such a delivery is dead-lettered
//! unhandled. Event data carries no tenant of its own (the tenant is always
//! the attribute), so the key and the attributes are all there is to compare.
//!
//! Which key counts: a delivery from a named exchange carries the key it was
//! published with; a retry comes back through the default exchange with the
//! first key in `x-original-routing-key`. A message put straight into a
//! queue without that header (`storectl dlq replay` to a named queue, an
//! operator's act) has no published key to compare and is accepted.

use cloudevents::Event;
use lapin::{
    message::Delivery,
    types::{AMQPValue, ShortString},
};

use crate::delivery::ORIGINAL_ROUTING_KEY_HEADER;

/// The routing key `delivery` was published with, if it was published to
/// an exchange.
pub(crate) fn published_key(delivery: &Delivery) -> Option<String> {
    if !delivery.exchange.as_str().is_empty() {
        return Some(delivery.routing_key.as_str().to_owned());
    }
    let headers = delivery.properties.headers().as_ref()?;
    match headers
        .inner()
        .get(&ShortString::from(ORIGINAL_ROUTING_KEY_HEADER))?
    {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// Why `event`, published with `key`, must not be handled; `None` when the
/// key is the one its attributes give.
pub(crate) fn mismatch(key: Option<&str>, event: &Event) -> Option<String> {
    let key = key?;
    let expected = store_events::envelope::routing_key(event);
    (key != expected).then(|| {
        format!(
            "mis-addressed: published with routing key {key:?} but its attributes give {expected:?}"
        )
    })
}

#[cfg(test)]
mod tests {
    use cloudevents::{EventBuilder as _, EventBuilderV10};

    use super::*;

    fn reply(tenant: &str) -> Event {
        EventBuilderV10::new()
            .id("e-1")
            .ty("store.chat.response")
            .source("/test")
            .extension("tenant", tenant)
            .extension("brand", "shoes")
            .build()
            .expect("event")
    }

    #[test]
    fn a_key_naming_another_tenant_is_refused() {
        let event = reply("demo");
        let reason = mismatch(Some("store.chat.response.bakery.shoes"), &event)
            .expect("another tenant's key must be refused");
        assert!(
            reason.contains("bakery") && reason.contains("demo"),
            "{reason}"
        );
    }

    #[test]
    fn the_key_of_its_own_attributes_is_accepted() {
        let event = reply("demo");
        assert_eq!(
            mismatch(Some("store.chat.response.demo.shoes"), &event),
            None
        );
        assert_eq!(mismatch(None, &event), None, "direct placement has no key");
    }
}
