//! Pure rules of the catalog, free of I/O: API keys, product input, search
//! parameters, the reservation decision and the demo products' pictures.

pub mod api_key;
pub mod csv_import;
pub mod picture;
pub mod product;
pub mod reservation;
pub mod search;
