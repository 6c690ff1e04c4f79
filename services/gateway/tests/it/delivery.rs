//! `store.chat.delivery`: after each `store.chat.response` it handled the
//! gateway reports whether the shopper's channel took it, against the fake
//! Graph API and Bot API.

use gateway::domain::delivery::{CANNOT_SEND_REASON, WINDOW_CLOSED_REASON, delivery_event_id};
use serde_json::{Value, json};
use store_events::{
    AttributesReader, BrandId, ConversationId, Event, EventContext, TenantId,
    data::{
        common::Channel,
        response::{ChatResponse, DeliveryStatus, ResponsePart, Sender},
    },
    envelope::string_extension,
    new_event,
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};

use crate::support::{
    Options, SINGLE_NUMBER, TG_TOKEN, TestApp, wait_for_requests,
    webchat::{open_session, reply as webchat_reply, text as webchat_text},
};

const SHOPPER: &str = "34600111222";

/// A gateway whose test queue sees only delivery reports.
async fn spawn() -> TestApp {
    TestApp::spawn_with(Options {
        bindings: Some(vec!["store.chat.delivery.#".to_owned()]),
        ..Options::default()
    })
    .await
}

fn reply(conversation: &str, texts: &[&str]) -> Event {
    let context = EventContext::new(TenantId::parse("shop").unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap());
    let channel = if conversation.starts_with("telegram") {
        Channel::Telegram
    } else {
        Channel::Whatsapp
    };
    new_event(
        "/agent-store/seller-agent",
        &context,
        &ChatResponse {
            channel,
            recipient: conversation.rsplit(':').next().unwrap().to_owned(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: texts
                .iter()
                .map(|t| ResponsePart::Text {
                    text: (*t).to_owned(),
                })
                .collect(),
        },
    )
    .unwrap()
}

fn whatsapp_conversation() -> String {
    format!("whatsapp:{SINGLE_NUMBER}:{SHOPPER}")
}

fn graph_ok(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": SHOPPER, "wa_id": SHOPPER }],
        "messages": [{ "id": id }]
    }))
}

fn graph_error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": { "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC" }
    }))
}

fn ext(event: &Event, name: &str) -> String {
    string_extension(event, name).unwrap_or_default()
}

/// The next delivery report, with its data.
async fn next_delivery(app: &mut TestApp) -> (Event, Value, String) {
    app.next_of("store.chat.delivery").await
}

#[tokio::test]
async fn a_reply_sent_in_full_is_reported_sent_with_the_last_messages_id() {
    let mut app = spawn().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "text": { "body": "one" } })))
        .respond_with(graph_ok("wamid.one"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "text": { "body": "two" } })))
        .respond_with(graph_ok("wamid.two"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    let sent = reply(&whatsapp_conversation(), &["one", "two"]);

    app.bus.publish(sent.clone()).await.unwrap();

    let (event, data, key) = next_delivery(&mut app).await;
    assert_eq!(key, "store.chat.delivery.shop.fashion");
    assert_eq!(
        data,
        json!({
            "response_id": sent.id(),
            "channel": "whatsapp",
            "status": "sent",
            "channel_message_id": "wamid.two",
        })
    );
    assert_eq!(
        event.id(),
        delivery_event_id(sent.id(), DeliveryStatus::Sent)
    );
    assert_eq!(ext(&event, "causationid"), sent.id());
    assert_eq!(ext(&event, "correlationid"), ext(&sent, "correlationid"));
    assert_eq!(ext(&event, "tenant"), "shop");
    assert_eq!(ext(&event, "brand"), "fashion");
    assert_eq!(ext(&event, "conversation"), whatsapp_conversation());
    assert_eq!(event.source().to_string(), "/agent-store/gateway");
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_reply_is_not_sent_again_and_is_reported_under_the_same_id() {
    let mut app = spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{SINGLE_NUMBER}/messages")))
        .respond_with(graph_ok("wamid.once"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    let sent = reply(&whatsapp_conversation(), &["only once"]);

    app.bus.publish(sent.clone()).await.unwrap();
    let (first, first_data, _) = next_delivery(&mut app).await;
    app.bus.publish(sent.clone()).await.unwrap();
    let (second, second_data, _) = next_delivery(&mut app).await;

    assert_eq!(second.id(), first.id());
    assert_eq!(second_data, first_data);
    assert_eq!(second_data["status"], "sent");
    assert_eq!(second_data["channel_message_id"], "wamid.once");
    let requests = app.whatsapp_api.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "the redelivered reply was sent again");
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_closed_24_hour_window_is_reported_failed_with_a_reason_a_seller_understands() {
    let mut app = spawn().await;
    // This number has no template to fall back on.
    Mock::given(method("POST"))
        .respond_with(graph_error(400, 131_047, "(#131047) Re-engagement message"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    let refused = reply(&whatsapp_conversation(), &["Your order shipped", "Thanks!"]);

    app.bus.publish(refused.clone()).await.unwrap();
    let (event, data, key) = next_delivery(&mut app).await;
    // Settled, not retried: a redelivery reports the same failure and sends
    // nothing.
    app.bus.publish(refused.clone()).await.unwrap();
    let (again, again_data, _) = next_delivery(&mut app).await;

    assert_eq!(key, "store.chat.delivery.shop.fashion");
    assert_eq!(
        data,
        json!({
            "response_id": refused.id(),
            "channel": "whatsapp",
            "status": "failed",
            "reason": WINDOW_CLOSED_REASON,
            "code": "131047",
        })
    );
    assert_eq!(
        event.id(),
        delivery_event_id(refused.id(), DeliveryStatus::Failed)
    );
    assert_eq!((again.id(), again_data), (event.id(), data));
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_shopper_who_blocked_the_telegram_bot_is_reported_failed() {
    let mut app = spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "ok": false, "error_code": 403,
            "description": "Forbidden: bot was blocked by the user"
        })))
        .expect(1)
        .mount(&app.telegram_api)
        .await;
    let refused = reply("telegram:7000000001:12345678", &["Hello?"]);

    app.bus.publish(refused.clone()).await.unwrap();
    let (event, data, key) = next_delivery(&mut app).await;

    assert_eq!(key, "store.chat.delivery.shop.fashion");
    assert_eq!(
        data,
        json!({
            "response_id": refused.id(),
            "channel": "telegram",
            "status": "failed",
            "reason": "the shopper blocked the bot",
            "code": "403",
        })
    );
    assert_eq!(ext(&event, "causationid"), refused.id());
    app.telegram_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_reply_the_channel_keeps_failing_is_reported_failed_when_the_gateway_gives_up() {
    let mut app = spawn().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&app.whatsapp_api)
        .await;
    let stuck = reply(&whatsapp_conversation(), &["Anyone there?"]);

    app.bus.publish(stuck.clone()).await.unwrap();
    let (_, data, _) = next_delivery(&mut app).await;

    // The tests' gateway: 3 sends per delivery, 2 deliveries.
    let requests = wait_for_requests(&app.whatsapp_api, 6).await;
    assert_eq!(requests.len(), 6);
    assert_eq!(data["status"], "failed");
    assert_eq!(data["response_id"], stuck.id());
    assert!(
        data["reason"]
            .as_str()
            .unwrap()
            .starts_with("WhatsApp could not be reached"),
        "{data}"
    );
    assert!(data.get("code").is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_web_chat_reply_appended_to_its_transcript_is_reported_sent() {
    let mut app = spawn().await;
    let session = open_session(&app, "fashion").await;
    let sent = webchat_reply(&session, Sender::Human, vec![webchat_text("Hi, I'm Ana")]);

    app.bus.publish(sent.clone()).await.unwrap();
    let (event, data, key) = next_delivery(&mut app).await;

    assert_eq!(key, "store.chat.delivery.shop.fashion");
    assert_eq!(
        data,
        json!({ "response_id": sent.id(), "channel": "webchat", "status": "sent" })
    );
    assert_eq!(ext(&event, "conversation"), session.conversation);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_for_a_number_the_tenant_does_not_have_is_reported_failed() {
    let mut app = spawn().await;
    let lost = reply(&format!("whatsapp:999999999:{SHOPPER}"), &["Hello"]);

    app.bus.publish(lost.clone()).await.unwrap();
    let (_, data, _) = next_delivery(&mut app).await;

    assert_eq!(
        data,
        json!({
            "response_id": lost.id(),
            "channel": "whatsapp",
            "status": "failed",
            "reason": CANNOT_SEND_REASON,
        })
    );
    let requests = app.whatsapp_api.received_requests().await.unwrap();
    assert!(requests.is_empty());
    app.stop().await;
}
