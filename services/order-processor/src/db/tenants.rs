//! Tenants and their API keys (shared with the catalog: see `store-tenancy`).

pub use store_tenancy::{create_tenant, tenant_for_key};
