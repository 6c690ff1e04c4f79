//! Sample data of every event type, built from the Rust structs: each enum
//! variant, each optional field filled and left out. Every sample is turned
//! into an event with `new_event` and decoded back on the way in, so
//! collecting the samples also checks the round trip.

mod chat;
mod commerce;
mod inbox;
mod inventory;
mod media;

use std::{collections::BTreeMap, fmt::Debug};

use chrono::{DateTime, TimeZone, Utc};
use store_events::{
    BrandId, ConversationId, Event, EventContext, EventData, TenantId,
    data::{Channel, Currency, Customer, Money},
    decode, new_event,
};

/// Samples by event type: (label, event).
pub type Samples = BTreeMap<&'static str, Vec<(String, Event)>>;

/// Every sample of every type.
pub fn all() -> Samples {
    let mut samples = Samples::new();
    chat::add(&mut samples);
    commerce::add(&mut samples);
    inbox::add(&mut samples);
    inventory::add(&mut samples);
    media::add(&mut samples);
    samples
}

/// The context the samples are emitted in.
pub fn context() -> EventContext {
    EventContext::new(TenantId::parse("acme").unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse("wa:5511999990000").unwrap())
}

/// Builds the event of `data`, checks that it decodes back to `data`, and
/// files it under its type.
pub fn push<D: EventData + PartialEq + Debug>(samples: &mut Samples, label: &str, data: D) {
    let event = new_event("/agent-store/tests", &context(), &data).unwrap();
    let back: D = decode(&event).unwrap();
    assert_eq!(
        back,
        data,
        "{} sample {label:?} does not round-trip",
        D::TYPE
    );
    samples
        .entry(D::TYPE)
        .or_default()
        .push((label.to_owned(), event));
}

/// A fixed instant.
pub fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 15, 9, 26).unwrap()
}

/// Money in BRL.
pub fn brl(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::parse("BRL").unwrap())
}

/// A customer with every field set.
pub fn full_customer() -> Customer {
    Customer {
        id: "5511999990000".into(),
        display_name: Some("Ana".into()),
        phone: Some("+5511999990000".into()),
        language: Some("pt-BR".into()),
    }
}

/// A customer known by id only.
pub fn bare_customer() -> Customer {
    Customer::new("123456789")
}

/// The channels, to vary samples.
pub const CHANNELS: [Channel; 3] = [Channel::Whatsapp, Channel::Telegram, Channel::Webchat];
