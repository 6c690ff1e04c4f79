//! Product pictures: the demo catalog's products are found with the URL of
//! a picture the catalog serves itself (a colour variant its own), and that
//! URL answers a PNG any channel can fetch and keep.

use std::collections::BTreeMap;

use store_events::data::{ProductFilters, ProductQuery, ProductQueryResult};

use crate::helpers::TestApp;

async fn find(app: &TestApp, query: ProductQuery) -> ProductQueryResult {
    app.ask::<_, ProductQueryResult>("demo", "fashion", &query)
        .await
}

#[tokio::test]
async fn found_products_carry_a_served_picture_url_and_it_serves_a_png() {
    let app = TestApp::spawn().await;
    catalog::seed::load(&app.pool).await.unwrap();

    let tees = find(&app, ProductQuery::text("t-shirt")).await;
    let blue_bags = find(
        &app,
        ProductQuery {
            filters: ProductFilters {
                attributes: BTreeMap::from([("colour".to_owned(), "blue".to_owned())]),
                ..ProductFilters::default()
            },
            ..ProductQuery::text("tote bag")
        },
    )
    .await;

    assert!(!tees.products.is_empty());
    for product in &tees.products {
        let url = product.image_url.as_deref().unwrap();
        // A size variant shows its product's picture.
        let product_sku = product.sku.rsplit_once('-').map_or("", |(p, _)| p);
        assert_eq!(
            url,
            format!("{}/images/demo/{product_sku}.png", app.address),
            "{product:#?}"
        );
    }
    let bag = &blue_bags.products[0];
    assert!(bag.sku.ends_with("-BLUE"), "{bag:#?}");
    let bag_url = bag.image_url.as_deref().unwrap();
    assert_eq!(
        bag_url,
        format!("{}/images/demo/{}.png", app.address, bag.sku)
    );

    let response = app.http.get(bag_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["cache-control"], "public, max-age=86400");
    let blue = response.bytes().await.unwrap();
    assert_eq!(&blue[..8], b"\x89PNG\r\n\x1a\n");
    let black = app
        .http
        .get(bag_url.replace("-BLUE.png", "-BLACK.png"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_ne!(blue, black, "colour variants look different");

    app.stop().await;
}

#[tokio::test]
async fn a_picture_of_no_product_or_of_another_tenants_is_not_found() {
    let app = TestApp::spawn().await;
    catalog::seed::load(&app.pool).await.unwrap();

    let status = |path: &'static str| {
        let request = app.http.get(app.url(path)).send();
        async move { request.await.unwrap().status().as_u16() }
    };

    assert_eq!(status("/images/demo/FASHION-0101.png").await, 200);
    assert_eq!(status("/images/bakery/BAK-01.png").await, 200);
    assert_eq!(status("/images/demo/NO-SUCH-SKU.png").await, 404);
    assert_eq!(status("/images/bakery/FASHION-0101.png").await, 404);
    assert_eq!(status("/images/demo/FASHION-0101.svg").await, 404);
    app.stop().await;
}
