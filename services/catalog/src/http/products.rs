//! Products over HTTP: search a brand (`flows::answer_product_query`),
//! create, import (JSON or CSV) and replace (`flows::save_products`), read,
//! deactivate and reactivate. Every route is scoped to the caller's tenant:
//! another tenant's product is simply not found.

use std::collections::BTreeMap;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    routing::{get, post},
};
use serde::Serialize;
use store_events::{
    TenantId,
    data::{ProductFilters, ProductQuery, ProductSummary},
};
use uuid::Uuid;

use super::{AppState, auth::Tenant, brands::parse_brand};
use crate::{
    db::{self, products::OnExisting, products::ProductView},
    domain::{csv_import, product::ProductInput},
    error::ApiError,
    flows::{
        answer_product_query::{QueryError, search_products},
        save_products::save_products,
    },
};

/// Most products one import may hold.
pub const MAX_IMPORT: usize = 1000;

/// `/api/v1/brands/{brand}/products…` and `/api/v1/products/{id}…`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/brands/{brand}/products",
            get(search).post(create_product),
        )
        .route(
            "/api/v1/brands/{brand}/products/import",
            post(import_products),
        )
        .route(
            "/api/v1/products/{id}",
            get(get_product)
                .put(replace_product)
                .delete(deactivate_product),
        )
        .route("/api/v1/products/{id}/activate", post(activate_product))
}

#[derive(Serialize)]
struct SearchResults {
    products: Vec<ProductSummary>,
    total: u64,
}

fn bad(error: impl ToString) -> ApiError {
    ApiError::BadRequest(error.to_string())
}

/// Builds a query from `?q=&language=&price_min=&price_max=&in_stock=&tags=a,b&limit=&offset=`
/// and `attr.<name>=<value>` for attribute filters.
fn query_from_params(params: BTreeMap<String, String>) -> Result<ProductQuery, ApiError> {
    fn number<T: std::str::FromStr>(
        params: &BTreeMap<String, String>,
        name: &str,
    ) -> Result<Option<T>, ApiError> {
        params
            .get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| bad(format!("{name} is not a number")))
            })
            .transpose()
    }
    let in_stock = params
        .get("in_stock")
        .map(|v| {
            v.parse::<bool>()
                .map_err(|_| bad("in_stock is true or false"))
        })
        .transpose()?;
    let attributes = params
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("attr.").map(|k| (k.to_owned(), v.clone())))
        .collect();
    Ok(ProductQuery {
        text: params.get("q").cloned(),
        filters: ProductFilters {
            price_min: number(&params, "price_min")?,
            price_max: number(&params, "price_max")?,
            in_stock,
            attributes,
            tags: params
                .get("tags")
                .map(|t| t.split(',').map(str::to_owned).collect()),
            ids: params
                .get("ids")
                .map(|t| t.split(',').map(str::to_owned).collect()),
        },
        limit: number(&params, "limit")?
            .unwrap_or(store_events::data::product::DEFAULT_QUERY_LIMIT),
        offset: number(&params, "offset")?,
        language: params.get("language").cloned(),
    })
}

async fn search(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(brand): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<SearchResults>, ApiError> {
    let brand = parse_brand(&brand)?;
    let query = query_from_params(params)?;
    let (products, total) = search_products(&state.catalog, &tenant, &brand, query)
        .await
        .map_err(|e| match e {
            QueryError::BadRequest(message) => ApiError::BadRequest(message),
            QueryError::UnknownBrand(_) => ApiError::NotFound("brand"),
            QueryError::Unavailable(e) => e.into(),
        })?;
    Ok(Json(SearchResults { products, total }))
}

async fn create_product(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(brand): Path<String>,
    Json(input): Json<ProductInput>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    let brand = parse_brand(&brand)?;
    let ids = save_products(
        &state.catalog,
        &tenant,
        &brand,
        vec![input],
        OnExisting::Fail,
    )
    .await?;
    let id = ids.first().copied().ok_or(ApiError::NotFound("product"))?;
    let view = db::products::get(&state.catalog.pool, &tenant, id)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Serialize)]
struct Imported {
    imported: usize,
    product_ids: Vec<Uuid>,
}

/// `POST …/products/import`: a JSON array of products, or a CSV export
/// (`Content-Type: text/csv`, see `domain::csv_import`). Products are
/// matched by SKU: new ones are created, existing ones replaced.
async fn import_products(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(brand): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Imported>, ApiError> {
    let brand = parse_brand(&brand)?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let inputs: Vec<ProductInput> = if is_csv {
        let text = std::str::from_utf8(&body).map_err(|_| bad("the CSV is not UTF-8"))?;
        csv_import::products(text).map_err(bad)?
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| bad(format!("not a JSON array of products: {e}")))?
    };
    if inputs.len() > MAX_IMPORT {
        return Err(bad(format!("at most {MAX_IMPORT} products per import")));
    }
    let product_ids =
        save_products(&state.catalog, &tenant, &brand, inputs, OnExisting::Update).await?;
    Ok(Json(Imported {
        imported: product_ids.len(),
        product_ids,
    }))
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    // A malformed id names no product.
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound("product"))
}

async fn get_product(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProductView>, ApiError> {
    db::products::get(&state.catalog.pool, &tenant, parse_id(&id)?)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("product"))
}

async fn replace_product(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(input): Json<ProductInput>,
) -> Result<Json<ProductView>, ApiError> {
    let id = parse_id(&id)?;
    let pool = &state.catalog.pool;
    let existing = db::products::get(pool, &tenant, id)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    if input.sku.trim() != existing.sku {
        return Err(bad("the SKU of a product cannot change"));
    }
    let brand = parse_brand(&existing.brand)?;
    save_products(
        &state.catalog,
        &tenant,
        &brand,
        vec![input],
        OnExisting::Update,
    )
    .await?;
    db::products::get(pool, &tenant, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("product"))
}

async fn set_active(
    state: &AppState,
    tenant: &TenantId,
    id: &str,
    active: bool,
) -> Result<StatusCode, ApiError> {
    if db::products::set_active(&state.catalog.pool, tenant, parse_id(id)?, active).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("product"))
    }
}

async fn deactivate_product(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_active(&state, &tenant, &id, false).await
}

async fn activate_product(
    Tenant(tenant): Tenant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_active(&state, &tenant, &id, true).await
}
