//! The LLM brain end to end against fake OpenAI-compatible and Anthropic
//! servers: catalog prices quoted, an order of two placed with the shop's
//! total, invented prices caught, malformed tool arguments corrected, and an
//! outage that escalates instead of leaving the shopper in silence.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use cloudevents::AttributesReader;
use seller_agent::llm::Provider;
use support::{
    Shop,
    fake_llm::{Answer, FakeLlm, Last},
};

/// A competent model: searches, quotes what the tool said, orders two when
/// asked, reports the order's real total.
fn competent(last: &Last) -> Answer {
    match last {
        Last::User(text) if text.contains("zapatillas") => {
            Answer::Call("search_products", r#"{"query": "zapatillas"}"#.into())
        }
        Last::User(text) if text.contains("dos") => Answer::Call(
            "create_order",
            r#"{"items": [{"product_id": "p-runner", "quantity": 2}]}"#.into(),
        ),
        Last::Tool(result) if result.contains("\"placed\":true") => {
            let total =
                serde_json::from_str::<serde_json::Value>(result).unwrap()["total"]["display"]
                    .as_str()
                    .unwrap()
                    .to_owned();
            Answer::Text(format!(
                "¡Listo! Tu pedido A-1001 está hecho. Total: {total}."
            ))
        }
        Last::Tool(result) => {
            let found: serde_json::Value = serde_json::from_str(result).unwrap();
            let first = &found["products"][0];
            Answer::Text(format!(
                "Tengo {} por {}. ¿Cuántas quieres?",
                first["name"].as_str().unwrap(),
                first["price"]["display"].as_str().unwrap()
            ))
        }
        Last::User(_) => Answer::Text("¿En qué te ayudo?".into()),
    }
}

async fn shopper_orders_two_through(provider: Provider) {
    let fake = FakeLlm::start(provider, Arc::new(competent)).await;
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;
    let chat = "wa:34611111111";

    shop.say(chat, "hola, busco zapatillas rojas").await;
    let (_, quote) = shop.reply().await;
    assert_eq!(
        quote,
        "Tengo Zapatillas Runner Roja por 59.99 EUR. ¿Cuántas quieres?"
    );

    shop.say(chat, "quiero dos de las runner").await;
    let (_, placed) = shop.reply().await;
    assert_eq!(
        placed,
        "¡Listo! Tu pedido A-1001 está hecho. Total: 119.98 EUR."
    );

    let orders = shop.orders.lock().unwrap().clone();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].1.items[0].quantity, 2);
    // The model saw the tools, with schemas generated from the Rust types.
    let first = &fake.bodies()[0];
    let tools = first["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 7);
    shop.stop().await;
}

#[tokio::test]
async fn openai_shopper_gets_catalog_prices_and_orders_two() {
    shopper_orders_two_through(Provider::Openai).await;
}

#[tokio::test]
async fn anthropic_shopper_gets_catalog_prices_and_orders_two() {
    shopper_orders_two_through(Provider::Anthropic).await;
}

#[tokio::test]
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
    let mut shop = Shop::start().await;
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

#[tokio::test]
async fn a_model_that_insists_on_an_invented_price_is_redacted() {
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(|_: &Last| Answer::Text("¡Claro! La gorra cuesta 9.99 €. ¿Te la envío?".into())),
    )
    .await;
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;

    shop.say("wa:insist", "¿cuánto cuesta la gorra?").await;
    let (_, reply) = shop.reply().await;

    assert_eq!(reply, "¡Claro! ¿Te la envío?");
    shop.stop().await;
}

#[tokio::test]
async fn malformed_tool_arguments_go_back_to_the_model_which_corrects_them() {
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(|last: &Last| match last {
            Last::User(_) => Answer::Call("search_products", "{\"query\": zapatillas".into()),
            Last::Tool(result) if result.contains("invalid arguments") => {
                Answer::Call("search_products", r#"{"query": "zapatillas"}"#.into())
            }
            Last::Tool(result) => {
                let found: serde_json::Value = serde_json::from_str(result).unwrap();
                Answer::Text(format!("Tengo {} modelos.", found["total"]))
            }
        }),
    )
    .await;
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;

    shop.say("wa:malformed", "zapatillas").await;
    let (_, reply) = shop.reply().await;

    assert_eq!(reply, "Tengo 2 modelos.");
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

#[tokio::test]
async fn an_llm_outage_apologizes_and_escalates_then_the_seller_stays_silent() {
    let fake = FakeLlm::start(Provider::Openai, Arc::new(|_: &Last| Answer::Status(503))).await;
    let mut shop = Shop::start().await;
    shop.start_seller(shop.config(Some(fake.config()))).await;
    let chat = "wa:outage";

    shop.say(chat, "hola").await;
    let mut events = [shop.next().await, shop.next().await];
    events.sort_by(|a, b| a.ty().cmp(b.ty()));

    assert_eq!(events[0].ty(), "store.chat.response");
    let apology = support::text_of(&store_events::decode(&events[0]).unwrap());
    assert!(apology.starts_with("Perdona"), "{apology}");
    let escalation: store_events::data::SalesEscalate = store_events::decode(&events[1]).unwrap();
    assert_eq!(
        escalation.reason,
        store_events::data::EscalationReason::LlmUnavailable
    );
    assert_eq!(fake.bodies().len(), 2, "one retry, then give up");

    shop.say(chat, "¿hola?").await;
    shop.silent(1500).await;
    assert_eq!(
        fake.bodies().len(),
        2,
        "a handed-off conversation does not reach the model"
    );
    shop.stop().await;
}
