//! Only a tenant's API key opens its hand-offs; another tenant's are not
//! found, and nothing happens to them.

use serde_json::json;

use crate::helpers::{TestApp, transcript};

#[tokio::test]
async fn without_a_valid_key_the_inbox_is_closed() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;

    let missing = app
        .http
        .get(app.url("/api/v1/handoffs"))
        .send()
        .await
        .unwrap();
    let (wrong, body) = app.get("sal_not-a-key", "/api/v1/handoffs").await;

    assert_eq!(missing.status(), 401);
    assert_eq!(wrong, 401);
    assert_eq!(
        body,
        json!({"code": "unauthorized", "detail": "a valid API key is required"})
    );
    app.stop().await;
}

#[tokio::test]
async fn another_tenants_handoff_is_not_found() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let handoff = app.escalated("acme", &acme, "wa:100:ana").await;
    let id = handoff["id"].as_str().unwrap();

    let read = app.get(&globex, &format!("/api/v1/handoffs/{id}")).await;
    let reply = app
        .post(
            &globex,
            &format!("/api/v1/handoffs/{id}/reply"),
            json!({"text": "Hello from the wrong shop", "agent": "eve"}),
        )
        .await;
    let resolve = app
        .post(
            &globex,
            &format!("/api/v1/handoffs/{id}/resolve"),
            json!({"agent": "eve", "resolution": "closed"}),
        )
        .await;
    let (_, listed) = app.get(&globex, "/api/v1/handoffs").await;

    let not_found = (
        404,
        json!({"code": "not_found", "detail": "handoff not found"}),
    );
    assert_eq!(read, not_found);
    assert_eq!(reply, not_found);
    assert_eq!(resolve, not_found);
    assert_eq!(listed["total"], 0);
    let ours = app.handoff(&acme, id).await;
    assert_eq!(ours["status"], "open");
    assert_eq!(transcript(&ours).len(), 2);
    app.stop().await;
}
