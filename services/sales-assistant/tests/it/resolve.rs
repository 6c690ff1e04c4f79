//! Resolving a hand-off: a schema-valid `store.sales.resolved` for the
//! brand's seller, once; afterwards replies and a second resolution are
//! conflicts, and a new escalation opens a new hand-off.

use std::time::Duration;

use serde_json::json;
use store_events::{
    EventData as _,
    data::{Priority, Resolution, SalesResolved},
    decode,
};

use crate::helpers::{BRAND, TestApp, escalation, extension, next};

#[tokio::test]
async fn resolving_hands_the_conversation_back_once() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;
    let id = handoff["id"].as_str().unwrap();
    let path = format!("/api/v1/handoffs/{id}/resolve");
    let mut resolutions = app.watch(&format!("{}.#", SalesResolved::TYPE)).await;
    app.wait_metric("sales_handoffs_open", &[("tenant", "acme")], 1.0)
        .await;

    let (status, body) = app
        .post(
            &key,
            &path,
            json!({"agent": "maria", "resolution": "handed_back", "note": "Refund of one pair agreed"}),
        )
        .await;
    let twice = app
        .post(
            &key,
            &path,
            json!({"agent": "maria", "resolution": "closed"}),
        )
        .await;
    let late_reply = app
        .post(
            &key,
            &format!("/api/v1/handoffs/{id}/reply"),
            json!({"text": "One more thing", "agent": "maria"}),
        )
        .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "resolved");
    assert_eq!(body["resolution"], "handed_back");
    assert_eq!(body["resolved_by"], "maria");
    assert_eq!(body["transcript"].as_array().unwrap().len(), 2);
    let event = next(&mut resolutions).await;
    let resolved: SalesResolved = decode(&event).unwrap();
    assert_eq!(
        resolved,
        SalesResolved {
            resolved_by: "maria".to_owned(),
            resolution: Resolution::HandedBack,
            note: Some("Refund of one pair agreed".to_owned()),
        }
    );
    assert_eq!(extension(&event, "tenant").as_deref(), Some("acme"));
    assert_eq!(extension(&event, "brand").as_deref(), Some(BRAND));
    assert_eq!(
        extension(&event, "conversation").as_deref(),
        Some("wa:100:ana")
    );
    assert_eq!(twice.0, 409, "{}", twice.1);
    assert_eq!(twice.1["code"], "conflict");
    assert_eq!(late_reply.0, 409, "{}", late_reply.1);
    let nothing_more = tokio::time::timeout(Duration::from_millis(500), resolutions.recv()).await;
    assert!(
        nothing_more.is_err(),
        "a second store.sales.resolved was published"
    );
    let (_, resolved_list) = app.get(&key, "/api/v1/handoffs?status=resolved").await;
    let (_, open_list) = app.get(&key, "/api/v1/handoffs?status=open").await;
    assert_eq!(resolved_list["total"], 1);
    assert_eq!(open_list["total"], 0);
    assert_eq!(
        app.metric(
            "sales_handoffs_resolved_total",
            &[("tenant", "acme"), ("resolution", "handed_back")]
        )
        .await,
        1.0
    );
    app.wait_metric("sales_handoffs_open", &[("tenant", "acme")], 0.0)
        .await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_seller_bound_a_resolution_is_503_and_the_handoff_stays_open() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;
    let id = handoff["id"].as_str().unwrap();

    // Nothing consumes store.sales.resolved on this exchange.
    let (status, body) = app
        .post(
            &key,
            &format!("/api/v1/handoffs/{id}/resolve"),
            json!({"agent": "maria", "resolution": "closed"}),
        )
        .await;

    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "no_consumer");
    assert_eq!(app.handoff(&key, id).await["status"], "open");
    app.stop().await;
}

#[tokio::test]
async fn a_resolved_conversation_escalated_again_opens_a_new_handoff() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let first = app.escalated("acme", &key, "wa:100:ana").await;
    let _seller = app.watch(&format!("{}.#", SalesResolved::TYPE)).await;
    let (status, _) = app
        .post(
            &key,
            &format!("/api/v1/handoffs/{}/resolve", first["id"].as_str().unwrap()),
            json!({"agent": "maria", "resolution": "closed"}),
        )
        .await;
    assert_eq!(status, 200);

    app.publish(&escalation(
        "acme",
        "wa:100:ana",
        "Back again",
        Priority::Low,
    ))
    .await;
    let second = app.wait_for_handoff(&key, "wa:100:ana").await;

    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["summary"], "Back again");
    let (_, all) = app.get(&key, "/api/v1/handoffs").await;
    assert_eq!(all["total"], 2);
    // Newest first.
    assert_eq!(all["handoffs"][0]["id"], second["id"]);
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_resolution_or_status_is_refused_with_a_json_reason() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let handoff = app.escalated("acme", &key, "wa:100:ana").await;

    let (status, body) = app
        .post(
            &key,
            &format!(
                "/api/v1/handoffs/{}/resolve",
                handoff["id"].as_str().unwrap()
            ),
            json!({"agent": "maria", "resolution": "maybe"}),
        )
        .await;
    let listed = app.get(&key, "/api/v1/handoffs?status=pending").await;

    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "bad_request");
    assert_eq!(
        listed,
        (
            422,
            json!({"code": "bad_request", "detail": "unknown status \"pending\"; use open or resolved"})
        )
    );
    app.stop().await;
}
