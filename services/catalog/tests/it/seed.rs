//! The demo catalog loads with one call, twice without harm.

#[tokio::test]
async fn the_demo_catalog_loads_and_reloads_in_place() {
    let pool = store_testkit::fresh_database().await.unwrap();
    catalog::db::migrate(&pool).await.unwrap();

    let first = catalog::seed::load(&pool).await.unwrap();
    let second = catalog::seed::load(&pool).await.unwrap();

    assert!(
        first.iter().all(|(_, key, _)| key.is_some()),
        "new tenants get keys"
    );
    assert!(
        second.iter().all(|(_, key, _)| key.is_none()),
        "existing keys are kept"
    );
    let per_brand: Vec<(String, String, i64)> = sqlx::query_as(
        "select tenant_id, brand_id, count(*) from product group by 1, 2 order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let brands: Vec<&str> = per_brand.iter().map(|(_, b, _)| b.as_str()).collect();
    assert_eq!(
        brands,
        ["bakery", "beauty", "fashion", "gaming", "home", "tech"]
    );
    assert!(
        per_brand
            .iter()
            .filter(|(t, _, _)| t == "demo")
            .all(|(_, _, n)| *n >= 40),
        "{per_brand:?}"
    );
    let variants: i64 = sqlx::query_scalar("select count(*) from variant where not is_default")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(variants > 200, "{variants} variants");
    // Typo-tolerant search works on the loaded catalog.
    let tenant = store_events::TenantId::parse("demo").unwrap();
    let brand = store_events::BrandId::parse("tech").unwrap();
    let search = catalog::domain::search::Search::parse(store_events::data::ProductQuery::text(
        "wireles hedphones",
    ))
    .unwrap();
    let (found, _) = catalog::db::search::search(&pool, &tenant, &brand, &search, "en")
        .await
        .unwrap();
    assert!(
        found
            .iter()
            .take(4)
            .all(|p| p.name.contains("Wireless Headphones")),
        "{found:#?}"
    );
}
