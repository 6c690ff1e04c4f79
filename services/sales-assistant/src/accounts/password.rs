//! Passwords are kept as argon2id PHC strings (RustCrypto's `argon2` with
//! its default parameters, OWASP's recommendation: 19 MiB, 2 passes, 1
//! lane; the string carries them, so they can be raised later without
//! breaking stored hashes). Hashing is deliberately slow, so it runs on
//! the blocking pool, never on the async workers.

use std::sync::LazyLock;

use anyhow::Context as _;
use argon2::{
    Argon2, PasswordHash, PasswordHasher as _, PasswordVerifier as _,
    password_hash::{SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret as _, SecretString};

/// A hash no password matches, verified when the account does not exist
/// (or has no password yet), so that case takes as long as a wrong
/// password and timing does not tell which addresses have accounts.
static NO_ACCOUNT: LazyLock<Option<String>> =
    LazyLock::new(|| hash_now(&SecretString::from(super::tokens::random_token())).ok());

/// The PHC string of `password` with a fresh random salt.
pub async fn hash(password: SecretString) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .context("The password hashing task failed")?
}

/// Whether `password` matches the PHC string `hash`; with no hash (no such
/// account) the answer is no, after as much work as a real check.
pub async fn verify(password: SecretString, hash: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_now(&password, &hash),
        None => {
            if let Some(dummy) = NO_ACCOUNT.as_deref() {
                verify_now(&password, dummy)?;
            }
            Ok(false)
        }
    })
    .await
    .context("The password verification task failed")?
}

fn hash_now(password: &SecretString) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("Failed to hash a password: {e}"))
}

fn verify_now(password: &SecretString, hash: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| anyhow::anyhow!("A stored password hash is not a PHC string: {e}"))?;
    Ok(Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let stored = hash(SecretString::from("correct horse")).await.unwrap();

        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("correct horse"));
        assert!(
            verify(SecretString::from("correct horse"), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify(SecretString::from("wrong horse!"), Some(stored))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn no_account_never_verifies() {
        assert!(
            !verify(SecretString::from("anything at all"), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash(SecretString::from("correct horse")).await.unwrap();
        let b = hash(SecretString::from("correct horse")).await.unwrap();
        assert_ne!(a, b);
    }
}
