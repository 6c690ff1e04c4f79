//! The outbox: events written in the transaction that decided them and
//! published after commit by the relay, so a crash between commit and
//! publish loses nothing (the relay publishes them at the next start).

use std::time::Duration;

use sqlx::{PgConnection, PgPool, types::Json};
use store_events::{AttributesReader as _, Event};
use uuid::Uuid;

/// Adds `event` to the outbox inside the caller's transaction.
#[tracing::instrument(skip_all, fields(event = %event.id(), ty = %event.ty()))]
pub async fn enqueue(conn: &mut PgConnection, event: &Event) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into outbox (id, event) values ($1, $2)",
        Uuid::now_v7(),
        Json(event) as _
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A batch of unpublished events, oldest first, locked for this relay
/// (other replicas skip them) until `tx` ends.
#[tracing::instrument(skip_all, fields(limit = limit))]
pub async fn lock_pending(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<(Uuid, Event)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, event as "event: Json<Event>" from outbox where published_at is null
         order by created_at, id limit $1 for update skip locked"#,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.event.0)).collect())
}

/// Marks events published, in one statement.
#[tracing::instrument(skip_all, fields(events = ids.len()))]
pub async fn mark_published(conn: &mut PgConnection, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update outbox set published_at = now(), updated_at = now() where id = any($1)",
        ids
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes at most `limit` events published longer than `age` ago (the
/// retention); returns how many.
#[tracing::instrument(skip_all)]
pub async fn purge_published(pool: PgPool, age: Duration, limit: i64) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "delete from outbox where ctid = any(array(\
         select ctid from outbox \
         where published_at < now() - make_interval(secs => $1) limit $2))",
        age.as_secs_f64(),
        limit
    )
    .execute(&pool)
    .await?
    .rows_affected();
    Ok(deleted)
}

/// Number of events waiting (for tests and metrics).
#[tracing::instrument(skip_all)]
pub async fn pending_count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from outbox where published_at is null"#)
        .fetch_one(pool)
        .await
}
