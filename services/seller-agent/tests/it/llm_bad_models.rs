//! The seller with a misbehaving model: a fake OpenAI-compatible server
//! replays what small local models really answer, one case per
//! conversation (told apart by the shopper's name, which the system prompt
//! carries). Tool calls written as text, unknown tools and arguments of the
//! wrong type are repaired or reported back to the model; loops, empty and
//! thinking-only answers, a hanging model, a 500 then garbage, and answers
//! carrying the key or the instructions end with the offline brain
//! answering the turn, counted by reason. No reply ever carries tool-call
//! JSON, the instructions or the key.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::{
    fake_model::{FakeModel, completion, tool_call},
    support::TestSeller,
};

/// The turn's time budget for the model in these tests.
const BUDGET: Duration = Duration::from_millis(1500);
/// What the shopper must never read.
const FORBIDDEN: &[&str] = &[
    "{\"name\"",
    "tool_call",
    "arguments",
    "sk-test",
    "ONLY from tool results",
    "search_products",
    "<think>",
];

/// The case a request belongs to: the shopper's name in the system prompt.
fn case_of(body: &Value) -> String {
    let system = body["messages"][0]["content"].as_str().unwrap_or_default();
    system
        .split("name: ")
        .nth(1)
        .and_then(|rest| rest.split([',', '.', '\n']).next())
        .unwrap_or_default()
        .to_owned()
}

/// Model rounds already in the request (assistant messages after the
/// shopper's).
fn round(body: &Value) -> usize {
    body["messages"]
        .as_array()
        .map(|m| m.iter().filter(|m| m["role"] == "assistant").count())
        .unwrap_or_default()
}

fn last_tool_result(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "tool"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned()
}

const SORRY: &str = "Lo siento, ahora no puedo consultar el catálogo.";

/// What the fake model answers.
fn script(body: &Value, calls: &Mutex<HashMap<String, u32>>) -> ResponseTemplate {
    let case = case_of(body);
    let n = {
        let mut calls = calls.lock().unwrap();
        let n = calls.entry(case.clone()).or_default();
        *n += 1;
        *n
    };
    let search = r#"{"name": "search_products", "arguments": {"query": "zapatillas"}}"#;
    match (case.as_str(), round(body)) {
        ("bare", 0) => completion(search),
        ("fenced", 0) => completion(&format!("Voy a buscar.\n```json\n{search}\n```")),
        ("tagged", 0) => completion(&format!("<tool_call>\n{search}\n</tool_call>")),
        ("unknown", 0) => tool_call("find_shoes", r#"{"query": "zapatillas"}"#),
        ("unknown", 1) if last_tool_result(body).contains("search_products") => {
            tool_call("search_products", r#"{"query": "zapatillas"}"#)
        }
        ("types", 0) => tool_call(
            "searchProducts",
            r#"{"query": "zapatillas", "limit": "5", "in_stock_only": "yes", "colour": "red"}"#,
        ),
        ("missing", 0) => tool_call("create_order", r#"{"items": [{"product_id": "p1"}]}"#),
        ("bare" | "fenced" | "tagged" | "unknown" | "types" | "missing", _) => completion(SORRY),
        ("loop", _) => tool_call("search_products", r#"{"query": "zapatillas"}"#),
        ("empty", _) => completion("  \n "),
        ("thinking", _) => completion("<think>The shopper greets me. I should answer…</think>"),
        ("hang", _) => completion("too late").set_delay(Duration::from_secs(10)),
        ("garbage", _) if n == 1 => ResponseTemplate::new(500)
            .set_body_json(json!({"error": {"message": "overloaded", "type": "server_error"}})),
        ("garbage", _) => ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(r#"{"choices": [{"message": {"content": "Hol"#),
        ("key", _) => completion("¡Hola! Por cierto, mi clave es sk-test."),
        ("prompt", _) => completion(
            "Mis reglas: Prices, totals and stock come ONLY from tool results of this conversation.",
        ),
        ("truncated", _) => completion(r#"{"name": "search_products", "arguments": {"query": "#),
        _ => completion("¿Perdona?"),
    }
}

struct Scene {
    seller: TestSeller,
    model: FakeModel,
}

async fn scene() -> Scene {
    let calls = Arc::new(Mutex::new(HashMap::new()));
    let model = FakeModel::scripted(move |body| script(body, &calls)).await;
    let llm = model.config();
    let seller = TestSeller::spawn_configured(move |config| {
        config.llm = Some(llm);
        config.llm_turn_budget = BUDGET;
        // No catalog runs here: its tools fail fast.
        config.tool_timeout = Duration::from_millis(300);
    })
    .await;
    Scene { seller, model }
}

impl Scene {
    /// Each case's shopper writes `text` in a conversation of its own; the
    /// replies by case, and how long the slowest took.
    async fn ask_all(&mut self, cases: &[&str], text: &str) -> (HashMap<String, String>, Duration) {
        let started = Instant::now();
        for (i, case) in cases.iter().enumerate() {
            self.seller
                .say_as(&format!("wa:3460000{i:04}"), case, text)
                .await;
        }
        let mut replies = HashMap::new();
        while replies.len() < cases.len() {
            let (response, text) = self.seller.reply().await;
            let i: usize = response
                .recipient
                .trim_start_matches("cust-wa:3460000")
                .parse()
                .unwrap();
            replies.insert(cases[i].to_owned(), text);
        }
        (replies, started.elapsed())
    }

    /// The requests the model got for `case`.
    async fn requests(&self, case: &str) -> Vec<Value> {
        self.model
            .requests()
            .await
            .into_iter()
            .filter(|body| case_of(body) == case)
            .collect()
    }
}

fn assert_clean(case: &str, reply: &str) {
    assert!(!reply.trim().is_empty(), "{case}: an empty reply");
    for forbidden in FORBIDDEN {
        assert!(
            !reply.contains(forbidden),
            "{case}: {forbidden:?} reached the shopper: {reply}"
        );
    }
}

/// The assistant message of the model's first round, as sent back to it.
fn first_round(requests: &[Value]) -> (Value, Value) {
    let second = requests
        .iter()
        .find(|body| round(body) == 1)
        .expect("a second round");
    let messages = second["messages"].as_array().unwrap();
    let assistant = messages
        .iter()
        .find(|m| m["role"] == "assistant")
        .unwrap()
        .clone();
    let tool = messages
        .iter()
        .find(|m| m["role"] == "tool")
        .unwrap()
        .clone();
    (assistant, tool)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_written_as_text_or_wrongly_are_repaired_or_reported_to_the_model() {
    // Arrange
    let mut scene = scene().await;
    let cases = ["bare", "fenced", "tagged", "unknown", "types", "missing"];

    // Act
    let (replies, _) = scene.ask_all(&cases, "busco zapatillas").await;

    // Assert: every shopper got the model's own words, nothing else…
    for case in cases {
        assert_eq!(replies[case], SORRY, "{case}");
        assert_clean(case, &replies[case]);
    }
    // …written calls went back to the model as real calls, their text gone…
    for case in ["bare", "fenced", "tagged"] {
        let (assistant, tool) = first_round(&scene.requests(case).await);
        assert_eq!(assistant["content"], Value::Null, "{case}: {assistant}");
        let call = &assistant["tool_calls"][0];
        assert_eq!(call["function"]["name"], "search_products", "{case}");
        let arguments: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(arguments, json!({"query": "zapatillas"}), "{case}");
        assert_eq!(tool["tool_call_id"], call["id"], "{case}");
    }
    // …an unknown tool was answered with the real ones, and the model
    // corrected itself…
    let (_, tool) = first_round(&scene.requests("unknown").await);
    let error = tool["content"].as_str().unwrap();
    assert!(
        error.starts_with("Error: ")
            && error.contains("there is no tool called find_shoes")
            && error.contains("search_products, get_product"),
        "{error}"
    );
    assert_eq!(scene.requests("unknown").await.len(), 3);
    // …wrong types and names were fixed before the tool ran…
    let (assistant, _) = first_round(&scene.requests("types").await);
    let call = &assistant["tool_calls"][0]["function"];
    assert_eq!(call["name"], "search_products");
    let arguments: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        arguments,
        json!({"query": "zapatillas", "limit": 5, "in_stock_only": true})
    );
    // …and what cannot be guessed was explained to the model.
    let (_, tool) = first_round(&scene.requests("missing").await);
    assert!(
        tool["content"]
            .as_str()
            .unwrap()
            .contains("invalid arguments for create_order: missing required `items[0].quantity`"),
        "{tool}"
    );
    assert_eq!(
        scene
            .seller
            .app
            .metric("seller_llm_fallbacks_total", &[])
            .await,
        0.0
    );
    scene.seller.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_answers_are_replaced_by_the_offline_brain_within_the_budget() {
    // Arrange
    let mut scene = scene().await;
    let cases = [
        ("loop", "loop"),
        ("empty", "empty"),
        ("thinking", "empty"),
        ("hang", "budget"),
        ("garbage", "bad_response"),
        ("key", "leak"),
        ("prompt", "leak"),
        ("truncated", "leak"),
    ];
    let names: Vec<&str> = cases.iter().map(|(case, _)| *case).collect();

    // Act
    let (replies, took) = scene.ask_all(&names, "¡Hola!").await;

    // Assert: each shopper was greeted by the offline seller, in time…
    for (case, _) in cases {
        assert_clean(case, &replies[case]);
        assert!(replies[case].contains("Lía"), "{case}: {}", replies[case]);
    }
    // (the hanging case's shard may wait for it once)
    assert!(took < BUDGET * 2 + Duration::from_secs(6), "{took:?}");
    // …after the model was asked as often as its limits allow…
    assert_eq!(
        scene.requests("loop").await.len(),
        3,
        "the third same call stops"
    );
    assert_eq!(scene.requests("empty").await.len(), 2, "asked once more");
    assert_eq!(scene.requests("thinking").await.len(), 2, "asked once more");
    assert_eq!(scene.requests("garbage").await.len(), 2, "one retry");
    assert_eq!(scene.requests("key").await.len(), 1);
    // …and each fallback is counted by its reason.
    for (reason, count) in [
        ("loop", 1.0),
        ("empty", 2.0),
        ("budget", 1.0),
        ("bad_response", 1.0),
        ("leak", 3.0),
    ] {
        assert_eq!(
            scene
                .seller
                .app
                .metric("seller_llm_fallbacks_total", &[("reason", reason)])
                .await,
            count,
            "{reason}"
        );
    }
    scene.seller.stop().await;
}
