//! End to end over Telegram, escalation to a human and back, and one trace
//! across the services' logs: the real gateway, seller (offline brain),
//! catalog and order processor as processes.

use std::time::Duration;

use cloudevents::AttributesReader as _;
use serde_json::{Value, json};
use store_tests::store::{Store, WHATSAPP_NUMBER, wait_for};

#[tokio::test(flavor = "multi_thread")]
async fn a_telegram_shopper_orders_and_is_told_when_paid() {
    let shop = Store::start().await;
    let chat = 424_242_001;

    assert!(!shop.telegram_say(chat, "hello").await.is_empty());
    let found = shop
        .telegram_say(chat, "I'm looking for a hoodie")
        .await
        .join("\n");
    assert!(found.to_lowercase().contains("hoodie"), "{found}");
    shop.telegram_say(chat, "1").await;
    let placed = shop.telegram_say(chat, "yes").await.join("\n");

    let customer = chat.to_string();
    let orders = wait_for("orders", 1, Duration::from_secs(20), || {
        shop.orders_of(&customer)
    })
    .await;
    let order = &orders[0];
    let number = order["order_number"].as_str().expect("number");
    assert!(placed.contains(number), "{placed}");
    assert_eq!(order["channel"], "telegram");
    assert_eq!(order["lines"][0]["quantity"], 1);

    let before = shop.telegram_texts(chat).await.len();
    shop.set_order_status(order["id"].as_str().expect("id"), "paid")
        .await;
    let notice = shop.replies(before, || shop.telegram_texts(chat)).await;
    assert!(notice.iter().any(|t| t.contains(number)), "{notice:?}");

    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_escalated_conversation_goes_to_a_human_and_back_to_the_ai() {
    let shop = Store::start().await;
    let mut escalations = shop.observe("store.sales.escalate.#").await;
    let shopper = "5511990000002";
    let conversation = format!("whatsapp:{WHATSAPP_NUMBER}:{shopper}");

    // The shopper asks for a person: the seller says so and escalates.
    let told = shop
        .whatsapp_say(shopper, "I want to talk to a person")
        .await;
    assert!(!told.is_empty(), "the shopper is told someone will come");
    let escalation = escalations
        .next(Duration::from_secs(20))
        .await
        .expect("a store.sales.escalate event");
    assert_eq!(escalation.ty(), "store.sales.escalate");
    let ext = |name: &str| escalation.extension(name).map(|v| v.to_string());
    assert_eq!(ext("conversation").as_deref(), Some(conversation.as_str()));
    assert_eq!(ext("tenant").as_deref(), Some("demo"));

    // The human sellers' inbox has it.
    let open = wait_for("open handoffs", 1, Duration::from_secs(20), || async {
        shop.sales_get("/api/v1/handoffs?status=open").await["handoffs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    })
    .await;
    assert_eq!(open[0]["conversation"], conversation.as_str(), "{open:#?}");
    let handoff = open[0]["id"].as_str().expect("handoff id").to_owned();
    // The human starts from what was said: the escalation carried it.
    let first = shop.sales_get(&format!("/api/v1/handoffs/{handoff}")).await;
    let said: Vec<&str> = first["transcript"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["from"] == "shopper")
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(said.contains(&"I want to talk to a person"), "{first:#}");

    // While a human has the conversation, the AI seller stays silent, and
    // what the shopper writes reaches the human's transcript.
    let before = shop.whatsapp_texts(shopper).await.len();
    let response = shop
        .post_whatsapp(store_tests::store::whatsapp_text(
            shopper,
            "hello? are you there?",
        ))
        .await;
    assert_eq!(response.status(), 200);
    let transcript = wait_for(
        "the shopper's message",
        1,
        Duration::from_secs(20),
        || async {
            shop.sales_get(&format!("/api/v1/handoffs/{handoff}")).await["transcript"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["text"] == "hello? are you there?")
                .cloned()
                .collect::<Vec<Value>>()
        },
    )
    .await;
    assert_eq!(transcript[0]["from"], "shopper");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        shop.whatsapp_texts(shopper).await.len(),
        before,
        "no AI reply during the handoff"
    );

    // The human answers through the inbox; the shopper gets it on WhatsApp.
    let (status, _) = shop
        .sales_post(
            &format!("/api/v1/handoffs/{handoff}/reply"),
            json!({ "text": "Hi, this is Ana from Moda Lía. How can I help?", "agent": "ana" }),
        )
        .await;
    assert_eq!(status, 202);
    let human = shop.replies(before, || shop.whatsapp_texts(shopper)).await;
    assert_eq!(
        human,
        vec!["Hi, this is Ana from Moda Lía. How can I help?".to_owned()]
    );

    // Resolved: the AI seller is back.
    let (status, resolved) = shop
        .sales_post(
            &format!("/api/v1/handoffs/{handoff}/resolve"),
            json!({ "agent": "ana", "resolution": "handed_back" }),
        )
        .await;
    assert_eq!(status, 200, "{resolved}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let found = shop
        .whatsapp_say(shopper, "show me sneakers")
        .await
        .join("\n");
    assert!(
        found.to_lowercase().contains("sneaker"),
        "the AI seller is back: {found}"
    );

    escalations.close().await;
    shop.stop().await;
}

/// The JSON log lines of a service.
fn log_lines(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect()
}

fn trace_ids(log: &str) -> std::collections::BTreeSet<String> {
    log_lines(log)
        .iter()
        .filter_map(|l| {
            l["trace_id"]
                .as_str()
                .or(l["span"]["trace_id"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_has_one_trace_id_in_every_service_log() {
    let shop = Store::start().await;
    let shopper = "5511990000003";
    shop.whatsapp_say(shopper, "show me sneakers").await;
    shop.whatsapp_say(shopper, "1").await;
    // This message makes the seller place an order: gateway → seller →
    // order processor.
    shop.whatsapp_say(shopper, "yes").await;
    let orders = wait_for("orders", 1, Duration::from_secs(20), || {
        shop.orders_of(shopper)
    })
    .await;
    let number = orders[0]["order_number"]
        .as_str()
        .expect("number")
        .to_owned();

    let orders_log = shop.log("order-processor");
    let created: Vec<Value> = log_lines(&orders_log)
        .into_iter()
        .filter(|l| l.to_string().contains(&number))
        .collect();
    let trace = created
        .iter()
        .find_map(|l| l["trace_id"].as_str())
        .unwrap_or_else(|| {
            panic!("no order-processor log line for {number} carries a trace id: {created:#?}")
        })
        .to_owned();
    assert!(
        trace_ids(&shop.log("seller-demo-fashion")).contains(&trace),
        "the seller logged trace {trace}"
    );
    assert!(
        trace_ids(&shop.log("gateway")).contains(&trace),
        "the gateway logged trace {trace}"
    );

    shop.stop().await;
}
