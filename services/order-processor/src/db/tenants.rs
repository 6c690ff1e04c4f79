//! Tenants and their API keys.

use sqlx::PgPool;
use store_events::TenantId;

/// Creates a tenant with its first API key (stored hashed).
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn create_tenant(
    pool: &PgPool,
    tenant: &TenantId,
    name: &str,
    key_hash: &[u8],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("insert into tenant (id, name) values ($1, $2)")
        .bind(tenant.as_str())
        .bind(name)
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into api_key (key_hash, tenant_id, label) values ($1, $2, 'initial')")
        .bind(key_hash)
        .bind(tenant.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The tenant an API key (by its hash) belongs to.
#[tracing::instrument(skip_all)]
pub async fn tenant_for_key(
    pool: &PgPool,
    key_hash: &[u8],
) -> Result<Option<TenantId>, sqlx::Error> {
    let tenant: Option<String> =
        sqlx::query_scalar("select tenant_id from api_key where key_hash = $1")
            .bind(key_hash)
            .fetch_optional(pool)
            .await?;
    Ok(tenant.and_then(|t| TenantId::parse(t).ok()))
}
