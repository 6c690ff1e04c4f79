//! `GET /images/{tenant}/{sku}.png`: the picture of a product or variant,
//! drawn from its category and colour (`domain::picture`). Public, like any
//! product picture a shop shows: WhatsApp's and Telegram's servers fetch
//! it to send it to the shopper, and the web chat shows it. The demo
//! catalog's products name these paths; the search answers them with the
//! catalog's public URL (`CATALOG_PUBLIC_URL`) in front.

use axum::{
    Router,
    extract::{Path, State},
    http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS},
    response::IntoResponse,
    routing::get,
};

use super::AppState;
use crate::{
    db,
    domain::picture::{self, Subject},
    error::ApiError,
};

/// `/images/{tenant}/{file}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/images/{tenant}/{file}", get(get_picture))
}

/// The path of the picture of `sku` of `tenant`, as products store it.
pub fn path(tenant: &str, sku: &str) -> String {
    format!("/images/{tenant}/{sku}.png")
}

async fn get_picture(
    State(state): State<AppState>,
    Path((tenant, file)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let Some(sku) = file.strip_suffix(".png").filter(|s| !s.is_empty()) else {
        return Err(ApiError::NotFound("picture"));
    };
    let (category, colour) = db::pictures::subject(&state.catalog.pool, &tenant, sku)
        .await?
        .ok_or(ApiError::NotFound("picture"))?;
    let png = picture::render(&Subject {
        category: &category,
        colour: colour.as_deref(),
    });
    Ok((
        [
            (CONTENT_TYPE, picture::CONTENT_TYPE),
            // The same SKU draws the same picture: let channels and
            // browsers keep it for a day.
            (CACHE_CONTROL, "public, max-age=86400"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (CONTENT_SECURITY_POLICY, "default-src 'none'"),
        ],
        png,
    ))
}
