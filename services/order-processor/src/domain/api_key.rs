//! Per-tenant API keys: a random secret shown once, stored as its sha256.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Prefix of every order-processor key, so a leaked one is recognisable.
const PREFIX: &str = "ord_";

/// A fresh random key (256 bits from the OS RNG via UUIDv4s).
pub fn generate() -> SecretString {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    SecretString::from(format!("{PREFIX}{a}{b}"))
}

/// What is stored and looked up: sha256 of the key.
pub fn hash(key: &SecretString) -> Vec<u8> {
    Sha256::digest(key.expose_secret().as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_hashes_are_stable() {
        let (a, b) = (generate(), generate());

        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().starts_with(PREFIX));
        assert_eq!(hash(&a), hash(&SecretString::from(a.expose_secret())));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 32);
    }
}
