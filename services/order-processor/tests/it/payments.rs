//! Payments through Stripe Checkout Sessions, against a fake Stripe speaking
//! its HTTP protocol, and its signed webhooks.

use std::collections::HashMap;

use cloudevents::{AttributesReader, Data};
use order_processor::payments::stripe::{StripeConfig, sign};
use secrecy::SecretString;
use serde_json::{Value, json};
use store_events::{EventData, data::OrderCreated, decode};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

use crate::helpers::{TestApp, create_event, order_detail, paid_changes, ty};

pub(crate) async fn fake_stripe() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .and(header("authorization", "Bearer sk_test_123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cs_test_1",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_test_1"
        })))
        .expect(1)
        .mount(&server)
        .await;
    server
}

/// Places a card order for 2 × the product; returns (request event id, order).
pub(crate) async fn card_order(app: &TestApp, product: &str) -> (String, OrderCreated) {
    let mut event = create_event("acme", &[(product, 2)]);
    let mut data = match event.data() {
        Some(Data::Json(value)) => value.clone(),
        other => panic!("unexpected data {other:?}"),
    };
    data["payment_method"] = json!("card");
    event.set_data("application/json", data);
    let id = event.id().to_owned();
    let reply = app.order(event).await;
    assert_eq!(ty(&reply), OrderCreated::TYPE);
    (id, decode(&reply).unwrap())
}

pub(crate) fn session_completed(reference: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": "evt_1",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {
            "id": "cs_test_1",
            "object": "checkout.session",
            "client_reference_id": reference,
            "payment_status": "paid",
            "metadata": {"tenant": "acme"}
        }}
    }))
    .unwrap()
}

async fn deliver(app: &TestApp, payload: &[u8], signature: &str) -> reqwest::Response {
    app.http
        .post(app.orders_url("/webhooks/payments/stripe"))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(payload.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_card_order_gets_a_checkout_link_for_the_catalogs_total() {
    let stripe = fake_stripe().await;
    let base = stripe.uri();
    let app = TestApp::spawn_with(|c| c.stripe = Some(StripeConfig::for_tests(&base))).await;
    let (catalog_key, _) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;

    let (reference, order) = card_order(&app, &mug).await;

    assert_eq!(order.payment.provider, "stripe");
    assert_eq!(
        order.payment.link.as_deref(),
        Some("https://checkout.stripe.com/c/pay/cs_test_1")
    );
    let requests = stripe.received_requests().await.unwrap();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&requests[0].body)
        .into_owned()
        .collect();
    assert_eq!(form["mode"], "payment");
    assert_eq!(form["line_items[0][price_data][unit_amount]"], "5000");
    assert_eq!(form["line_items[0][price_data][currency]"], "eur");
    assert_eq!(form["client_reference_id"], reference);
    assert_eq!(form["metadata[tenant]"], "acme");
    assert_eq!(
        requests[0]
            .headers
            .get("idempotency-key")
            .unwrap()
            .to_str()
            .unwrap(),
        reference
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_a_good_one_pays_the_order_once() {
    let stripe = fake_stripe().await;
    let base = stripe.uri();
    let app = TestApp::spawn_with(|c| c.stripe = Some(StripeConfig::for_tests(&base))).await;
    let (catalog_key, key) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let (reference, order) = card_order(&app, &mug).await;
    let payload = session_completed(&reference);
    let now = chrono::Utc::now().timestamp();
    let secret = SecretString::from("whsec_test_123");

    let forged = deliver(
        &app,
        &payload,
        &sign(&payload, &SecretString::from("whsec_wrong"), now),
    )
    .await;
    let stale = deliver(&app, &payload, &sign(&payload, &secret, now - 3600)).await;
    let tampered = deliver(
        &app,
        &session_completed("another-order"),
        &sign(&payload, &secret, now),
    )
    .await;
    let status_after_refusals: Value = app
        .get(&key, &format!("/api/v1/orders/{}", order.order_id))
        .await
        .json()
        .await
        .unwrap();
    let good = deliver(&app, &payload, &sign(&payload, &secret, now)).await;
    let again = deliver(&app, &payload, &sign(&payload, &secret, now)).await;
    let unknown_provider = app
        .http
        .post(app.orders_url("/webhooks/payments/paypal"))
        .body("{}")
        .send()
        .await
        .unwrap();

    for refused in [forged, stale, tampered] {
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "bad_signature");
    }
    assert_eq!(status_after_refusals["status"], "pending_payment");
    assert_eq!(good.status(), 200);
    assert_eq!(again.status(), 200);
    assert_eq!(unknown_provider.status(), 404);
    let detail = order_detail(&app, &key, &order.order_id.to_string()).await;
    assert_eq!(detail["status"], "paid");
    let paid_changes = paid_changes(&app).await;
    assert_eq!(paid_changes, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_payment_the_provider_refuses_rejects_the_order_and_gives_the_stock_back() {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"type": "invalid_request_error", "message": "Invalid currency"}
        })))
        .mount(&stripe)
        .await;
    let base = stripe.uri();
    let app = TestApp::spawn_with(|c| c.stripe = Some(StripeConfig::for_tests(&base))).await;
    let (catalog_key, _) = app.tenant("acme").await;
    let mug = app.product(&catalog_key, "MUG", 2500, 5).await;
    let mut event = create_event("acme", &[(&mug, 2)]);
    let mut data = match event.data() {
        Some(Data::Json(value)) => value.clone(),
        other => panic!("unexpected data {other:?}"),
    };
    data["payment_method"] = json!("card");
    event.set_data("application/json", data);

    let reply = app.order(event).await;

    assert_eq!(ty(&reply), store_events::data::OrderRejected::TYPE);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    while app.stock(&catalog_key, &mug).await != 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reservation was not released"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let orders: i64 = sqlx::query_scalar("select count(*) from customer_order")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders, 0);
    app.stop().await;
}
