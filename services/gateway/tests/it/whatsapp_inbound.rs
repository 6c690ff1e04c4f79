//! WhatsApp webhooks through the real HTTP server into the real broker:
//! verification, signatures, normalisation of every kind, statuses,
//! multi-message deliveries, deduplication.

use crate::support::{APP_SECRET, SINGLE_NUMBER, TestApp, VERIFY_TOKEN, fixture};
use serde_json::{Value, json};
use store_events::AttributesReader;

fn ext(event: &store_events::Event, name: &str) -> String {
    store_events::envelope::string_extension(event, name).unwrap_or_default()
}

#[tokio::test]
async fn the_verification_handshake_answers_the_challenge_and_refuses_a_wrong_token() {
    let app = TestApp::spawn().await;
    let url = |tenant: &str, token: &str| {
        format!(
            "{}/webhooks/whatsapp/{tenant}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            app.address
        )
    };

    let ok = app
        .http
        .get(url("shop", VERIFY_TOKEN))
        .send()
        .await
        .unwrap();
    let wrong = app
        .http
        .get(url("shop", "other-verify-token"))
        .send()
        .await
        .unwrap();
    let unknown = app
        .http
        .get(url("nobody", VERIFY_TOKEN))
        .send()
        .await
        .unwrap();

    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(wrong.status(), 403);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["code"],
        "verification_failed"
    );
    assert_eq!(unknown.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_text_message_becomes_a_raw_and_a_normalised_event_for_its_brand() {
    let mut app = TestApp::spawn().await;
    let body = fixture("whatsapp/text.json");

    let response = app.post_whatsapp(&body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["delivered"], 1);
    let (raw, raw_data, raw_key) = app.next_of("store.whatsapp.message.received").await;
    let (new, data, key) = app.next_of("store.chat.message.new").await;
    let sent: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(raw_key, "store.whatsapp.message.received.shop.fashion");
    assert_eq!(raw_data["message_id"], "wamid.xyzxyz");
    assert_eq!(raw_data["phone_number_id"], SINGLE_NUMBER);
    assert_eq!(raw_data["payload"], sent["entry"][0]["changes"][0]["value"]);
    assert_eq!(key, "store.chat.message.new.shop.fashion");
    assert_eq!(
        ext(&new, "conversation"),
        "whatsapp:1122334455667:972987654321"
    );
    assert_eq!(ext(&new, "causationid"), raw.id());
    assert_eq!(ext(&new, "correlationid"), ext(&raw, "correlationid"));
    assert_eq!(new.source().to_string(), "/agent-store/gateway");
    assert_eq!(data["channel"], "whatsapp");
    assert_eq!(data["channel_message_id"], "wamid.xyzxyz");
    assert_eq!(
        data["content"],
        json!({ "kind": "text", "text": "Body Text" })
    );
    assert_eq!(
        data["customer"],
        json!({ "id": "972987654321", "display_name": "Test Name", "phone": "+972987654321" })
    );
    assert_eq!(data["sent_at"], "2023-10-11T16:53:43Z");
    app.stop().await;
}

#[tokio::test]
async fn every_message_kind_of_the_fixtures_is_normalised() {
    let mut app = TestApp::spawn().await;
    let cases: &[(&str, Value)] = &[
        ("text_forwarded", json!({ "kind": "text" })),
        ("text_referral", json!({ "kind": "text", "text": "BODY" })),
        (
            "image",
            json!({ "kind": "media", "media_kind": "image", "media_id": "65463453", "mime_type": "image/jpeg" }),
        ),
        (
            "video",
            json!({ "kind": "media", "media_kind": "video", "caption": "caption" }),
        ),
        ("audio", json!({ "kind": "media", "media_kind": "audio" })),
        (
            "audio_voice",
            json!({ "kind": "media", "media_kind": "voice" }),
        ),
        (
            "document",
            json!({ "kind": "media", "media_kind": "document", "filename": "filename.pdf", "mime_type": "application/pdf" }),
        ),
        (
            "sticker",
            json!({ "kind": "media", "media_kind": "sticker" }),
        ),
        (
            "sticker_animated",
            json!({ "kind": "media", "media_kind": "sticker" }),
        ),
        (
            "location",
            json!({ "kind": "location", "latitude": 12.25089, "longitude": 43.90539 }),
        ),
        (
            "location_chosen",
            json!({ "kind": "location", "name": "Facebook HQ" }),
        ),
        ("contacts", json!({ "kind": "contacts" })),
        (
            "interactive_button_reply",
            json!({ "kind": "interactive_reply", "reply_id": "callback_data", "title": "title" }),
        ),
        (
            "interactive_list_reply",
            json!({ "kind": "interactive_reply", "reply_id": "callback_data" }),
        ),
        (
            "interactive_list_reply_description",
            json!({ "kind": "interactive_reply", "description": "description" }),
        ),
        (
            "button",
            json!({ "kind": "interactive_reply", "reply_id": "callback_data", "title": "title" }),
        ),
        (
            "button_without_context",
            json!({ "kind": "interactive_reply" }),
        ),
        (
            "reaction",
            json!({ "kind": "reaction", "emoji": "😮", "target_message_id": "wamid.yzxyzx=" }),
        ),
        (
            "reaction_removed",
            json!({ "kind": "reaction", "target_message_id": "wamid.yzxyzx=" }),
        ),
        (
            "order",
            json!({ "kind": "unsupported", "original_kind": "order" }),
        ),
        (
            "unsupported",
            json!({ "kind": "unsupported", "original_kind": "unsupported" }),
        ),
        (
            "unsupported_with_type",
            json!({ "kind": "unsupported", "original_kind": "pool" }),
        ),
        (
            "interactive_with_error",
            json!({ "kind": "unsupported", "original_kind": "interactive" }),
        ),
    ];

    for (name, expected) in cases {
        app.forget_seen_messages().await;
        let response = app
            .post_whatsapp(&fixture(&format!("whatsapp/{name}.json")))
            .await;
        assert_eq!(response.status(), 200, "{name}");

        app.next_of("store.whatsapp.message.received").await;
        let (_, data, _) = app.next_of("store.chat.message.new").await;
        for (field, value) in expected.as_object().unwrap() {
            assert_eq!(
                &data["content"][field], value,
                "{name}: content.{field} in {data}"
            );
        }
        if *name == "reaction_removed" {
            assert!(
                data["content"].get("emoji").is_none(),
                "a removed reaction has no emoji"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_reply_carries_the_quoted_message_id() {
    let mut app = TestApp::spawn().await;

    app.post_whatsapp(&fixture("whatsapp/text_reply_context.json"))
        .await;

    app.next_of("store.whatsapp.message.received").await;
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["reply_to"], "wamid.xyzxyz==");
    app.stop().await;
}

#[tokio::test]
async fn statuses_become_status_events_with_their_errors() {
    let mut app = TestApp::spawn().await;

    let failed = app
        .post_whatsapp(&fixture("whatsapp/status_failed.json"))
        .await;
    let (_, failed_data, key) = app.next_of("store.whatsapp.message.status").await;
    app.post_whatsapp(&fixture("whatsapp/status_read.json"))
        .await;
    let (read, read_data, _) = app.next_of("store.whatsapp.message.status").await;

    assert_eq!(failed.json::<Value>().await.unwrap()["statuses"], 1);
    assert_eq!(key, "store.whatsapp.message.status.shop.fashion");
    assert_eq!(failed_data["status"], "failed");
    assert_eq!(failed_data["message_id"], "wamid.xyzxyz");
    assert_eq!(failed_data["errors"][0]["code"], 130472);
    assert_eq!(
        failed_data["errors"][0]["details"],
        "Failed to send message because this user's phone number is part of an experiment"
    );
    assert_eq!(read_data["status"], "read");
    assert_eq!(
        ext(&read, "conversation"),
        "whatsapp:1122334455667:972987654321"
    );
    app.stop().await;
}

/// Two entries: the first with two messages, the second with a status and
/// a message, as Meta batches them.
fn multi_delivery() -> Vec<u8> {
    let value = |messages: Value, statuses: Value| {
        json!({
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "972123456789", "phone_number_id": SINGLE_NUMBER },
            "contacts": [{ "profile": { "name": "Ana" }, "wa_id": "34600111222" }],
            "messages": messages,
            "statuses": statuses,
        })
    };
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [
            { "id": "1", "changes": [{ "field": "messages", "value": value(json!([
                { "from": "34600111222", "id": "wamid.m1", "timestamp": "1700000000", "type": "text", "text": { "body": "first" } },
                { "from": "34600111222", "id": "wamid.m2", "timestamp": "1700000001", "type": "image",
                  "image": { "id": "img-1", "mime_type": "image/jpeg", "caption": "second" } }
            ]), json!([])) }] },
            { "id": "1", "changes": [{ "field": "messages", "value": value(json!([
                { "from": "34600111222", "id": "wamid.m3", "timestamp": "1700000002", "type": "text", "text": { "body": "third" } }
            ]), json!([
                { "id": "wamid.out1", "status": "delivered", "timestamp": "1700000003", "recipient_id": "34600111222" }
            ])) }] }
        ]
    });
    serde_json::to_vec(&body).unwrap()
}

#[tokio::test]
async fn a_delivery_with_several_entries_and_messages_publishes_each_in_order() {
    let mut app = TestApp::spawn().await;

    let response = app.post_whatsapp(&multi_delivery()).await;

    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "delivered": 3, "menus": 0, "statuses": 1, "duplicates": 0 })
    );
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, raw, _) = app.next_of("store.whatsapp.message.received").await;
        let (_, new, _) = app.next_of("store.chat.message.new").await;
        assert_eq!(raw["message_id"], new["channel_message_id"]);
        ids.push(new["channel_message_id"].as_str().unwrap().to_owned());
    }
    let (_, status, _) = app.next_of("store.whatsapp.message.status").await;
    assert_eq!(ids, ["wamid.m1", "wamid.m2", "wamid.m3"]);
    assert_eq!(status["message_id"], "wamid.out1");
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_webhook_produces_no_second_event() {
    let mut app = TestApp::spawn().await;
    let body = multi_delivery();

    let first = app.post_whatsapp(&body).await;
    // Meta redelivers after its timeout, once the ids are in the ledger
    // (written in batches just after the answer).
    app.recorded().await;
    let again = app.post_whatsapp(&body).await;
    let next = app.post_whatsapp(&fixture("whatsapp/text.json")).await;

    assert_eq!(first.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["duplicates"], 4);
    assert_eq!(next.status(), 200);
    // The first delivery's seven events, then straight the next message's:
    // nothing from the redelivery in between.
    for _ in 0..7 {
        app.next_event().await;
    }
    let (_, data, _) = app.next_of("store.whatsapp.message.received").await;
    assert_eq!(data["message_id"], "wamid.xyzxyz");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_or_missing_signature_is_refused_with_401_and_publishes_nothing() {
    let mut app = TestApp::spawn().await;
    let body = fixture("whatsapp/text.json");

    let wrong_secret = app
        .post_whatsapp_signed("shop", &body, "not-the-secret")
        .await;
    let other_tenant = app.post_whatsapp_signed("other", &body, APP_SECRET).await;
    let unsigned = app
        .http
        .post(format!("{}/webhooks/whatsapp/shop", app.address))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let good = app.post_whatsapp(&fixture("whatsapp/image.json")).await;

    assert_eq!(wrong_secret.status(), 401);
    assert_eq!(
        wrong_secret.json::<Value>().await.unwrap()["code"],
        "unauthorized"
    );
    assert_eq!(other_tenant.status(), 401);
    assert_eq!(unsigned.status(), 401);
    assert_eq!(good.status(), 200);
    // The first event is the good one's: nothing came of the refused ones.
    let (_, data, _) = app.next_of("store.whatsapp.message.received").await;
    assert_eq!(data["payload"]["messages"][0]["type"], "image");
    app.stop().await;
}
