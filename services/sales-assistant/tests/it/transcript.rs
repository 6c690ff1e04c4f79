//! The shopper's messages and human replies from elsewhere join the open
//! hand-off of their conversation, and only that one.

use store_events::{
    EventData as _,
    data::{ChatMessageNew, ChatResponse, Sender},
};

use crate::helpers::{TestApp, reply, shopper_message, transcript};

#[tokio::test]
async fn a_shopper_message_joins_its_conversations_handoff_and_no_other() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;
    let id = handoff["id"].as_str().unwrap();
    let ours = shopper_message("acme", "wa:100:ana", "Is anyone there?");

    app.publish(&shopper_message(
        "acme",
        "wa:200:bob",
        "Do you have red ones?",
    ))
    .await;
    app.publish(&ours).await;
    app.publish(&ours).await;
    app.wait_handled(ChatMessageNew::TYPE, 3).await;

    let lines = transcript(&app.handoff(&key, id).await);
    assert_eq!(
        lines.last().unwrap(),
        &("shopper".to_owned(), "Is anyone there?".to_owned())
    );
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(!lines.iter().any(|(_, text)| text.contains("red ones")));
    let (_, open) = app.get(&key, "/api/v1/handoffs?status=open").await;
    assert_eq!(open["total"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_human_reply_from_elsewhere_joins_the_transcript_and_the_ais_do_not() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;

    app.publish(&reply("acme", "wa:100:ana", Sender::Ai, "Anything else?"))
        .await;
    app.publish(&reply(
        "acme",
        "wa:100:ana",
        Sender::Human,
        "Hi Ana, Maria here.",
    ))
    .await;
    app.wait_handled(ChatResponse::TYPE, 2).await;

    let lines = transcript(&app.handoff(&key, handoff["id"].as_str().unwrap()).await);
    assert_eq!(
        lines.last().unwrap(),
        &("human".to_owned(), "Hi Ana, Maria here.".to_owned())
    );
    assert!(!lines.iter().any(|(_, text)| text == "Anything else?"));
    app.stop().await;
}
