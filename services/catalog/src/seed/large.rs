//! A large generated catalog for benchmarks.

use anyhow::Context as _;
use sqlx::PgPool;
use store_events::{BrandId, TenantId, data::Currency};

use crate::db::{self, tenants::Brand};

/// Fills `brand` of `tenant` (created if missing, in BRL) with `count`
/// generated products, each with one default variant, for benchmarks.
/// Names combine adjectives, materials and kinds so searches hit a realistic
/// share of the catalog. Runs in the database (`generate_series`).
pub async fn generate_large(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    count: i64,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into tenant (id, name) values ($1, $1) on conflict do nothing",
        tenant.as_str()
    )
    .execute(pool)
    .await?;
    db::tenants::upsert_brand(
        pool,
        tenant,
        &Brand {
            id: brand.clone(),
            name: brand.to_string(),
            currency: Currency::parse("BRL")?,
            language: "en".to_owned(),
        },
    )
    .await?;
    sqlx::query!(
        "with words as (select \
            array['Classic','Urban','Premium','Compact','Wireless','Vintage','Modern','Smart','Eco','Ultra'] as adj, \
            array['Cotton','Leather','Steel','Bamboo','Wool','Ceramic','Carbon','Linen','Glass','Oak'] as mat, \
            array['Headphones','Backpack','Lamp','Mug','Jacket','Keyboard','Speaker','Chair','Watch','Sneakers', \
                  'Blender','Notebook','Bottle','Scarf','Camera','Charger','Desk','Pillow','Sunglasses','Wallet'] as kind) \
         insert into product (id, tenant_id, brand_id, sku, name, description, category, tags, price_minor, currency) \
         select gen_random_uuid(), $1, $2, 'GEN-' || g, \
                adj[1 + g % 10] || ' ' || mat[1 + (g / 10) % 10] || ' ' || kind[1 + (g / 100) % 20] || ' ' || g, \
                'A ' || lower(mat[1 + (g / 10) % 10]) || ' ' || lower(kind[1 + (g / 100) % 20]) || ' for every day.', \
                lower(kind[1 + (g / 100) % 20]), array[lower(adj[1 + g % 10]), lower(mat[1 + (g / 10) % 10])], \
                500 + (g * 37) % 50000, 'BRL' \
         from words, generate_series(1, $3::bigint) as g",
        tenant.as_str(),
        brand.as_str(),
        count
    )
    .execute(pool)
    .await
    .context("Failed to generate products")?;
    sqlx::query!(
        "insert into variant (id, tenant_id, product_id, sku, stock, is_default) \
         select gen_random_uuid(), p.tenant_id, p.id, p.sku, (hashtext(p.sku) & 15), true \
         from product p where p.tenant_id = $1 and p.brand_id = $2 \
         and not exists (select 1 from variant v where v.product_id = p.id)",
        tenant.as_str(),
        brand.as_str()
    )
    .execute(pool)
    .await?;
    // Maintenance statements, not queries: runtime-checked. Vacuum too, as
    // autovacuum would soon after a bulk load: it merges the GIN indexes'
    // pending lists (which every search would otherwise read through) and
    // sets the visibility map.
    for table in ["product", "variant", "search_word"] {
        sqlx::query(&format!("vacuum analyze {table}"))
            .execute(pool)
            .await?;
    }
    Ok(())
}
