//! A tenant's brands: `PUT`/`GET /api/v1/brands/{brand}`.

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::put,
};
use serde::{Deserialize, Serialize};
use store_events::{BrandId, data::Currency};

use super::{AppState, auth::Tenant};
use crate::{
    db::{self, tenants::Brand},
    domain::search::primary_language,
    error::ApiError,
};

/// `/api/v1/brands/{brand}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/brands/{brand}", put(put_brand).get(get_brand))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandInput {
    name: String,
    currency: String,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Serialize)]
struct BrandView {
    id: String,
    name: String,
    currency: String,
    language: String,
}

impl From<Brand> for BrandView {
    fn from(brand: Brand) -> Self {
        Self {
            id: brand.id.to_string(),
            name: brand.name,
            currency: brand.currency.to_string(),
            language: brand.language,
        }
    }
}

/// Parses a brand id from a path.
pub fn parse_brand(brand: &str) -> Result<BrandId, ApiError> {
    BrandId::parse(brand).map_err(|e| ApiError::BadRequest(e.to_string()))
}

async fn put_brand(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(brand): Path<String>,
    Json(body): Json<BrandInput>,
) -> Result<Json<BrandView>, ApiError> {
    let id = parse_brand(&brand)?;
    let currency =
        Currency::parse(&body.currency).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let language = match body.language.as_deref() {
        None => "en".to_owned(),
        Some(tag) => primary_language(tag)
            .map(|_| tag.to_owned())
            .ok_or_else(|| ApiError::BadRequest(format!("{tag:?} is not a language tag")))?,
    };
    if body.name.trim().is_empty() {
        return Err(ApiError::BadRequest("name is empty".to_owned()));
    }
    let brand = Brand {
        id,
        name: body.name.trim().to_owned(),
        currency,
        language,
    };
    db::tenants::upsert_brand(&state.catalog.pool, &tenant, &brand).await?;
    Ok(Json(brand.into()))
}

async fn get_brand(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(brand): Path<String>,
) -> Result<Json<BrandView>, ApiError> {
    let id = parse_brand(&brand)?;
    db::tenants::get_brand(&state.catalog.pool, &tenant, &id)
        .await?
        .map(|b| Json(b.into()))
        .ok_or(ApiError::NotFound("brand"))
}
