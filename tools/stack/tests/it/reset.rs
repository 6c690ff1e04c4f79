//! `store-up --reset`: a fresh start empties the store's queues too, so
//! messages of an earlier run (a reservation in flight, a dead letter)
//! cannot act on the fresh databases; another store's queues are kept.

use std::path::PathBuf;

use serde_json::{Value, json};
use store_stack::{Stack, StackConfig};

const MANAGEMENT: &str = "http://127.0.0.1:15672";

fn queue_url(name: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("{MANAGEMENT}/api/queues/%2F/{encoded}")
}

/// Declares `name` and leaves one message in it.
async fn queue_with_a_message(http: &reqwest::Client, name: &str) {
    http.put(queue_url(name))
        .basic_auth("guest", Some("guest"))
        .json(&json!({ "durable": true, "auto_delete": false }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let published: Value = http
        .post(format!(
            "{MANAGEMENT}/api/exchanges/%2F/amq.default/publish"
        ))
        .basic_auth("guest", Some("guest"))
        .json(&json!({
            "properties": {}, "routing_key": name,
            "payload": "{\"type\":\"store.inventory.reserve\"}", "payload_encoding": "string",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published["routed"], true);
}

async fn exists(http: &reqwest::Client, name: &str) -> bool {
    let status = http
        .get(queue_url(name))
        .basic_auth("guest", Some("guest"))
        .send()
        .await
        .unwrap()
        .status();
    status.is_success()
}

#[tokio::test]
async fn reset_empties_the_stores_queues_and_keeps_another_stores() {
    let name = store_testkit::unique("stackreset").replace('-', "_");
    let ours = format!("{name}.events");
    let theirs = format!("{name}x.events");
    let state = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&state).unwrap();
    let mut config = StackConfig::local(PathBuf::from("."), PathBuf::from("."), state);
    config.database_prefix = name.clone();
    config.exchange = Some(ours.clone());
    config.management_url = format!("http://guest:guest@{}", &MANAGEMENT[7..]);
    let http = reqwest::Client::new();
    let left = [
        format!("{ours}.catalog.inventory-reserve"),
        format!("{ours}.catalog.inventory-reserve.dlq"),
        format!("{ours}.seller.demo.fashion.shard-0"),
        format!("{ours}.order-processor.create.retry.1000ms"),
    ];
    let kept = format!("{theirs}.catalog.inventory-reserve");
    for queue in left.iter().chain([&kept]) {
        queue_with_a_message(&http, queue).await;
    }

    Stack::reset(&config).await.unwrap();

    for queue in &left {
        assert!(!exists(&http, queue).await, "{queue} is still there");
    }
    assert!(
        exists(&http, &kept).await,
        "another store's queue was deleted"
    );
    store_testkit::purge_broker(&theirs).await;
}
