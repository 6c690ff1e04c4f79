//! Per-tenant API keys: a random secret shown once, stored as its SHA-256;
//! bearer-token parsing, the operator's admin token check, and the key
//! lookup in the `tenant` and `api_key` tables (see [`crate::migrate`]).

use axum::http::{HeaderMap, header::AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;
use sqlx::PgPool;
use store_events::TenantId;

/// A fresh random key, `prefix` followed by 256 random bits (two UUIDv4s
/// from the OS RNG) in hex. The prefix (e.g. `cat_`) makes a leaked key
/// recognisable.
pub fn generate_key(prefix: &str) -> SecretString {
    let a = uuid::Uuid::new_v4().simple();
    let b = uuid::Uuid::new_v4().simple();
    SecretString::from(format!("{prefix}{a}{b}"))
}

/// What is stored and looked up: the SHA-256 of the key.
pub fn hash_key(key: &SecretString) -> Vec<u8> {
    Sha256::digest(key.expose_secret().as_bytes()).to_vec()
}

/// The bearer token of a request, if it has a non-empty one.
pub fn bearer(headers: &HeaderMap) -> Option<SecretString> {
    let token = headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .trim();
    (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

/// True when `given` is the operator's `expected` token. Compares digests
/// (equal lengths whatever was given) in constant time, so the time taken
/// does not depend on where the tokens differ.
pub fn is_operator(expected: Option<&SecretString>, given: Option<&SecretString>) -> bool {
    match (expected, given) {
        (Some(expected), Some(given)) => {
            let expected = Sha256::digest(expected.expose_secret().as_bytes());
            let given = Sha256::digest(given.expose_secret().as_bytes());
            bool::from(expected.as_slice().ct_eq(given.as_slice()))
        }
        _ => false,
    }
}

/// Creates a tenant with its first API key (stored hashed), in one transaction.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn create_tenant(
    pool: &PgPool,
    tenant: &TenantId,
    name: &str,
    key_hash: &[u8],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into tenant (id, name) values ($1, $2)",
        tenant.as_str(),
        name
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into api_key (key_hash, tenant_id, label) values ($1, $2, 'initial')",
        key_hash,
        tenant.as_str()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The tenant an API key (by its hash) belongs to.
#[tracing::instrument(skip_all)]
pub async fn tenant_for_key(
    pool: &PgPool,
    key_hash: &[u8],
) -> Result<Option<TenantId>, sqlx::Error> {
    let tenant = sqlx::query_scalar!(
        "select tenant_id from api_key where key_hash = $1",
        key_hash
    )
    .fetch_optional(pool)
    .await?;
    // Stored ids were parsed on the way in; a bad one counts as no tenant.
    Ok(tenant.and_then(|t| TenantId::parse(t).ok()))
}

/// The tenant whose API key the request carries, if any.
pub async fn authenticate(
    pool: &PgPool,
    headers: &HeaderMap,
) -> Result<Option<TenantId>, sqlx::Error> {
    match bearer(headers) {
        Some(key) => tenant_for_key(pool, &hash_key(&key)).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_are_unique_prefixed_and_hash_stably() {
        let (a, b) = (generate_key("cat_"), generate_key("cat_"));

        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().starts_with("cat_"));
        assert_eq!(a.expose_secret().len(), 4 + 64);
        assert_eq!(
            hash_key(&a),
            hash_key(&SecretString::from(a.expose_secret()))
        );
        assert_ne!(hash_key(&a), hash_key(&b));
        assert_eq!(hash_key(&a).len(), 32);
    }

    #[test]
    fn bearer_tokens_are_read_and_operators_recognised() {
        let mut headers = HeaderMap::new();
        assert!(bearer(&headers).is_none());
        headers.insert(AUTHORIZATION, "Bearer  s3cret ".parse().unwrap());
        let token = bearer(&headers).unwrap();
        assert_eq!(token.expose_secret(), "s3cret");
        headers.insert(AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(bearer(&headers).is_none());

        let expected = SecretString::from("s3cret");
        assert!(is_operator(Some(&expected), Some(&token)));
        assert!(!is_operator(
            Some(&expected),
            Some(&SecretString::from("nope"))
        ));
        assert!(
            !is_operator(None, Some(&token)),
            "no admin token configured: nobody is the operator"
        );
    }
}
