//! Search benchmark on a large generated catalog (not a test):
//! `cargo bench -p catalog --bench search`; `BENCH_PRODUCTS` sets the size,
//! default 100 000; `BENCH_EXPLAIN=1` prints the plan of a typo query.
//! Needs the local PostgreSQL (`DATABASE_URL`).
//!
//! Prints p50/p99 of the catalog's search (the same function the bus and
//! HTTP use), and of its queries with typos alone, beside the physical
//! ceiling of the same database: a plain indexed lookup by SKU.

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

    // (text, has a typo): every word of the generator's names is common
    // (a tenth to a twentieth of the catalog), so these are broad queries.
    let queries = [
        ("wireless headphones", false),
        ("hedphones", true),
        ("leather backpack", false),
        ("lether backpak", true),
        ("bamboo lamp", false),
        ("ceramic mug", false),
        ("vintage wool jacket", false),
        ("vintge wool jaket", true),
        ("smart watch", false),
        ("eco bottle", false),
        ("keybord", true),
        ("oak desk", false),
        ("wireles headphons", true),
        ("sunglases", true),
    ];
    let mut search = Vec::new();
    let mut typos = Vec::new();
    for round in 0..20 {
        for (i, (text, typo)) in queries.iter().enumerate() {
            let mut query = ProductQuery::text(*text);
            query.filters.in_stock = Some((round + i) % 2 == 0);
            let parsed = catalog::domain::search::Search::parse(query).unwrap();
            let t = Instant::now();
            let (found, _) = catalog::db::search::search(&pool, &tenant, &brand, &parsed, "en")
                .await
                .unwrap();
            let took = t.elapsed();
            search.push(took);
            if *typo {
                typos.push(took);
            }
            assert!(!found.is_empty(), "{text} found nothing");
        }
    }
    if std::env::var_os("BENCH_EXPLAIN").is_some() {
        let mut query = ProductQuery::text("hedphones");
        query.filters.in_stock = Some(true);
        let parsed = catalog::domain::search::Search::parse(query).unwrap();
        let plan = catalog::db::search::explain_search(&pool, &tenant, &brand, &parsed, "en")
            .await
            .unwrap();
        println!(
            "EXPLAIN (ANALYZE, BUFFERS) of \"hedphones\", in stock:\n{}",
            plan.join("\n")
        );
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
        "search ({} queries): p50 {:?} p99 {:?} | of which with typos ({}): p50 {:?} p99 {:?} \
         | indexed lookup ceiling: p50 {:?} p99 {:?}",
        search.len(),
        percentile(&mut search, 0.50),
        percentile(&mut search, 0.99),
        typos.len(),
        percentile(&mut typos, 0.50),
        percentile(&mut typos, 0.99),
        percentile(&mut ceiling, 0.50),
        percentile(&mut ceiling, 0.99),
    );
}
