//! Hostile Stripe webhooks: forged, stale, replayed onto another body,
//! malformed headers and bodies. Each is refused with a 4xx in the house's
//! error body, and the order they aim at stays unpaid with no status change
//! in the outbox.

use order_processor::payments::stripe::{StripeConfig, sign};
use reqwest::header::HeaderValue;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, order_detail, paid_changes},
    payments::{card_order, fake_stripe, session_completed},
};

struct Case {
    name: &'static str,
    signature: Option<HeaderValue>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn header(value: &str) -> Option<HeaderValue> {
    Some(HeaderValue::from_str(value).unwrap())
}

#[tokio::test]
async fn hostile_stripe_webhooks_are_refused_and_the_order_stays_unpaid() {
    let stripe = fake_stripe().await;
    let base = stripe.uri();
    let app = TestApp::spawn_with(|c| c.stripe = Some(StripeConfig::for_tests(&base))).await;
    let (catalog_key, key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let (reference, order) = card_order(&app, &mug).await;
    let payload = session_completed(&reference);
    let secret = SecretString::from("whsec_test_123");
    let now = chrono::Utc::now().timestamp();
    let good = sign(&payload, &secret, now);
    let v1 = good.split_once(",v1=").unwrap().1.to_owned();
    let signed = |body: &[u8]| header(&sign(body, &secret, now));
    let bad_signature = |name, signature| Case {
        name,
        signature,
        body: payload.clone(),
        status: 400,
        code: "bad_signature",
    };
    let bad_body = |name, body: Vec<u8>| Case {
        name,
        signature: signed(&body),
        body,
        status: 422,
        code: "bad_request",
    };
    let cases = vec![
        bad_signature("missing Stripe-Signature", None),
        bad_signature(
            "signed with another secret",
            header(&sign(&payload, &SecretString::from("whsec_other"), now)),
        ),
        bad_signature(
            "signed an hour ago",
            header(&sign(&payload, &secret, now - 3600)),
        ),
        bad_signature(
            "signed an hour ahead",
            header(&sign(&payload, &secret, now + 3600)),
        ),
        Case {
            name: "signature of this body replayed on another order's body",
            signature: header(&good),
            body: session_completed("another-order"),
            status: 400,
            code: "bad_signature",
        },
        Case {
            name: "signature of this body with one byte more",
            signature: header(&good),
            body: [payload.as_slice(), b" "].concat(),
            status: 400,
            code: "bad_signature",
        },
        bad_signature("v0 scheme only", header(&format!("t={now},v0={v1}"))),
        bad_signature("no timestamp", header(&format!("v1={v1}"))),
        bad_signature(
            "timestamp overflowing i64",
            header(&format!("t=99999999999999999999,v1={v1}")),
        ),
        bad_signature("negative timestamp", header(&format!("t=-{now},v1={v1}"))),
        bad_signature(
            "odd-length hex",
            header(&format!("t={now},v1={}", &v1[1..])),
        ),
        bad_signature(
            "truncated hex",
            header(&format!("t={now},v1={}", &v1[..32])),
        ),
        bad_signature("separators only", header(",,,=,=,t=,v1=")),
        bad_signature(
            "non-ASCII bytes in the header",
            Some(HeaderValue::from_bytes(format!("t={now},v1=\u{e9}{v1}").as_bytes()).unwrap()),
        ),
        bad_body(
            "signed truncated JSON",
            payload[..payload.len() / 2].to_vec(),
        ),
        bad_body(
            "signed 10,000 levels of nesting",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        ),
        bad_body("signed invalid UTF-8", b"{\"type\": \"\xff\"}".to_vec()),
        bad_body(
            "signed paid session naming no order",
            serde_json::to_vec(
                &json!({ "id": "evt_2", "type": "checkout.session.completed",
                "data": { "object": { "id": "cs_2", "payment_status": "paid" } } }),
            )
            .unwrap(),
        ),
        bad_body(
            "signed event with data of the wrong type",
            serde_json::to_vec(
                &json!({ "id": "evt_3", "type": "checkout.session.completed", "data": [1, 2] }),
            )
            .unwrap(),
        ),
        Case {
            name: "oversized body",
            signature: header(&good),
            body: vec![b' '; 3 * 1024 * 1024],
            status: 413,
            code: "payload_too_large",
        },
    ];

    for case in cases {
        let mut request = app
            .http
            .post(app.orders_url("/webhooks/payments/stripe"))
            .header("content-type", "application/json")
            .body(case.body.clone());
        if let Some(signature) = case.signature {
            request = request.header("stripe-signature", signature);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(
            status, case.status,
            "{}: answered {status} {text}",
            case.name
        );
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{}: not the house's JSON error: {text}", case.name));
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "detail"], "{}: {body}", case.name);
        assert_eq!(body["code"], case.code, "{}: {body}", case.name);
        assert!(
            body["detail"].as_str().unwrap().len() >= 8,
            "{}: {body}",
            case.name
        );
    }

    let detail = order_detail(&app, &key, &order.order_id.to_string()).await;
    assert_eq!(detail["status"], "pending_payment");
    let paid_changes = paid_changes(&app).await;
    assert_eq!(paid_changes, 0);
    app.stop().await;
}
