//! Who has the inbox open: the event stream of each open page marks its
//! seller seen ([`seen`]); [`on_the_page`] is who was seen lately. What the
//! notifications skip (a seller looking at the inbox needs no Telegram
//! message).

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

/// Marks `account` of `tenant` as having the inbox open now.
pub async fn seen(pool: &PgPool, tenant: &str, account: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into inbox_presence (account_id, tenant_id, seen_at) values ($1, $2, now())
         on conflict (account_id) do update set seen_at = now()",
        account,
        tenant
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The active accounts of `tenant` who may work `brand` and had the inbox
/// open within `within`.
pub async fn on_the_page(
    pool: &PgPool,
    tenant: &str,
    brand: &str,
    within: Duration,
) -> sqlx::Result<Vec<Uuid>> {
    let seconds = within.as_secs_f64();
    sqlx::query_scalar!(
        "select a.id
         from inbox_presence p
         join seller_account a on a.id = p.account_id
         where p.tenant_id = $1 and a.tenant_id = $1 and a.disabled_at is null
           and (a.role = 'owner' or $2 = any (a.brands))
           and p.seen_at > now() - make_interval(secs => $3)",
        tenant,
        brand,
        seconds
    )
    .fetch_all(pool)
    .await
}
