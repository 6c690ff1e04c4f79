//! The web chat's live side on the real broker and database: replies from
//! the bus appended to the transcript and streamed (also across two
//! replicas), redeliveries, resuming, and replies of one conversation not
//! waiting for another's.

use std::time::Duration;

use crate::support::{
    SINGLE_NUMBER, wait_for_requests,
    webchat::{Session, Sse, open_session, reply, say, spawn, text, transcript},
};
use serde_json::json;
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        common::Channel,
        response::{Button, ChatResponse, ResponsePart, Sender},
    },
    new_event,
};
use wiremock::{Mock, ResponseTemplate, matchers::method};

#[tokio::test]
async fn a_reply_reaches_an_open_stream_live_and_the_transcript() {
    let app = spawn().await;
    let session = open_session(&app, "fashion").await;
    say(&app, &session, "anything in red?").await;
    let mut stream = Sse::open(&app.address, &session, "", None).await;
    let first = stream.next().await;
    assert_eq!((first.id.as_str(), first.event.as_str()), ("1", "message"));
    assert_eq!(first.data["from"], "shopper");
    // Nothing more until the reply comes.
    assert!(
        stream
            .next_within(Duration::from_millis(300))
            .await
            .is_none()
    );

    app.bus
        .publish(reply(
            &session,
            Sender::Ai,
            vec![
                text("Here are two red ones"),
                ResponsePart::Buttons {
                    text: "Which size?".into(),
                    buttons: vec![Button {
                        id: "size:42".into(),
                        title: "42".into(),
                    }],
                },
            ],
        ))
        .await
        .unwrap();
    let second = stream.next().await;
    let third = stream.next().await;

    assert_eq!(second.id, "2");
    assert_eq!(second.data["from"], "seller");
    assert_eq!(
        second.data["parts"],
        json!([{ "kind": "text", "text": "Here are two red ones" }])
    );
    assert_eq!(third.id, "3");
    assert_eq!(third.data["parts"][0]["kind"], "buttons");
    assert_eq!(third.data["parts"][0]["buttons"][0]["id"], "size:42");
    let messages = transcript(&app.address, &session).await["messages"].clone();
    assert_eq!(messages[1], second.data);
    assert_eq!(messages[2], third.data);
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_reply_is_appended_once_and_authors_are_kept() {
    let app = spawn().await;
    let session = open_session(&app, "fashion").await;
    let mut stream = Sse::open(&app.address, &session, "", None).await;
    let event = reply(&session, Sender::Human, vec![text("Hi, I'm Rita")]);

    app.bus.publish(event.clone()).await.unwrap();
    app.bus.publish(event).await.unwrap();
    app.bus
        .publish(reply(
            &session,
            Sender::System,
            vec![text("Order #1 shipped")],
        ))
        .await
        .unwrap();
    let first = stream.next().await;
    let second = stream.next().await;

    assert_eq!(
        (first.id.as_str(), first.data["from"].as_str()),
        ("1", Some("human"))
    );
    assert_eq!(
        (second.id.as_str(), second.data["from"].as_str()),
        ("2", Some("system")),
        "the redelivered reply was appended again"
    );
    let messages = transcript(&app.address, &session).await["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_reply_for_an_unknown_session_is_dead_lettered_not_retried_forever() {
    let app = spawn().await;
    let session = open_session(&app, "fashion").await;
    let ghost = Session {
        id: uuid::Uuid::now_v7().to_string(),
        token: String::new(),
        conversation: String::new(),
    };
    let ghost = Session {
        conversation: format!("webchat:fashion:{}", ghost.id),
        ..ghost
    };
    let mut stream = Sse::open(&app.address, &session, "", None).await;

    app.bus
        .publish(reply(&ghost, Sender::Ai, vec![text("lost")]))
        .await
        .unwrap();
    app.bus
        .publish(reply(&session, Sender::Ai, vec![text("found")]))
        .await
        .unwrap();

    // The ordered consumer got past the bad reply.
    assert_eq!(stream.next().await.data["parts"][0]["text"], "found");
    app.stop().await;
}

#[tokio::test]
async fn a_stream_resumes_after_last_event_id_or_after() {
    let app = spawn().await;
    let session = open_session(&app, "fashion").await;
    for text in ["one", "two", "three"] {
        say(&app, &session, text).await;
    }

    let mut by_header = Sse::open(&app.address, &session, "&after=0", Some("2")).await;
    let mut by_query = Sse::open(&app.address, &session, "&after=1", None).await;

    let resumed = by_header.next().await;
    assert_eq!(resumed.id, "3", "Last-Event-ID wins over after");
    assert_eq!(resumed.data["parts"][0]["text"], "three");
    assert_eq!(by_query.next().await.id, "2");
    assert_eq!(by_query.next().await.id, "3");
    // Live entries follow the resumed ones.
    say(&app, &session, "four").await;
    assert_eq!(by_header.next().await.id, "4");
    assert_eq!(by_query.next().await.id, "4");
    app.stop().await;
}

#[tokio::test]
async fn a_reply_consumed_by_one_replica_reaches_a_stream_opened_on_the_other() {
    let app = spawn().await;
    let replica = app.spawn_replica().await;
    let session = open_session(&app, "fashion").await;
    let mut stream = Sse::open(&replica.address, &session, "", None).await;

    say(&app, &session, "hello from the first replica").await;
    app.bus
        .publish(reply(
            &session,
            Sender::Ai,
            vec![text("hello from the seller")],
        ))
        .await
        .unwrap();
    let mine = stream.next().await;
    let reply = stream.next().await;

    assert_eq!(
        mine.data["parts"][0]["text"],
        "hello from the first replica"
    );
    assert_eq!(reply.data["parts"][0]["text"], "hello from the seller");
    // The first gateway's consumer is the active one: the replica only
    // heard of the reply through PostgreSQL.
    let metrics = |address: String| async move {
        reqwest::get(format!("{address}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let sent = "channel=\"webchat\",outcome=\"sent\"";
    assert!(metrics(app.operator.clone()).await.contains(sent));
    assert!(!metrics(replica.operator.clone()).await.contains(sent));
    replica.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_slow_conversation_does_not_hold_up_the_replies_of_others() {
    let app = spawn().await;
    // The Graph API takes 5 s to answer: the WhatsApp conversation's shard
    // is busy meanwhile.
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "messages": [{ "id": "wamid.slow" }] }))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&app.whatsapp_api)
        .await;
    let whatsapp = new_event(
        "/agent-store/seller-agent",
        &EventContext::new(TenantId::parse("shop").unwrap())
            .with_brand(BrandId::parse("fashion").unwrap())
            .with_conversation(
                ConversationId::parse(format!("whatsapp:{SINGLE_NUMBER}:34600111222")).unwrap(),
            ),
        &ChatResponse {
            channel: Channel::Whatsapp,
            recipient: "34600111222".into(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: vec![text("slow")],
        },
    )
    .unwrap();
    let mut sessions = Vec::new();
    for _ in 0..8 {
        sessions.push(open_session(&app, "fashion").await);
    }

    app.bus.publish(whatsapp).await.unwrap();
    wait_for_requests(&app.whatsapp_api, 1).await;
    let busy_since = tokio::time::Instant::now();
    for session in &sessions {
        app.bus
            .publish(reply(session, Sender::Ai, vec![text("fast")]))
            .await
            .unwrap();
    }
    // Eight conversations: at least one is on another shard than the slow
    // one (all eight on the same shard: one chance in 8^8).
    loop {
        let appended: i64 = sqlx::query_scalar("select count(*) from webchat_entry")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if appended > 0 {
            break;
        }
        assert!(
            busy_since.elapsed() < Duration::from_secs(3),
            "web chat replies waited for the slow WhatsApp conversation"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.stop().await;
}
