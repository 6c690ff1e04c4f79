//! A human seller's reply: a schema-valid `store.chat.response` from a
//! human to the shopper, recorded once; bad input is a JSON 422.

use serde_json::json;
use store_events::{
    AttributesReader as _, EventData as _,
    data::{Channel, ChatResponse, ResponsePart, Sender},
    decode,
};

use crate::helpers::{BRAND, CUSTOMER, TestApp, extension, next, transcript};

#[tokio::test]
async fn a_reply_is_published_to_the_shopper_as_a_human_and_recorded_once() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;
    let id = handoff["id"].as_str().unwrap();
    let mut replies = app.watch(&format!("{}.#", ChatResponse::TYPE)).await;

    let (status, body) = app
        .post(
            &key,
            &format!("/api/v1/handoffs/{id}/reply"),
            json!({"text": "  Hi Ana, we will refund you today. ", "agent": "maria"}),
        )
        .await;

    assert_eq!(status, 202, "{body}");
    assert_eq!(body["from"], "human");
    assert_eq!(body["agent"], "maria");
    assert_eq!(body["text"], "Hi Ana, we will refund you today.");
    let event = next(&mut replies).await;
    let reply: ChatResponse = decode(&event).unwrap();
    assert_eq!(reply.sender, Sender::Human);
    assert_eq!(reply.channel, Channel::Whatsapp);
    assert_eq!(reply.recipient, CUSTOMER);
    assert_eq!(
        reply.parts,
        [ResponsePart::Text {
            text: "Hi Ana, we will refund you today.".to_owned()
        }]
    );
    assert_eq!(event.source().to_string(), "/agent-store/sales-assistant");
    assert_eq!(extension(&event, "tenant").as_deref(), Some("acme"));
    assert_eq!(extension(&event, "brand").as_deref(), Some(BRAND));
    assert_eq!(
        extension(&event, "conversation").as_deref(),
        Some("wa:100:ana")
    );
    assert!(extension(&event, "traceparent").is_some());
    // Our own reply consumer sees it too and adds nothing.
    app.wait_handled(ChatResponse::TYPE, 1).await;
    let lines = transcript(&app.handoff(&key, id).await);
    assert_eq!(
        lines
            .iter()
            .filter(|(from, _)| from == "human")
            .collect::<Vec<_>>(),
        [&(
            "human".to_owned(),
            "Hi Ana, we will refund you today.".to_owned()
        )]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bad_reply_is_refused_with_a_json_reason() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;
    let path = format!("/api/v1/handoffs/{}/reply", handoff["id"].as_str().unwrap());

    let blank = app
        .post(&key, &path, json!({"text": "  ", "agent": "maria"}))
        .await;
    let no_agent = app.post(&key, &path, json!({"text": "Hello"})).await;
    let not_an_id = app
        .post(
            &key,
            "/api/v1/handoffs/nope/reply",
            json!({"text": "Hi", "agent": "maria"}),
        )
        .await;

    assert_eq!(
        blank,
        (
            422,
            json!({"code": "bad_request", "detail": "text is empty"})
        )
    );
    assert_eq!(no_agent.0, 422);
    assert_eq!(no_agent.1["code"], "bad_request");
    assert!(
        no_agent.1["detail"].as_str().unwrap().contains("agent"),
        "{}",
        no_agent.1
    );
    assert_eq!(not_an_id.0, 404);
    assert_eq!(
        transcript(&app.handoff(&key, handoff["id"].as_str().unwrap()).await).len(),
        2
    );
    app.stop().await;
}
