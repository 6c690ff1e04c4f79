//! The catalog's use cases, one file each, from the request or event that
//! starts one to its answer and the events it causes:
//!
//! - [`answer_product_query`]: a product search, over the bus
//!   (`store.product.query` → `store.product.query.result`) or HTTP;
//! - [`recommend_products`]: `store.product.recommend` →
//!   `store.product.recommend.result`;
//! - [`reserve_stock`]: `store.inventory.reserve` →
//!   `store.inventory.reservation`, all lines or none;
//! - [`release_stock`]: `store.inventory.release` gives a reservation back;
//! - [`save_products`]: create, replace or import products over HTTP;
//! - [`adjust_stock`]: stock adjustments over HTTP.
//!
//! Those that move stock announce it with `store.inventory.changed`
//! ([`announce_stock`]). [`Catalog`] is what they share.

pub mod adjust_stock;
pub mod answer_product_query;
pub mod recommend_products;
pub mod release_stock;
pub mod reserve_stock;
pub mod save_products;

use std::sync::Arc;

use sqlx::PgPool;
use store_bus::{Bus, PublishError};
use store_events::{
    EventContext,
    data::{InventoryChanged, StockChangeReason, StockLevel},
    new_event,
};

/// What every use case of the catalog works with.
#[derive(Clone)]
pub struct Catalog {
    /// The database.
    pub pool: PgPool,
    /// The bus, to publish notices.
    pub bus: Bus,
    /// Platform cap on units per order line.
    pub max_quantity_per_line: u32,
    /// Base of the URLs of the pictures the catalog serves.
    pub public_url: PublicUrl,
}

/// The base URL shoppers' channels reach the catalog at, set once the HTTP
/// port is bound (the default is the bound address).
#[derive(Debug, Clone, Default)]
pub struct PublicUrl(Arc<std::sync::OnceLock<String>>);

impl PublicUrl {
    /// Sets the base (without a trailing slash); later calls keep the first.
    pub fn set(&self, base: impl Into<String>) {
        let _ = self.0.set(base.into());
    }

    /// `url` as shoppers can fetch it: a path the catalog serves
    /// (`/images/…`) gets the base in front; anything else is kept.
    pub fn absolute(&self, url: String) -> String {
        match self.0.get() {
            Some(base) if url.starts_with('/') && !url.starts_with("//") => format!("{base}{url}"),
            _ => url,
        }
    }

    /// [`Self::absolute`] for each product's picture.
    pub fn resolve(&self, products: &mut [store_events::data::ProductSummary]) {
        for product in products {
            if let Some(url) = product.image_url.take() {
                product.image_url = Some(self.absolute(url));
            }
        }
    }
}

/// [`Catalog`], shared by the consumers and the HTTP handlers.
pub type Shared = Arc<Catalog>;

/// Publishes `store.inventory.changed` for `levels` (nothing when empty).
///
/// It is a notice: when no consumer is bound (the broker returns it as
/// unroutable) nobody needed it, which is not an error. A failed publish is
/// logged and not retried: stock itself is already committed.
#[tracing::instrument(skip_all, fields(reason = ?reason, items = levels.len()))]
pub async fn announce_stock(
    bus: &Bus,
    context: &EventContext,
    reason: StockChangeReason,
    reservation_id: Option<&str>,
    levels: Vec<StockLevel>,
) {
    if levels.is_empty() {
        return;
    }
    let data = InventoryChanged {
        reason,
        reservation_id: reservation_id.map(str::to_owned),
        items: levels,
    };
    let event = match new_event(crate::SOURCE, context, &data) {
        Ok(event) => event,
        Err(error) => {
            tracing::error!(%error, "cannot build store.inventory.changed");
            return;
        }
    };
    match bus.publish(event).await {
        Ok(()) | Err(PublishError::Unroutable { .. }) => {}
        Err(error) => tracing::warn!(%error, "store.inventory.changed not published"),
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn a_served_path_gets_the_public_url_and_an_absolute_url_is_kept() {
        let url = PublicUrl::default();
        assert_eq!(
            url.absolute("/images/demo/A.png".into()),
            "/images/demo/A.png"
        );

        url.set("https://catalog.shop.example");
        url.set("http://ignored");

        assert_eq!(
            url.absolute("/images/demo/A.png".into()),
            "https://catalog.shop.example/images/demo/A.png"
        );
        assert_eq!(
            url.absolute("https://cdn.example/a.jpg".into()),
            "https://cdn.example/a.jpg"
        );
        assert_eq!(
            url.absolute("//evil.example/a.png".into()),
            "//evil.example/a.png"
        );
    }
}
