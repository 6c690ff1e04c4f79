//! Shopper messages let in per shopper and per tenant, on WhatsApp and
//! Telegram, across replicas: over a limit the webhook is answered 429 with
//! `Retry-After` and nothing is kept (the platform delivers it again).

use std::time::Duration;

use gateway::domain::rate_limit::Rate;
use serde_json::{Value, json};

use crate::support::{Options, SINGLE_NUMBER, TG_SECRET, TestApp};

fn low_limits(config: &mut gateway::Config) {
    config.inbound.per_shopper = Rate::new(2, Duration::from_secs(60)).unwrap();
    config.inbound.per_tenant = Rate::new(4, Duration::from_secs(60)).unwrap();
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options {
        bindings: Some(vec!["store.chat.message.new.#".to_owned()]),
        configure: Some(low_limits),
        ..Options::default()
    })
    .await
}

/// A WhatsApp delivery of one text from `from`.
fn text(from: &str, id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "34900000000", "phone_number_id": SINGLE_NUMBER },
            "contacts": [{ "profile": { "name": "Ana" }, "wa_id": from }],
            "messages": [{ "from": from, "id": id, "timestamp": "1700000000",
                           "type": "text", "text": { "body": "hello" } }],
        } }] }]
    }))
    .unwrap()
}

fn telegram_text(user: i64, update: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "update_id": update,
        "message": { "message_id": update, "date": 1_700_000_000,
                     "from": { "id": user, "is_bot": false, "first_name": "Ana" },
                     "chat": { "id": user, "type": "private" }, "text": "hello" }
    }))
    .unwrap()
}

async fn kept(app: &TestApp, key: &str) -> i64 {
    app.recorded().await;
    sqlx::query_scalar("select count(*) from inbound_message where channel_key like $1")
        .bind(format!("%{key}%"))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_shopper_over_their_limit_is_answered_429_and_nothing_is_kept() {
    let mut app = spawn().await;

    let first = app.post_whatsapp(&text("34600000001", "wamid.lim.1")).await;
    let second = app.post_whatsapp(&text("34600000001", "wamid.lim.2")).await;
    let third = app.post_whatsapp(&text("34600000001", "wamid.lim.3")).await;
    let other = app.post_whatsapp(&text("34600000002", "wamid.lim.4")).await;

    assert_eq!(
        [
            first.status(),
            second.status(),
            third.status(),
            other.status()
        ],
        [200, 200, 429, 200]
    );
    let wait: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    assert_eq!(third.json::<Value>().await.unwrap()["code"], "rate_limited");
    assert_eq!(
        kept(&app, "wamid.lim.3").await,
        0,
        "the refused message was not kept"
    );
    for _ in 0..3 {
        app.next_of("store.chat.message.new").await;
    }
    app.expect_no_event(Duration::from_millis(500)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_tenants_limit_holds_across_channels_and_replicas() {
    let mut app = spawn().await;
    let replica = app.spawn_replica().await;
    let post_to = |address: String, body: Vec<u8>| {
        let http = app.http.clone();
        async move {
            http.post(format!("{address}/webhooks/telegram/shop"))
                .header("content-type", "application/json")
                .header("x-telegram-bot-api-secret-token", TG_SECRET)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };

    // Four tokens for the tenant in all: two WhatsApp shoppers on this
    // replica, two Telegram shoppers on the other; a fifth shopper waits.
    let statuses = [
        app.post_whatsapp(&text("34600000011", "wamid.ten.1"))
            .await
            .status(),
        app.post_whatsapp(&text("34600000012", "wamid.ten.2"))
            .await
            .status(),
        post_to(replica.address.clone(), telegram_text(501, 9001)).await,
        post_to(replica.address.clone(), telegram_text(502, 9002)).await,
        post_to(app.address.clone(), telegram_text(503, 9003)).await,
        app.post_whatsapp(&text("34600000013", "wamid.ten.3"))
            .await
            .status(),
    ];

    assert_eq!(statuses.map(|s| s.as_u16()), [200, 200, 200, 200, 429, 429]);
    for _ in 0..4 {
        app.next_of("store.chat.message.new").await;
    }
    app.expect_no_event(Duration::from_millis(500)).await;
    replica.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn the_rate_limit_table_holds_no_phone_number() {
    let app = spawn().await;
    app.post_whatsapp(&text("34600000021", "wamid.pii.1")).await;

    let keys: Vec<String> = sqlx::query_scalar("select key from rate_limit")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    assert!(keys.iter().all(|k| !k.contains("34600000021")), "{keys:?}");
    app.stop().await;
}
