//! Products and their variants: create, upsert (import), read, activate.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, types::Json};
use store_events::{
    BrandId, TenantId,
    data::{Currency, Money, StockLevel},
};
use uuid::Uuid;

use crate::domain::product::{NewProduct, Translation};

/// A product as the admin API shows it: the JSON keys are the fields,
/// named for what they hold (the catalog README documents them); only the
/// ones whose name does not say it all are documented here.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductView {
    pub id: Uuid,
    pub brand: String,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub tags: Vec<String>,
    pub related_categories: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    /// Picture URLs.
    pub images: Vec<String>,
    pub translations: BTreeMap<String, Translation>,
    pub price: Money,
    /// Most units per order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_order: Option<i32>,
    /// For sale (an inactive product is hidden from shoppers).
    pub active: bool,
    /// Variants (the default one of a product without options included).
    pub variants: Vec<VariantView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A variant as the admin API shows it (documented as [`ProductView`]).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantView {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    /// Its options (`size: 42`).
    pub attributes: BTreeMap<String, String>,
    /// Effective price (its own, else the product's).
    pub price: Money,
    /// Units in stock.
    pub stock: i32,
    /// The product's implicit only variant.
    pub is_default: bool,
    /// For sale.
    pub active: bool,
    /// Its own picture, as stored (the product's applies when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

struct ProductRow {
    id: Uuid,
    brand_id: String,
    sku: String,
    name: String,
    description: String,
    category: String,
    tags: Vec<String>,
    related_categories: Vec<String>,
    attributes: Json<BTreeMap<String, String>>,
    images: Vec<String>,
    translations: Json<BTreeMap<String, Translation>>,
    price_minor: i64,
    currency: String,
    max_per_order: Option<i32>,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

struct VariantRow {
    id: Uuid,
    sku: String,
    name: String,
    attributes: Json<BTreeMap<String, String>>,
    price_minor: Option<i64>,
    stock: i32,
    is_default: bool,
    active: bool,
    image_url: Option<String>,
}

fn currency(code: String) -> Result<Currency, sqlx::Error> {
    Currency::parse(code).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Whether an existing product with the same SKU is replaced (import) or a
/// conflict (create).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// Fail with the SKU's unique constraint.
    Fail,
    /// Update it and its variants, matched by SKU.
    Update,
}

/// Stores `product` in `brand`; returns its id and the stock levels that
/// moved.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand, sku = %product.sku))]
pub async fn save(
    conn: &mut PgConnection,
    tenant: &TenantId,
    brand: &BrandId,
    product: &NewProduct,
    on_existing: OnExisting,
) -> Result<(Uuid, Vec<StockLevel>), sqlx::Error> {
    // The same insert twice, as the checked macros need each statement
    // spelled out: a second SKU fails or updates the product.
    macro_rules! insert_product {
        ($sql:tt) => {
            sqlx::query_scalar!(
                $sql,
                Uuid::now_v7(),
                tenant.as_str(),
                brand.as_str(),
                &product.sku,
                &product.name,
                &product.description,
                &product.category,
                &product.tags,
                &product.related_categories,
                Json(&product.attributes) as _,
                &product.images,
                Json(&product.translations) as _,
                product.price_minor,
                product.currency.as_str(),
                product
                    .max_per_order
                    .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
                product.active
            )
            .fetch_one(&mut *conn)
            .await?
        };
    }
    let id: Uuid = match on_existing {
        OnExisting::Fail => insert_product!(
            "insert into product (id, tenant_id, brand_id, sku, name, description, category, \
             tags, related_categories, attributes, images, translations, price_minor, currency, \
             max_per_order, active) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             returning id"
        ),
        OnExisting::Update => insert_product!(
            "insert into product (id, tenant_id, brand_id, sku, name, description, category, \
             tags, related_categories, attributes, images, translations, price_minor, currency, \
             max_per_order, active) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             on conflict on constraint product_sku_unique do update set \
             name = excluded.name, description = excluded.description, \
             category = excluded.category, tags = excluded.tags, \
             related_categories = excluded.related_categories, attributes = excluded.attributes, \
             images = excluded.images, translations = excluded.translations, \
             price_minor = excluded.price_minor, currency = excluded.currency, \
             max_per_order = excluded.max_per_order, active = excluded.active, updated_at = now() \
             returning id"
        ),
    };
    let mut levels = Vec::new();
    for (position, variant) in product.variants.iter().enumerate() {
        let row = sqlx::query!(
            r#"with old as (select stock from variant where product_id = $3 and sku = $4)
             insert into variant (id, tenant_id, product_id, sku, name, attributes, price_minor,
             stock, is_default, position, image_url)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             on conflict on constraint variant_sku_unique do update set name = excluded.name,
             attributes = excluded.attributes, price_minor = excluded.price_minor,
             stock = excluded.stock, is_default = excluded.is_default,
             position = excluded.position, image_url = excluded.image_url, active = true,
             updated_at = now()
             returning id, stock, coalesce((select stock from old), 0) as "old!""#,
            Uuid::now_v7(),
            tenant.as_str(),
            id,
            &variant.sku,
            &variant.name,
            Json(&variant.attributes) as _,
            variant.price_minor,
            i32::try_from(variant.stock).unwrap_or(i32::MAX),
            variant.is_default,
            i32::try_from(position).unwrap_or(i32::MAX),
            variant.image_url.as_deref()
        )
        .fetch_one(&mut *conn)
        .await?;
        let (variant_id, stock, old) = (row.id, row.stock, row.old);
        if stock != old {
            levels.push(StockLevel {
                product_id: id.to_string(),
                variant_id: (!variant.is_default).then(|| variant_id.to_string()),
                sku: variant.sku.clone(),
                stock: u32::try_from(stock).unwrap_or(0),
                delta: i64::from(stock) - i64::from(old),
            });
        }
    }
    if on_existing == OnExisting::Update {
        // Variants the import no longer lists stop being sold.
        let skus: Vec<&str> = product.variants.iter().map(|v| v.sku.as_str()).collect();
        sqlx::query!(
            "update variant set active = false, updated_at = now() \
             where tenant_id = $1 and product_id = $2 and not (sku = any($3)) and active",
            tenant.as_str(),
            id,
            &skus as _
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok((id, levels))
}

/// A product of `tenant` with its variants.
#[tracing::instrument(skip_all, fields(tenant = %tenant, product = %id))]
pub async fn get(
    pool: &PgPool,
    tenant: &TenantId,
    id: Uuid,
) -> Result<Option<ProductView>, sqlx::Error> {
    let Some(row) = sqlx::query_as!(
        ProductRow,
        r#"select id, brand_id, sku, name, description, category, tags, related_categories,
         attributes as "attributes: Json<BTreeMap<String, String>>", images,
         translations as "translations: Json<BTreeMap<String, Translation>>", price_minor,
         currency, max_per_order, active, created_at, updated_at
         from product where tenant_id = $1 and id = $2"#,
        tenant.as_str(),
        id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let variants = sqlx::query_as!(
        VariantRow,
        r#"select id, sku, name, attributes as "attributes: Json<BTreeMap<String, String>>",
         price_minor, stock, is_default, active, image_url from variant
         where tenant_id = $1 and product_id = $2 order by position, sku"#,
        tenant.as_str(),
        id
    )
    .fetch_all(pool)
    .await?;
    let currency = currency(row.currency)?;
    Ok(Some(ProductView {
        id: row.id,
        brand: row.brand_id,
        sku: row.sku,
        name: row.name,
        description: row.description,
        category: row.category,
        tags: row.tags,
        related_categories: row.related_categories,
        attributes: row.attributes.0,
        images: row.images,
        translations: row.translations.0,
        price: Money::new(row.price_minor, currency.clone()),
        max_per_order: row.max_per_order,
        active: row.active,
        variants: variants
            .into_iter()
            .map(|v| VariantView {
                id: v.id,
                sku: v.sku,
                name: v.name,
                attributes: v.attributes.0,
                price: Money::new(v.price_minor.unwrap_or(row.price_minor), currency.clone()),
                stock: v.stock,
                is_default: v.is_default,
                active: v.active,
                image_url: v.image_url,
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }))
}

/// Sets whether a product of `tenant` is for sale; false when there is no
/// such product.
#[tracing::instrument(skip_all, fields(tenant = %tenant, product = %id))]
pub async fn set_active(
    pool: &PgPool,
    tenant: &TenantId,
    id: Uuid,
    active: bool,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        "update product set active = $3, updated_at = now() where tenant_id = $1 and id = $2",
        tenant.as_str(),
        id,
        active
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(updated == 1)
}
