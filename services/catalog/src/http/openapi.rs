//! The catalog's OpenAPI document (`GET /openapi.json`): every route, from
//! this table, built by `store_service::openapi`.

use store_service::openapi::{Api, Auth::*, Reply::*};

/// The API and every route of it.
pub const API: Api = Api {
    title: "agent-store catalog",
    description: "Products, variants, stock and search, per tenant and brand.",
    routes: ROUTES,
};

#[rustfmt::skip]
const ROUTES: &[store_service::openapi::Route] = &[
    ("POST", "/admin/tenants", "operator", Operator, Json, "Create a tenant (or rotate its key)"),
    ("GET", "/api/v1/brands/{brand}", "brands", ApiKey, Json, "A brand"),
    ("PUT", "/api/v1/brands/{brand}", "brands", ApiKey, Json, "Create or update a brand"),
    ("GET", "/api/v1/brands/{brand}/products", "products", ApiKey, Json, "Search or list a brand's products"),
    ("POST", "/api/v1/brands/{brand}/products", "products", ApiKey, Created, "Add a product"),
    ("POST", "/api/v1/brands/{brand}/products/import", "products", ApiKey, Json, "Import products in bulk"),
    ("POST", "/api/v1/brands/{brand}/stock/adjustments", "stock", ApiKey, Json, "Adjust stock"),
    ("GET", "/api/v1/products/{id}", "products", ApiKey, Json, "A product"),
    ("PUT", "/api/v1/products/{id}", "products", ApiKey, Json, "Update a product"),
    ("DELETE", "/api/v1/products/{id}", "products", ApiKey, NoContent, "Deactivate a product"),
    ("POST", "/api/v1/products/{id}/activate", "products", ApiKey, NoContent, "Activate a product again"),
    ("GET", "/images/{tenant}/{file}", "images", Public, Png, "A product's picture"),
];
