//! End to end over the web chat channel: a shopper on the gateway's web
//! chat API (the protocol of docs/WEBCHAT.md, as the page and `storectl
//! chat` speak it) orders from the real seller, catalog and order processor,
//! and is told on the chat when the order is paid.

use std::time::Duration;

use serde_json::{Value, json};
use store_tests::store::{BRAND, Store, TENANT, wait_for};

struct Session {
    base: String,
    id: String,
    token: String,
    customer: String,
    http: reqwest::Client,
}

impl Session {
    async fn open(shop: &Store) -> Self {
        let http = reqwest::Client::new();
        let base = format!("{}/chat/{TENANT}", shop.gateway());
        let response = http
            .post(format!("{base}/sessions"))
            .json(&json!({ "brand": BRAND, "name": "Ana" }))
            .send()
            .await
            .expect("the gateway answers");
        assert_eq!(response.status(), 201);
        let session: Value = response.json().await.expect("JSON");
        let id = session["session_id"]
            .as_str()
            .expect("session id")
            .to_owned();
        Self {
            base,
            customer: id.clone(),
            id,
            token: session["token"].as_str().expect("token").to_owned(),
            http,
        }
    }

    async fn transcript(&self) -> Vec<Value> {
        let answer: Value = self
            .http
            .get(format!("{}/sessions/{}", self.base, self.id))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("the gateway answers")
            .json()
            .await
            .expect("JSON");
        answer["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Texts of the entries not from the shopper.
    async fn answers(&self) -> Vec<String> {
        self.transcript()
            .await
            .iter()
            .filter(|e| e["from"] != "shopper")
            .map(|e| {
                e["parts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    }

    async fn say(&self, shop: &Store, text: &str) -> String {
        let before = self.answers().await.len();
        let response = self
            .http
            .post(format!("{}/sessions/{}/messages", self.base, self.id))
            .bearer_auth(&self.token)
            .json(&json!({ "text": text, "client_message_id": uuid::Uuid::new_v4().to_string() }))
            .send()
            .await
            .expect("the gateway answers");
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        shop.replies(before, || self.answers()).await.join("\n")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_chat_shopper_orders_and_is_told_when_paid() {
    let shop = Store::start().await;
    let session = Session::open(&shop).await;

    assert!(!session.say(&shop, "hi").await.is_empty());
    let found = session.say(&shop, "show me sneakers").await;
    assert!(found.to_lowercase().contains("sneaker"), "{found}");
    let confirm = session.say(&shop, "2 of 1").await;
    assert!(confirm.contains("BRL"), "{confirm}");
    let placed = session.say(&shop, "yes").await;

    let orders = wait_for("orders", 1, Duration::from_secs(20), || {
        shop.orders_of(&session.customer)
    })
    .await;
    let order = &orders[0];
    let number = order["order_number"].as_str().expect("number");
    assert!(placed.contains(number), "{placed}");
    assert_eq!(order["channel"], "webchat");
    assert_eq!(order["lines"][0]["quantity"], 2);
    let unit = order["lines"][0]["unit_price"]["amount_minor"]
        .as_i64()
        .expect("unit price");
    assert_eq!(order["total"]["amount_minor"].as_i64(), Some(2 * unit));

    let before = session.answers().await.len();
    shop.set_order_status(order["id"].as_str().expect("id"), "paid")
        .await;
    let notice = shop.replies(before, || session.answers()).await.join("\n");
    assert!(notice.contains(number), "{notice}");

    // The whole conversation is there for a page reloaded later, in order.
    let transcript = session.transcript().await;
    let seqs: Vec<i64> = transcript
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "{transcript:#?}");
    assert_eq!(
        transcript.iter().filter(|e| e["from"] == "shopper").count(),
        4
    );

    shop.stop().await;
}
