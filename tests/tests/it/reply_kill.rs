//! The gateway killed (SIGKILL) while WhatsApp holds a reply's message it
//! has taken and the gateway has not recorded: the reply, redelivered to a
//! gateway started again, is settled by the message's `sent` status (which
//! echoes the send's `biz_opaque_callback_data`) instead of being sent
//! twice; with no status within the patience it is sent, never lost. The
//! process is held in that window by a Graph API that answers the send
//! only after a few seconds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::Path, time::Duration};

use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::PgPool;
use store_bus::{Bus, BusConfig};
use store_events::{
    BrandId, ConversationId, EventContext, TenantId,
    data::{
        common::Channel,
        response::{ChatResponse, ResponsePart, Sender},
    },
    new_event,
};
use store_stack::process::{Spec, bin_dir, free_ports};
use store_telemetry::Metrics;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const NUMBER: &str = "100000000000001";
const SECRET: &str = "demo-app-secret";
const SHOPPER: &str = "34600111222";

/// A gateway on a fresh database and exchange, sending to `graph`.
struct Killable {
    spec: Spec,
    logs: std::path::PathBuf,
    pool: PgPool,
    exchange: String,
    http: reqwest::Client,
}

impl Killable {
    async fn new(graph: &MockServer, status_patience_secs: u64) -> Self {
        store_telemetry::init_for_tests();
        let (pool, database_url) = store_testkit::fresh_database_with_url().await.unwrap();
        let exchange = store_testkit::unique("reply-kill");
        let tenants = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/tenants.demo.yaml");
        let port = free_ports(2).unwrap();
        let logs = std::env::temp_dir().join(&exchange);
        std::fs::create_dir_all(&logs).unwrap();
        let spec = Spec::new("gateway", &bin_dir().unwrap(), "gateway", port).envs([
            ("DATABASE_URL", database_url),
            ("AMQP_URL", store_testkit::amqp_url()),
            ("BUS_EXCHANGE", exchange.clone()),
            ("TENANTS_FILE", tenants.display().to_string()),
            ("OPERATOR_PORT", (port + 1).to_string()),
            ("WHATSAPP_API_BASE", format!("{}/v21.0", graph.uri())),
            (
                "GATEWAY_STATUS_PATIENCE_SECS",
                status_patience_secs.to_string(),
            ),
        ]);
        Self {
            spec,
            logs,
            pool,
            exchange,
            http: reqwest::Client::new(),
        }
    }

    async fn start(&self) -> store_stack::process::Service {
        let mut gateway = self.spec.spawn(&self.logs).unwrap();
        gateway
            .wait_ready(&self.http, Duration::from_secs(30))
            .await
            .unwrap();
        gateway
    }

    /// Publishes a one-message reply to the shopper.
    async fn reply(&self) {
        let bus = Bus::connect(
            BusConfig::new("seller", SecretString::from(store_testkit::amqp_url()))
                .with_exchange(self.exchange.clone()),
            Metrics::new("reply-kill").unwrap(),
        )
        .await
        .unwrap();
        let context = EventContext::new(TenantId::parse("demo").unwrap())
            .with_brand(BrandId::parse("tech").unwrap())
            .with_conversation(
                ConversationId::parse(format!("whatsapp:{NUMBER}:{SHOPPER}")).unwrap(),
            );
        let reply = ChatResponse {
            channel: Channel::Whatsapp,
            recipient: SHOPPER.to_owned(),
            reply_to_message_id: None,
            sender: Sender::Ai,
            parts: vec![ResponsePart::Text {
                text: "Your order is placed".into(),
            }],
        };
        bus.publish(new_event("/agent-store/seller-agent", &context, &reply).unwrap())
            .await
            .unwrap();
    }

    /// Posts WhatsApp's `sent` status of `wamid`, echoing `opaque`.
    async fn status(&self, gateway: &str, wamid: &str, opaque: &str) -> u16 {
        let body =
            store_testkit::whatsapp::whatsapp_sent_status(NUMBER, wamid, SHOPPER, Some(opaque));
        self.http
            .post(format!("{gateway}/webhooks/whatsapp/demo"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                store_testkit::whatsapp::signature(SECRET, &body),
            )
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn stop(self, mut gateway: store_stack::process::Service) {
        gateway.terminate();
        let _ = gateway.wait_stopped(Duration::from_secs(10)).await;
        store_testkit::purge_broker(&self.exchange).await;
    }
}

/// A Graph API that takes every send and answers it after `delay`.
async fn slow_graph(delay: Duration) -> MockServer {
    let graph = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{NUMBER}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "messages": [{ "id": "wamid.taken" }] }))
                .set_delay(delay),
        )
        .mount(&graph)
        .await;
    graph
}

/// The bodies of the sends `graph` received, once it has at least `n`.
async fn sends(graph: &MockServer, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let received: Vec<Value> = graph
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect();
        if received.len() >= n || tokio::time::Instant::now() > deadline {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_reply_redelivered_after_a_kill_is_settled_by_the_status_not_sent_twice() {
    let graph = slow_graph(Duration::from_secs(4)).await;
    let store = Killable::new(&graph, 20).await;
    let mut gateway = store.start().await;
    store.reply().await;
    let first = sends(&graph, 1).await;
    assert_eq!(first.len(), 1, "the reply is being sent");
    let opaque = first[0]["biz_opaque_callback_data"]
        .as_str()
        .expect("the send carries its reference")
        .to_owned();

    // WhatsApp has the message; the gateway dies before it hears so.
    gateway.kill().await.unwrap();
    let gateway = store.start().await;
    let status = store.status(&gateway.url(), "wamid.taken", &opaque).await;
    let recorded: Option<String> = {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let id =
                sqlx::query_scalar("select channel_message_id from outbound_message where seq = 0")
                    .fetch_optional(&store.pool)
                    .await
                    .unwrap();
            if id.is_some() || tokio::time::Instant::now() > deadline {
                break id;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    // Long enough for a second send to reach the Graph API.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = sends(&graph, 1).await;

    assert_eq!(status, 200);
    assert_eq!(recorded.as_deref(), Some("wamid.taken"));
    assert_eq!(all.len(), 1, "sent once: {all:#?}");
    store.stop(gateway).await;
}

#[tokio::test]
async fn a_reply_redelivered_after_a_kill_with_no_status_is_sent_after_the_patience() {
    let graph = slow_graph(Duration::from_secs(4)).await;
    let store = Killable::new(&graph, 1).await;
    let mut gateway = store.start().await;
    store.reply().await;
    assert_eq!(sends(&graph, 1).await.len(), 1, "the reply is being sent");

    gateway.kill().await.unwrap();
    let gateway = store.start().await;
    let all = sends(&graph, 2).await;

    // No status came: the message may never have left, so it is sent
    // again (the same reference) rather than risk losing it.
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(
        all[0]["biz_opaque_callback_data"],
        all[1]["biz_opaque_callback_data"]
    );
    store.stop(gateway).await;
}
