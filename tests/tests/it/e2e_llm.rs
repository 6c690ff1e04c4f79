//! End to end with a model: the seller configured the way `scripts/run.sh
//! --llm openai --base-url … --model …` configures it, against a fake
//! OpenAI-compatible server on loopback; the model's tool call reaches the
//! real catalog and its answer reaches the shopper on WhatsApp. A model
//! that misbehaves the ways small local models do (calls written as text,
//! unknown tools, wrong argument types, loops, empty or thinking-only
//! answers, a hang, a 500 then garbage, its prompt and key as the answer)
//! is repaired or replaced by the offline seller: every shopper is
//! answered in time and none reads tool-call JSON, the prompt or the key.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{Value, json};
use store_stack::LlmSettings;
use store_tests::{
    fake_llm::{self, Misbehaviour},
    store::{self, Store},
};

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

/// How long a shopper may wait for an answer when the model misbehaves:
/// the seller's model budget for the turn (below) plus the offline
/// seller's answer, with room for a shard that waits for a hanging case.
const TURN_TIMEOUT: Duration = Duration::from_secs(15);

/// A WhatsApp text from `wa_id`, whose profile name is `name`.
fn named_whatsapp_text(wa_id: &str, name: &str, text: &str) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&store::whatsapp_text(wa_id, text)).expect("JSON");
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = json!(name);
    serde_json::to_vec(&body).expect("serialise")
}

/// The seller's `metric` summed over its series, from its `/metrics`.
async fn seller_metric(shop: &Store, metric: &str) -> f64 {
    let (_, url) = &shop.stack.urls().sellers[0];
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .expect("the seller answers")
        .text()
        .await
        .expect("text");
    text.lines()
        .filter(|line| line.starts_with(&format!("{metric}{{")))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misbehaving_model_never_leaks_to_whatsapp_shoppers_and_they_are_answered_in_time() {
    // Arrange: one store whose model misbehaves in a different way for
    // each shopper, with short model limits for the test.
    let llm = fake_llm::start_misbehaving().await;
    let shop = Store::start_with_env(
        Some(LlmSettings {
            provider: "openai".to_owned(),
            model: "fake-e2e".to_owned(),
            base_url: Some(fake_llm::base_url(&llm)),
            api_key: Some(SecretString::from(fake_llm::API_KEY)),
        }),
        &[
            ("LLM_TURN_BUDGET_MS", "3000"),
            ("LLM_TIMEOUT_MS", "1500"),
            ("LLM_MAX_RETRIES", "1"),
        ],
    )
    .await;
    let shoppers: Vec<(Misbehaviour, String)> = Misbehaviour::ALL
        .iter()
        .enumerate()
        .map(|(i, m)| (*m, format!("55119900001{i:02}")))
        .collect();

    // Act: every shopper asks for sneakers at once, each in their own
    // conversation.
    let mut waiting = Vec::new();
    for (misbehaviour, wa_id) in &shoppers {
        let body = named_whatsapp_text(wa_id, misbehaviour.name(), "sneakers");
        let sent = Instant::now();
        let response = shop.post_whatsapp(body).await;
        assert_eq!(response.status(), 200, "{}", misbehaviour.name());
        waiting.push((*misbehaviour, wa_id.clone(), sent));
    }
    let mut answered = Vec::new();
    while !waiting.is_empty() {
        let mut still = Vec::new();
        for (misbehaviour, wa_id, sent) in waiting {
            let took = sent.elapsed();
            if !shop.whatsapp_texts(&wa_id).await.is_empty() {
                answered.push((misbehaviour, wa_id, took));
            } else {
                assert!(
                    took < TURN_TIMEOUT,
                    "{}: no answer within {TURN_TIMEOUT:?}",
                    misbehaviour.name()
                );
                still.push((misbehaviour, wa_id, sent));
            }
        }
        waiting = still;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Anything sent after the first answer counts too.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Assert: what the shoppers read is never the model's raw output…
    let bodies: Vec<Value> = llm
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    let system = bodies[0]["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let instructions: Vec<&str> = system
        .lines()
        .map(|line| line.trim().trim_start_matches("- "))
        .filter(|line| line.len() >= 40)
        .collect();
    assert!(!instructions.is_empty(), "{system}");
    for (misbehaviour, wa_id, took) in &answered {
        let name = misbehaviour.name();
        let replies = shop.whatsapp_texts(wa_id).await;
        let reply = replies.join("\n");
        assert!(!reply.trim().is_empty(), "{name}: an empty reply");
        for forbidden in ["{\"name\"", "tool_call", "arguments", fake_llm::API_KEY] {
            assert!(
                !reply.contains(forbidden),
                "{name} leaked {forbidden:?}: {reply}"
            );
        }
        for line in &instructions {
            assert!(!reply.contains(line), "{name} leaked the prompt: {reply}");
        }
        // …the repairable ones are the model's answer with the catalog's
        // price, the others the offline seller's, in time.
        assert_eq!(
            reply.starts_with("We have "),
            misbehaviour.repairable(),
            "{name} ({took:?}): {reply}"
        );
    }
    let fallbacks = seller_metric(&shop, "seller_llm_fallbacks_total").await;
    let unusable = Misbehaviour::ALL.iter().filter(|m| !m.repairable()).count();
    assert_eq!(fallbacks, unusable as f64);

    shop.stop().await;
}
