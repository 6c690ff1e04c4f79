//! The broker gone: a reply or a resolution is refused with 503 and
//! nothing is recorded, so the human can simply try again.

use serde_json::json;

use crate::helpers::{TestApp, transcript};

#[tokio::test]
async fn with_the_broker_down_a_reply_is_503_and_nothing_is_recorded() {
    let app = TestApp::spawn_behind_proxy().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;
    let id = handoff["id"].as_str().unwrap();

    app.proxy.as_ref().unwrap().cut();
    let reply = app
        .post(
            &key,
            &format!("/api/v1/handoffs/{id}/reply"),
            json!({"text": "Hi Ana", "agent": "maria"}),
        )
        .await;
    let resolve = app
        .post(
            &key,
            &format!("/api/v1/handoffs/{id}/resolve"),
            json!({"agent": "maria", "resolution": "closed"}),
        )
        .await;

    assert_eq!(reply.0, 503, "{}", reply.1);
    assert_eq!(reply.1["code"], "bus_unavailable");
    assert_eq!(resolve.0, 503, "{}", resolve.1);
    let after = app.handoff(&key, id).await;
    assert_eq!(after["status"], "open");
    assert_eq!(transcript(&after).len(), 2, "{after}");
    let human_rows: i64 =
        sqlx::query_scalar("select count(*) from handoff_message where sender = 'human'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(human_rows, 0);
    app.stop().await;
}
