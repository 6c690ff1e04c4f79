//! One conversation's events are handled one at a time in the order they
//! were published, whatever their type: a shopper's messages sent right
//! after the escalation all join its hand-off, in order.

use store_events::{
    BrandId, Event, EventContext, EventData as _, TenantId,
    data::{ChatMessageNew, ChatResponse, Priority, SalesEscalate, Sender},
    decode, new_event,
};

use crate::helpers::{BRAND, CUSTOMER, TestApp, escalation, reply, shopper_message, transcript};

#[tokio::test]
async fn events_published_right_after_an_escalation_join_its_transcript_in_publish_order() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let conversation = "wa:100:ana";
    let texts: Vec<String> = (1..=8)
        .map(|n| format!("Message {n}, are you there?"))
        .collect();

    // No waiting for the hand-off: the messages follow the escalation at
    // once, as when a shopper keeps typing while the AI hands over.
    app.publish(&escalation(
        "acme",
        conversation,
        "Wants a refund",
        Priority::Normal,
    ))
    .await;
    for (n, text) in texts.iter().enumerate() {
        app.publish(&shopper_message("acme", conversation, text))
            .await;
        if n == 3 {
            app.publish(&reply("acme", conversation, Sender::Human, "Maria here."))
                .await;
        }
    }
    app.wait_handled(SalesEscalate::TYPE, 1).await;
    app.wait_handled(ChatMessageNew::TYPE, texts.len() as u64)
        .await;
    app.wait_handled(ChatResponse::TYPE, 1).await;

    let handoff = app.wait_for_handoff(&key, conversation).await;
    let lines = transcript(&app.handoff(&key, handoff["id"].as_str().unwrap()).await);
    let mut expected: Vec<(String, String)> = texts
        .iter()
        .map(|text| ("shopper".to_owned(), text.clone()))
        .collect();
    expected.insert(4, ("human".to_owned(), "Maria here.".to_owned()));
    // After the escalation's two last messages.
    assert_eq!(lines.get(2..), Some(expected.as_slice()), "{lines:?}");
    app.stop().await;
}

/// `event` again, without the `conversation` extension.
fn without_conversation<T: store_events::EventData>(event: &Event) -> Event {
    let data: T = decode(event).unwrap();
    let context = EventContext::new(TenantId::parse("acme").unwrap())
        .with_brand(BrandId::parse(BRAND).unwrap());
    new_event("/tests", &context, &data).unwrap()
}

#[tokio::test]
async fn events_without_a_conversation_are_still_handled_in_order() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    // Named as the seller names it: `<channel>:<customer id>`.
    let conversation = format!("whatsapp:{CUSTOMER}");

    app.publish(&without_conversation::<SalesEscalate>(&escalation(
        "acme",
        "wa:100:ana",
        "Wants a refund",
        Priority::Normal,
    )))
    .await;
    app.publish(&without_conversation::<ChatMessageNew>(&shopper_message(
        "acme",
        "wa:100:ana",
        "Hello?",
    )))
    .await;
    app.wait_handled(ChatMessageNew::TYPE, 1).await;

    let handoff = app.wait_for_handoff(&key, &conversation).await;
    let lines = transcript(&app.handoff(&key, handoff["id"].as_str().unwrap()).await);
    assert_eq!(
        lines.last(),
        Some(&("shopper".to_owned(), "Hello?".to_owned())),
        "{lines:?}"
    );
    app.stop().await;
}
