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
///
/// This runs for nearly every shopper message, and what the channel tells
/// (a name, a language) rarely changes. So the statement writes only a new
/// profile or one whose name or language differs; otherwise it only reads,
/// and its commit has no WAL to flush (it used to rewrite the row, and
/// flush, with every message). `updated_at` is therefore when the profile
/// last changed. A profile another transaction inserts while this one runs
/// is written by the insert's conflict clause, as before.
#[tracing::instrument(skip_all, fields(tenant = tenant, customer = customer_id))]
pub async fn touch_profile(
    executor: impl sqlx::PgExecutor<'_>,
    tenant: &str,
    customer_id: &str,
    display_name: Option<&str>,
    language: Option<&str>,
) -> Result<Profile, sqlx::Error> {
    let row = sqlx::query!(
        r#"with stored as (
               select display_name, language, preferences, orders from customer_profile
               where tenant = $1 and customer_id = $2
           ), written as (
               insert into customer_profile (tenant, customer_id, display_name, language)
               select $1, $2, $3, $4
               where not exists (
                   select 1 from stored
                   where ($3::text is null or display_name is not distinct from $3::text)
                     and ($4::text is null or language is not distinct from $4::text))
               on conflict (tenant, customer_id) do update set
                 display_name = coalesce(excluded.display_name, customer_profile.display_name),
                 language = coalesce(excluded.language, customer_profile.language),
                 updated_at = now()
               returning display_name, language, preferences, orders
           )
           select display_name, language, preferences as "preferences!", orders as "orders!"
           from written
           union all
           select display_name, language, preferences, orders from stored
           where not exists (select 1 from written)"#,
        tenant,
        customer_id,
        display_name,
        language,
    )
    .fetch_one(executor)
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
