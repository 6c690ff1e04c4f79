//! WhatsApp deliveries of many messages: bounded, answered once per
//! shopper at the brand menu, and published under ids derived from the
//! channel's message ids (so a retried half-published delivery is dropped
//! downstream).

use std::time::Duration;

use serde_json::{Value, json};
use store_events::AttributesReader;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{MENU_NUMBER, SINGLE_NUMBER, TestApp, wait_for_requests};

/// The default of `GATEWAY_MAX_MESSAGES_PER_DELIVERY`
/// (`gateway::config::DEFAULT_MAX_MESSAGES_PER_DELIVERY`).
const DEFAULT_MAX_MESSAGES_PER_DELIVERY: usize = 100;

/// A delivery to `number` of `count` texts from one shopper.
fn burst(number: &str, count: usize) -> Vec<u8> {
    let messages: Vec<Value> = (0..count)
        .map(|i| {
            json!({ "from": "34600111222", "id": format!("wamid.burst.{i}"), "timestamp": "1700000000",
                    "type": "text", "text": { "body": format!("hello {i}") } })
        })
        .collect();
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "34900000000", "phone_number_id": number },
            "contacts": [{ "profile": { "name": "Ana" }, "wa_id": "34600111222" }],
            "messages": messages,
        } }] }]
    }))
    .unwrap()
}

async fn inbound_rows(app: &TestApp) -> i64 {
    app.recorded().await;
    sqlx::query_scalar("select count(*) from inbound_message")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_burst_from_one_shopper_at_the_menu_gets_one_menu_not_one_per_message() {
    let mut app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{MENU_NUMBER}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "messages": [{ "id": "wamid.menu" }] })),
        )
        .mount(&app.whatsapp_api)
        .await;

    let response = app.post_whatsapp(&burst(MENU_NUMBER, 20)).await;

    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["menus"], 1, "{report}");
    let mut menus = 0;
    let mut raw = 0;
    while let Ok(Some(ty)) = tokio::time::timeout(Duration::from_secs(2), async {
        Some(app.next_event().await.0.ty().to_owned())
    })
    .await
    {
        match ty.as_str() {
            "store.chat.response" => menus += 1,
            "store.whatsapp.message.received" => raw += 1,
            _ => {}
        }
    }
    assert_eq!((raw, menus), (20, 1), "every message kept, one menu");
    wait_for_requests(&app.whatsapp_api, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.whatsapp_api.received_requests().await.unwrap().len(), 1);
    assert_eq!(inbound_rows(&app).await, 20);
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_over_the_message_bound_is_refused_with_413_and_nothing_kept() {
    let mut app = TestApp::spawn().await;

    let response = app
        .post_whatsapp(&burst(SINGLE_NUMBER, DEFAULT_MAX_MESSAGES_PER_DELIVERY + 1))
        .await;

    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "too_many_messages");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("more than {DEFAULT_MAX_MESSAGES_PER_DELIVERY}")),
        "{body}"
    );
    assert_eq!(inbound_rows(&app).await, 0);
    app.expect_no_event(Duration::from_millis(500)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_at_the_bound_is_taken_whole() {
    let app = TestApp::spawn().await;

    let response = app
        .post_whatsapp(&burst(SINGLE_NUMBER, DEFAULT_MAX_MESSAGES_PER_DELIVERY))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["delivered"],
        DEFAULT_MAX_MESSAGES_PER_DELIVERY
    );
    app.stop().await;
}

#[tokio::test]
async fn a_retried_delivery_publishes_its_events_under_the_same_ids() {
    let mut app = TestApp::spawn().await;
    let body = burst(SINGLE_NUMBER, 1);
    let ids = |events: &[(store_events::Event, String)]| {
        let mut ids = events
            .iter()
            .map(|(e, _)| {
                let data = serde_json::to_value(e).unwrap()["data"].clone();
                (
                    e.ty().to_owned(),
                    e.id().to_owned(),
                    data["message_id"].clone(),
                )
            })
            .collect::<Vec<_>>();
        // Published in parallel: in either order.
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        ids
    };

    app.post_whatsapp(&body).await;
    let first = vec![app.next_event().await, app.next_event().await];
    // As if the first attempt had published and then rolled back (the
    // broker went away before the commit): the channel's retry is new.
    app.forget_seen_messages().await;
    app.post_whatsapp(&body).await;
    let second = vec![app.next_event().await, app.next_event().await];

    assert_eq!(ids(&first), ids(&second));
    let types: Vec<_> = ids(&first).into_iter().map(|(ty, ..)| ty).collect();
    assert_eq!(
        types,
        ["store.chat.message.new", "store.whatsapp.message.received"]
    );
    app.stop().await;
}
