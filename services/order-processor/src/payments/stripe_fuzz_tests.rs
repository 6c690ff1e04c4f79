//! Property tests standing in for fuzz targets (`cargo fuzz` needs a
//! nightly compiler): the `Stripe-Signature` check and the webhook reader
//! get arbitrary and structure-aware input and must answer a value or an
//! error, never panic; a signature verifies only for its own body and
//! timestamp within the tolerance. `PROPTEST_CASES` sets the cases per
//! property (default 256).
#![allow(clippy::unwrap_used)]

use proptest::{collection::vec, prelude::*};
use serde_json::{Value, json};

use super::*;

const TOLERANCE: Duration = Duration::from_secs(300);
const NOW: i64 = 1_750_000_000;

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config
}

fn secret() -> SecretString {
    SecretString::from("whsec_fuzz")
}

/// Header-ish text: the scheme's own pieces mixed with anything.
fn header() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("t=".to_owned()),
        Just("v1=".to_owned()),
        Just("v0=".to_owned()),
        Just(",".to_owned()),
        Just("=".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        vec(any::<u8>(), 0..40).prop_map(hex::encode),
        vec(any::<char>(), 0..12).prop_map(String::from_iter),
    ];
    vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn field() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        vec(any::<char>(), 0..16).prop_map(|c| Value::String(String::from_iter(c))),
        Just(json!("paid")),
        Just(json!("checkout.session.completed")),
        Just(json!({ "tenant": "acme" })),
        Just(json!([])),
    ]
    .boxed()
}

fn event() -> impl Strategy<Value = Value> {
    (field(), field(), field(), field(), field(), field()).prop_map(
        |(ty, id, reference, status, metadata, object)| {
            let mut event = json!({ "id": "evt_1", "type": ty, "data": { "object": {
                "id": id, "client_reference_id": reference, "payment_status": status, "metadata": metadata,
            } } });
            if object.is_array() {
                event["data"]["object"] = object;
            }
            event
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_headers_never_panic_and_never_verify(header in header(), body in vec(any::<u8>(), 0..256)) {
        prop_assert!(verify_signature(&header, &body, &secret(), TOLERANCE, NOW).is_err());
    }

    #[test]
    fn a_signature_verifies_its_own_body_only(
        body in vec(any::<u8>(), 0..256),
        other in vec(any::<u8>(), 0..256),
        age in -600i64..600,
    ) {
        let header = sign(&body, &secret(), NOW - age);
        let verdict = verify_signature(&header, &body, &secret(), TOLERANCE, NOW);
        prop_assert_eq!(verdict.is_ok(), age.unsigned_abs() <= TOLERANCE.as_secs());
        if other != body {
            prop_assert!(verify_signature(&header, &other, &secret(), TOLERANCE, NOW).is_err());
        }
    }

    #[test]
    fn extreme_timestamps_never_panic(t in any::<i64>(), now in any::<i64>()) {
        let header = sign(b"{}", &secret(), t);
        let _ = verify_signature(&header, b"{}", &secret(), TOLERANCE, now);
    }

    #[test]
    fn arbitrary_bodies_never_panic_the_reader(body in vec(any::<u8>(), 0..512)) {
        let _ = read_notice(&body);
    }

    #[test]
    fn generated_events_are_read_or_refused(event in event()) {
        if let Ok(Notice::Paid { session, .. }) = read_notice(&serde_json::to_vec(&event).unwrap()) {
            prop_assert_eq!(event["data"]["object"]["payment_status"].as_str(), Some("paid"));
            prop_assert_eq!(event["data"]["object"]["id"].as_str(), Some(session.as_str()));
        }
    }
}
