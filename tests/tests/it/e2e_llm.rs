//! End to end with a model: the seller configured the way `scripts/run.sh
//! --llm openai --base-url … --model …` configures it, against a fake
//! OpenAI-compatible server on loopback; the model's tool call reaches the
//! real catalog and its answer reaches the shopper on WhatsApp.

use secrecy::SecretString;
use serde_json::Value;
use store_stack::LlmSettings;
use store_tests::{fake_llm, store::Store};

#[tokio::test(flavor = "multi_thread")]
async fn an_llm_seller_answers_a_whatsapp_shopper_with_catalog_prices() {
    let llm = fake_llm::start().await;
    let shop = Store::start_with(Some(LlmSettings {
        provider: "openai".to_owned(),
        model: "fake-e2e".to_owned(),
        base_url: Some(fake_llm::base_url(&llm)),
        api_key: Some(SecretString::from(fake_llm::API_KEY)),
    }))
    .await;
    let shopper = "5511990000009";

    let reply = shop.whatsapp_say(shopper, "sneakers").await.join("\n");

    // The model searched the real catalog and named its first hit at the
    // catalog's price.
    let requests = llm.received_requests().await.unwrap_or_default();
    let bodies: Vec<Value> = requests
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    assert!(
        bodies.len() >= 2,
        "a tool round and an answer: {}",
        bodies.len()
    );
    let tools = bodies[0]["tools"].to_string();
    assert!(
        tools.contains("search_products") && tools.contains("create_order"),
        "{tools}"
    );
    let system = bodies[0]["messages"][0]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        system.contains("Lía"),
        "the fashion persona is in the prompt: {system}"
    );
    let tool_result = bodies
        .iter()
        .flat_map(|b| b["messages"].as_array().cloned().unwrap_or_default())
        .find(|m| m["role"] == "tool")
        .expect("the tool result went back to the model");
    let result: Value =
        serde_json::from_str(tool_result["content"].as_str().unwrap_or_default()).expect("JSON");
    let first = &result["products"][0];
    let (name, price) = (
        first["name"].as_str().expect("a product"),
        first["price"]["display"].as_str().expect("a price"),
    );
    assert!(name.to_lowercase().contains("sneaker"), "{result:#}");
    assert_eq!(reply, format!("We have {name} for {price}."));

    shop.stop().await;
}
