//! Customer profiles, per tenant: what the seller remembers about a shopper
//! across conversations and brands of the same shop (never across shops).

use serde_json::Value;
use sqlx::PgPool;

/// A shopper's profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Name the shopper goes by.
    pub display_name: Option<String>,
    /// Preferred language.
    pub language: Option<String>,
    /// Remembered preferences.
    pub preferences: Vec<String>,
    /// Order numbers placed through the seller, newest last.
    pub orders: Vec<String>,
}

/// Creates or refreshes the profile with what the channel told us; returns it.
#[tracing::instrument(skip_all, fields(tenant = tenant, customer = customer_id))]
pub async fn touch_profile(
    pool: &PgPool,
    tenant: &str,
    customer_id: &str,
    display_name: Option<&str>,
    language: Option<&str>,
) -> Result<Profile, sqlx::Error> {
    let row = sqlx::query!(
        "insert into customer_profile (tenant, customer_id, display_name, language) values ($1, $2, $3, $4) \
         on conflict (tenant, customer_id) do update set \
           display_name = coalesce(excluded.display_name, customer_profile.display_name), \
           language = coalesce(excluded.language, customer_profile.language), \
           updated_at = now() \
         returning display_name, language, preferences, orders",
        tenant,
        customer_id,
        display_name,
        language,
    )
    .fetch_one(pool)
    .await?;
    let strings = |v: Value| -> Vec<String> { serde_json::from_value(v).unwrap_or_default() };
    Ok(Profile {
        display_name: row.display_name,
        language: row.language,
        preferences: strings(row.preferences),
        orders: strings(row.orders),
    })
}

/// Remembers an order number placed for the shopper (keeps the last 10).
#[tracing::instrument(skip_all, fields(tenant = tenant, customer = customer_id, order = order_number))]
pub async fn remember_order(
    pool: &PgPool,
    tenant: &str,
    customer_id: &str,
    order_number: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update customer_profile set orders = ( \
           select coalesce(jsonb_agg(o order by n), '[]'::jsonb) from ( \
             select o, n from jsonb_array_elements(orders || jsonb_build_array($3::text)) with ordinality as t(o, n) \
             order by n desc limit 10) last), updated_at = now() \
         where tenant = $1 and customer_id = $2",
        tenant,
        customer_id,
        order_number,
    )
    .execute(pool)
    .await?;
    Ok(())
}
