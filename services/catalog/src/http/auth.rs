//! Authentication: a tenant's API key, or the operator's admin token (the
//! extractors are `store-service`'s, over the catalog's [`AppState`]).

use secrecy::SecretString;
use sqlx::PgPool;
use store_service::tenants::TenantState;
pub use store_service::tenants::{Operator, Tenant};

use super::AppState;
use crate::{domain::api_key, error::Refusal};

impl TenantState for AppState {
    type Domain = Refusal;
    const API_KEY_PREFIX: &'static str = api_key::PREFIX;

    fn pool(&self) -> &PgPool {
        &self.catalog.pool
    }

    fn admin_token(&self) -> Option<&SecretString> {
        self.admin_token.as_ref()
    }
}
