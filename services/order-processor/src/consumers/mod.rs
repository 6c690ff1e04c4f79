//! What the order processor consumes from the bus: order requests
//! (`store.order.create`, on [`CREATE_QUEUE`]), handed to
//! `flows::place_order`, and cancellation requests (`store.order.cancel`,
//! on [`CANCEL_QUEUE`]), handed to `flows::cancel_order`. Both answer a
//! request that came with `reply_to` with the event their flow decided
//! ([`Decided`]).

pub mod order_cancel;
pub mod order_create;

use cloudevents::Event;
use store_bus::{HandlerError, Incoming, RequestHandler};

/// Queue of `store.order.create`.
pub const CREATE_QUEUE: &str = "order-processor.create";

/// Queue of `store.order.cancel`.
pub const CANCEL_QUEUE: &str = "order-processor.cancel";

/// Answers a request with an event decided beforehand (by the flow, after
/// its commit), through `store_bus::Responder`.
pub(crate) struct Decided(pub(crate) Event);

#[async_trait::async_trait]
impl RequestHandler for Decided {
    async fn respond(&self, _: &Incoming) -> Result<Event, HandlerError> {
        Ok(self.0.clone())
    }
}
