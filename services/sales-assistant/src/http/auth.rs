//! Authentication: a tenant's API key, or the operator's admin token (the
//! extractors are `store-service`'s, over the sales assistant's
//! [`AppState`]).

use secrecy::SecretString;
use sqlx::PgPool;
use store_service::tenants::TenantState;
pub use store_service::tenants::{Operator, Tenant};

use super::AppState;
use crate::error::Refusal;

/// Prefix of the sales assistant's API keys, so a leaked one is
/// recognisable.
pub const API_KEY_PREFIX: &str = "sal_";

impl TenantState for AppState {
    type Domain = Refusal;
    const API_KEY_PREFIX: &'static str = API_KEY_PREFIX;

    fn pool(&self) -> &PgPool {
        &self.inbox.pool
    }

    fn admin_token(&self) -> Option<&SecretString> {
        self.admin_token.as_ref()
    }
}
