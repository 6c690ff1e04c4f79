//! The order-processor service.

fn main() {}
