//! Sellers under test in the real shop ([`seller_eval::shop::Shop`]: the
//! catalog seeded with the demo catalog, the order processor and the
//! sellers as processes against the real broker and databases), with typed
//! helpers to talk to them as a shopper and to look at what the shop holds.
#![allow(dead_code)]

pub mod fake_llm;

use std::time::Duration;

use cloudevents::{AttributesReader, Event};
use seller_agent::llm::LlmConfig;
use seller_eval::shop;
use store_events::{
    data::{ChatResponse, Customer, MessageContent, Sender},
    decode,
};

/// The brand every test sells for (a demo brand of the catalog seed).
pub const BRAND: &str = "fashion";

/// An order as the order processor holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    pub number: String,
    pub status: String,
    pub total_minor: i64,
    pub currency: String,
    /// (product id, variant id, quantity, unit price) per line.
    pub lines: Vec<(String, Option<String>, i32, i64)>,
}

/// The shop around the sellers under test.
pub struct TestShop {
    pub inner: shop::Shop,
    /// The sellers' database.
    pub pool: sqlx::PgPool,
}

impl TestShop {
    pub async fn start() -> Self {
        store_telemetry::init_for_tests();
        let mut inner = shop::Shop::start().await.unwrap();
        // These tests count one answer per message (bursts are the
        // seller's own tests' and the scenarios' business).
        inner.set_seller_env("SELLER_BURST_WINDOW_MS", "0");
        let pool = inner.seller_pool.clone();
        Self { inner, pool }
    }

    /// A seller of [`BRAND`] for this shop (offline brain unless `llm`).
    pub fn config(&self, llm: Option<LlmConfig>) -> shop::Seller {
        shop::Seller {
            brand: BRAND.to_owned(),
            llm,
        }
    }

    /// Starts a seller replica; returns its port.
    pub async fn start_seller(&mut self, seller: shop::Seller) -> u16 {
        self.inner.start_seller(seller).await.unwrap()
    }

    /// A shopper message in `conversation`.
    pub async fn say(&self, conversation: &str, text: &str) -> Event {
        self.send(conversation, MessageContent::Text { text: text.into() })
            .await
    }

    /// A shopper message with any content.
    pub async fn send(&self, conversation: &str, content: MessageContent) -> Event {
        let customer = Customer {
            id: customer_of(conversation),
            display_name: Some("Ana".into()),
            phone: None,
            language: None,
        };
        self.inner
            .send(BRAND, conversation, customer, content)
            .await
            .unwrap()
    }

    /// A human hands `conversation` back to the AI.
    pub async fn resolve(&self, conversation: &str) {
        self.inner.resolve(BRAND, conversation).await.unwrap();
    }

    /// The next event the shopper got (reply or escalation), valid against
    /// its schema.
    pub async fn next(&mut self) -> Event {
        let event = self
            .inner
            .next_event(Duration::from_secs(20))
            .await
            .expect("nothing was sent to the shopper within 20 s");
        store_events::validation::validate(&event)
            .unwrap_or_else(|e| panic!("invalid {}: {e}", event.ty()));
        event
    }

    /// The next event from the seller (the order processor's own notices
    /// to the shopper are skipped).
    pub async fn next_from_seller(&mut self) -> Event {
        loop {
            let event = self.next().await;
            if event.ty() != "store.chat.response"
                || decode::<ChatResponse>(&event).unwrap().sender == Sender::Ai
            {
                return event;
            }
        }
    }

    /// The seller's next reply and its text.
    pub async fn reply(&mut self) -> (ChatResponse, String) {
        loop {
            let event = self.next_from_seller().await;
            if event.ty() == "store.chat.response" {
                let response: ChatResponse = decode(&event).unwrap();
                let text = text_of(&response);
                return (response, text);
            }
        }
    }

    /// Asserts the seller sends nothing for `millis`.
    pub async fn silent(&mut self, millis: u64) {
        if let Some(event) = self.inner.next_event(Duration::from_millis(millis)).await {
            panic!("the seller sent {} while it should be silent", event.ty());
        }
    }

    /// The orders the order processor holds for `conversation`.
    pub async fn orders(&self, conversation: &str) -> Vec<StoredOrder> {
        let orders: Vec<(uuid::Uuid, String, String, i64, String)> = sqlx::query_as(
            "select id, number, status, total_minor, currency from customer_order \
             where conversation = $1 order by created_at",
        )
        .bind(conversation)
        .fetch_all(&self.inner.orders_pool)
        .await
        .unwrap();
        let mut out = Vec::new();
        for (id, number, status, total_minor, currency) in orders {
            let lines = sqlx::query_as(
                "select product_id, variant_id, quantity, unit_price_minor from order_line \
                 where order_id = $1 order by line",
            )
            .bind(id)
            .fetch_all(&self.inner.orders_pool)
            .await
            .unwrap();
            out.push(StoredOrder {
                number,
                status,
                total_minor,
                currency,
                lines,
            });
        }
        out
    }

    /// The catalog's price (minor units) of a product, or of its variant.
    pub async fn catalog_price(&self, product_id: &str, variant_id: Option<&str>) -> i64 {
        sqlx::query_scalar(
            "select coalesce(v.price_minor, p.price_minor) from product p \
             join variant v on v.product_id = p.id \
             where p.id = $1::uuid and ($2::uuid is null or v.id = $2::uuid) \
             order by v.is_default desc, v.position limit 1",
        )
        .bind(product_id)
        .bind(variant_id)
        .fetch_one(&self.inner.catalog_pool)
        .await
        .unwrap()
    }

    /// The catalog's stock of a product's variant (its default one when
    /// `variant_id` is `None`).
    pub async fn stock(&self, product_id: &str, variant_id: Option<&str>) -> i32 {
        sqlx::query_scalar(
            "select v.stock from variant v where v.product_id = $1::uuid \
             and ($2::uuid is null or v.id = $2::uuid) \
             order by v.is_default desc, v.position limit 1",
        )
        .bind(product_id)
        .bind(variant_id)
        .fetch_one(&self.inner.catalog_pool)
        .await
        .unwrap()
    }

    pub async fn stop(self) {
        self.inner.stop().await;
    }
}

/// The shopper id of a test conversation.
pub fn customer_of(conversation: &str) -> String {
    format!("cust-{conversation}")
}

/// A price as the seller shows it, e.g. `599.80 BRL`.
pub fn display(minor: i64, currency: &str) -> String {
    format!("{}.{:02} {currency}", minor / 100, minor % 100)
}

/// All text of a response.
pub fn text_of(response: &ChatResponse) -> String {
    store_events::data::parts_text(&response.parts)
}
