//! Search beyond what it checks one by one (more matches than its sample
//! of variants and its reranked head) and the vocabulary typos are
//! corrected against, kept as products are written.

use serde_json::json;
use store_events::{
    BrandId, TenantId,
    data::{ProductQuery, ProductQueryResult},
};

use crate::helpers::{TestApp, product_json};

#[tokio::test]
async fn a_typo_of_a_word_a_product_was_renamed_to_finds_it() {
    // Arrange
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "tech", "EUR", "en").await;
    let view = app
        .product(
            &key,
            "tech",
            product_json("CAM-1", "Camera", 9999, 3, json!({})),
        )
        .await;
    let id = view["id"].as_str().unwrap();
    let renamed = product_json("CAM-1", "Camcorder", 9999, 3, json!({}));
    let response = app
        .http
        .put(app.url(&format!("/api/v1/products/{id}")))
        .bearer_auth(&key)
        .json(&renamed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // Act
    let result: ProductQueryResult = app
        .ask("acme", "tech", &ProductQuery::text("camcorer"))
        .await;

    // Assert
    let skus: Vec<&str> = result.products.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(skus, ["CAM-1"]);
    app.stop().await;
}

#[tokio::test]
async fn pages_of_a_broad_search_do_not_overlap_and_the_total_is_close() {
    // Arrange: 4 000 generated products, 200 of them headphones (about one
    // in sixteen out of stock).
    let app = TestApp::spawn().await;
    let tenant = TenantId::parse("big").unwrap();
    let brand = BrandId::parse("store").unwrap();
    catalog::seed::generate_large(&app.pool, &tenant, &brand, 4000)
        .await
        .unwrap();
    let in_stock: i64 = sqlx::query_scalar(
        "select count(*) from product p join variant v on v.product_id = p.id \
         where p.tenant_id = 'big' and p.category = 'headphones' and v.stock > 0",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = |offset: u32| {
        let mut query = ProductQuery::text("hedphones");
        query.filters.in_stock = Some(true);
        query.limit = 50;
        query.offset = Some(offset);
        query
    };

    // Act: every page up to the total.
    let mut seen = Vec::new();
    let mut totals = Vec::new();
    for offset in (0..200).step_by(50) {
        let result: ProductQueryResult = app.ask("big", "store", &page(offset)).await;
        assert!(result.error.is_none(), "{:?}", result.error);
        totals.push(result.total);
        seen.extend(result.products.into_iter().map(|p| p.sku));
    }

    // Assert: each product once, all in stock; the total exact (fewer
    // matches than the sample) and the same on every page.
    let all = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), all, "a product came back on two pages");
    assert_eq!(i64::try_from(all).unwrap(), in_stock);
    assert!(
        totals
            .iter()
            .all(|t| i64::try_from(*t).unwrap() == in_stock),
        "{totals:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn beyond_the_sample_the_total_is_an_estimate_and_pages_still_do_not_overlap() {
    // Arrange: 20 000 generated products, 1 000 of them headphones.
    let app = TestApp::spawn().await;
    let tenant = TenantId::parse("big").unwrap();
    let brand = BrandId::parse("store").unwrap();
    catalog::seed::generate_large(&app.pool, &tenant, &brand, 20_000)
        .await
        .unwrap();
    let in_stock: i64 = sqlx::query_scalar(
        "select count(*) from product p join variant v on v.product_id = p.id \
         where p.tenant_id = 'big' and p.category = 'headphones' and v.stock > 0",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // Act: the first 600 results, in pages of 50 (past the reranked head
    // and past the sample of 500).
    let mut seen = Vec::new();
    let mut total = 0;
    for offset in (0..600).step_by(50) {
        let mut query = ProductQuery::text("headphones");
        query.filters.in_stock = Some(true);
        query.limit = 50;
        query.offset = Some(offset);
        let result: ProductQueryResult = app.ask("big", "store", &query).await;
        assert!(result.error.is_none(), "{:?}", result.error);
        total = result.total;
        seen.extend(result.products.into_iter().map(|p| p.sku));
    }

    // Assert
    let all = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(all, 600);
    assert_eq!(seen.len(), all, "a product came back on two pages");
    let error = (i64::try_from(total).unwrap() - in_stock).abs();
    assert!(error * 10 <= in_stock, "total {total}, in stock {in_stock}");
    app.stop().await;
}
