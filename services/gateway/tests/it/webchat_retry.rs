//! A web chat message whose commit fails after the broker confirmed its
//! event: the page's retry publishes the same event again, under the same
//! id, so downstream sees one message.

use serde_json::{Value, json};
use store_events::AttributesReader;
use store_idempotency::Claim;

use crate::support::webchat::{open_session, post_message, spawn, transcript};

/// Makes the commit of the shopper entry with `client_message_id`
/// `commit-fails-once` fail, once: a constraint trigger deferred to commit
/// time, so it fires after the publish was confirmed; the count is a
/// sequence, which a rollback does not undo.
const FAIL_FIRST_COMMIT: &str = r"
create sequence test_commit_failures;
create function test_fail_first_commit() returns trigger language plpgsql as $$
begin
    if new.client_message_id = 'commit-fails-once' and nextval('test_commit_failures') = 1 then
        raise exception 'the commit fails, as the test wants';
    end if;
    return null;
end $$;
create constraint trigger test_fail_first_commit after insert on webchat_entry
    deferrable initially deferred for each row execute function test_fail_first_commit();
";

#[tokio::test]
async fn a_retry_after_a_commit_that_failed_after_the_confirm_republishes_the_same_event() {
    let mut app = spawn().await;
    sqlx::raw_sql(FAIL_FIRST_COMMIT)
        .execute(&app.pool)
        .await
        .unwrap();
    let session = open_session(&app, "fashion").await;
    let body =
        json!({ "text": "Is the red dress in stock?", "client_message_id": "commit-fails-once" });

    let failed = post_message(&app.address, "shop", &session, &session.token, body.clone()).await;
    let (first, first_data, _) = app.next_of("store.chat.message.new").await;
    let retried = post_message(&app.address, "shop", &session, &session.token, body).await;
    let (second, second_data, _) = app.next_of("store.chat.message.new").await;

    assert_eq!(failed.status(), 503, "the commit did not fail");
    assert_eq!(retried.status(), 202);
    let accepted: Value = retried.json().await.unwrap();
    assert_eq!(
        accepted["duplicate"], false,
        "the failed attempt kept nothing"
    );
    assert_eq!(second.id(), first.id());
    assert_eq!(second_data["message_id"], first_data["message_id"]);
    assert_eq!(accepted["message_id"], first_data["message_id"]);
    assert_eq!(
        store_events::envelope::string_extension(&second, "correlationid").as_deref(),
        Some(second.id())
    );
    // A consumer idempotent by event id (the house's ledger) takes it once.
    let mut claims = Vec::new();
    for event in [&first, &second] {
        let mut tx = app.pool.begin().await.unwrap();
        claims.push(
            store_idempotency::claim(&mut tx, "a-seller", event.id(), event.ty())
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    assert_eq!(claims, [Claim::First, Claim::Duplicate]);
    let messages = transcript(&app.address, &session).await["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn different_messages_of_a_session_are_published_under_different_ids() {
    let mut app = spawn().await;
    let session = open_session(&app, "fashion").await;

    for id in ["c-1", "c-2"] {
        let body = json!({ "text": "hello", "client_message_id": id });
        let response = post_message(&app.address, "shop", &session, &session.token, body).await;
        assert_eq!(response.status(), 202);
    }
    let (first, first_data, _) = app.next_of("store.chat.message.new").await;
    let (second, second_data, _) = app.next_of("store.chat.message.new").await;

    assert_ne!(first.id(), second.id());
    assert_ne!(first_data["message_id"], second_data["message_id"]);
    app.stop().await;
}
