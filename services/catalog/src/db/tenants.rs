//! Tenants, their API keys and their brands.

use sqlx::{PgPool, Row as _};
use store_events::{BrandId, TenantId, data::Currency};

/// A brand's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// Brand id.
    pub id: BrandId,
    /// Display name.
    pub name: String,
    /// Currency of its prices.
    pub currency: Currency,
    /// BCP 47 tag of its catalog's main language.
    pub language: String,
}

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
    // Stored ids were parsed on the way in; a bad one counts as no tenant.
    Ok(tenant.and_then(|t| TenantId::parse(t).ok()))
}

/// Creates or updates a brand of `tenant`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand.id))]
pub async fn upsert_brand(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &Brand,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into brand (tenant_id, id, name, currency, language) values ($1, $2, $3, $4, $5) \
         on conflict (tenant_id, id) do update set name = excluded.name, \
         currency = excluded.currency, language = excluded.language, updated_at = now()",
    )
    .bind(tenant.as_str())
    .bind(brand.id.as_str())
    .bind(&brand.name)
    .bind(brand.currency.as_str())
    .bind(&brand.language)
    .execute(pool)
    .await?;
    Ok(())
}

/// A brand of `tenant`, if it exists.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn get_brand(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
) -> Result<Option<Brand>, sqlx::Error> {
    let row =
        sqlx::query("select name, currency, language from brand where tenant_id = $1 and id = $2")
            .bind(tenant.as_str())
            .bind(brand.as_str())
            .fetch_optional(pool)
            .await?;
    row.map(|row| {
        let currency: String = row.try_get("currency")?;
        Ok(Brand {
            id: brand.clone(),
            name: row.try_get("name")?,
            currency: Currency::parse(currency).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            language: row.try_get("language")?,
        })
    })
    .transpose()
}
