//! The shop's orders as a conversation's page shows them: those placed in
//! the conversation and the same shopper's earlier ones on the brand's
//! channel (`shop_order`, recorded from `store.order.*`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use store_events::data::{Currency, Money};

/// An order of the shopper.
#[derive(Debug, Clone)]
pub struct ShopOrder {
    /// Number shown to the shopper.
    pub number: String,
    /// The conversation it was placed in, when known.
    pub conversation: Option<String>,
    /// Its lines, as `store.order.created` gave them.
    pub lines: Value,
    /// Total in minor units of `currency`.
    pub total_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Its status now (`pending_payment`, `paid`, …).
    pub status: String,
    /// Where the shopper pays, while unpaid.
    pub payment_url: Option<String>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
}

impl ShopOrder {
    /// The total as people read it (`12.50 EUR`).
    pub fn total(&self) -> String {
        match Currency::parse(&self.currency) {
            Ok(currency) => Money::new(self.total_minor, currency).to_string(),
            Err(_) => format!("{} {}", self.total_minor, self.currency),
        }
    }
}

/// The orders of `conversation`'s shopper in `tenant`, newest first: placed
/// in it, or in another conversation of the same shopper with the same
/// brand on the same channel.
pub async fn of_shopper(
    pool: &PgPool,
    tenant: &str,
    conversation: &str,
) -> sqlx::Result<Vec<ShopOrder>> {
    sqlx::query_as!(
        ShopOrder,
        r#"select o.number, o.conversation, o.lines, o.total_minor, o.currency, o.status,
                  o.payment_url, o.placed_at
             from shop_order o
            where o.tenant_id = $1
              and (o.conversation = $2
                   or o.conversation in (
                       select other.conversation
                         from conversation this
                         join conversation other
                           on other.tenant_id = this.tenant_id
                          and other.brand_id = this.brand_id
                          and other.channel = this.channel
                          and other.customer ->> 'id' = this.customer ->> 'id'
                        where this.tenant_id = $1 and this.conversation = $2))
            order by o.placed_at desc
            limit 50"#,
        tenant,
        conversation,
    )
    .fetch_all(pool)
    .await
}
