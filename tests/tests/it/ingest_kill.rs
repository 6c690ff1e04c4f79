//! The gateway killed (SIGKILL) between publishing a webhook's events and
//! answering it: the channel's retry, to a gateway started again, is
//! answered 200 with the very same event ids (which consumers drop as
//! handled), and the shopper's pick from the brand menu is kept. The
//! process is held in that window by a database trigger that stalls the
//! saving of the pick, the last step before the answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{collections::BTreeMap, path::Path, time::Duration};

use secrecy::SecretString;
use store_bus::{Bus, BusConfig, ConsumerConfig, Handler, HandlerError, Incoming};
use store_events::AttributesReader as _;
use store_stack::process::{Spec, bin_dir, free_ports};
use store_telemetry::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const MENU_NUMBER: &str = "100000000000001";
const SECRET: &str = "demo-app-secret";

struct Forward(mpsc::UnboundedSender<Incoming>);

#[async_trait::async_trait]
impl Handler for Forward {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let _ = self.0.send(incoming.clone());
        Ok(())
    }
}

fn pick() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "34900000000", "phone_number_id": MENU_NUMBER },
            "contacts": [{ "profile": { "name": "Ana" }, "wa_id": "34600111222" }],
            "messages": [{ "from": "34600111222", "id": "wamid.killed", "timestamp": "1700000000",
                "type": "interactive", "interactive": { "type": "list_reply",
                "list_reply": { "id": "brand:tech", "title": "Tech" } } }],
        } }] }]
    }))
    .unwrap()
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    body: &[u8],
) -> reqwest::Result<reqwest::Response> {
    http.post(url)
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            store_testkit::whatsapp::signature(SECRET, body),
        )
        .body(body.to_vec())
        .send()
        .await
}

/// Events of each type by id, as they arrive within `quiet` of each other.
async fn drain(
    rx: &mut mpsc::UnboundedReceiver<Incoming>,
    quiet: Duration,
) -> BTreeMap<String, Vec<String>> {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    while let Ok(Some(incoming)) = tokio::time::timeout(quiet, rx.recv()).await {
        let ids = seen.entry(incoming.event.ty().to_owned()).or_default();
        ids.push(incoming.event.id().to_owned());
        ids.sort();
        ids.dedup();
    }
    seen
}

#[tokio::test]
async fn a_gateway_killed_after_publishing_is_retried_with_the_same_ids() {
    store_telemetry::init_for_tests();
    let (pool, database_url) = store_testkit::fresh_database_with_url().await.unwrap();
    let exchange = store_testkit::unique("ingest-kill");
    let tenants = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/tenants.demo.yaml");
    let port = free_ports(2).unwrap();
    let logs = std::env::temp_dir().join(&exchange);
    std::fs::create_dir_all(&logs).unwrap();
    let spec = Spec::new("gateway", &bin_dir().unwrap(), "gateway", port).envs([
        ("DATABASE_URL", database_url.clone()),
        ("AMQP_URL", store_testkit::amqp_url()),
        ("BUS_EXCHANGE", exchange.clone()),
        ("TENANTS_FILE", tenants.display().to_string()),
        ("OPERATOR_PORT", (port + 1).to_string()),
    ]);
    let http = reqwest::Client::new();
    let mut gateway = spec.spawn(&logs).unwrap();
    gateway
        .wait_ready(&http, Duration::from_secs(30))
        .await
        .unwrap();

    let bus = Bus::connect(
        BusConfig::new("watcher", SecretString::from(store_testkit::amqp_url()))
            .with_exchange(exchange.clone()),
        Metrics::new("watcher").unwrap(),
    )
    .await
    .unwrap();
    let (tx, mut events) = mpsc::unbounded_channel();
    let watcher = bus
        .consume(
            ConsumerConfig::new(format!("{exchange}.watch"), ["#"]).with_retry_delays([]),
            Forward(tx),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    // Saving the pick, after the publishes, stalls.
    for sql in [
        "create function stall() returns trigger language plpgsql as \
         $$ begin perform pg_sleep(120); return new; end $$",
        "create trigger stall before insert or update on conversation_brand \
         for each row execute function stall()",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let url = format!("{}/webhooks/whatsapp/demo", gateway.url());

    let pending = tokio::spawn({
        let (http, url) = (http.clone(), url.clone());
        async move { post(&http, &url, &pick()).await }
    });
    let first = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let incoming = events.recv().await.unwrap();
            if incoming.event.ty() == "store.chat.message.new" {
                return incoming.event.id().to_owned();
            }
        }
    })
    .await
    .expect("the events are published while the pick is being saved");
    gateway.kill().await.unwrap();
    let killed = pending.await.unwrap();
    // The stalled statement's backend, then the trigger.
    sqlx::query(
        "select pg_terminate_backend(pid) from pg_stat_activity \
         where datname = current_database() and query like '%conversation_brand%' \
         and pid <> pg_backend_pid()",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("drop trigger stall on conversation_brand")
        .execute(&pool)
        .await
        .unwrap();
    let before_retry = drain(&mut events, Duration::from_millis(500)).await;
    let mut gateway = spec.spawn(&logs).unwrap();
    gateway
        .wait_ready(&http, Duration::from_secs(30))
        .await
        .unwrap();
    let retried = post(&http, &url, &pick()).await.unwrap();
    let after_retry = drain(&mut events, Duration::from_secs(2)).await;
    let kept: Option<String> =
        sqlx::query_scalar("select brand from conversation_brand where tenant = 'demo'")
            .fetch_optional(&pool)
            .await
            .unwrap();

    assert!(
        killed.is_err(),
        "no answer from a killed gateway: {killed:?}"
    );
    assert_eq!(retried.status(), 200);
    assert_eq!(
        after_retry["store.chat.message.new"],
        [first],
        "same id: {after_retry:?}"
    );
    let raw = "store.whatsapp.message.received";
    if let Some(earlier) = before_retry.get(raw) {
        assert_eq!(earlier, &after_retry[raw]);
    }
    assert_eq!(kept.as_deref(), Some("tech"));
    gateway.terminate();
    let _ = gateway.wait_stopped(Duration::from_secs(10)).await;
    watcher.shutdown().await;
    store_testkit::purge_broker(&exchange).await;
}
