//! A reply the channel took is recorded even when the database fails right
//! after the send: only the record is retried, never the post, so the
//! shopper gets the message once.

use std::time::Duration;

use serde_json::json;
use store_events::{
    BrandId, ConversationId, Event, EventContext, TenantId,
    data::{
        common::Channel,
        response::{ChatResponse, ResponsePart, Sender},
    },
    new_event,
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{SINGLE_NUMBER, TG_TOKEN, TestApp};

fn reply(conversation: &str, channel: Channel, recipient: &str) -> Event {
    let context = EventContext::new(TenantId::parse("shop").unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap());
    new_event(
        "/agent-store/seller-agent",
        &context,
        &ChatResponse {
            channel,
            recipient: recipient.to_owned(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: vec![ResponsePart::Text {
                text: "Your order is placed".into(),
            }],
        },
    )
    .unwrap()
}

/// Makes the first insert into `outbound_message` fail (a sequence is not
/// rolled back with the failed insert, so the second one passes).
async fn fail_the_first_record(app: &TestApp) {
    for statement in [
        "create sequence record_failures",
        "create function fail_first_record() returns trigger language plpgsql as $$ \
         begin if nextval('record_failures') = 1 then \
         raise exception 'database hiccup while recording'; end if; return new; end $$",
        "create trigger fail_first_record before insert on outbound_message \
         for each row execute function fail_first_record()",
    ] {
        sqlx::query(statement).execute(&app.pool).await.unwrap();
    }
}

async fn recorded(app: &TestApp) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let n: i64 = sqlx::query_scalar("select count(*) from outbound_message")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if n > 0 || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_whatsapp_reply_whose_record_fails_once_is_posted_once() {
    let app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{SINGLE_NUMBER}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "messages": [{ "id": "wamid.once" }] })),
        )
        .mount(&app.whatsapp_api)
        .await;
    fail_the_first_record(&app).await;

    app.bus
        .publish(reply(
            &format!("whatsapp:{SINGLE_NUMBER}:34600111222"),
            Channel::Whatsapp,
            "34600111222",
        ))
        .await
        .unwrap();

    assert_eq!(recorded(&app).await, 1);
    // Past the bus's retry delay (300 ms in the tests): no second post.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.whatsapp_api.received_requests().await.unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_telegram_reply_whose_record_fails_once_is_posted_once() {
    let app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "result": { "message_id": 77 } })),
        )
        .mount(&app.telegram_api)
        .await;
    fail_the_first_record(&app).await;

    app.bus
        .publish(reply("telegram:7000000001:555", Channel::Telegram, "555"))
        .await
        .unwrap();

    assert_eq!(recorded(&app).await, 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.telegram_api.received_requests().await.unwrap().len(), 1);
    app.stop().await;
}
