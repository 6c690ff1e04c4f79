//! Per-tenant API keys of the order-processor (see `store-tenancy`): a random
//! secret shown once, stored as its SHA-256.

use secrecy::SecretString;

/// Prefix of every order-processor key, so a leaked one is recognisable.
pub const PREFIX: &str = "ord_";

/// A fresh random key.
pub fn generate() -> SecretString {
    store_tenancy::generate_key(PREFIX)
}

pub use store_tenancy::hash_key as hash;
