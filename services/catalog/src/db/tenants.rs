//! Tenants, their API keys and their brands.

use sqlx::PgPool;
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

pub use store_tenancy::{create_tenant, tenant_for_key};

/// Creates or updates a brand of `tenant`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand.id))]
pub async fn upsert_brand(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &Brand,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into brand (tenant_id, id, name, currency, language) values ($1, $2, $3, $4, $5) \
         on conflict (tenant_id, id) do update set name = excluded.name, \
         currency = excluded.currency, language = excluded.language, updated_at = now()",
        tenant.as_str(),
        brand.id.as_str(),
        &brand.name,
        brand.currency.as_str(),
        &brand.language
    )
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
    let row = sqlx::query!(
        "select name, currency, language from brand where tenant_id = $1 and id = $2",
        tenant.as_str(),
        brand.as_str()
    )
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Brand {
            id: brand.clone(),
            name: row.name,
            currency: Currency::parse(row.currency)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            language: row.language,
        })
    })
    .transpose()
}
