//! What a turn reads of its conversation (one statement for the history,
//! the tool results and the latest exchange) and the shopper's profile
//! (written only when the channel tells something new), on a real
//! PostgreSQL; and the rolling summary, through the running seller.

use seller_agent::db::{self, ConversationKey};
use sqlx::PgPool;
use store_events::data::Role as Who;

fn key(conversation: &str) -> ConversationKey {
    ConversationKey {
        tenant: "demo".into(),
        brand: "fashion".into(),
        conversation: conversation.into(),
    }
}

async fn migrated() -> PgPool {
    let pool = store_testkit::fresh_database().await.unwrap();
    db::migrator().run(&pool).await.unwrap();
    pool
}

/// Adds a message to `key`'s conversation; returns its id.
async fn add(pool: &PgPool, key: &ConversationKey, role: &str, content: &str, error: bool) -> i64 {
    sqlx::query_scalar(
        "insert into conversation_message (tenant, brand, conversation_id, role, content, is_error) \
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(&key.tenant)
    .bind(&key.brand)
    .bind(&key.conversation)
    .bind(role)
    .bind(content)
    .bind(error)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn conversation(pool: &PgPool, key: &ConversationKey) {
    sqlx::query(
        "insert into conversation (tenant, brand, conversation_id, customer_id, channel) \
         values ($1, $2, $3, 'c1', 'whatsapp')",
    )
    .bind(&key.tenant)
    .bind(&key.brand)
    .bind(&key.conversation)
    .execute(pool)
    .await
    .unwrap();
}

/// Writes the turn of shopper event `event-1` ("a red dress") with
/// `transcript`, in a transaction of its own; whether it was new.
async fn write_turn(
    pool: &PgPool,
    key: &ConversationKey,
    transcript: &[seller_agent::llm::Message],
    handler: seller_agent::domain::handoff::Answerer,
    brain_state: Option<&serde_json::Value>,
) -> bool {
    let mut tx = pool.begin().await.unwrap();
    let written = db::write_turn(
        &mut tx,
        key,
        db::TurnRecord {
            event_id: "event-1",
            user_text: "a red dress",
            transcript,
            outbox: serde_json::json!([]),
            brain_state,
            handler,
            for_human: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    written
}

#[tokio::test]
async fn a_turn_reads_the_unsummarized_history_every_good_tool_result_and_the_latest_exchange() {
    let pool = migrated().await;
    let talk = key("wa:1");
    let other = key("wa:2");
    conversation(&pool, &talk).await;
    conversation(&pool, &other).await;
    add(&pool, &talk, "user", "hi", false).await;
    add(&pool, &talk, "assistant", "hello", false).await;
    add(&pool, &talk, "tool", r#"{"price":"10.00"}"#, false).await;
    add(&pool, &talk, "tool", "not json", false).await;
    let failed = add(&pool, &talk, "tool", r#"{"error":"down"}"#, true).await;
    let summarized = add(&pool, &talk, "assistant", "", false).await;
    add(&pool, &talk, "user", "a red dress", false).await;
    add(&pool, &talk, "human", "I can help", false).await;
    add(&pool, &talk, "tool", r#"{"price":"25.00"}"#, false).await;
    add(&pool, &talk, "assistant", "here it is", false).await;
    add(&pool, &other, "tool", r#"{"price":"99.00"}"#, false).await;
    add(&pool, &other, "user", "someone else", false).await;
    sqlx::query("update conversation set summarized_until = $1 where conversation_id = 'wa:1'")
        .bind(summarized)
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();

    let memory = db::turn_memory(&mut conn, &talk, 3).await.unwrap();

    let history: Vec<_> = memory
        .history
        .iter()
        .map(|m| m.message.content.as_str())
        .collect();
    assert_eq!(
        history,
        [
            "a red dress",
            "I can help",
            r#"{"price":"25.00"}"#,
            "here it is"
        ],
        "only what comes after the summary, tool traffic included"
    );
    assert!(memory.history.iter().all(|m| m.id > summarized));
    assert_eq!(
        memory.facts,
        [
            serde_json::json!({"price": "10.00"}),
            serde_json::json!({"price": "25.00"})
        ],
        "every good tool result, summarized or not; no failed ({failed}) or unreadable one, none of another conversation"
    );
    let recent: Vec<_> = memory
        .recent
        .iter()
        .map(|m| (m.role, m.text.as_str()))
        .collect();
    assert_eq!(
        recent,
        [
            (Who::Customer, "a red dress"),
            (Who::Human, "I can help"),
            (Who::Ai, "here it is")
        ],
        "the last three exchanged, no tool traffic or empty message"
    );

    let all = db::turn_memory(&mut conn, &talk, 12).await.unwrap();
    let none = db::turn_memory(&mut conn, &talk, 0).await.unwrap();
    let unknown = db::turn_memory(&mut conn, &key("wa:3"), 12).await.unwrap();

    assert_eq!(
        all.recent
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>(),
        ["hi", "hello", "a red dress", "I can help", "here it is"],
        "fewer exchanged than asked: all of them, before the summary too"
    );
    assert_eq!(all.history, memory.history);
    assert!(none.recent.is_empty(), "none asked, none read");
    assert_eq!(none.facts, memory.facts);
    assert_eq!(unknown, db::TurnMemory::default());
}

/// The profile row's transaction id: it changes with every write.
async fn version(pool: &PgPool) -> String {
    sqlx::query_scalar("select xmin::text from customer_profile where customer_id = 'c1'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_profile_is_written_only_when_the_channel_tells_something_new() {
    let pool = migrated().await;

    let created = db::touch_profile(&pool, "demo", "c1", Some("Ana"), None)
        .await
        .unwrap();
    let first = version(&pool).await;
    let same = db::touch_profile(&pool, "demo", "c1", Some("Ana"), None)
        .await
        .unwrap();
    let silent = db::touch_profile(&pool, "demo", "c1", None, None)
        .await
        .unwrap();
    let unchanged = version(&pool).await;
    let learned = db::touch_profile(&pool, "demo", "c1", None, Some("pt"))
        .await
        .unwrap();
    let renamed = db::touch_profile(&pool, "demo", "c1", Some("Ana Maria"), Some("pt"))
        .await
        .unwrap();
    let elsewhere = db::touch_profile(&pool, "other", "c1", None, None)
        .await
        .unwrap();

    assert_eq!(created.display_name.as_deref(), Some("Ana"));
    assert_eq!(same, created);
    assert_eq!(silent, created, "nothing told keeps what is stored");
    assert_eq!(unchanged, first, "nothing new was written");
    assert_eq!(
        (learned.display_name.as_deref(), learned.language.as_deref()),
        (Some("Ana"), Some("pt"))
    );
    assert_eq!(
        (renamed.display_name.as_deref(), renamed.language.as_deref()),
        (Some("Ana Maria"), Some("pt"))
    );
    assert_ne!(version(&pool).await, first, "what is new is written");
    assert_eq!(
        elsewhere,
        db::Profile::default(),
        "another shop's shopper of the same id starts empty"
    );
}

#[tokio::test]
async fn a_turn_is_stored_in_the_order_it_was_said_with_its_tool_calls() {
    use seller_agent::{
        domain::handoff::Answerer,
        llm::{Message, ToolCall},
    };
    let pool = migrated().await;
    let talk = key("wa:1");
    conversation(&pool, &talk).await;
    let call = ToolCall {
        id: "call-1".into(),
        name: "search_products".into(),
        arguments: r#"{"query":"red dress"}"#.into(),
    };
    let transcript = [
        Message::assistant("", vec![call.clone()]),
        Message::tool_result("call-1", r#"{"price":"25.00"}"#, false),
        Message::tool_result("call-2", "timed out", true),
        Message::assistant("Here it is", Vec::new()),
    ];
    let written = write_turn(&pool, &talk, &transcript, Answerer::Ai, None).await;

    assert!(written);
    let memory = db::turn_memory(&mut pool.acquire().await.unwrap(), &talk, 12)
        .await
        .unwrap();
    let stored: Vec<Message> = memory.history.into_iter().map(|m| m.message).collect();
    let mut said = vec![Message::user("a red dress")];
    said.extend(transcript);
    assert_eq!(stored, said, "every message, in order, as it was");
    assert_eq!(memory.facts, [serde_json::json!({"price": "25.00"})]);
    let event: Option<String> = sqlx::query_scalar(
        "select event_id from conversation_message where role = 'user' and conversation_id = 'wa:1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        event.as_deref(),
        Some("event-1"),
        "the shopper's message keeps its event"
    );
}

/// A turn's one statement writes the turn and moves the conversation on
/// (its handler and brain state) only when the turn is new: a duplicate
/// delivery's write changes neither, and stores no message.
#[tokio::test]
async fn a_turn_written_again_changes_neither_the_conversation_nor_its_messages() {
    use seller_agent::domain::handoff::Answerer;
    let pool = migrated().await;
    let talk = key("wa:1");
    conversation(&pool, &talk).await;
    let stored = || async {
        sqlx::query_as::<_, (String, serde_json::Value, i64)>(
            "select c.handler, c.brain_state, \
             (select count(*) from conversation_message m where m.conversation_id = c.conversation_id) \
             from conversation c where c.conversation_id = 'wa:1'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };

    let (first_state, again_state) = (
        serde_json::json!({"step": "first"}),
        serde_json::json!({"step": "again"}),
    );
    assert!(write_turn(&pool, &talk, &[], Answerer::Human, Some(&first_state)).await);
    let first = stored().await;
    assert!(!write_turn(&pool, &talk, &[], Answerer::Ai, Some(&again_state)).await);

    assert_eq!(
        first,
        ("human".to_owned(), serde_json::json!({"step": "first"}), 1),
        "the new turn sets the handler and the state, and stores the shopper's message"
    );
    assert_eq!(stored().await, first, "the duplicate changed nothing");
}

/// The rolling summary, through the running seller: no cut while the
/// history fits the budget (the turn's own count says so without reading
/// it again), and once it passes, the older part is folded into a summary
/// and only the recent part stays verbatim.
#[tokio::test]
async fn a_conversation_is_summarized_once_its_history_passes_the_budget() {
    let mut seller =
        crate::support::TestSeller::spawn_configured(|config| config.history_token_budget = 120)
            .await;
    let chat = "wa:34600000077";
    let summarized = |pool: PgPool| async move {
        sqlx::query_as::<_, (Option<i64>, Option<String>)>(
            "select summarized_until, summary from conversation where conversation_id = $1",
        )
        .bind(chat)
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    seller.say(chat, "Hola!").await;
    seller.reply().await;
    assert_eq!(
        summarized(seller.app.pool.clone()).await,
        (Some(0), None),
        "one short exchange fits the budget"
    );
    for question in [
        "Do you have the linen shirt in blue, size M?",
        "And what does delivery to Valencia cost?",
        "How long does it take to arrive?",
        "Can I return it if it does not fit me?",
        "Do you have anything similar in green?",
    ] {
        seller.say(chat, question).await;
        seller.reply().await;
    }
    crate::support::eventually("the older history folded into a summary", || {
        let pool = seller.app.pool.clone();
        async move {
            let (until, summary) = summarized(pool).await;
            until.is_some_and(|u| u > 0) && summary.is_some_and(|s| !s.is_empty())
        }
    })
    .await;
    let history = db::load_unsummarized_history(&seller.app.pool, &key(chat))
        .await
        .unwrap();
    assert!(
        history.len() >= 8,
        "the last messages stay verbatim: {}",
        history.len()
    );
    seller.stop().await;
}
