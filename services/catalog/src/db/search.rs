//! Search (full text in the brand's and the query's language, trigram
//! similarity for typos, filters, exact matches first) and recommendations.

use std::collections::BTreeMap;

use sqlx::{FromRow, PgPool, types::Json};
use store_events::{
    BrandId, TenantId,
    data::{Currency, Money, ProductSummary, RecommendMode},
};
use uuid::Uuid;

use crate::domain::search::{Recommend, Search};

/// The columns every summary query selects: `p` is the product, `v` its
/// chosen variant.
const SUMMARY_COLUMNS: &str = "p.id as product_id, \
    coalesce(p.translations -> $lang ->> 'name', p.name) as name, \
    coalesce(p.translations -> $lang ->> 'description', p.description) as description, \
    p.attributes as product_attributes, coalesce(v.image_url, p.images[1]) as image_url, p.currency, \
    v.id as variant_id, v.sku, v.name as variant_name, v.attributes as variant_attributes, \
    coalesce(v.price_minor, p.price_minor) as price_minor, v.stock, v.is_default, \
    count(*) over () as total";

#[derive(FromRow)]
struct SummaryRow {
    product_id: Uuid,
    name: String,
    description: String,
    product_attributes: Json<BTreeMap<String, String>>,
    image_url: Option<String>,
    currency: String,
    variant_id: Uuid,
    sku: String,
    variant_name: String,
    variant_attributes: Json<BTreeMap<String, String>>,
    price_minor: i64,
    stock: i32,
    is_default: bool,
    total: i64,
}

impl SummaryRow {
    fn into_summary(self) -> Result<ProductSummary, sqlx::Error> {
        let currency =
            Currency::parse(self.currency).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let mut attributes = self.product_attributes.0;
        attributes.extend(self.variant_attributes.0);
        let name = if self.is_default || self.variant_name.is_empty() {
            self.name
        } else {
            format!("{} ({})", self.name, self.variant_name)
        };
        let stock = u32::try_from(self.stock).unwrap_or(0);
        Ok(ProductSummary {
            product_id: self.product_id.to_string(),
            variant_id: (!self.is_default).then(|| self.variant_id.to_string()),
            sku: self.sku,
            name,
            description: Some(self.description).filter(|d| !d.is_empty()),
            price: Money::new(self.price_minor, currency),
            stock,
            in_stock: stock > 0,
            image_url: self.image_url,
            attributes,
        })
    }
}

/// Matching active products of one brand, best first, with the number of
/// matches in all. `brand_language` picks the dictionary when the query
/// names no language.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn search(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    search: &Search,
    brand_language: &str,
) -> Result<(Vec<ProductSummary>, u64), sqlx::Error> {
    // `$lang` is the translation key; `$cfg` the dictionary's language.
    let sql = format!(
        "with q as ( \
            select $3::text as text, \
                   websearch_to_tsquery(search_config($4), coalesce($3, '')) as tsl, \
                   websearch_to_tsquery('simple', coalesce($3, '')) as tss \
         ) \
         select {SUMMARY_COLUMNS}, \
            (lower(p.name) = lower(q.text) or lower(p.sku) = lower(q.text) \
             or exists (select 1 from jsonb_each(p.translations) t \
                        where lower(t.value ->> 'name') = lower(q.text))) as exact, \
            coalesce(ts_rank_cd(p.search, q.tsl) + ts_rank_cd(p.search, q.tss) \
                     + word_similarity(q.text, p.search_text) \
                     + word_similarity(q.text, lower(p.name)), 0) as score \
         from q, product p \
         cross join lateral ( \
            select v.* from variant v \
            where v.product_id = p.id and v.active \
              and (p.attributes || v.attributes) @> $6 \
              and ($7::bigint is null or coalesce(v.price_minor, p.price_minor) >= $7) \
              and ($8::bigint is null or coalesce(v.price_minor, p.price_minor) <= $8) \
              and ($9::boolean is null or (v.stock > 0) = $9) \
            order by (v.stock > 0) desc, coalesce(v.price_minor, p.price_minor), v.position, v.sku \
            limit 1 \
         ) v \
         where p.tenant_id = $1 and p.brand_id = $2 and p.active \
           and (q.text is null or p.search @@ q.tsl or p.search @@ q.tss \
                or q.text <% p.search_text) \
           and ($10::text[] is null or p.tags && $10) \
           and ($13::uuid[] is null or p.id = any($13)) \
         order by exact desc nulls last, score desc, p.name, p.id \
         limit $11 offset $12"
    )
    .replace("$lang", "$5");
    // Runtime-checked: the statement is assembled with format! from
    // SUMMARY_COLUMNS, which it shares with `recommend`.
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(tenant.as_str())
        .bind(brand.as_str())
        .bind(search.text.as_deref())
        .bind(search.language.as_deref().unwrap_or(brand_language))
        .bind(search.language.as_deref().unwrap_or(""))
        .bind(Json(&search.attributes))
        .bind(search.price_min)
        .bind(search.price_max)
        .bind(search.in_stock)
        .bind(search.tags.as_deref())
        .bind(i64::from(search.limit))
        .bind(i64::from(search.offset))
        .bind(search.ids.as_deref())
        .fetch_all(pool)
        .await?;
    let total = rows
        .first()
        .map_or(0, |r| u64::try_from(r.total).unwrap_or(0));
    let products = rows
        .into_iter()
        .map(SummaryRow::into_summary)
        .collect::<Result<_, _>>()?;
    Ok((products, total))
}

/// Products related to `request.product_ids` in the same brand, in stock
/// first, best first: similar ones share the category or tags; complements
/// are in a related category, or share tags across categories.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn recommend(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    request: &Recommend,
) -> Result<Option<Vec<ProductSummary>>, sqlx::Error> {
    let seeds = sqlx::query_scalar!(
        r#"select count(*) as "n!" from product
         where tenant_id = $1 and brand_id = $2 and id = any($3)"#,
        tenant.as_str(),
        brand.as_str(),
        &request.product_ids
    )
    .fetch_one(pool)
    .await?;
    if seeds == 0 {
        return Ok(None);
    }
    let sql = format!(
        "with seed as ( \
            select category, tags, related_categories, name from product \
            where tenant_id = $1 and brand_id = $2 and id = any($3) \
         ) \
         select {SUMMARY_COLUMNS}, r.score \
         from product p \
         cross join lateral ( \
            select v.* from variant v where v.product_id = p.id and v.active \
            order by (v.stock > 0) desc, v.position, v.sku limit 1 \
         ) v \
         cross join lateral ( \
            select max(case when $4 = 'similar' then \
                (case when p.category <> '' and p.category = s.category then 2 else 0 end) \
                + cardinality(array(select unnest(p.tags) intersect select unnest(s.tags))) \
                + similarity(p.name, s.name) \
            else \
                (case when p.category = any(s.related_categories) then 3 else 0 end) \
                + (case when p.category <> s.category then \
                   cardinality(array(select unnest(p.tags) intersect select unnest(s.tags))) \
                   else 0 end) \
            end) as score from seed s \
         ) r \
         where p.tenant_id = $1 and p.brand_id = $2 and p.active \
           and not (p.id = any($3)) and r.score >= 1 \
         order by (v.stock > 0) desc, r.score desc, p.name, p.id \
         limit $5"
    )
    .replace("$lang", "''");
    let mode = match request.mode {
        RecommendMode::Similar => "similar",
        RecommendMode::Complement => "complement",
    };
    // Runtime-checked: the statement is assembled with format! from
    // SUMMARY_COLUMNS, which it shares with `search`.
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(tenant.as_str())
        .bind(brand.as_str())
        .bind(&request.product_ids)
        .bind(mode)
        .bind(i64::from(request.limit))
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .map(SummaryRow::into_summary)
        .collect::<Result<_, _>>()
        .map(Some)
}
