//! A shop on the test's bus for the seller under test: an instant catalog
//! (two products for any search) and an order desk that places every
//! order, answering after a delay of the test's choosing, as the order
//! processor does: the outcome to the requester's reply queue and the same
//! event to the exchange (its relay's publish).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use cloudevents::{AttributesReader, Event};
use store_bus::{
    Bus, ConsumerConfig, ConsumerHandle, Handler, HandlerError, Incoming, RequestHandler, Responder,
};
use store_events::{
    EventContext,
    data::{
        Currency, Money, OrderCreate, OrderCreated, OrderLine, OrderStatus, Payment,
        ProductQueryResult, ProductSummary,
    },
    decode, new_event,
};
use store_testkit::TestApp;
use tokio_util::sync::CancellationToken;

/// The two products every search finds.
pub const PRODUCTS: [(&str, &str, i64); 2] = [
    ("p-classic", "Classic Sneakers", 29990),
    ("p-boots", "Urban Boots", 45990),
];

/// The catalog and order desk, running until dropped with the test.
pub struct FakeShop {
    /// The orders placed (request event id, the order), once each.
    pub orders: Arc<Mutex<Vec<(String, OrderCreate)>>>,
    _consumers: Vec<ConsumerHandle>,
}

impl FakeShop {
    /// Opens the shop on `app`'s exchange; each order is answered
    /// `order_delay` after it arrives.
    pub async fn open(app: &TestApp, order_delay: Duration) -> Self {
        let orders = Arc::new(Mutex::new(Vec::new()));
        let catalog = app
            .bus
            .consume(
                ConsumerConfig::new(
                    format!("{}.fake-catalog", app.exchange),
                    ["store.product.query.#"],
                ),
                Responder::new(app.bus.clone(), Catalog),
                CancellationToken::new(),
            )
            .await
            .unwrap();
        let desk = app
            .bus
            .consume(
                ConsumerConfig::new(
                    format!("{}.fake-orders", app.exchange),
                    ["store.order.create.#"],
                ),
                OrderDesk {
                    bus: app.bus.clone(),
                    delay: order_delay,
                    orders: orders.clone(),
                },
                CancellationToken::new(),
            )
            .await
            .unwrap();
        Self {
            orders,
            _consumers: vec![catalog, desk],
        }
    }

    /// How many orders were placed.
    pub fn placed(&self) -> usize {
        self.orders.lock().unwrap().len()
    }
}

fn brl(minor: i64) -> Money {
    Money::new(minor, Currency::parse("BRL").unwrap())
}

/// Answers every product query with [`PRODUCTS`].
struct Catalog;

#[async_trait::async_trait]
impl RequestHandler for Catalog {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let products: Vec<ProductSummary> = PRODUCTS
            .iter()
            .map(|(id, name, price)| ProductSummary {
                product_id: (*id).into(),
                variant_id: None,
                sku: id.to_uppercase(),
                name: (*name).into(),
                description: None,
                price: brl(*price),
                stock: 5,
                in_stock: true,
                image_url: None,
                attributes: BTreeMap::new(),
            })
            .collect();
        let reply = ProductQueryResult {
            total: products.len() as u64,
            products,
            error: None,
        };
        new_event(
            "/fake-catalog",
            &EventContext::caused_by(&request.event)?,
            &reply,
        )
        .map_err(HandlerError::reject)
    }
}

/// Places every order (once per request id), after `delay`.
struct OrderDesk {
    bus: Bus,
    delay: Duration,
    orders: Arc<Mutex<Vec<(String, OrderCreate)>>>,
}

/// A reply decided before the responder runs.
struct Decided(Event);

#[async_trait::async_trait]
impl RequestHandler for Decided {
    async fn respond(&self, _: &Incoming) -> Result<Event, HandlerError> {
        Ok(self.0.clone())
    }
}

#[async_trait::async_trait]
impl Handler for OrderDesk {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        let request: OrderCreate = decode(&incoming.event)?;
        let id = incoming.event.id().to_owned();
        let number = {
            let mut orders = self.orders.lock().unwrap();
            let at = match orders.iter().position(|(seen, _)| *seen == id) {
                Some(at) => at,
                None => {
                    orders.push((id.clone(), request.clone()));
                    orders.len() - 1
                }
            };
            format!("FA-{}", 1001 + at)
        };
        tokio::time::sleep(self.delay).await;
        let lines: Vec<OrderLine> = request
            .items
            .iter()
            .map(|item| {
                let (_, name, price) = PRODUCTS
                    .iter()
                    .find(|(p, _, _)| *p == item.product_id)
                    .copied()
                    .unwrap_or(("?", "?", 100));
                OrderLine {
                    product_id: item.product_id.clone(),
                    variant_id: item.variant_id.clone(),
                    sku: item.product_id.to_uppercase(),
                    name: name.into(),
                    quantity: item.quantity,
                    unit_price: brl(price),
                    line_total: brl(price * i64::from(item.quantity)),
                }
            })
            .collect();
        let total: i64 = lines.iter().map(|l| l.line_total.amount_minor).sum();
        let created = OrderCreated {
            order_id: uuid::Uuid::new_v4().to_string(),
            order_number: number,
            lines,
            subtotal: brl(total),
            delivery_fee: None,
            total: brl(total),
            status: OrderStatus::PendingPayment,
            payment: Payment {
                provider: "manual".into(),
                link: None,
            },
        };
        let event = new_event(
            "/fake-orders",
            &EventContext::caused_by(&incoming.event)?,
            &created,
        )
        .map_err(HandlerError::reject)?;
        Responder::new(self.bus.clone(), Decided(event.clone()))
            .handle(incoming)
            .await?;
        self.bus.publish(event).await.map_err(HandlerError::retry)?;
        Ok(())
    }
}
