//! Tenancy, in one place for every service:
//! - [`file`]: the tenants file (YAML) every service reads — tenants, their
//!   brands, each brand's seller [`persona`], the chat channels — parsed and
//!   checked once, here, with a JSON Schema ([`schema`]) and errors that say
//!   where the file is wrong; [`secret`] references in it;
//! - [`api_keys`]: per-tenant API keys for services with an HTTP API;
//! - [`migrate`]: the `tenant` and `api_key` tables those services keep,
//!   from one migration.

pub mod api_keys;
pub mod file;
pub mod persona;
pub mod schema;
pub mod secret;

pub use api_keys::{
    authenticate, bearer, create_tenant, generate_key, hash_key, is_operator, tenant_for_key,
};
pub use file::{
    Brand, Routing, TelegramAccount, Template, Tenant, TenantsError, TenantsFile, Webchat,
    WhatsAppAccount,
};
pub use persona::{Delivery, Persona, ShopText};
pub use secret::SecretRef;

/// Creates the `tenant` and `api_key` tables (and nothing else) if they are
/// not there yet. Services with tenant API keys apply it before their own
/// migrations (`store_service::db::migrate` does).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    migrator().run(pool).await
}

/// The tenant tables' migrations, ignoring missing versions: the service's
/// own migrations share the `_sqlx_migrations` table.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator
}
