//! `storectl conversation show` against a fresh seller database on the
//! real PostgreSQL, filled through the seller agent's own functions.

use secrecy::SecretString;
use seller_agent::{
    db::{self, ConversationKey, TurnRecord},
    domain::handoff::Answerer,
    llm::{Message, ToolCall},
};

#[tokio::test]
async fn the_whole_memory_is_shown_in_order_with_tool_calls_handoff_and_summary() {
    let (pool, url) = store_testkit::fresh_database_with_url().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    let key = ConversationKey {
        tenant: "demo".into(),
        brand: "fashion".into(),
        conversation: "webchat:fashion:s1".into(),
    };
    db::ensure_conversation(&mut pool.acquire().await.unwrap(), &key, "s1", "webchat")
        .await
        .unwrap();
    let call = ToolCall {
        id: "call-1".into(),
        name: "search_products".into(),
        arguments: r#"{"query":"sneakers"}"#.into(),
    };
    let transcript = [
        Message::assistant("", vec![call]),
        Message::tool_result("call-1", format!("[{}]", "x".repeat(400)), false),
        Message::assistant("We have Runner sneakers at 59.90 EUR.", vec![]),
    ];
    db::save_turn(
        &pool,
        &key,
        TurnRecord {
            event_id: "ev-1",
            user_text: "sneakers?",
            transcript: &transcript,
            outbox: serde_json::json!([]),
            brain_state: None,
            handler: Answerer::Human,
            for_human: false,
        },
    )
    .await
    .unwrap();
    db::save_summary(&pool, &key, "Shopper wants sneakers.", 1)
        .await
        .unwrap();
    // Another tenant's conversation under the same id stays out of sight.
    let other = ConversationKey {
        tenant: "other".into(),
        ..key.clone()
    };
    db::ensure_conversation(&mut pool.acquire().await.unwrap(), &other, "s1", "webchat")
        .await
        .unwrap();
    let url = SecretString::from(url);

    let transcripts = storectl::conversation::load(&url, "demo", None, "webchat:fashion:s1")
        .await
        .unwrap();
    let text = storectl::conversation::render(&transcripts, false);
    let missing =
        storectl::conversation::load(&url, "demo", Some("tech"), "webchat:fashion:s1").await;

    assert_eq!(transcripts.len(), 1);
    let roles: Vec<_> = transcripts[0]
        .messages
        .iter()
        .map(|m| m.role.as_str())
        .collect();
    assert_eq!(roles, ["user", "assistant", "tool", "assistant"]);
    assert!(text.contains("handler   human (handed off"), "{text}");
    assert!(
        text.contains("summary (messages up to #1): Shopper wants sneakers."),
        "{text}"
    );
    assert!(text.contains("user: sneakers?"), "{text}");
    assert!(
        text.contains(r#"→ calls search_products({"query":"sneakers"})  [call-1]"#),
        "{text}"
    );
    assert!(
        text.contains("tool result (call-1): [xxx") && text.contains("--full shows all"),
        "{text}"
    );
    let user = text.find("user: sneakers?").unwrap();
    let answer = text.find("assistant: We have Runner sneakers").unwrap();
    assert!(user < answer, "{text}");
    let missing = missing.unwrap_err().to_string();
    assert!(missing.contains("no conversation"), "{missing}");
    pool.close().await;
}

#[tokio::test]
async fn an_unreachable_database_is_named_without_its_url() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = SecretString::from(format!("postgres://seller:hunter2@127.0.0.1:{port}/seller"));

    let error = storectl::conversation::load(&url, "demo", None, "c")
        .await
        .unwrap_err()
        .to_string();

    assert!(
        error.contains("SELLER_DATABASE_URL is not answering"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}
