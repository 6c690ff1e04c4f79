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

pub use store_tenancy::{create_tenant, tenant_for_key};

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
