//! Telegram updates through the real HTTP server into the real broker.

use crate::support::{TG_MENU_SECRET, TG_SECRET, TestApp, fixture};
use serde_json::{Value, json};

fn ext(event: &store_events::Event, name: &str) -> String {
    store_events::envelope::string_extension(event, name).unwrap_or_default()
}

#[tokio::test]
async fn a_text_update_becomes_a_raw_and_a_normalised_event_for_its_brand() {
    let mut app = TestApp::spawn().await;
    let body = fixture("telegram/text.json");

    let response = app.post_telegram(&body, TG_SECRET).await;

    assert_eq!(response.status(), 200);
    let (raw, raw_data, raw_key) = app.next_of("store.telegram.message.received").await;
    let (new, data, key) = app.next_of("store.chat.message.new").await;
    assert_eq!(raw_key, "store.telegram.message.received.shop.fashion");
    assert_eq!(raw_data["bot_id"], "7000000001");
    assert_eq!(raw_data["update_id"], "123456789");
    assert_eq!(
        raw_data["payload"],
        serde_json::from_slice::<Value>(&body).unwrap()
    );
    assert_eq!(key, "store.chat.message.new.shop.fashion");
    assert_eq!(ext(&new, "conversation"), "telegram:7000000001:12345678");
    assert_eq!(
        ext(&new, "causationid"),
        store_events::AttributesReader::id(&raw)
    );
    assert_eq!(data["channel"], "telegram");
    assert_eq!(data["channel_message_id"], "123456");
    assert_eq!(
        data["content"],
        json!({ "kind": "text", "text": "aaaaaaaaaa" })
    );
    assert_eq!(
        data["customer"],
        json!({ "id": "12345678", "display_name": "Mario Bros", "language": "it" })
    );
    app.stop().await;
}

#[tokio::test]
async fn every_update_kind_of_the_fixtures_is_normalised() {
    let mut app = TestApp::spawn().await;
    let cases: &[(&str, Value)] = &[
        (
            "photo",
            json!({ "kind": "media", "media_kind": "image", "media_id": "SEES", "caption": "asdasdasdasdasdasd" }),
        ),
        (
            "voice",
            json!({ "kind": "media", "media_kind": "voice", "media_id": "dfghjjghdjhgd", "mime_type": "audio/ogg" }),
        ),
        (
            "audio",
            json!({ "kind": "media", "media_kind": "audio", "filename": "dsagfds.mp3" }),
        ),
        (
            "video",
            json!({ "kind": "media", "media_kind": "video", "mime_type": "video/mp4" }),
        ),
        (
            "document",
            json!({ "kind": "media", "media_kind": "document", "filename": "document.pdf" }),
        ),
        (
            "sticker",
            json!({ "kind": "media", "media_kind": "sticker" }),
        ),
        (
            "location",
            json!({ "kind": "location", "latitude": 41.899977, "longitude": 12.501028 }),
        ),
        (
            "venue",
            json!({ "kind": "location", "name": "McDonald's", "address": "Via Giolitti 65" }),
        ),
        (
            "contact",
            json!({ "kind": "contacts", "contacts": [{ "name": "911", "phones": ["911"] }] }),
        ),
        (
            "callback_query",
            json!({ "kind": "interactive_reply", "reply_id": "thedata" }),
        ),
        (
            "edited_message",
            json!({ "kind": "text", "text": "Editing this message" }),
        ),
    ];

    for (name, expected) in cases {
        app.forget_seen_messages().await;
        let response = app
            .post_telegram(&fixture(&format!("telegram/{name}.json")), TG_SECRET)
            .await;
        assert_eq!(response.status(), 200, "{name}");

        app.next_of("store.telegram.message.received").await;
        let (_, data, _) = app.next_of("store.chat.message.new").await;
        for (field, value) in expected.as_object().unwrap() {
            assert_eq!(
                &data["content"][field], value,
                "{name}: content.{field} in {data}"
            );
        }
        assert_eq!(data["edited"], *name == "edited_message", "{name}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_token_is_refused_and_a_redelivered_update_is_published_once() {
    let mut app = TestApp::spawn().await;
    let text = fixture("telegram/text.json");

    let wrong = app.post_telegram(&text, "not-the-secret").await;
    let first = app.post_telegram(&text, TG_SECRET).await;
    app.recorded().await;
    let again = app.post_telegram(&text, TG_SECRET).await;
    let next = app
        .post_telegram(&fixture("telegram/photo.json"), TG_SECRET)
        .await;

    assert_eq!(wrong.status(), 401);
    assert_eq!(first.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["duplicates"], 1);
    assert_eq!(next.status(), 200);
    let (_, first_data, _) = app.next_of("store.telegram.message.received").await;
    app.next_of("store.chat.message.new").await;
    let (_, next_data, _) = app.next_of("store.telegram.message.received").await;
    assert_eq!(first_data["update_id"], "123456789");
    assert_eq!(
        next_data["update_id"], "144011148",
        "the redelivery published nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_same_update_id_of_another_bot_is_not_a_duplicate() {
    let mut app = TestApp::spawn().await;
    let text = fixture("telegram/text.json");

    let single = app.post_telegram(&text, TG_SECRET).await;
    let menu = app.post_telegram(&text, TG_MENU_SECRET).await;

    assert_eq!(single.json::<Value>().await.unwrap()["delivered"], 1);
    assert_eq!(menu.json::<Value>().await.unwrap()["menus"], 1);
    let (_, first, _) = app.next_of("store.telegram.message.received").await;
    app.next_of("store.chat.message.new").await;
    let (_, second, _) = app.next_of("store.telegram.message.received").await;
    assert_eq!(
        (first["bot_id"].as_str(), second["bot_id"].as_str()),
        (Some("7000000001"), Some("7000000003"))
    );
    app.stop().await;
}

#[tokio::test]
async fn updates_that_are_not_messages_are_acknowledged_without_events_and_garbage_is_refused() {
    let mut app = TestApp::spawn().await;

    let member = app
        .post_telegram(
            br#"{"update_id": 9, "my_chat_member": {"chat": {"id": 1}}}"#,
            TG_SECRET,
        )
        .await;
    let garbage = app.post_telegram(br#"{"message": "hi"}"#, TG_SECRET).await;
    let text = app
        .post_telegram(&fixture("telegram/text.json"), TG_SECRET)
        .await;

    assert_eq!(member.status(), 200);
    assert_eq!(garbage.status(), 400);
    assert_eq!(
        garbage.json::<Value>().await.unwrap()["code"],
        "malformed_payload"
    );
    assert_eq!(text.status(), 200);
    let (_, data, _) = app.next_of("store.telegram.message.received").await;
    assert_eq!(
        data["update_id"], "123456789",
        "nothing came of the member update"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_button_tap_is_answered_in_the_webhook_response() {
    let mut app = TestApp::spawn().await;

    let response = app
        .post_telegram(&fixture("telegram/callback_query.json"), TG_SECRET)
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "method": "answerCallbackQuery", "callback_query_id": "666728699048485871" })
    );
    app.next_of("store.telegram.message.received").await;
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["content"]["reply_id"], "thedata");
    app.stop().await;
}
