//! The inbox asking other services over the bus for the seller working a
//! conversation: a draft from the brand's AI seller, the catalog's
//! products (and sending one), orders placed and cancelled with the order
//! processor. The other services are fakes in the test, answering on the
//! request's `reply_to` as the real ones do.

use std::sync::{Arc, Mutex};

use serde_json::json;
use store_bus::{
    ConsumerConfig, ConsumerHandle, HandlerError, Incoming, RequestHandler, Responder,
};
use store_events::{
    EventContext, EventData,
    data::{
        CancelOutcome, ChatResponse, Currency, DraftSource, Money, OrderCancel, OrderCancelResult,
        OrderCreate, OrderCreated, OrderLine, OrderRejected, OrderStatus, Payment, ProductQuery,
        ProductQueryResult, ProductSummary, RejectedItem, RejectionReason, ResponsePart,
        SalesDraft, SalesDraftResult,
    },
    decode, new_event,
};
use tokio_util::sync::CancellationToken;

use crate::{
    helpers::{BRAND, TestApp, next},
    inbox::{act, conversation_when, escalated, shopper_says},
};
use sales_assistant::accounts::Role;

/// Answers requests of one type on a queue of the test's own.
async fn responder<H: RequestHandler>(
    app: &TestApp,
    name: &str,
    ty: &str,
    handler: H,
) -> ConsumerHandle {
    let config = ConsumerConfig::new(
        app.bus.config().queue_name(&format!("test.{name}")),
        [format!("{ty}.#")],
    );
    app.bus
        .consume(
            config,
            Responder::new(app.bus.clone(), handler),
            CancellationToken::new(),
        )
        .await
        .unwrap()
}

fn reply<T: EventData>(request: &Incoming, data: &T) -> Result<store_events::Event, HandlerError> {
    let context = EventContext::caused_by(&request.event)?;
    Ok(new_event("/tests/fake", &context, data).unwrap())
}

/// The brand's AI seller, drafting from what it is given.
struct FakeSeller(Arc<Mutex<Vec<SalesDraft>>>);

#[async_trait::async_trait]
impl RequestHandler for FakeSeller {
    async fn respond(&self, request: &Incoming) -> Result<store_events::Event, HandlerError> {
        let draft: SalesDraft = decode(&request.event)?;
        let text = format!(
            "About \"{}\": we can refund you today.",
            draft.messages.last().map_or("", |m| m.text.as_str())
        );
        self.0.lock().unwrap().push(draft);
        reply(
            request,
            &SalesDraftResult {
                text,
                source: DraftSource::Offline,
            },
        )
    }
}

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::parse("EUR").unwrap())
}

fn sneaker(id: &str, name: &str, price: i64) -> ProductSummary {
    ProductSummary {
        product_id: id.to_owned(),
        variant_id: None,
        sku: format!("SKU-{id}"),
        name: name.to_owned(),
        description: None,
        price: eur(price),
        stock: 7,
        in_stock: true,
        image_url: Some(format!("https://img.test/{id}.jpg")),
        attributes: Default::default(),
    }
}

/// The catalog: two sneakers; a query by id gets that one.
struct FakeCatalog;

#[async_trait::async_trait]
impl RequestHandler for FakeCatalog {
    async fn respond(&self, request: &Incoming) -> Result<store_events::Event, HandlerError> {
        let query: ProductQuery = decode(&request.event)?;
        let all = vec![
            sneaker("sku-red", "Red sneakers", 5990),
            sneaker("sku-blue", "Blue sneakers", 6490),
        ];
        let products: Vec<ProductSummary> = match &query.filters.ids {
            Some(ids) => all
                .into_iter()
                .filter(|p| ids.contains(&p.product_id))
                .collect(),
            None => all
                .into_iter()
                .filter(|p| {
                    query
                        .text
                        .as_deref()
                        .is_none_or(|t| p.name.to_lowercase().contains(&t.to_lowercase()))
                })
                .collect(),
        };
        reply(
            request,
            &ProductQueryResult {
                total: products.len() as u64,
                products,
                error: None,
            },
        )
    }
}

/// The order processor: prices from its own list (never the request's),
/// refuses unknown products, cancels order 1001 only.
struct FakeOrders(Arc<Mutex<Vec<OrderCreate>>>);

#[async_trait::async_trait]
impl RequestHandler for FakeOrders {
    async fn respond(&self, request: &Incoming) -> Result<store_events::Event, HandlerError> {
        if let Ok(cancel) = decode::<OrderCancel>(&request.event)
            && request.event.ty() == OrderCancel::TYPE
        {
            let outcome = if cancel.order_number == "FA-1001" {
                CancelOutcome::Cancelled
            } else {
                CancelOutcome::NotFound
            };
            return reply(
                request,
                &OrderCancelResult {
                    order_number: cancel.order_number,
                    outcome,
                    status: (outcome == CancelOutcome::Cancelled).then_some(OrderStatus::Cancelled),
                },
            );
        }
        let order: OrderCreate = decode(&request.event)?;
        self.0.lock().unwrap().push(order.clone());
        if let Some(unknown) = order.items.iter().find(|i| i.product_id != "sku-red") {
            return reply(
                request,
                &OrderRejected {
                    reasons: vec![RejectedItem {
                        line: 1,
                        product_id: unknown.product_id.clone(),
                        variant_id: None,
                        reason: RejectionReason::UnknownItem,
                        available: None,
                        detail: None,
                    }],
                    message: "Some items cannot be ordered".to_owned(),
                },
            );
        }
        let quantity = order.items[0].quantity;
        let line_total = eur(5990 * i64::from(quantity));
        reply(
            request,
            &OrderCreated {
                order_id: "o-1".to_owned(),
                order_number: "1001".to_owned(),
                lines: vec![OrderLine {
                    product_id: "sku-red".to_owned(),
                    variant_id: None,
                    sku: "SKU-sku-red".to_owned(),
                    name: "Red sneakers".to_owned(),
                    quantity,
                    unit_price: eur(5990),
                    line_total: line_total.clone(),
                }],
                subtotal: line_total.clone(),
                delivery_fee: None,
                total: line_total,
                status: OrderStatus::PendingPayment,
                payment: Payment {
                    provider: "test".to_owned(),
                    link: Some("https://pay.test/1001".to_owned()),
                },
            },
        )
    }
}

use store_events::AttributesReader as _;

#[tokio::test]
async fn a_draft_comes_from_the_brands_ai_seller_or_the_seller_is_told_to_write_it() {
    let app = TestApp::spawn().await;
    let seller = app.account("acme", Role::Seller, &[BRAND]).await;
    let browser = seller.browser().await;
    app.publish(&shopper_says(
        "acme",
        BRAND,
        "wa:20:ana",
        "My sneakers are torn",
        Some("en"),
    ))
    .await;
    conversation_when(&app, "acme", "wa:20:ana", |_| true).await;
    escalated(&app, "acme", "wa:20:ana").await;

    let (status, body) = act(&browser, "wa:20:ana", "draft", json!({})).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["detail"],
        format!("No AI seller of {BRAND} answered; write the reply yourself")
    );

    let asked = Arc::new(Mutex::new(Vec::new()));
    let _seller = responder(&app, "seller", SalesDraft::TYPE, FakeSeller(asked.clone())).await;
    let (status, body) = act(&browser, "wa:20:ana", "draft", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"text": "About \"My sneakers are torn\": we can refund you today.", "source": "offline"})
    );
    let draft = asked.lock().unwrap()[0].clone();
    assert_eq!(draft.language.as_deref(), Some("en"));
    assert_eq!(draft.messages.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn products_come_from_the_catalog_and_the_owner_sends_one() {
    let app = TestApp::spawn().await;
    let seller = app.account("acme", Role::Seller, &[BRAND]).await;
    let browser = seller.browser().await;
    escalated(&app, "acme", "wa:21:ana").await;
    let _catalog = responder(&app, "catalog", ProductQuery::TYPE, FakeCatalog).await;

    let response = browser
        .request(
            reqwest::Method::GET,
            "/inbox/conversations/wa:21:ana/products?q=red",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"products": [{
            "id": "sku-red", "name": "Red sneakers", "price": "59.90 EUR", "price_minor": 5990,
            "currency": "EUR", "stock": 7, "image_url": "https://img.test/sku-red.jpg"
        }]})
    );

    // Only the owner sends.
    let (status, _) = act(
        &browser,
        "wa:21:ana",
        "send-product",
        json!({"product_id": "sku-red"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(act(&browser, "wa:21:ana", "claim", json!({})).await.0, 200);
    let mut replies = app.watch(&format!("{}.#", ChatResponse::TYPE)).await;
    let (status, body) = act(
        &browser,
        "wa:21:ana",
        "send-product",
        json!({"product_id": "sku-red"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sent: ChatResponse = decode(&next(&mut replies).await).unwrap();
    assert_eq!(
        sent.parts,
        [ResponsePart::Products {
            text: Some("Red sneakers — 59.90 EUR".to_owned()),
            product_ids: vec!["sku-red".to_owned()]
        }]
    );
    let transcript = sales_assistant::db::messages::transcript(&app.pool, "acme", "wa:21:ana", 0)
        .await
        .unwrap();
    let card = transcript.last().unwrap();
    assert_eq!(card.sender, "human");
    assert_eq!(
        card.parts.as_ref().unwrap()[0]["product_ids"],
        json!(["sku-red"])
    );
    let (status, body) = act(
        &browser,
        "wa:21:ana",
        "send-product",
        json!({"product_id": "sku-none"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn an_order_shows_only_the_shops_prices_and_a_refusal_says_why() {
    let app = TestApp::spawn().await;
    let seller = app.account("acme", Role::Seller, &[BRAND]).await;
    let browser = seller.browser().await;
    escalated(&app, "acme", "wa:22:ana").await;
    let placed = Arc::new(Mutex::new(Vec::new()));
    let _orders = responder(
        &app,
        "orders",
        OrderCreate::TYPE,
        FakeOrders(placed.clone()),
    )
    .await;
    let _cancels = responder(
        &app,
        "cancels",
        OrderCancel::TYPE,
        FakeOrders(placed.clone()),
    )
    .await;
    let order = json!({"items": [{"product_id": "sku-red", "quantity": 2}]});

    // Only the owner orders.
    assert_eq!(
        act(&browser, "wa:22:ana", "orders", order.clone()).await.0,
        409
    );
    assert_eq!(act(&browser, "wa:22:ana", "claim", json!({})).await.0, 200);
    // No price field exists, and bad quantities are refused before asking.
    let (status, _) = act(
        &browser,
        "wa:22:ana",
        "orders",
        json!({"items": [{"product_id": "sku-red", "quantity": 2, "price": 1}]}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = act(
        &browser,
        "wa:22:ana",
        "orders",
        json!({"items": [{"product_id": "sku-red", "quantity": 100}]}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(placed.lock().unwrap().is_empty());

    let (status, body) = act(&browser, "wa:22:ana", "orders", order).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"order": {
            "number": "1001",
            "lines": [{"name": "Red sneakers", "quantity": 2, "unit_price": "59.90 EUR", "line_total": "119.80 EUR"}],
            "total": "119.80 EUR",
            "payment_url": "https://pay.test/1001"
        }})
    );
    let asked = placed.lock().unwrap()[0].clone();
    assert_eq!(asked.customer.id, crate::helpers::CUSTOMER);
    assert_eq!(asked.items[0].quantity, 2);

    let (status, body) = act(
        &browser,
        "wa:22:ana",
        "orders",
        json!({"items": [{"product_id": "sku-gone", "quantity": 1}]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("sku-gone: unknown item"),
        "{body}"
    );

    // Only the shopper's own orders can be cancelled from their
    // conversation: FA-1001 is theirs (announced on the bus), FA-9999 not.
    app.publish(&crate::orders::order_created(
        "acme",
        Some("wa:22:ana"),
        "1001",
        29990,
        "BRL",
        chrono::Utc::now(),
    ))
    .await;
    app.wait_handled("store.order.created", 1).await;
    let (status, body) = act(&browser, "wa:22:ana", "orders/FA-1001/cancel", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"outcome": "cancelled", "status": "cancelled"}));
    let (status, body) = act(&browser, "wa:22:ana", "orders/FA-9999/cancel", json!({})).await;
    assert_eq!(status, 404, "another shopper's order: {body}");
    app.stop().await;
}
