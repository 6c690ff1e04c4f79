//! The ledger against a real PostgreSQL, one fresh database per test.

use store_idempotency::{Claim, claim, migrate, purge_older_than};

async fn setup() -> sqlx::PgPool {
    let pool = store_testkit::fresh_database().await.unwrap();
    migrate(&pool).await.unwrap();
    pool
}

async fn count(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from effect")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A handler: one write, guarded by the ledger, in one transaction.
async fn apply(pool: &sqlx::PgPool, event_id: &str, fail_before_commit: bool) -> Claim {
    let mut tx = pool.begin().await.unwrap();
    let claimed = claim(&mut tx, "test-consumer", event_id, "store.test")
        .await
        .unwrap();
    if claimed == Claim::First {
        sqlx::query("insert into effect (event_id) values ($1)")
            .bind(event_id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    if fail_before_commit {
        tx.rollback().await.unwrap();
    } else {
        tx.commit().await.unwrap();
    }
    claimed
}

#[tokio::test]
async fn a_redelivered_event_has_no_second_effect() {
    let pool = setup().await;
    sqlx::query("create table effect (event_id text)")
        .execute(&pool)
        .await
        .unwrap();

    assert_eq!(apply(&pool, "e-1", false).await, Claim::First);
    assert_eq!(apply(&pool, "e-1", false).await, Claim::Duplicate);

    assert_eq!(count(&pool).await, 1);
}

#[tokio::test]
async fn a_rolled_back_handler_leaves_the_event_unclaimed() {
    let pool = setup().await;
    sqlx::query("create table effect (event_id text)")
        .execute(&pool)
        .await
        .unwrap();

    assert_eq!(apply(&pool, "e-2", true).await, Claim::First);
    assert_eq!(count(&pool).await, 0);
    assert_eq!(
        apply(&pool, "e-2", false).await,
        Claim::First,
        "retry after rollback must run"
    );

    assert_eq!(count(&pool).await, 1);
}

#[tokio::test]
async fn concurrent_duplicates_apply_once() {
    let pool = setup().await;
    sqlx::query("create table effect (event_id text)")
        .execute(&pool)
        .await
        .unwrap();

    let runs = (0..8).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move { apply(&pool, "e-3", false).await })
    });
    let claims: Vec<Claim> = futures_join(runs).await;

    assert_eq!(claims.iter().filter(|c| **c == Claim::First).count(), 1);
    assert_eq!(count(&pool).await, 1);
}

#[tokio::test]
async fn consumers_are_independent_and_old_rows_can_be_purged() {
    let pool = setup().await;
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(
        claim(&mut conn, "a", "e-4", "t").await.unwrap(),
        Claim::First
    );
    assert_eq!(
        claim(&mut conn, "b", "e-4", "t").await.unwrap(),
        Claim::First
    );
    for event in ["e-5", "e-6"] {
        claim(&mut conn, "a", event, "t").await.unwrap();
    }
    sqlx::query(
        "update processed_event set created_at = now() - interval '8 days' where consumer = 'a'",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let week = std::time::Duration::from_secs(7 * 86_400);

    // At most `limit` rows a call: two, then the third, then none.
    assert_eq!(purge_older_than(&pool, week, 2).await.unwrap(), 2);
    assert_eq!(purge_older_than(&pool, week, 2).await.unwrap(), 1);
    assert_eq!(purge_older_than(&pool, week, 2).await.unwrap(), 0);

    let left: i64 = sqlx::query_scalar("select count(*) from processed_event")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 1, "consumer b's recent row is kept");
    assert_eq!(
        claim(&mut conn, "b", "e-4", "t").await.unwrap(),
        Claim::Duplicate
    );
    assert_eq!(
        claim(&mut conn, "a", "e-4", "t").await.unwrap(),
        Claim::First,
        "a purged row no longer marks its event as seen"
    );
}

#[tokio::test]
async fn migrating_twice_is_harmless() {
    let pool = setup().await;
    migrate(&pool).await.unwrap();
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
