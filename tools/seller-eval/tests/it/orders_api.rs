//! A shopper's orders and cancellations through the real order processor's
//! HTTP API (with the demo tenant's API key, as an operator creates it),
//! in the real shop: the shopper orders, asks for their orders and sees it
//! with its status and total, cancels it; the order processor holds it
//! cancelled and the catalog has its stock back. The model is a fake
//! OpenAI-compatible server that only uses what the tools return; the
//! offline brain lists and cancels orders through the same tools.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::support::{
    TestShop, display,
    fake_llm::{Answer, FakeLlm, Last},
};
use seller_agent::llm::Provider;
use serde_json::{Value, json};

fn money(value: &Value) -> String {
    display(
        value["amount_minor"].as_i64().unwrap(),
        value["currency"].as_str().unwrap(),
    )
}

/// A model that orders the first T-shirt, lists the shopper's orders and
/// cancels the one it is asked to.
fn shopkeeper() -> crate::support::fake_llm::Script {
    let shown: Arc<Mutex<Option<Value>>> = Arc::default();
    Arc::new(move |last: &Last| match last {
        Last::User(text) if text.contains("camiseta") => {
            Answer::Call("search_products", json!({"query": "t-shirt"}).to_string())
        }
        Last::User(text) if text.contains("pídeme") => {
            let first = shown.lock().unwrap().clone().unwrap();
            Answer::Call(
                "create_order",
                json!({"items": [{
                    "product_id": first["product_id"],
                    "variant_id": first["variant_id"],
                    "quantity": 1
                }]})
                .to_string(),
            )
        }
        Last::User(text) if text.contains("mis pedidos") => {
            Answer::Call("get_customer_orders", "{}".into())
        }
        Last::User(text) if text.starts_with("cancela") => {
            let number = text.split_whitespace().last().unwrap();
            Answer::Call(
                "cancel_order",
                json!({"order_number": number, "reason": "changed my mind"}).to_string(),
            )
        }
        Last::User(_) => Answer::Text("¿En qué te ayudo?".into()),
        Last::Tool(result) if result.starts_with("Error: ") => {
            let error: Value = serde_json::from_str(&result["Error: ".len()..]).unwrap();
            Answer::Text(format!("No pude: {}", error["error"].as_str().unwrap()))
        }
        Last::Tool(result) => {
            let result: Value = serde_json::from_str(result).unwrap();
            if result["placed"] == true {
                Answer::Text(format!(
                    "Pedido {} hecho. Total: {}.",
                    result["order_number"].as_str().unwrap(),
                    result["total"]["display"].as_str().unwrap()
                ))
            } else if result["cancelled"] == true {
                Answer::Text(format!(
                    "Pedido {} cancelado.",
                    result["order_number"].as_str().unwrap()
                ))
            } else if let Some(orders) = result["orders"].as_array() {
                let lines: Vec<String> = orders
                    .iter()
                    .map(|o| {
                        format!(
                            "{} — {} — {}",
                            o["order_number"].as_str().unwrap(),
                            o["status"].as_str().unwrap(),
                            money(&o["total"])
                        )
                    })
                    .collect();
                Answer::Text(format!("Tus pedidos:\n{}", lines.join("\n")))
            } else {
                let first = result["products"][0].clone();
                *shown.lock().unwrap() = Some(first.clone());
                Answer::Text(format!(
                    "Tengo {} por {}.",
                    first["name"].as_str().unwrap(),
                    first["price"]["display"].as_str().unwrap()
                ))
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shopper_sees_their_order_and_cancels_it_through_the_order_processor() {
    // Arrange: a placed order.
    let fake = FakeLlm::start(Provider::Openai, shopkeeper()).await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;
    let chat = "wa:34622222222";
    shop.say(chat, "busco una camiseta").await;
    shop.reply().await;
    shop.say(chat, "pídeme una").await;
    let (_, placed) = shop.reply().await;
    let order = shop.orders(chat).await.pop().unwrap();
    let (product, variant, _, _) = order.lines[0].clone();
    let reserved = shop.stock(&product, variant.as_deref()).await;
    assert!(
        placed.starts_with(&format!("Pedido {} hecho.", order.number)),
        "{placed}"
    );

    // Act
    shop.say(chat, "¿cuáles son mis pedidos?").await;
    let (_, listed) = shop.reply().await;
    shop.say(chat, &format!("cancela el pedido {}", order.number))
        .await;
    let (_, cancelled) = shop.reply().await;

    // Assert: the order as the order processor holds it…
    assert_eq!(
        listed,
        format!(
            "Tus pedidos:\n{} — pending_payment — {}",
            order.number,
            display(order.total_minor, &order.currency)
        )
    );
    // …cancelled there…
    assert_eq!(cancelled, format!("Pedido {} cancelado.", order.number));
    let after = shop.orders(chat).await.pop().unwrap();
    assert_eq!(after.status, "cancelled");
    // …and its stock back in the catalog.
    let mut stock = reserved;
    for _ in 0..100 {
        stock = shop.stock(&product, variant.as_deref()).await;
        if stock != reserved {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stock, reserved + 1, "the reservation was not released");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_shopper_cannot_cancel_an_order_that_is_not_theirs() {
    // Arrange
    let fake = FakeLlm::start(Provider::Openai, shopkeeper()).await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;
    let chat = "wa:34633333333";
    shop.say(chat, "busco una camiseta").await;
    shop.reply().await;
    shop.say(chat, "pídeme una").await;
    shop.reply().await;
    let order = shop.orders(chat).await.pop().unwrap();

    // Act
    shop.say("wa:34644444444", &format!("cancela {}", order.number))
        .await;
    let (_, stranger) = shop.reply().await;

    // Assert
    assert!(
        stranger.contains(&format!("no order {} for this shopper", order.number)),
        "{stranger}"
    );
    assert_eq!(shop.orders(chat).await[0].status, "pending_payment");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_offline_seller_lists_the_shoppers_orders_and_cancels_one() {
    // Arrange: a Spanish shopper's order, placed with the offline brain.
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(None)).await;
    let chat = "wa:34655555555";
    for text in ["busco una camiseta", "1", "sí"] {
        shop.say(chat, text).await;
        shop.reply().await;
    }
    let order = shop.orders(chat).await.pop().unwrap();
    let (product, variant, _, _) = order.lines[0].clone();
    let reserved = shop.stock(&product, variant.as_deref()).await;

    // Act
    shop.say(chat, "¿dónde está mi pedido?").await;
    let (_, listed) = shop.reply().await;
    shop.say(chat, "quiero cancelar un pedido").await;
    let (_, which) = shop.reply().await;
    shop.say(chat, &format!("cancela el pedido {}", order.number))
        .await;
    let (_, cancelled) = shop.reply().await;
    shop.say(chat, "mis pedidos").await;
    let (_, after) = shop.reply().await;

    // Assert: the order with its status and total, in Spanish…
    let total = display(order.total_minor, &order.currency);
    assert_eq!(
        listed,
        format!(
            "Tus pedidos recientes:\n• {} — pendiente de pago — {total}",
            order.number
        )
    );
    assert!(which.ends_with("¿Cuál cancelo? Dime su número."), "{which}");
    // …cancelled in the order processor, its stock back in the catalog.
    assert_eq!(
        cancelled,
        format!("Tu pedido {} está cancelado.", order.number)
    );
    assert_eq!(shop.orders(chat).await[0].status, "cancelled");
    assert!(
        after.contains(&format!("{} — cancelado", order.number)),
        "{after}"
    );
    let mut stock = reserved;
    for _ in 0..100 {
        stock = shop.stock(&product, variant.as_deref()).await;
        if stock != reserved {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stock, reserved + 1, "the reservation was not released");
    shop.stop().await;
}
