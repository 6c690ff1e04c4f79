//! The one error type of the HTTP API: the common refusals and their JSON
//! bodies are `store-service`'s [`store_service::ApiError`]; what is the
//! catalog's own is what its database constraints mean.

use axum::http::StatusCode;
use store_service::DomainError;

/// What went wrong with an HTTP request.
pub type ApiError = store_service::ApiError<Refusal>;

/// The catalog's own refusals: none beyond the common ones, but its
/// constraints have meanings of their own.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {}

impl DomainError for Refusal {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match *self {}
    }

    fn from_constraint(name: &str) -> Option<ApiError> {
        match name {
            "product_sku_unique" | "variant_sku_unique" => Some(ApiError::Conflict(
                "a product or variant with this SKU already exists".to_owned(),
            )),
            "brand_pkey" => Some(ApiError::Conflict("this brand already exists".to_owned())),
            "product_tenant_id_brand_id_fkey" => Some(ApiError::NotFound("brand")),
            _ => None,
        }
    }
}
