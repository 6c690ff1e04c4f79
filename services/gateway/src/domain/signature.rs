//! Webhook authenticity: Meta's `X-Hub-Signature-256` (HMAC-SHA256 of the raw
//! body with the app secret) and Telegram's secret token header, both
//! compared in constant time.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Whether `header` (`sha256=<hex>`) is the signature of `body` under one of
/// `secrets`.
pub fn whatsapp_signature_valid<'a>(
    header: Option<&str>,
    body: &[u8],
    secrets: impl IntoIterator<Item = &'a SecretString>,
) -> bool {
    let Some(given) = header
        .and_then(|h| h.strip_prefix("sha256="))
        .and_then(|hex| hex::decode(hex.trim()).ok())
    else {
        return false;
    };
    secrets.into_iter().any(|secret| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
            return false;
        };
        mac.update(body);
        // `verify_slice` compares in constant time.
        mac.verify_slice(&given).is_ok()
    })
}

/// `sha256=<hex>` of `body` under `secret`: what Meta sends (tests and the
/// benchmark sign with it).
pub fn whatsapp_signature(secret: &str, body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether the Telegram secret token header equals `expected`.
pub fn telegram_secret_valid(header: Option<&str>, expected: &SecretString) -> bool {
    header.is_some_and(|h| bool::from(h.as_bytes().ct_eq(expected.expose_secret().as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_signature_made_with_the_secret_is_valid_and_any_change_breaks_it() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let header = whatsapp_signature("app-secret", body);

        let good = whatsapp_signature_valid(
            Some(&header),
            body,
            [&secret("other"), &secret("app-secret")],
        );
        let other_body = whatsapp_signature_valid(Some(&header), b"{}", [&secret("app-secret")]);
        let other_secret = whatsapp_signature_valid(Some(&header), body, [&secret("nope")]);
        let missing = whatsapp_signature_valid(None, body, [&secret("app-secret")]);
        let garbage = whatsapp_signature_valid(Some("sha256=zz"), body, [&secret("app-secret")]);

        assert!(good);
        assert!(!other_body && !other_secret && !missing && !garbage);
    }

    #[test]
    fn the_signature_matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            whatsapp_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_telegram_secret_must_match_exactly() {
        let expected = secret("s3cret");

        assert!(telegram_secret_valid(Some("s3cret"), &expected));
        assert!(!telegram_secret_valid(Some("s3cret "), &expected));
        assert!(!telegram_secret_valid(None, &expected));
    }
}
