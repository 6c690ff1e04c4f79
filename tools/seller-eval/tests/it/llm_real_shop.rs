//! The LLM seller against the real catalog (seeded with the demo catalog)
//! and the real order processor: a shopper asks for a T-shirt, gets catalog
//! prices, orders two of the first, and the order exists with the shop's
//! total. The model is a fake OpenAI-compatible server speaking the real
//! wire format, scripted to use only what the tools return. Played by the
//! harness k = 4 times, as with any model, with each run's tokens.

use std::sync::{Arc, Mutex};

use crate::support::fake_llm::{Answer, FakeLlm, Last};
use seller_agent::llm::Provider;
use seller_eval as eval;
use serde_json::Value;

fn display(product: &Value) -> String {
    format!(
        "{} — {}",
        product["name"].as_str().unwrap(),
        product["price"]["display"].as_str().unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shopper_orders_two_t_shirts_at_the_catalogs_price_from_an_llm_seller() {
    store_telemetry::init_for_tests();
    // What the model saw last in the search results.
    let shown: Arc<Mutex<Vec<Value>>> = Arc::default();
    let memory = shown.clone();
    let fake = FakeLlm::start(
        Provider::Openai,
        Arc::new(move |last: &Last| match last {
            Last::User(text) if text.contains("busco") => Answer::Call(
                "search_products",
                serde_json::json!({ "query": text.replace("busco una", "").trim() }).to_string(),
            ),
            Last::User(text) if text.contains("2 del 1") => {
                let first = memory.lock().unwrap()[0].clone();
                Answer::Text(format!(
                    "¿Confirmas 2 × {}? Responde sí o no.",
                    display(&first)
                ))
            }
            Last::User(text) if text.trim() == "sí" => {
                let first = memory.lock().unwrap()[0].clone();
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
            Last::User(_) => Answer::Text("¡Hola! ¿Qué estás buscando?".into()),
            Last::Tool(result) => {
                let result: Value = serde_json::from_str(result).unwrap();
                if result["placed"] == true {
                    return Answer::Text(format!(
                        "¡Listo! Tu pedido {} está hecho. Total: {}.",
                        result["order_number"].as_str().unwrap(),
                        result["total"]["display"].as_str().unwrap()
                    ));
                }
                let products = result["products"].as_array().cloned().unwrap_or_default();
                *memory.lock().unwrap() = products.clone();
                let lines: Vec<String> = products
                    .iter()
                    .take(3)
                    .enumerate()
                    .map(|(i, p)| format!("{}. {}", i + 1, display(p)))
                    .collect();
                Answer::Text(format!(
                    "Esto es lo que tengo:\n{}\n¿Cuál te gusta?",
                    lines.join("\n")
                ))
            }
        }),
    )
    .await;
    let mut options = eval::Options::new(Some(fake.config()));
    options.only = Some("es-order-two".to_owned());
    options.prices = eval::Prices {
        input_per_mtok: 1.0,
        output_per_mtok: 2.0,
    };

    let report = eval::run(&options).await.unwrap();

    let table = report.to_markdown();
    assert_eq!(report.outcomes.len(), 1, "{table}");
    let outcome = &report.outcomes[0];
    // With a model every scenario runs k = 4 times; pass^k counts the
    // scenarios that passed all four.
    assert_eq!(outcome.runs.len(), 4, "{table}");
    assert!(outcome.passed(), "{table}");
    assert_eq!((report.pass_1(), report.pass_k()), (1.0, 1.0), "{table}");
    // Each run's tokens are its own (runs of a brand take turns): the fake
    // model reports usage on every call, and the runs add up to the sellers'.
    let per_run: Vec<_> = outcome.runs.iter().map(|r| r.tokens.unwrap()).collect();
    assert!(
        per_run.iter().all(|t| t.input > 0 && t.output > 0),
        "{table}"
    );
    assert_eq!(outcome.tokens(), Some(report.tokens), "{table}");
    assert!(report.prices.cost(report.tokens) > 0.0, "{table}");
    assert!(
        !shown.lock().unwrap().is_empty(),
        "the model never saw search results"
    );
}
