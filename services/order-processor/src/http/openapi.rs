//! The order processor's OpenAPI document (`GET /openapi.json`): every
//! route, from this table, built by `store_service::openapi`.

use store_service::openapi::{Api, Auth::*, Reply::*};

/// The API and every route of it.
pub const API: Api = Api {
    title: "agent-store order processor",
    description: "Orders priced and reserved by the catalog, their lifecycle and payments.",
    routes: ROUTES,
};

#[rustfmt::skip]
const ROUTES: &[store_service::openapi::Route] = &[
    ("POST", "/admin/tenants", "operator", Operator, Json, "Create a tenant (or rotate its key)"),
    ("GET", "/api/v1/orders", "orders", ApiKey, Json, "The tenant's orders"),
    ("GET", "/api/v1/orders/{id}", "orders", ApiKey, Json, "An order by id"),
    ("POST", "/api/v1/orders/{id}/status", "orders", ApiKey, Json, "Move an order along its lifecycle"),
    ("GET", "/api/v1/orders/by-number/{number}", "orders", ApiKey, Json, "An order by its number"),
    ("POST", "/api/v1/orders/by-number/{number}/cancel", "orders", ApiKey, Json, "Cancel an order not yet shipped"),
    ("GET", "/api/v1/customers/{customer_id}/orders", "orders", ApiKey, Json, "A customer's orders"),
    ("POST", "/webhooks/payments/{provider}", "payments", StripeSignature, Empty, "A payment provider's webhook (Stripe)"),
];
