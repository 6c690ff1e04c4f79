//! Search quality and the query/recommend replies over the bus and HTTP.

use serde_json::{Value, json};
use store_events::data::{
    ProductFilters, ProductQuery, ProductQueryResult, ProductRecommend, ProductRecommendResult,
    RecommendMode,
};

use crate::helpers::{TestApp, product_json};

/// A small tech catalog: two headphones (one translated to Portuguese), a
/// speaker out of stock, a phone with two variants, a case and a cable.
pub struct Fixture {
    pub app: TestApp,
    pub key: String,
    pub ids: std::collections::HashMap<&'static str, String>,
}

pub async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let key = app.tenant("acme").await;
    app.brand(&key, "tech", "EUR", "en").await;
    let products = [
        (
            "HP-BASIC",
            product_json(
                "HP-BASIC",
                "Headphones",
                2999,
                5,
                json!({
            "category": "headphones", "tags": ["audio"],
            "description": "Wired on-ear headphones"}),
            ),
        ),
        (
            "HP-PRO",
            product_json(
                "HP-PRO",
                "Wireless Headphones Pro",
                19999,
                3,
                json!({
            "category": "headphones", "tags": ["audio", "wireless"],
            "description": "Noise cancelling over-ear headphones with a 30 hour battery",
            "images": ["https://cdn.example.com/hp-pro.jpg"],
            "translations": {"pt-BR": {
                "name": "Fones de ouvido sem fio Pro",
                "description": "Fones de ouvido com cancelamento de ruído e bateria de 30 horas"}}}),
            ),
        ),
        (
            "SPK-1",
            product_json(
                "SPK-1",
                "Bluetooth Speaker",
                4999,
                0,
                json!({
            "category": "speakers", "tags": ["audio", "wireless"],
            "description": "Portable speaker"}),
            ),
        ),
        (
            "PHONE-X",
            product_json(
                "PHONE-X",
                "Smartphone X",
                59999,
                0,
                json!({
            "category": "phones", "related_categories": ["cases", "headphones"],
            "tags": ["mobile"], "attributes": {"brand": "Acme"},
            "variants": [
                {"sku": "PHONE-X-128", "name": "128 GB", "attributes": {"storage": "128GB"}, "stock": 2},
                {"sku": "PHONE-X-256", "name": "256 GB", "attributes": {"storage": "256GB"},
                 "price_minor": 69999, "stock": 1}]}),
            ),
        ),
        (
            "CASE-1",
            product_json(
                "CASE-1",
                "Phone Case",
                999,
                10,
                json!({
            "category": "cases", "tags": ["mobile", "protection"]}),
            ),
        ),
        (
            "CABLE",
            product_json(
                "CABLE",
                "USB-C Cable",
                1299,
                50,
                json!({
            "category": "cables", "tags": ["charging"]}),
            ),
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (sku, body) in products {
        let view = app.product(&key, "tech", body).await;
        ids.insert(sku, view["id"].as_str().unwrap().to_owned());
    }
    Fixture { app, key, ids }
}

async fn query(f: &Fixture, query: ProductQuery) -> ProductQueryResult {
    f.app.ask("acme", "tech", &query).await
}

fn skus(result: &ProductQueryResult) -> Vec<&str> {
    result.products.iter().map(|p| p.sku.as_str()).collect()
}

#[tokio::test]
async fn a_typo_still_finds_the_product() {
    let f = fixture().await;

    let result = query(&f, ProductQuery::text("hedphones")).await;

    assert!(result.error.is_none(), "{:?}", result.error);
    let found = skus(&result);
    assert!(
        found.contains(&"HP-BASIC") && found.contains(&"HP-PRO"),
        "{found:?}"
    );
    assert!(
        !found.contains(&"SPK-1") && !found.contains(&"CABLE"),
        "{found:?}"
    );
    f.app.stop().await;
}

#[tokio::test]
async fn an_exact_name_match_ranks_first() {
    let f = fixture().await;

    let result = query(&f, ProductQuery::text("headphones")).await;

    assert_eq!(skus(&result)[..2], ["HP-BASIC", "HP-PRO"]);
    // And an exact SKU too.
    let by_sku = query(&f, ProductQuery::text("hp-pro")).await;
    assert_eq!(skus(&by_sku)[0], "HP-PRO");
    f.app.stop().await;
}

#[tokio::test]
async fn a_query_in_another_language_finds_translated_descriptions() {
    let f = fixture().await;
    let mut pt = ProductQuery::text("cancelamento de ruído");
    pt.language = Some("pt-BR".into());

    let result = query(&f, pt).await;

    assert_eq!(skus(&result), ["HP-PRO"]);
    // Texts come back in the shopper's language, prices stay the catalog's.
    let product = &result.products[0];
    assert_eq!(product.name, "Fones de ouvido sem fio Pro");
    assert_eq!(product.price.amount_minor, 19999);
    assert_eq!(product.price.currency.as_str(), "EUR");
    assert_eq!(
        product.image_url.as_deref(),
        Some("https://cdn.example.com/hp-pro.jpg")
    );
    f.app.stop().await;
}

#[tokio::test]
async fn filters_narrow_the_results() {
    let f = fixture().await;
    let filtered = |filters: ProductFilters| ProductQuery {
        text: None,
        filters,
        limit: 50,
        offset: None,
        language: None,
    };

    let cheap = query(
        &f,
        filtered(ProductFilters {
            price_max: Some(3000),
            ..Default::default()
        }),
    )
    .await;
    let in_stock_wireless = query(
        &f,
        filtered(ProductFilters {
            in_stock: Some(true),
            tags: Some(vec!["wireless".into()]),
            ..Default::default()
        }),
    )
    .await;
    let big_phone = query(
        &f,
        filtered(ProductFilters {
            attributes: [("storage".to_owned(), "256GB".to_owned())].into(),
            ..Default::default()
        }),
    )
    .await;

    let mut cheap_skus = skus(&cheap);
    cheap_skus.sort_unstable();
    assert_eq!(cheap_skus, ["CABLE", "CASE-1", "HP-BASIC"]);
    assert_eq!(skus(&in_stock_wireless), ["HP-PRO"]);
    // The variant that matches is the one reported, with its own price.
    assert_eq!(skus(&big_phone), ["PHONE-X-256"]);
    let phone = &big_phone.products[0];
    assert_eq!(phone.price.amount_minor, 69999);
    assert!(phone.variant_id.is_some());
    assert_eq!(phone.attributes["brand"], "Acme");
    assert_eq!(phone.stock, 1);
    f.app.stop().await;
}

#[tokio::test]
async fn paging_reports_the_total_and_a_lookup_by_ids_works() {
    let f = fixture().await;
    let mut first_page = ProductQuery {
        text: None,
        filters: ProductFilters::default(),
        limit: 2,
        offset: None,
        language: None,
    };

    let page = query(&f, first_page.clone()).await;
    first_page.filters.ids = Some(vec![f.ids["CABLE"].clone(), "not-an-id".into()]);
    let lookup = query(&f, first_page).await;

    assert_eq!(page.products.len(), 2);
    assert_eq!(page.total, 6);
    assert_eq!(skus(&lookup), ["CABLE"]);
    f.app.stop().await;
}

#[tokio::test]
async fn the_http_search_answers_like_the_bus() {
    let f = fixture().await;

    let response = f
        .app
        .get(
            &f.key,
            "/api/v1/brands/tech/products?q=hedphones&in_stock=true&limit=5",
        )
        .await;
    let bus = query(&f, {
        let mut q = ProductQuery::text("hedphones");
        q.filters.in_stock = Some(true);
        q.limit = 5;
        q
    })
    .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["products"],
        serde_json::to_value(&bus.products).unwrap()
    );
    assert_eq!(body["total"], bus.total);
    f.app.stop().await;
}

#[tokio::test]
async fn a_bad_query_gets_an_error_reply_not_silence() {
    let f = fixture().await;
    let mut inverted = ProductQuery::text("x");
    inverted.filters.price_min = Some(10);
    inverted.filters.price_max = Some(1);

    let bad = query(&f, inverted).await;
    let unknown_brand: ProductQueryResult =
        f.app.ask("acme", "fashion", &ProductQuery::text("x")).await;

    assert_eq!(bad.error.unwrap().code, "bad_request");
    assert_eq!(unknown_brand.error.unwrap().code, "unknown_brand");
    f.app.stop().await;
}

#[tokio::test]
async fn recommendations_are_similar_items_or_complements() {
    let f = fixture().await;
    let recommend = |id: &str, mode| ProductRecommend {
        product_ids: vec![id.to_owned()],
        mode,
        limit: 5,
    };

    let similar: ProductRecommendResult = f
        .app
        .ask(
            "acme",
            "tech",
            &recommend(&f.ids["HP-PRO"], RecommendMode::Similar),
        )
        .await;
    let complements: ProductRecommendResult = f
        .app
        .ask(
            "acme",
            "tech",
            &recommend(&f.ids["PHONE-X"], RecommendMode::Complement),
        )
        .await;
    let unknown: ProductRecommendResult = f
        .app
        .ask(
            "acme",
            "tech",
            &recommend(
                "0195a1b2-1111-7000-8000-000000000001",
                RecommendMode::Similar,
            ),
        )
        .await;

    let similar_skus: Vec<&str> = similar.products.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(similar_skus[0], "HP-BASIC", "{similar_skus:?}");
    assert!(!similar_skus.contains(&"HP-PRO"));
    let complement_skus: Vec<&str> = complements
        .products
        .iter()
        .map(|p| p.sku.as_str())
        .collect();
    assert!(complement_skus.contains(&"CASE-1"), "{complement_skus:?}");
    assert!(complement_skus.contains(&"HP-BASIC"), "{complement_skus:?}");
    assert!(!complement_skus.contains(&"CABLE"), "{complement_skus:?}");
    assert_eq!(unknown.error.unwrap().code, "unknown_product");
    f.app.stop().await;
}

#[tokio::test]
async fn a_nul_character_in_a_search_is_dropped_not_a_server_error() {
    // Arrange
    let f = fixture().await;

    // Act: NUL in the words, an attribute and a tag, over HTTP and the bus.
    let response = f
        .app
        .get(
            &f.key,
            "/api/v1/brands/tech/products?q=head%00phones&attr.co%00lor=bl%00ack&tags=au%00dio",
        )
        .await;
    let mut nul = ProductQuery::text("head\u{0}phones");
    nul.filters.tags = Some(vec!["au\u{0}dio".into()]);
    nul.language = Some("e\u{0}n".into());
    let bus = query(&f, nul).await;

    // Assert: answered as without the NUL.
    assert_eq!(response.status(), 200);
    assert!(bus.error.is_none(), "{:?}", bus.error);
    assert!(skus(&bus).contains(&"HP-BASIC"), "{:?}", skus(&bus));
    f.app.stop().await;
}
