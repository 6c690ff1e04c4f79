//! The webhooks under bad conditions and the ops endpoints: bad input gets a
//! clear 4xx, a broker outage a 503 that the channel retries, and `/healthz`,
//! `/readyz` are served beside the webhooks, `/metrics` on the operator's
//! port.

use std::time::Duration;

use store_events::AttributesReader as _;

use crate::support::{APP_SECRET, Options, SINGLE_NUMBER, TestApp, fixture, proxy};
use serde_json::{Value, json};

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_with_a_reason() {
    let app = TestApp::spawn().await;
    let text = fixture("whatsapp/text.json");
    let other_number = String::from_utf8(text.clone())
        .unwrap()
        .replace(SINGLE_NUMBER, "404404404");

    let malformed = app
        .post_whatsapp(b"{\"object\": \"whatsapp_business_account\", ")
        .await;
    let not_whatsapp = app
        .post_whatsapp(br#"{"object":"instagram","entry":[]}"#)
        .await;
    let unknown_tenant = app.post_whatsapp_signed("nobody", &text, APP_SECRET).await;
    let unknown_number = app.post_whatsapp(other_number.as_bytes()).await;
    let too_large = app.post_whatsapp(&vec![b' '; 65 * 1024]).await;
    let not_json = app
        .http
        .post(format!("{}/webhooks/whatsapp/shop", app.address))
        .header("content-type", "text/plain")
        .header(
            "x-hub-signature-256",
            gateway::domain::signature::whatsapp_signature(APP_SECRET, &text),
        )
        .body(text.clone())
        .send()
        .await
        .unwrap();

    let code = |r: reqwest::Response| async move {
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let (status, body) = code(malformed).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("malformed_payload"))
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not a WhatsApp webhook"),
        "{body}"
    );
    let (status, body) = code(not_whatsapp).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("malformed_payload"))
    );
    assert!(body["detail"].as_str().unwrap().contains("instagram"));
    assert_eq!(code(unknown_tenant).await.0, 404);
    let (status, body) = code(unknown_number).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_channel"))
    );
    assert_eq!(code(too_large).await.0, 413);
    assert_eq!(code(not_json).await.0, 415);
    app.stop().await;
}

#[tokio::test]
async fn with_the_broker_down_the_webhook_answers_503_and_keeps_no_dedup_row() {
    let upstream = proxy::host_port(&store_testkit::amqp_url());
    let proxy = proxy::Proxy::start(upstream).await;
    let app = TestApp::spawn_with(Options {
        amqp_url: Some(proxy::via(&store_testkit::amqp_url(), proxy.port)),
        ..Options::default()
    })
    .await;
    let ready_before = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();

    proxy.cut();
    let response = app.post_whatsapp(&fixture("whatsapp/text.json")).await;
    let ready_after = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(ready_before.status(), 200);
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "code": "unavailable", "detail": "temporarily unavailable" })
    );
    assert_eq!(ready_after.status(), 503);
    app.recorded().await;
    let rows: i64 = sqlx::query_scalar("select count(*) from inbound_message")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        rows, 0,
        "the channel's retry must not be taken for a duplicate"
    );
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let mut app = TestApp::spawn().await;
    app.post_whatsapp(&fixture("whatsapp/text.json")).await;
    app.next_of("store.whatsapp.message.received").await;

    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    let metrics = app
        .http
        .get(format!("{}/metrics", app.operator))
        .send()
        .await
        .unwrap();

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    let names: Vec<&str> = ready["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"rabbitmq") && names.contains(&"postgres"),
        "{ready}"
    );
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains(r#"gateway_inbound_messages_total{channel="whatsapp",outcome="published",service="gateway"} 1"#),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_message_no_seller_is_bound_for_is_not_acknowledged() {
    // Only the audit events have a queue; no seller listens.
    let app = TestApp::spawn_with(Options {
        bindings: Some(vec!["store.whatsapp.message.received.#".to_owned()]),
        ..Options::default()
    })
    .await;

    let response = app.post_whatsapp(&fixture("whatsapp/text.json")).await;

    assert_eq!(response.status(), 503);
    app.recorded().await;
    let rows: i64 = sqlx::query_scalar("select count(*) from inbound_message")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        rows, 0,
        "Meta's retry must be processed once a seller is there"
    );
    app.stop().await;
}

#[tokio::test]
async fn two_simultaneous_deliveries_of_one_message_publish_it_under_one_id() {
    // Both copies are taken (neither waits for the other): each may
    // publish, under the same event ids, which every consumer drops once
    // handled (flows::ingest_webhook, "Why this is neither lost nor
    // doubled").
    let mut app = TestApp::spawn().await;
    let body = fixture("whatsapp/text.json");

    let (a, b) = tokio::join!(app.post_whatsapp(&body), app.post_whatsapp(&body));
    // Another message id (the image fixture shares the text's).
    let next = app.post_whatsapp(&fixture("whatsapp/button.json")).await;

    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert_eq!(next.status(), 200);
    let mut ids: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    while let Some((event, _)) = app.try_next_event(Duration::from_secs(1)).await {
        let data = serde_json::to_value(&event).unwrap()["data"].clone();
        let message = data["message_id"]
            .as_str()
            .or(data["channel_message_id"].as_str())
            .unwrap_or_default()
            .to_owned();
        ids.entry(format!("{} {message}", event.ty()))
            .or_default()
            .insert(event.id().to_owned());
    }
    for (what, distinct) in &ids {
        assert_eq!(distinct.len(), 1, "{what}: {ids:?}");
    }
    assert!(
        ids.contains_key("store.whatsapp.message.received wamid.xsidjw"),
        "{ids:?}"
    );
    app.stop().await;
}
