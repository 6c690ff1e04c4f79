//! Replies out: `store.chat.response` consumed from the real broker and sent
//! to fake Graph API / Bot API servers that check the exact request.

use std::time::{Duration, Instant};

use crate::support::{
    ACCESS_TOKEN, MENU_NUMBER, SINGLE_NUMBER, TG_TOKEN, TestApp, wait_for_requests,
};
use gateway::domain::delivery::WINDOW_CLOSED_REASON;
use serde_json::{Value, json};
use store_events::{
    AttributesReader, BrandId, ConversationId, Event, EventContext, TenantId,
    data::{
        common::Channel,
        response::{Button, ChatResponse, ResponsePart, Sender},
    },
    new_event,
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, body_partial_json, header, method, path},
};

fn reply(conversation: &str, parts: Vec<ResponsePart>) -> Event {
    let context = EventContext::new(TenantId::parse("shop").unwrap())
        .with_brand(BrandId::parse("fashion").unwrap())
        .with_conversation(ConversationId::parse(conversation).unwrap());
    let channel = if conversation.starts_with("telegram") {
        Channel::Telegram
    } else {
        Channel::Whatsapp
    };
    let recipient = conversation.rsplit(':').next().unwrap().to_owned();
    new_event(
        "/agent-store/seller-agent",
        &context,
        &ChatResponse {
            channel,
            recipient,
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts,
        },
    )
    .unwrap()
}

fn text(t: &str) -> ResponsePart {
    ResponsePart::Text { text: t.into() }
}

fn whatsapp_text(to: &str, body: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": { "preview_url": false, "body": body },
    })
}

fn graph_ok(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": "34600111222", "wa_id": "34600111222" }],
        "messages": [{ "id": id }]
    }))
}

fn messages_path(number: &str) -> String {
    format!("/v21.0/{number}/messages")
}

#[tokio::test]
async fn a_text_reply_is_posted_to_the_graph_api_with_the_tenants_token() {
    let app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(messages_path(SINGLE_NUMBER)))
        .and(header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .and(body_partial_json(whatsapp_text(
            "34600111222",
            "Hello Ana!",
        )))
        .respond_with(graph_ok("wamid.out"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;

    app.bus
        .publish(reply(
            &format!("whatsapp:{SINGLE_NUMBER}:34600111222"),
            vec![text("Hello Ana!")],
        ))
        .await
        .unwrap();

    wait_for_requests(&app.whatsapp_api, 1).await;
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_429_is_retried_after_the_delay_it_asks_for_and_the_message_is_sent_once() {
    let app = TestApp::spawn().await;
    let expected = whatsapp_text("34600111222", "Hold on");
    Mock::given(method("POST"))
        .and(path(messages_path(SINGLE_NUMBER)))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({
            "error": { "message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429 }
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path(SINGLE_NUMBER)))
        .and(header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .and(body_partial_json(&expected))
        .respond_with(graph_ok("wamid.out"))
        .expect(1)
        .with_priority(2)
        .mount(&app.whatsapp_api)
        .await;
    let started = Instant::now();

    app.bus
        .publish(reply(
            &format!("whatsapp:{SINGLE_NUMBER}:34600111222"),
            vec![text("Hold on")],
        ))
        .await
        .unwrap();
    let requests = wait_for_requests(&app.whatsapp_api, 2).await;
    let elapsed = started.elapsed();

    assert!(
        elapsed >= Duration::from_secs(1),
        "retried after {elapsed:?}, before the Retry-After"
    );
    let mut retried = serde_json::from_slice::<Value>(&requests[1].body).unwrap();
    let reference = retried
        .as_object_mut()
        .and_then(|fields| fields.remove("biz_opaque_callback_data"));
    assert!(
        reference.is_some_and(|r| r.as_str().is_some_and(|r| r.starts_with("agent-store:"))),
        "each send carries its reference for WhatsApp's statuses"
    );
    assert_eq!(retried, expected);
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn outside_the_24_hour_window_the_failure_is_recorded_and_the_template_is_sent() {
    let mut app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(messages_path(MENU_NUMBER)))
        .and(body_partial_json(whatsapp_text("34600111222", "Your order shipped")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {
                "message": "(#131047) Re-engagement message",
                "type": "OAuthException",
                "code": 131047,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
                },
                "fbtrace_id": "AbCdEf"
            }
        })))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path(MENU_NUMBER)))
        .and(header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .and(body_json(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "34600111222",
            "type": "template",
            "template": { "name": "reengage", "language": { "code": "en_US" } }
        })))
        .respond_with(graph_ok("wamid.template"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    let sent = reply(
        &format!("whatsapp:{MENU_NUMBER}:34600111222"),
        vec![text("Your order shipped"), text("Thanks!")],
    );

    app.bus.publish(sent.clone()).await.unwrap();

    app.next_of("store.chat.response").await;
    let (status, data, key) = app.next_of("store.whatsapp.message.status").await;
    assert_eq!(key, "store.whatsapp.message.status.shop.fashion");
    assert_eq!(data["status"], "failed");
    assert_eq!(data["errors"][0]["code"], 131047);
    assert_eq!(data["recipient_id"], "34600111222");
    assert_eq!(
        store_events::envelope::string_extension(&status, "causationid").unwrap(),
        sent.id()
    );
    let (_, delivery, _) = app.next_of("store.chat.delivery").await;
    assert_eq!(delivery["status"], "failed");
    assert_eq!(delivery["code"], "131047");
    assert_eq!(
        delivery["reason"],
        format!(
            "{WINDOW_CLOSED_REASON} (the shop's re-engagement template reengage was sent instead)"
        )
    );
    assert_eq!(delivery["channel_message_id"], "wamid.template");
    let requests = wait_for_requests(&app.whatsapp_api, 2).await;
    assert_eq!(requests.len(), 2, "the rest of the reply is not attempted");
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_long_reply_is_split_and_replies_of_a_conversation_keep_their_order() {
    let app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path(messages_path(SINGLE_NUMBER)))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path(SINGLE_NUMBER)))
        .respond_with(graph_ok("wamid.out"))
        .with_priority(2)
        .mount(&app.whatsapp_api)
        .await;
    let long = "This sentence is part of a long answer. ".repeat(150);
    let conversation = format!("whatsapp:{SINGLE_NUMBER}:34600111222");

    app.bus
        .publish(reply(&conversation, vec![text(&long)]))
        .await
        .unwrap();
    app.bus
        .publish(reply(&conversation, vec![text("second reply")]))
        .await
        .unwrap();

    // 503, then the two pieces of the long answer, then the second reply.
    let requests = wait_for_requests(&app.whatsapp_api, 4).await;
    let bodies: Vec<String> = requests
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["text"]["body"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        bodies[0], bodies[1],
        "the 503 was retried with the same piece"
    );
    assert!(bodies[1].len() <= 4096 && bodies[2].len() <= 4096);
    assert_eq!(format!("{} {}", bodies[1], bodies[2]), long.trim());
    assert_eq!(bodies[3], "second reply");
    app.stop().await;
}

#[tokio::test]
async fn telegram_replies_get_inline_keyboards_and_honour_retry_after() {
    let app = TestApp::spawn().await;
    let method_path = format!("/bot{TG_TOKEN}/sendMessage");
    Mock::given(method("POST"))
        .and(path(method_path.as_str()))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "ok": false, "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": { "retry_after": 1 }
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.telegram_api)
        .await;
    let expected = json!({
        "chat_id": 12345678,
        "text": "Which size?",
        "reply_markup": { "inline_keyboard": [[
            { "text": "M", "callback_data": "size:m" },
            { "text": "L", "callback_data": "size:l" }
        ]] }
    });
    Mock::given(method("POST"))
        .and(path(method_path.as_str()))
        .and(body_partial_json(&expected))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true, "result": { "message_id": 7 } })),
        )
        .expect(1)
        .with_priority(2)
        .mount(&app.telegram_api)
        .await;
    let started = Instant::now();

    app.bus
        .publish(reply(
            "telegram:7000000001:12345678",
            vec![ResponsePart::Buttons {
                text: "Which size?".into(),
                buttons: vec![
                    Button {
                        id: "size:m".into(),
                        title: "M".into(),
                    },
                    Button {
                        id: "size:l".into(),
                        title: "L".into(),
                    },
                ],
            }],
        ))
        .await
        .unwrap();
    wait_for_requests(&app.telegram_api, 2).await;

    assert!(started.elapsed() >= Duration::from_secs(1));
    app.telegram_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_reply_retried_by_the_bus_resumes_after_the_messages_already_sent() {
    let app = TestApp::spawn().await;
    let to = "34600111222";
    Mock::given(method("POST"))
        .and(body_partial_json(whatsapp_text(to, "part one")))
        .respond_with(graph_ok("wamid.1"))
        .expect(1)
        .mount(&app.whatsapp_api)
        .await;
    // More failures than the sender's 3 attempts: the bus retries the reply.
    Mock::given(method("POST"))
        .and(body_partial_json(whatsapp_text(to, "part two")))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(4)
        .with_priority(1)
        .mount(&app.whatsapp_api)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(whatsapp_text(to, "part two")))
        .respond_with(graph_ok("wamid.2"))
        .expect(1)
        .with_priority(2)
        .mount(&app.whatsapp_api)
        .await;

    app.bus
        .publish(reply(
            &format!("whatsapp:{SINGLE_NUMBER}:{to}"),
            vec![text("part one"), text("part two")],
        ))
        .await
        .unwrap();
    // Part one once, part two four times failing, then once more.
    let requests = wait_for_requests(&app.whatsapp_api, 6).await;

    let firsts = requests
        .iter()
        .filter(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["text"]["body"] == "part one")
        .count();
    assert_eq!(firsts, 1, "part one was sent again");
    app.whatsapp_api.verify().await;
    app.stop().await;
}

#[tokio::test]
async fn a_replys_first_read_finds_its_settled_failure_and_what_was_sent() {
    use gateway::db::outbound::{Earlier, Progress, earlier};
    use gateway::domain::delivery::Failure;

    let app = TestApp::spawn().await;
    sqlx::query(
        "insert into outbound_message (event_id, seq, channel_message_id) values \
         ('failed', 0, 'wamid.1'), ('failed', 1, 'tmpl.1'), \
         ('partial', 0, 'wamid.2'), ('partial', 1, null), \
         ('other', 0, 'wamid.3')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into reply_failure (event_id, reason, code, channel_message_id) values \
         ('failed', 'window closed', '131047', 'tmpl.1'), ('other', 'refused', null, null)",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let read = |id: &'static str| {
        let pool = app.pool.clone();
        async move { earlier(&pool, id).await.unwrap() }
    };
    assert_eq!(
        read("failed").await,
        Earlier {
            failure: Some(Failure {
                reason: "window closed".into(),
                code: Some("131047".into()),
                channel_message_id: Some("tmpl.1".into()),
            }),
            progress: Progress {
                sent: 2,
                last_channel_message_id: Some("tmpl.1".into()),
            },
        }
    );
    assert_eq!(
        read("partial").await,
        Earlier {
            failure: None,
            progress: Progress {
                sent: 2,
                last_channel_message_id: None,
            },
        },
        "the last message sent gave no id; no other reply's rows count"
    );
    assert_eq!(read("new").await, Earlier::default());
    app.stop().await;
}
