//! The retention: the records of channel messages sent for replies, of
//! replies settled as failed and of events handled go once older than
//! `RETENTION_DAYS`; recent ones stay, so a reply redelivered now still
//! resumes where it stopped.

use crate::support::TestApp;

async fn rows(app: &TestApp, table: &str) -> Vec<String> {
    sqlx::query_scalar(&format!("select event_id from {table} order by event_id"))
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn records_older_than_the_retention_are_purged_and_recent_ones_kept() {
    let app = TestApp::spawn().await;
    sqlx::query(
        "insert into outbound_message (event_id, seq, channel_message_id, created_at) values \
         ('old', 0, 'wamid.1', now() - interval '8 days'), \
         ('old', 1, 'wamid.2', now() - interval '8 days'), \
         ('new', 0, 'wamid.3', now() - interval '6 days')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into reply_failure (event_id, reason, created_at) values \
         ('old', 'window closed', now() - interval '8 days'), ('new', 'window closed', now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into processed_event (consumer, event_id, event_type, created_at) values \
         ('replies', 'old', 't', now() - interval '8 days'), ('replies', 'new', 't', now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let swept = app.housekeeper().sweep().await;

    assert_eq!(
        swept,
        vec![
            ("processed_event", 1),
            ("outbound_message", 2),
            ("reply_failure", 1)
        ]
    );
    for table in ["outbound_message", "reply_failure", "processed_event"] {
        assert_eq!(rows(&app, table).await, ["new"], "{table}");
    }
    let progress = gateway::db::outbound::progress(&app.pool, "new")
        .await
        .unwrap();
    assert_eq!(
        progress.sent, 1,
        "a recent reply still resumes after what it sent"
    );
    app.stop().await;
}
