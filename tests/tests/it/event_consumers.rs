//! The consumers the event catalog names are the consumers the running store
//! has: the real services start (as `scripts/run.sh` starts them), and every
//! binding on their exchange, read back from RabbitMQ's management API, is
//! matched against each type's routing key. A service the catalog names
//! that binds no such key, or a binding the catalog does not name, fails.
//! (Which types the code defines is `store-events`' catalog test.)

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use serde_json::Value;
use store_tests::store::Store;

/// The services, as they name their queues (`<exchange>.<prefix>…`).
const SERVICES: [(&str, &str); 5] = [
    ("gateway", "gateway"),
    ("seller", "seller-agent"),
    ("catalog", "catalog"),
    ("order-processor", "order-processor"),
    ("sales-assistant", "sales-assistant"),
];

/// Whether a topic binding `pattern` matches `key` (`*` one word, `#` any).
fn topic_matches(pattern: &[&str], key: &[&str]) -> bool {
    match (pattern.split_first(), key.split_first()) {
        (None, None) => true,
        (Some((&"#", rest)), _) => {
            topic_matches(rest, key) || (!key.is_empty() && topic_matches(pattern, &key[1..]))
        }
        (Some((&word, rest)), Some((&first, tail))) => {
            (word == "*" || word == first) && topic_matches(rest, tail)
        }
        _ => false,
    }
}

/// Each type of `proto-events/README.md`'s catalog with the services its
/// consumer column names, for the types published with a routing key (a
/// reply goes to its requester's `reply_to`, not through a binding).
fn documented_consumers() -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto-events/README.md");
    let text = std::fs::read_to_string(&path).expect("proto-events/README.md");
    text.lines()
        .filter(|line| line.starts_with("| `store."))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let ty = cells.get(1)?.trim_matches('`').to_owned();
            let consumer = cells.get(3)?;
            let routed = cells.get(6)?.starts_with('`');
            let named = SERVICES
                .iter()
                .map(|(_, service)| *service)
                .filter(|service| consumer.contains(service))
                .filter(|_| !consumer.contains("the requester"))
                .map(str::to_owned)
                .collect();
            routed.then_some((ty, named))
        })
        .collect()
}

/// Every binding of `exchange`: the service whose queue or shard exchange
/// it feeds, and its routing key.
async fn bindings(exchange: &str) -> Vec<(String, String)> {
    let management = store_testkit::management().expect("a management URL");
    let encoded: String = url::form_urlencoded::byte_serialize(exchange.as_bytes()).collect();
    let url = format!(
        "{}/api/exchanges/%2F/{encoded}/bindings/source",
        management.api
    );
    let listed: Vec<Value> = reqwest::Client::new()
        .get(url)
        .basic_auth(management.user, Some(management.password))
        .send()
        .await
        .expect("the management API answers")
        .json()
        .await
        .expect("bindings as JSON");
    listed
        .iter()
        .filter_map(|b| {
            let destination = b["destination"]
                .as_str()?
                .strip_prefix(&format!("{exchange}."))?;
            let service = SERVICES
                .iter()
                .find(|(prefix, _)| destination.starts_with(prefix))
                .map(|(_, service)| (*service).to_owned())?;
            Some((service, b["routing_key"].as_str()?.to_owned()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalogs_consumers_are_the_running_stores_bindings() {
    let shop = Store::start().await;
    let documented = documented_consumers();

    let bound = bindings(&shop.exchange).await;

    assert!(
        bound.iter().any(|(service, _)| service == "seller-agent"),
        "no seller binding found: {bound:?}"
    );
    let mut problems = Vec::new();
    for (ty, named) in &documented {
        let key = format!("{ty}.demo.fashion");
        let key: Vec<&str> = key.split('.').collect();
        let consuming: BTreeSet<String> = bound
            .iter()
            .filter(|(_, pattern)| topic_matches(&pattern.split('.').collect::<Vec<_>>(), &key))
            .map(|(service, _)| service.clone())
            .collect();
        if &consuming != named {
            problems.push(format!(
                "{ty}: the catalog names {named:?}, the running store binds {consuming:?}"
            ));
        }
    }
    shop.stop().await;
    assert!(documented.len() >= 15, "{documented:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn topic_patterns_match_as_rabbitmq_matches_them() {
    let key = ["store", "chat", "response", "demo", "fashion"];

    assert!(topic_matches(&["store", "chat", "response", "#"], &key));
    assert!(topic_matches(&["store", "chat", "*", "demo", "*"], &key));
    assert!(topic_matches(&["#"], &key));
    assert!(!topic_matches(&["store", "chat", "response", "demo"], &key));
    assert!(!topic_matches(
        &["store", "chat", "message", "new", "#"],
        &key
    ));
}
