//! Pure rules of the catalog, free of I/O: API keys, product input, search
//! parameters and the reservation decision.

pub mod api_key;
pub mod csv_import;
pub mod product;
pub mod reservation;
pub mod search;
