//! What a served picture shows: the category of the product a SKU names
//! (a product's or one of its variants') and the variant's colour.

use sqlx::PgPool;

/// The category of the active product of `tenant` whose SKU, or whose
/// variant's SKU, is `sku`, and that variant's colour option; `None` when
/// there is no such product.
#[tracing::instrument(skip_all, fields(tenant = tenant, sku = sku))]
pub async fn subject(
    pool: &PgPool,
    tenant: &str,
    sku: &str,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    // Runtime-checked like the search: a plain lookup on existing columns.
    sqlx::query_as(
        "select p.category, \
                coalesce(v.attributes ->> 'colour', v.attributes ->> 'color') as colour \
         from product p \
         left join variant v on v.product_id = p.id and v.sku = $2 and v.active \
         where p.tenant_id = $1 and p.active and (p.sku = $2 or v.id is not null) \
         order by (v.id is not null) desc \
         limit 1",
    )
    .bind(tenant)
    .bind(sku)
    .fetch_optional(pool)
    .await
}
