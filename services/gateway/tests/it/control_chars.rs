//! Control characters (NUL above all, which PostgreSQL refuses in text) in
//! shoppers' messages: stripped from the channels' webhooks, so the message
//! is stored and answered downstream; refused on the web chat with a 400.

use serde_json::{Value, json};

use crate::support::{TG_SECRET, TestApp, fixture, webchat};

#[tokio::test]
async fn a_whatsapp_text_with_nul_reaches_the_seller_without_it() {
    let mut app = TestApp::spawn().await;
    let mut body: Value = serde_json::from_slice(&fixture("whatsapp/text.json")).unwrap();
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] =
        json!("red\u{0} shoes\u{1b}[2J\nplease");

    let response = app.post_whatsapp(&serde_json::to_vec(&body).unwrap()).await;

    assert_eq!(response.status(), 200);
    let (_, raw, _) = app.next_of("store.whatsapp.message.received").await;
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["content"]["text"], "red shoes[2J\nplease");
    assert!(!raw.to_string().contains("\\u0000"), "{raw}");
    app.stop().await;
}

#[tokio::test]
async fn a_telegram_text_with_nul_reaches_the_seller_without_it() {
    let mut app = TestApp::spawn().await;
    let mut body: Value = serde_json::from_slice(&fixture("telegram/text.json")).unwrap();
    body["message"]["text"] = json!("\u{0}hi\u{0}");
    body["message"]["from"]["first_name"] = json!("Ma\u{0}rio");

    let response = app
        .post_telegram(&serde_json::to_vec(&body).unwrap(), TG_SECRET)
        .await;

    assert_eq!(response.status(), 200);
    let (_, raw, _) = app.next_of("store.telegram.message.received").await;
    let (_, data, _) = app.next_of("store.chat.message.new").await;
    assert_eq!(data["content"]["text"], "hi");
    assert_eq!(data["customer"]["display_name"], "Mario Bros");
    assert!(!raw.to_string().contains("\\u0000"), "{raw}");
    app.stop().await;
}

#[tokio::test]
async fn a_web_chat_text_with_nul_is_refused_with_400_and_nothing_stored() {
    let mut app = webchat::spawn().await;
    let session = webchat::open_session(&app, "fashion").await;

    let response = webchat::post_message(
        &app.address,
        "shop",
        &session,
        &session.token,
        json!({ "text": "hi\u{0}there" }),
    )
    .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_request");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("control characters"),
        "{body}"
    );
    let rows: i64 =
        sqlx::query_scalar("select count(*) from webchat_entry where sender = 'shopper'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows, 0);
    app.expect_no_event(std::time::Duration::from_millis(300))
        .await;
    app.stop().await;
}
