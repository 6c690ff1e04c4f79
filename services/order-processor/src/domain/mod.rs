//! Pure rules of the order processor, free of I/O: checking a request,
//! pricing an order, the order's lifecycle, and API keys.

pub mod api_key;
pub mod lifecycle;
pub mod pricing;
pub mod request;
