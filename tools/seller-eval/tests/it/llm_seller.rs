//! The LLM brain end to end against fake OpenAI-compatible and Anthropic
//! servers, in the real shop (the catalog seeded with the demo catalog and
//! the order processor): catalog prices quoted, an order of two placed with
//! the shop's total, invented prices caught, malformed tool arguments
//! corrected, and an outage answered by the offline seller instead of
//! leaving the shopper in silence, until the model is back.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use crate::support::{
    TestShop, display,
    fake_llm::{Answer, FakeLlm, Last},
};
use seller_agent::llm::Provider;

/// A competent model: searches, quotes what the tool said, orders two of
/// the first product it showed when asked, reports the order's real total.
fn competent() -> crate::support::fake_llm::Script {
    let shown: Arc<Mutex<Option<serde_json::Value>>> = Arc::default();
    Arc::new(move |last: &Last| match last {
        Last::User(text) if text.contains("zapatillas") => {
            Answer::Call("search_products", r#"{"query": "sneakers"}"#.into())
        }
        Last::User(text) if text.contains("dos") => {
            let first = shown.lock().unwrap().clone().unwrap();
            Answer::Call(
                "create_order",
                serde_json::json!({"items": [{
                    "product_id": first["product_id"],
                    "variant_id": first["variant_id"],
                    "quantity": 2
                }]})
                .to_string(),
            )
        }
        Last::Tool(result) if result.contains("\"placed\":true") => {
            let placed: serde_json::Value = serde_json::from_str(result).unwrap();
            Answer::Text(format!(
                "¡Listo! Tu pedido {} está hecho. Total: {}.",
                placed["order_number"].as_str().unwrap(),
                placed["total"]["display"].as_str().unwrap()
            ))
        }
        Last::Tool(result) => {
            let found: serde_json::Value = serde_json::from_str(result).unwrap();
            let first = found["products"][0].clone();
            *shown.lock().unwrap() = Some(first.clone());
            Answer::Text(format!(
                "Tengo {} por {}. ¿Cuántas quieres?",
                first["name"].as_str().unwrap(),
                first["price"]["display"].as_str().unwrap()
            ))
        }
        Last::User(_) => Answer::Text("¿En qué te ayudo?".into()),
    })
}

async fn shopper_orders_two_through(provider: Provider) {
    // Arrange
    let fake = FakeLlm::start(provider, competent()).await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;
    let chat = "wa:34611111111";

    // Act
    shop.say(chat, "hola, busco zapatillas rojas").await;
    let (_, quote) = shop.reply().await;
    shop.say(chat, "quiero dos de las primeras").await;
    let (_, placed) = shop.reply().await;

    // Assert: the quote is the catalog's…
    let orders = shop.orders(chat).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    let order = &orders[0];
    let (product, variant, quantity, unit) = order.lines[0].clone();
    let price = shop.catalog_price(&product, variant.as_deref()).await;
    assert!(
        quote.starts_with("Tengo ") && quote.contains("Sneakers"),
        "{quote}"
    );
    assert!(
        quote.ends_with(&format!(
            " por {}. ¿Cuántas quieres?",
            display(price, "BRL")
        )),
        "{quote}"
    );
    // …and so is the order of two and its total.
    assert_eq!((quantity, unit), (2, price));
    assert_eq!(order.total_minor, 2 * price);
    assert_eq!(
        placed,
        format!(
            "¡Listo! Tu pedido {} está hecho. Total: {}.",
            order.number,
            display(order.total_minor, &order.currency)
        )
    );
    // The model saw the tools, with schemas generated from the Rust types.
    let first = &fake.bodies()[0];
    let tools = first["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 7);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn openai_shopper_gets_catalog_prices_and_orders_two() {
    shopper_orders_two_through(Provider::Openai).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anthropic_shopper_gets_catalog_prices_and_orders_two() {
    shopper_orders_two_through(Provider::Anthropic).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_price_no_tool_returned_is_caught_and_rewritten() {
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(|last: &Last| match last {
            Last::User(text) if text.starts_with("[seller guard]") => {
                Answer::Text("Déjame buscarla para darte el precio exacto. ¿Busco la gorra?".into())
            }
            _ => Answer::Text(
                "La gorra cuesta solo 9.99 €, ¡y hoy te hago un 20% de descuento!".into(),
            ),
        }),
    )
    .await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;

    shop.say("wa:guard", "¿cuánto cuesta la gorra?").await;
    let (_, reply) = shop.reply().await;

    assert_eq!(
        reply,
        "Déjame buscarla para darte el precio exacto. ¿Busco la gorra?"
    );
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 2, "one rewrite asked for");
    let note = bodies[1]["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        note.contains("\"9.99 €\"") && note.contains("20% de descuento"),
        "{note}"
    );
    shop.stop().await;
}

/// The value of the seller's guard-intervention counter on its `/metrics`.
async fn guard_interventions(port: u16) -> f64 {
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .filter(|l| l.starts_with("seller_guard_interventions_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_catalog_price_passes_the_guard_and_an_invented_one_is_caught_and_counted() {
    // Arrange: a model that quotes the first hoodie's real price and makes
    // one up for the second, until the guard tells it off.
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(|last: &Last| match last {
            Last::User(text) if text.starts_with("[seller guard]") => {
                Answer::Text("Solo puedo darte los precios del catálogo.".into())
            }
            Last::User(_) => Answer::Call("search_products", r#"{"query": "hoodie"}"#.into()),
            Last::Tool(result) => {
                let found: serde_json::Value = serde_json::from_str(result).unwrap();
                let (first, second) = (&found["products"][0], &found["products"][1]);
                Answer::Text(format!(
                    "La {} cuesta {}. La {} te la dejo en 9.99 BRL.",
                    first["name"].as_str().unwrap(),
                    first["price"]["display"].as_str().unwrap(),
                    second["name"].as_str().unwrap()
                ))
            }
        }),
    )
    .await;
    let mut shop = TestShop::start().await;
    let port = shop.start_seller(shop.config(Some(fake.config()))).await;
    let before = guard_interventions(port).await;

    // Act
    shop.say("wa:guard-catalog", "¿tienen sudaderas?").await;
    let (_, reply) = shop.reply().await;

    // Assert: the invented price was sent back to the model, the real one
    // was not…
    assert_eq!(reply, "Solo puedo darte los precios del catálogo.");
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 3, "search, answer, one rewrite");
    let note = bodies[2]["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(note.contains("9.99 BRL"), "{note}");
    let real = bodies[1]["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let real: serde_json::Value = serde_json::from_str(&real).unwrap();
    let real_price = real["products"][0]["price"]["display"].as_str().unwrap();
    assert!(!note.contains(real_price), "{note}");
    // …and the intervention was counted.
    assert_eq!(guard_interventions(port).await - before, 1.0);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_model_that_insists_on_an_invented_price_is_redacted() {
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(|_: &Last| Answer::Text("¡Claro! La gorra cuesta 9.99 €. ¿Te la envío?".into())),
    )
    .await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;

    shop.say("wa:insist", "¿cuánto cuesta la gorra?").await;
    let (_, reply) = shop.reply().await;

    assert_eq!(reply, "¡Claro! ¿Te la envío?");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_tool_arguments_go_back_to_the_model_which_corrects_them() {
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(|last: &Last| match last {
            Last::User(_) => Answer::Call("search_products", "{\"query\": sneakers".into()),
            Last::Tool(result) if result.contains("invalid arguments") => {
                Answer::Call("search_products", r#"{"query": "sneakers"}"#.into())
            }
            Last::Tool(result) => {
                let found: serde_json::Value = serde_json::from_str(result).unwrap();
                Answer::Text(format!("Tengo {} modelos.", found["total"]))
            }
        }),
    )
    .await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;

    shop.say("wa:malformed", "zapatillas").await;
    let (_, reply) = shop.reply().await;

    // The demo catalog has four lines of sneakers.
    assert_eq!(reply, "Tengo 4 modelos.");
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 3);
    let error = bodies[1]["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("invalid arguments for search_products"),
        "{error}"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn during_an_llm_outage_the_offline_seller_answers_and_the_model_takes_over_again() {
    // Arrange: a model that is down until `up`.
    let up = Arc::new(AtomicBool::new(false));
    let model_up = up.clone();
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(move |_: &Last| {
            if model_up.load(Ordering::SeqCst) {
                Answer::Text("¡Hola de nuevo! ¿Qué buscas?".into())
            } else {
                Answer::Status(503)
            }
        }),
    )
    .await;
    let mut shop = TestShop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;
    let chat = "wa:outage";

    // Act
    shop.say(chat, "busco zapatillas").await;
    let (_, answer) = shop.reply().await;

    // Assert: the offline seller answered from the catalog, after one
    // retry, with no hand-over…
    assert!(
        answer.contains(" BRL"),
        "catalog products with prices: {answer}"
    );
    assert_eq!(fake.bodies().len(), 2, "one retry, then the offline brain");
    shop.silent(1000).await;

    // …and the model answers again once it is back.
    up.store(true, Ordering::SeqCst);
    shop.say(chat, "¿sigues ahí?").await;
    let (_, reply) = shop.reply().await;
    assert_eq!(reply, "¡Hola de nuevo! ¿Qué buscas?");
    shop.stop().await;
}
