//! What the order processor consumes from the bus: order requests
//! (`store.order.create`, on [`CREATE_QUEUE`]), handed to
//! `flows::place_order`.

pub mod order_create;

/// Queue of `store.order.create`.
pub const CREATE_QUEUE: &str = "order-processor.create";
