//! Search benchmark on a large generated catalog (not a test):
//! `cargo bench -p catalog --bench search`; `BENCH_PRODUCTS` sets the size,
//! default 100 000. Needs the local PostgreSQL (`DATABASE_URL`).
//!
//! Prints p50/p99 of the catalog's search (the same function the bus and
//! HTTP use) beside the physical ceiling of the same database: a plain
//! indexed lookup by SKU.

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use store_events::{BrandId, TenantId, data::ProductQuery};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

#[tokio::main]
async fn main() {
    let count: i64 = std::env::var("BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let pool = store_testkit::fresh_database().await.unwrap();
    catalog::db::migrate(&pool).await.unwrap();
    let tenant = TenantId::parse("bench").unwrap();
    let brand = BrandId::parse("big").unwrap();
    let started = Instant::now();
    catalog::seed::generate_large(&pool, &tenant, &brand, count)
        .await
        .unwrap();
    println!("generated {count} products in {:?}", started.elapsed());

    let queries = [
        "wireless headphones",
        "hedphones",
        "leather backpack",
        "bamboo lamp",
        "ceramic mug",
        "vintage wool jacket",
        "smart watch",
        "eco bottle",
        "keybord",
        "oak desk",
    ];
    let mut search = Vec::new();
    for round in 0..20 {
        for (i, text) in queries.iter().enumerate() {
            let mut query = ProductQuery::text(*text);
            query.filters.in_stock = Some((round + i) % 2 == 0);
            let parsed = catalog::domain::search::Search::parse(query).unwrap();
            let t = Instant::now();
            let (found, _) = catalog::db::search::search(&pool, &tenant, &brand, &parsed, "en")
                .await
                .unwrap();
            search.push(t.elapsed());
            assert!(
                !found.is_empty() || text.contains("keybord"),
                "{text} found nothing"
            );
        }
    }
    let mut ceiling = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        let _: Option<uuid::Uuid> = sqlx::query_scalar(
            "select id from product where tenant_id = $1 and brand_id = $2 and sku = $3",
        )
        .bind(tenant.as_str())
        .bind(brand.as_str())
        .bind(format!("GEN-{}", 1 + (i * 7919) % count))
        .fetch_optional(&pool)
        .await
        .unwrap();
        ceiling.push(t.elapsed());
    }
    println!(
        "search ({} queries): p50 {:?} p99 {:?} | indexed lookup ceiling: p50 {:?} p99 {:?}",
        search.len(),
        percentile(&mut search, 0.50),
        percentile(&mut search, 0.99),
        percentile(&mut ceiling, 0.50),
        percentile(&mut ceiling, 0.99),
    );
}
