//! Brand routing on a channel with a brand menu: the shopper is asked to
//! pick, the pick is remembered per conversation, and they can switch.

use crate::support::{ACCESS_TOKEN, MENU_NUMBER, TG_MENU_SECRET, TestApp, whatsapp_webhook};
use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{header, method, path},
};

fn ext(event: &store_events::Event, name: &str) -> String {
    store_events::envelope::string_extension(event, name).unwrap_or_default()
}

fn whatsapp_message(id: &str, message: Value) -> Vec<u8> {
    whatsapp_webhook(MENU_NUMBER, id, message)
}

fn text(id: &str, body: &str) -> Vec<u8> {
    whatsapp_message(id, json!({ "type": "text", "text": { "body": body } }))
}

fn pick(id: &str, brand: &str) -> Vec<u8> {
    whatsapp_message(
        id,
        json!({ "type": "interactive", "interactive": { "type": "list_reply",
            "list_reply": { "id": format!("brand:{brand}"), "title": brand } } }),
    )
}

#[tokio::test]
async fn a_shopper_picks_a_brand_from_the_whatsapp_list_and_can_switch_later() {
    let mut app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{MENU_NUMBER}/messages")))
        .and(header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "messages": [{ "id": "wamid.menu" }] })),
        )
        .mount(&app.whatsapp_api)
        .await;

    // No brand yet: the menu, sent to the shopper as an interactive list.
    let hello = app.post_whatsapp(&text("wamid.1", "hello")).await;
    assert_eq!(hello.json::<Value>().await.unwrap()["menus"], 1);
    let (_, _, raw_key) = app.next_of("store.whatsapp.message.received").await;
    let (menu, menu_data, menu_key) = app.next_of("store.chat.response").await;
    assert_eq!(
        raw_key, "store.whatsapp.message.received.shop",
        "no brand yet"
    );
    assert_eq!(menu_key, "store.chat.response.shop");
    assert_eq!(
        ext(&menu, "conversation"),
        format!("whatsapp:{MENU_NUMBER}:34600111222")
    );
    assert_eq!(menu_data["sender"], "system");
    let (_, delivery, delivery_key) = app.next_of("store.chat.delivery").await;
    assert_eq!(delivery_key, "store.chat.delivery.shop", "no brand yet");
    assert_eq!(delivery["status"], "sent");
    assert_eq!(delivery["channel_message_id"], "wamid.menu");
    let sent = wait_for_requests(&app.whatsapp_api, 1).await;
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["to"], "34600111222");
    assert_eq!(body["interactive"]["type"], "list");
    assert_eq!(
        body["interactive"]["action"]["sections"][0]["rows"],
        json!([
            { "id": "brand:fashion", "title": "Fashion", "description": "Clothes" },
            { "id": "brand:tech", "title": "Tech" }
        ])
    );

    // The pick goes to the picked brand's seller, and so does what follows.
    app.post_whatsapp(&pick("wamid.2", "tech")).await;
    let (_, _, key) = app.next_of("store.whatsapp.message.received").await;
    let (_, picked, new_key) = app.next_of("store.chat.message.new").await;
    assert_eq!(key, "store.whatsapp.message.received.shop.tech");
    assert_eq!(new_key, "store.chat.message.new.shop.tech");
    assert_eq!(picked["content"]["reply_id"], "brand:tech");
    app.post_whatsapp(&text("wamid.3", "a laptop please")).await;
    app.next_of("store.whatsapp.message.received").await;
    let (_, _, key) = app.next_of("store.chat.message.new").await;
    assert_eq!(key, "store.chat.message.new.shop.tech");

    // "menu" brings the list back; a new pick switches brand.
    app.post_whatsapp(&text("wamid.4", "Menu")).await;
    app.next_of("store.whatsapp.message.received").await;
    app.next_of("store.chat.response").await;
    app.next_of("store.chat.delivery").await;
    app.post_whatsapp(&pick("wamid.5", "fashion")).await;
    app.next_of("store.whatsapp.message.received").await;
    app.next_of("store.chat.message.new").await;
    app.post_whatsapp(&text("wamid.6", "red shoes?")).await;
    app.next_of("store.whatsapp.message.received").await;
    let (_, data, key) = app.next_of("store.chat.message.new").await;
    assert_eq!(key, "store.chat.message.new.shop.fashion");
    assert_eq!(data["content"]["text"], "red shoes?");
    app.stop().await;
}

#[tokio::test]
async fn typing_a_brands_name_at_the_menu_picks_it_like_a_tap() {
    let mut app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{MENU_NUMBER}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "messages": [{ "id": "wamid.menu" }] })),
        )
        .mount(&app.whatsapp_api)
        .await;
    app.post_whatsapp(&text("wamid.t1", "hello")).await;
    app.next_of("store.whatsapp.message.received").await;
    app.next_of("store.chat.response").await;
    app.next_of("store.chat.delivery").await;

    // At the menu, the brand's name typed in another case picks it.
    let typed = app.post_whatsapp(&text("wamid.t2", "  TECH ")).await;
    assert_eq!(typed.json::<Value>().await.unwrap()["menus"], 0);
    let (_, raw, key) = app.next_of("store.whatsapp.message.received").await;
    let (_, picked, new_key) = app.next_of("store.chat.message.new").await;

    assert_eq!(key, "store.whatsapp.message.received.shop.tech");
    assert_eq!(new_key, "store.chat.message.new.shop.tech");
    assert_eq!(picked["content"]["reply_id"], "brand:tech", "as a tap");
    assert!(
        raw.to_string().contains("TECH"),
        "the raw event keeps the text"
    );
    // Once chosen, the same word is a message for that brand's seller.
    app.post_whatsapp(&text("wamid.t3", "tech")).await;
    app.next_of("store.whatsapp.message.received").await;
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["content"]["text"], "tech");
    app.stop().await;
}

#[tokio::test]
async fn a_telegram_shopper_gets_an_inline_keyboard_and_picks_with_a_tap() {
    let mut app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path("/bot7000000003:shop-menu-bot-token/sendMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "result": { "message_id": 900 } })),
        )
        .mount(&app.telegram_api)
        .await;
    let update = |update_id: i64, extra: Value| {
        let mut update = json!({ "update_id": update_id });
        update
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::to_vec(&update).unwrap()
    };
    let user = json!({ "id": 555, "is_bot": false, "first_name": "Ana" });
    let chat = json!({ "id": 555, "type": "private" });

    app.post_telegram(&update(1, json!({ "message": { "message_id": 1, "from": user, "chat": chat, "date": 1700000000, "text": "hi" } })), TG_MENU_SECRET).await;
    app.next_of("store.telegram.message.received").await;
    app.next_of("store.chat.response").await;
    let (_, delivery, _) = app.next_of("store.chat.delivery").await;
    assert_eq!(delivery["channel_message_id"], "900");
    let sent = wait_for_requests(&app.telegram_api, 1).await;
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    app.post_telegram(&update(2, json!({ "callback_query": { "id": "cb1", "from": user, "chat_instance": "x", "data": "brand:fashion",
        "message": { "message_id": 900, "chat": chat, "date": 1700000001, "text": "Hi!" } } })), TG_MENU_SECRET).await;
    app.next_of("store.telegram.message.received").await;
    let (_, _, key) = app.next_of("store.chat.message.new").await;

    assert_eq!(body["chat_id"], 555);
    assert_eq!(
        body["reply_markup"]["inline_keyboard"],
        json!([
            [{ "text": "Fashion — Clothes", "callback_data": "brand:fashion" }],
            [{ "text": "Tech", "callback_data": "brand:tech" }]
        ])
    );
    assert_eq!(key, "store.chat.message.new.shop.fashion");
    app.stop().await;
}

/// Waits until `server` has received `n` requests (or fails after 15 s).
async fn wait_for_requests(server: &wiremock::MockServer, n: usize) -> Vec<wiremock::Request> {
    crate::support::wait_for_requests(server, n).await
}
