//! Search (full text in the brand's and the query's language, trigram
//! similarity for typos, filters, exact matches first) and recommendations.

use std::{collections::BTreeMap, sync::LazyLock};

use sqlx::{FromRow, PgPool, Postgres, postgres::PgArguments, query::QueryAs, types::Json};
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
    coalesce(v.price_minor, p.price_minor) as price_minor, v.stock, v.is_default";

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

/// Matches whose variants are checked against the filters before the
/// results are chosen: the total is exact up to this many matches and
/// estimated from them beyond (see [`search`]).
const SAMPLE: i64 = 500;

/// Results ranked by the full score (exact matches, full text in both
/// dictionaries, word similarity to the names): the best this many of the
/// sampled matches that pass the filters; later ones keep the order of the
/// cheap first ranking. Only sampled ones, so that every page of a search
/// is cut from the same order.
const RERANK: i64 = 50;

/// Most corrections tried for one word of the query.
const CORRECTIONS_PER_WORD: i64 = 8;

/// The search statement, assembled once.
static SEARCH_SQL: LazyLock<String> = LazyLock::new(search_sql);

/// The search statement. `fix` corrects the query's words against the
/// brand's vocabulary (`search_word`, trigram index); `matched` finds the
/// products by three GIN lookups (full text in the query's language, in
/// 'simple', and the corrected words) and ranks them cheaply; `sampled`
/// picks the variant of the best [`SAMPLE`] (the filters on price, stock and
/// attributes are the variant's); `candidate` goes deeper only when too few
/// of those passed for the page asked; the final select scores the first
/// [`RERANK`] of the sampled ones in full.
fn search_sql() -> String {
    // The variant a match is shown with (and whether it has one passing the
    // filters): in stock first, then cheapest.
    let variant = "cross join lateral ( \
            select v.id as variant_id from variant v \
            where v.product_id = r.id and v.active \
              and (r.attributes || v.attributes) @> $6 \
              and ($7::bigint is null or coalesce(v.price_minor, r.price_minor) >= $7) \
              and ($8::bigint is null or coalesce(v.price_minor, r.price_minor) <= $8) \
              and ($9::boolean is null or (v.stock > 0) = $9) \
            order by (v.stock > 0) desc, coalesce(v.price_minor, r.price_minor), v.position, v.sku \
            limit 1 \
         ) v";
    // Byte order of names breaks ties here: cheaper than the collation's,
    // and the first RERANK results are ordered by the collation again.
    let order = "order by exact desc, rough desc, name collate \"C\", id";
    format!(
        "with fix as materialized ( \
            select search_all(a.alts) as tsfix from ( \
                select search_any(plainto_tsquery('simple', s.word)) as alts \
                from (select distinct lexeme as word \
                      from unnest(to_tsvector('simple', coalesce($3, ''))) \
                      where length(lexeme) >= 3) w \
                cross join lateral ( \
                    select s.word from search_word s \
                    where s.tenant_id = $1 and s.brand_id = $2 and w.word <% s.word \
                    group by s.word \
                    order by word_similarity(w.word, s.word) desc, s.word \
                    limit {CORRECTIONS_PER_WORD} \
                ) s \
                group by w.word \
            ) a \
         ), \
         q as not materialized ( \
            select $3::text as text, \
                   websearch_to_tsquery(search_config($4), coalesce($3, '')) as tsl, \
                   websearch_to_tsquery('simple', coalesce($3, '')) as tss, \
                   (select tsfix from fix) as tsfix \
         ), \
         matched as materialized ( \
            select p.id, p.name, p.attributes, p.price_minor, \
                   coalesce(strpos(p.search_text, lower(q.text)) > 0 \
                     and (lower(p.name) = lower(q.text) or lower(p.sku) = lower(q.text) \
                          or exists (select 1 from jsonb_each(p.translations) t \
                                     where lower(t.value ->> 'name') = lower(q.text))), \
                     false) as exact, \
                   coalesce(ts_rank_cd(p.search_words, q.tsfix), 0) as rough \
            from q, product p \
            where p.tenant_id = $1 and p.brand_id = $2 and p.active \
              and (q.text is null or p.search @@ q.tsl or p.search @@ q.tss \
                   or p.search_words @@ q.tsfix) \
              and ($10::text[] is null or p.tags && $10) \
              and ($13::uuid[] is null or p.id = any($13)) \
         ), \
         sampled as materialized ( \
            select r.id, r.exact, r.rough, r.name, v.variant_id \
            from (select * from matched {order} limit {SAMPLE}) r \
            {variant} \
         ), \
         candidate as ( \
            select c.*, row_number() over ({order}) as rank from ( \
                select *, true as sampled from sampled \
                union all \
                (select r.id, r.exact, r.rough, r.name, v.variant_id, false \
                 from (select * from matched {order} offset {SAMPLE}) r \
                 {variant} \
                 limit greatest(0, $11 + $12 - (select count(*) from sampled))) \
            ) c \
         ), \
         total as ( \
            select greatest(c.n, case when m.n <= {SAMPLE} then s.n \
                                      else round(m.n * s.n / {SAMPLE}.0)::bigint end) as total \
            from (select count(*) as n from matched) m, (select count(*) as n from sampled) s, \
                 (select count(*) as n from candidate) c \
         ) \
         select {SUMMARY_COLUMNS}, total.total \
         from ( \
            select *, sampled and rank <= {RERANK} as reranked from candidate \
            where rank <= greatest({RERANK}, $11 + $12) \
         ) o \
         join product p on p.id = o.id \
         join variant v on v.id = o.variant_id \
         cross join q cross join total \
         order by not o.reranked, o.exact desc, \
            case when o.reranked then \
                coalesce(ts_rank_cd(p.search, q.tsl) + ts_rank_cd(p.search, q.tss) \
                         + word_similarity(q.text, p.search_text) \
                         + word_similarity(q.text, lower(p.name)), 0) \
            end desc nulls last, \
            case when o.reranked then p.name end, \
            case when o.reranked then p.id end, \
            o.rank \
         limit $11 offset $12"
    )
    // `$lang` is the translation key; `$4` names the dictionary's language.
    .replace("$lang", "$5")
}

/// Matching active products of one brand, best first, with the number of
/// matches in all. `brand_language` picks the dictionary when the query
/// names no language.
///
/// Words are matched by full text in the query's (or the brand's) language
/// and in 'simple', and, for typos, after correction against the brand's
/// vocabulary (a word within pg_trgm's word similarity of one the brand
/// uses). The first [`RERANK`] results are ranked as before the fast path:
/// exact name or SKU first, then full-text rank in both dictionaries plus
/// word similarity to the names; later ones by a cheaper rank.
///
/// The total is exact when at most [`SAMPLE`] products match the words;
/// beyond that, with a price, stock or attribute filter, it is estimated
/// from the share of the best [`SAMPLE`] that pass the filter (checking
/// every match would cost a variant lookup per match), and never below the
/// results found.
#[tracing::instrument(skip_all, fields(tenant = %tenant, brand = %brand))]
pub async fn search(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    search: &Search,
    brand_language: &str,
) -> Result<(Vec<ProductSummary>, u64), sqlx::Error> {
    // Runtime-checked: the statement is assembled with format! from
    // SUMMARY_COLUMNS, which it shares with `recommend`.
    let rows: Vec<SummaryRow> = bind_search(
        sqlx::query_as(&SEARCH_SQL),
        tenant,
        brand,
        search,
        brand_language,
    )
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

/// The plan [`search`] runs and what each step took: `EXPLAIN (ANALYZE,
/// BUFFERS)` of the same statement with the same arguments, one line of
/// the plan per item (for the benchmark, which shows the indexes used).
pub async fn explain_search(
    pool: &PgPool,
    tenant: &TenantId,
    brand: &BrandId,
    search: &Search,
    brand_language: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = format!("explain (analyze, buffers) {}", *SEARCH_SQL);
    let lines: Vec<(String,)> =
        bind_search(sqlx::query_as(&sql), tenant, brand, search, brand_language)
            .fetch_all(pool)
            .await?;
    Ok(lines.into_iter().map(|(line,)| line).collect())
}

/// [`SEARCH_SQL`]'s arguments.
fn bind_search<'q, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    tenant: &'q TenantId,
    brand: &'q BrandId,
    search: &'q Search,
    brand_language: &'q str,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    // Planned for these arguments every time, never as a cached generic
    // plan: without the text and the tsqueries known, PostgreSQL cannot use
    // the GIN indexes for `text is null or …` and would scan every product
    // (seen: 1.5 s at 100 000 products instead of milliseconds).
    query
        .persistent(false)
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
         select {SUMMARY_COLUMNS}, count(*) over () as total, r.score \
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
