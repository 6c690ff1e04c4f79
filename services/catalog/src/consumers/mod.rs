//! What the catalog answers and consumes on the bus, each handed to its
//! flow: product queries and recommendations (request/reply, one queue),
//! stock reservations (request/reply) and releases (events).

use cloudevents::{AttributesReader as _, Event};
use store_bus::{Handler, HandlerError, Incoming, RequestHandler};
use store_events::{
    EventContext, EventData as _,
    data::{ProductQuery, ProductRecommend},
    new_event,
};

use crate::flows::{
    Shared, answer_product_query::answer_product_query, recommend_products::recommend_products,
    release_stock::release_stock, reserve_stock::reserve_stock,
};

/// Queue answering `store.product.query` and `store.product.recommend`.
pub const PRODUCT_QUEUE: &str = "catalog.products";
/// Queue answering `store.inventory.reserve`.
pub const RESERVE_QUEUE: &str = "catalog.inventory-reserve";
/// Queue consuming `store.inventory.release`.
pub const RELEASE_QUEUE: &str = "catalog.inventory-release";

/// Answers both product requests of [`PRODUCT_QUEUE`].
pub struct ProductResponder(pub Shared);

#[async_trait::async_trait]
impl RequestHandler for ProductResponder {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        let event = &request.event;
        let context = EventContext::caused_by(event)?;
        let built = match event.ty() {
            ProductQuery::TYPE => new_event(
                crate::SOURCE,
                &context,
                &answer_product_query(&self.0, event).await,
            ),
            ProductRecommend::TYPE => new_event(
                crate::SOURCE,
                &context,
                &recommend_products(&self.0, event).await,
            ),
            other => {
                return Err(HandlerError::reject(format!(
                    "the catalog does not answer {other}"
                )));
            }
        };
        built.map_err(HandlerError::reject)
    }
}

/// Answers `store.inventory.reserve`.
pub struct ReserveResponder(pub Shared);

#[async_trait::async_trait]
impl RequestHandler for ReserveResponder {
    async fn respond(&self, request: &Incoming) -> Result<Event, HandlerError> {
        reserve_stock(&self.0, &request.event).await
    }
}

/// Consumes `store.inventory.release`.
pub struct ReleaseHandler(pub Shared);

#[async_trait::async_trait]
impl Handler for ReleaseHandler {
    async fn handle(&self, incoming: &Incoming) -> Result<(), HandlerError> {
        release_stock(&self.0, &incoming.event).await
    }
}
