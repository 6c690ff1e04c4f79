//! A hand-off keeps the time of its first human reply (for the reports'
//! time to first reply), whether the reply was sent through this service
//! or by another replica or tool on the bus; later replies leave it.

use chrono::{DateTime, Utc};
use cloudevents::AttributesWriter as _;
use serde_json::json;
use store_events::{
    EventData as _,
    data::{ChatResponse, Sender},
};

use crate::helpers::{TestApp, at, reply};

async fn first_reply_at(app: &TestApp, id: &str) -> Option<DateTime<Utc>> {
    sqlx::query_scalar("select first_human_reply_at from handoff where id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_human_reply_is_kept_and_later_ones_leave_it() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let on_the_bus = app.escalated("acme", &key, "wa:1:ana").await;
    let through_us = app.escalated("acme", &key, "wa:2:bia").await;
    let (first_at, second_at) = (at(120), at(60));
    let mut first = reply("acme", "wa:1:ana", Sender::Human, "Hello, Maria here");
    first.set_time(Some(first_at));
    let mut second = reply("acme", "wa:1:ana", Sender::Human, "Still there?");
    second.set_time(Some(second_at));
    let ai = reply("acme", "wa:1:ana", Sender::Ai, "Not me");

    let before = first_reply_at(&app, on_the_bus["id"].as_str().unwrap()).await;
    app.publish(&ai).await;
    app.publish(&first).await;
    app.publish(&second).await;
    app.wait_handled(ChatResponse::TYPE, 3).await;
    let id = through_us["id"].as_str().unwrap();
    let mut sent = Vec::new();
    for text in ["One moment", "Done"] {
        let (status, body) = app
            .post(
                &key,
                &format!("/api/v1/handoffs/{id}/reply"),
                json!({"text": text, "agent": "maria"}),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        sent.push(
            body["at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
        );
    }

    assert_eq!(before, None);
    assert_eq!(
        first_reply_at(&app, on_the_bus["id"].as_str().unwrap()).await,
        Some(first_at)
    );
    assert_eq!(first_reply_at(&app, id).await, Some(sent[0]));
    app.stop().await;
}
