//! Escalations open hand-offs: visible through the API with their summary
//! and last messages, once per event, updated by a later escalation of the
//! same open conversation.

use serde_json::json;
use store_events::{
    EventContext, EventData as _,
    data::{Priority, SalesEscalate},
    decode, new_event,
};

use crate::helpers::{BRAND, CUSTOMER, TestApp, escalation, transcript};

#[tokio::test]
async fn an_escalation_opens_a_handoff_with_its_summary_and_last_messages() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;

    app.publish(&escalation(
        "acme",
        "wa:100:ana",
        "Wants a refund for torn sneakers",
        Priority::High,
    ))
    .await;
    let listed = app.wait_for_handoff(&key, "wa:100:ana").await;
    let handoff = app.handoff(&key, listed["id"].as_str().unwrap()).await;

    assert_eq!(handoff["status"], "open");
    assert_eq!(handoff["summary"], "Wants a refund for torn sneakers");
    assert_eq!(handoff["reason"], "customer_request");
    assert_eq!(handoff["priority"], "high");
    assert_eq!(handoff["brand"], BRAND);
    assert_eq!(handoff["channel"], "whatsapp");
    assert_eq!(
        handoff["customer"],
        json!({"id": CUSTOMER, "display_name": "Ana"})
    );
    assert_eq!(
        transcript(&handoff),
        [
            (
                "shopper".to_owned(),
                "My sneakers arrived torn, I want my money back".to_owned()
            ),
            (
                "ai".to_owned(),
                "I am handing you to a colleague.".to_owned()
            ),
        ]
    );
    assert_eq!(
        app.metric("sales_handoffs_opened_total", &[("tenant", "acme")])
            .await,
        1.0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_escalation_opens_one_handoff_and_a_new_one_updates_it() {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    let first = escalation("acme", "wa:100:ana", "Wants a refund", Priority::Normal);

    app.publish(&first).await;
    app.publish(&first).await;
    app.wait_handled(SalesEscalate::TYPE, 2).await;
    let (_, once) = app.get(&key, "/api/v1/handoffs").await;

    // The seller escalates the same conversation again, with the same last
    // messages and a new summary.
    let mut data: SalesEscalate = decode(&first).unwrap();
    data.summary = "Now threatens a chargeback".to_owned();
    data.priority = Priority::High;
    let context = EventContext::caused_by(&first).unwrap();
    app.publish(&new_event("/tests", &context, &data).unwrap())
        .await;
    app.wait_handled(SalesEscalate::TYPE, 3).await;
    let (_, updated) = app.get(&key, "/api/v1/handoffs").await;

    assert_eq!(once["total"], 1);
    assert_eq!(once["handoffs"][0]["escalations"], 1);
    assert_eq!(updated["total"], 1);
    let handoff = app
        .handoff(&key, updated["handoffs"][0]["id"].as_str().unwrap())
        .await;
    assert_eq!(handoff["id"], once["handoffs"][0]["id"]);
    assert_eq!(handoff["escalations"], 2);
    assert_eq!(handoff["summary"], "Now threatens a chargeback");
    assert_eq!(handoff["priority"], "high");
    assert_eq!(transcript(&handoff).len(), 2, "{handoff}");
    app.stop().await;
}
