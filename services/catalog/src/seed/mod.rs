//! The demo catalog: tenant `demo` with the five brands of the seeds
//! (fashion, tech, home, beauty, gaming), each with at least 40 products
//! with variants and Portuguese translations, and a tenant `bakery` with
//! one brand. Loaded with `catalog seed`; loading again updates in place.
//! Every product has a picture the catalog serves itself
//! (`/images/<tenant>/<sku>.png`, `http::images`), and colour variants one
//! of their own.

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use sqlx::PgPool;
use store_events::{BrandId, TenantId, data::Currency};

use crate::{
    db::{self, products::OnExisting, tenants::Brand},
    domain::{api_key, product::NewProduct},
};

mod data;
mod large;

use data::{BAKERY_TENANT, BRANDS, DEMO_TENANT, bakery, products};
pub use large::generate_large;

/// What loading created: per tenant, its new API key (only for tenants
/// created now) and the number of products loaded.
pub type Loaded = Vec<(String, Option<String>, usize)>;

async fn ensure_tenant(pool: &PgPool, id: &TenantId, name: &str) -> anyhow::Result<Option<String>> {
    let exists = sqlx::query_scalar!(
        r#"select exists (select 1 from tenant where id = $1) as "exists!""#,
        id.as_str()
    )
    .fetch_one(pool)
    .await?;
    if exists {
        return Ok(None);
    }
    let key = api_key::generate();
    db::tenants::create_tenant(pool, id, name, &api_key::hash(&key)).await?;
    Ok(Some(key.expose_secret().to_owned()))
}

async fn load_brand(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &Brand,
    products: &[NewProduct],
) -> anyhow::Result<()> {
    db::tenants::upsert_brand(pool, tenant, brand).await?;
    let mut tx = pool.begin().await?;
    for product in products {
        db::products::save(&mut tx, tenant, &brand.id, product, OnExisting::Update)
            .await
            .with_context(|| format!("Failed to load {}", product.sku))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Loads (or refreshes) the demo catalog into the migrated database `pool`.
pub async fn load(pool: &PgPool) -> anyhow::Result<Loaded> {
    let brl = Currency::parse("BRL")?;
    let demo = TenantId::parse(DEMO_TENANT)?;
    let demo_key = ensure_tenant(pool, &demo, "Demo stores").await?;
    let mut count = 0;
    for seed in BRANDS {
        let brand = Brand {
            id: BrandId::parse(seed.id)?,
            name: seed.name.to_owned(),
            currency: brl.clone(),
            language: "en".to_owned(),
        };
        let products = products(seed, &brl);
        count += products.len();
        load_brand(pool, &demo, &brand, &products).await?;
    }
    let bakery_tenant = TenantId::parse(BAKERY_TENANT)?;
    let bakery_key = ensure_tenant(pool, &bakery_tenant, "Padaria do Bairro").await?;
    let brand = Brand {
        id: BrandId::parse("bakery")?,
        name: "Padaria do Bairro".to_owned(),
        currency: brl.clone(),
        language: "pt-BR".to_owned(),
    };
    let bakery_products = bakery(&brl);
    load_brand(pool, &bakery_tenant, &brand, &bakery_products).await?;
    Ok(vec![
        ("demo".to_owned(), demo_key, count),
        ("bakery".to_owned(), bakery_key, bakery_products.len()),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_brand_has_at_least_forty_products_with_variants_and_unique_skus() {
        let brl = Currency::parse("BRL").unwrap();
        for seed in BRANDS {
            let products = products(seed, &brl);
            assert!(products.len() >= 40, "{} has {}", seed.id, products.len());
            assert!(
                products.iter().filter(|p| p.variants.len() > 1).count() >= 24,
                "{}",
                seed.id
            );
            let mut skus: Vec<&str> = products
                .iter()
                .flat_map(|p| p.variants.iter().map(|v| v.sku.as_str()))
                .collect();
            let all = skus.len();
            skus.sort_unstable();
            skus.dedup();
            assert_eq!(skus.len(), all, "{} repeats a SKU", seed.id);
        }
    }

    #[test]
    fn every_demo_product_has_a_served_picture_and_colour_variants_their_own() {
        let brl = Currency::parse("BRL").unwrap();
        let all: Vec<NewProduct> = BRANDS
            .iter()
            .flat_map(|seed| products(seed, &brl))
            .chain(bakery(&brl))
            .collect();

        for product in &all {
            let [picture] = product.images.as_slice() else {
                panic!("{} has pictures {:?}", product.sku, product.images)
            };
            assert!(
                picture.starts_with("/images/")
                    && picture.ends_with(&format!("/{}.png", product.sku)),
                "{picture}"
            );
            for variant in &product.variants {
                let colour = variant.attributes.contains_key("colour");
                assert_eq!(variant.image_url.is_some(), colour, "{}", variant.sku);
            }
        }
        assert!(
            all.iter()
                .flat_map(|p| &p.variants)
                .any(|v| v.image_url.is_some())
        );
    }
}
