//! Stripe Checkout Sessions: a session per order (form-encoded
//! `POST {base}/v1/checkout/sessions`, idempotent by the order's request id)
//! whose `url` is the payment link, and the webhook signature scheme
//! (`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "{t}.{body}">`,
//! checked in constant time within a tolerance), and what a webhook's event
//! says ([`read_notice`]).

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use store_events::TenantId;

use super::{PaymentError, PaymentProvider, PaymentRequest, StartedPayment};

/// How the order processor talks to Stripe.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// API base URL (`STRIPE_API_BASE`, default `https://api.stripe.com`).
    pub api_base: String,
    /// Secret API key (`STRIPE_SECRET_KEY`).
    pub secret_key: SecretString,
    /// Webhook signing secret (`STRIPE_WEBHOOK_SECRET`).
    pub webhook_secret: SecretString,
    /// Where Stripe sends the shopper after paying (`PAYMENT_SUCCESS_URL`).
    pub success_url: String,
    /// Where Stripe sends the shopper who gives up (`PAYMENT_CANCEL_URL`).
    pub cancel_url: String,
    /// Largest age of a signed webhook accepted.
    pub tolerance: Duration,
}

impl StripeConfig {
    /// A configuration against a fake server at `api_base`.
    pub fn for_tests(api_base: &str) -> Self {
        Self {
            api_base: api_base.to_owned(),
            secret_key: SecretString::from("sk_test_123"),
            webhook_secret: SecretString::from("whsec_test_123"),
            success_url: "https://shop.example.com/paid".to_owned(),
            cancel_url: "https://shop.example.com/cancelled".to_owned(),
            tolerance: Duration::from_secs(300),
        }
    }
}

/// The Stripe provider.
pub struct Stripe {
    config: StripeConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Session {
    id: String,
    url: Option<String>,
}

impl Stripe {
    /// A client for `config`.
    pub fn new(config: StripeConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { config, http }
    }

    /// The webhook signing secret.
    pub fn webhook_secret(&self) -> &SecretString {
        &self.config.webhook_secret
    }

    /// The allowed age of a signed webhook.
    pub fn tolerance(&self) -> Duration {
        self.config.tolerance
    }
}

#[async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn start(&self, request: &PaymentRequest) -> Result<StartedPayment, PaymentError> {
        let amount = request.total.amount_minor.to_string();
        let currency = request.total.currency.as_str().to_lowercase();
        let product = format!("Order {}", request.order_number);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("mode", "payment")
            .append_pair("client_reference_id", &request.reference)
            .append_pair("success_url", &self.config.success_url)
            .append_pair("cancel_url", &self.config.cancel_url)
            .append_pair("line_items[0][quantity]", "1")
            .append_pair("line_items[0][price_data][currency]", &currency)
            .append_pair("line_items[0][price_data][unit_amount]", &amount)
            .append_pair("line_items[0][price_data][product_data][name]", &product)
            .append_pair("metadata[tenant]", request.tenant.as_str())
            .append_pair("metadata[order_number]", &request.order_number)
            .finish();
        let response = self
            .http
            .post(format!(
                "{}/v1/checkout/sessions",
                self.config.api_base.trim_end_matches('/')
            ))
            .bearer_auth(self.config.secret_key.expose_secret())
            // Stripe answers a repeated key with the first session.
            .header("Idempotency-Key", &request.reference)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(PaymentError::Unavailable(format!(
                "Stripe answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(PaymentError::Refused(format!("Stripe answered {status}")));
        }
        let session: Session = response
            .json()
            .await
            .map_err(|e| PaymentError::Unavailable(e.to_string()))?;
        Ok(StartedPayment {
            provider: "stripe",
            link: session.url,
            provider_reference: Some(session.id),
        })
    }
}

/// What a Stripe webhook event says about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A Checkout Session was paid (`checkout.session.completed` or
    /// `checkout.session.async_payment_succeeded` with `payment_status`
    /// `paid`): the session, and the order's reference and tenant it
    /// carries (`client_reference_id`, `metadata.tenant`), when it does.
    Paid {
        /// The Checkout Session id.
        session: String,
        /// The id of the request that placed the order.
        reference: Option<String>,
        /// The order's tenant.
        tenant: Option<TenantId>,
    },
    /// Any other event (its type): nothing to do.
    Other(String),
}

#[derive(Deserialize)]
struct WebhookEvent {
    #[serde(rename = "type")]
    ty: String,
    data: WebhookData,
}

#[derive(Deserialize)]
struct WebhookData {
    object: WebhookSession,
}

#[derive(Deserialize)]
struct WebhookSession {
    id: String,
    #[serde(default)]
    client_reference_id: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
}

/// Reads a webhook's (verified) body.
pub fn read_notice(body: &[u8]) -> Result<Notice, serde_json::Error> {
    let event: WebhookEvent = serde_json::from_slice(body)?;
    let session = event.data.object;
    let paid = matches!(
        event.ty.as_str(),
        "checkout.session.completed" | "checkout.session.async_payment_succeeded"
    ) && session.payment_status.as_deref() == Some("paid");
    if !paid {
        return Ok(Notice::Other(event.ty));
    }
    Ok(Notice::Paid {
        session: session.id,
        reference: session.client_reference_id,
        tenant: session
            .metadata
            .get("tenant")
            .and_then(|t| TenantId::parse(t).ok()),
    })
}

/// Why a webhook's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No usable `t=` or `v1=` in the header.
    #[error("malformed Stripe-Signature header")]
    Malformed,
    /// Signed too long ago (or in the future).
    #[error("signature timestamp outside the tolerance")]
    Stale,
    /// No `v1` signature matches.
    #[error("signature does not match")]
    Mismatch,
}

/// Checks a `Stripe-Signature` header for `payload` at unix time `now`.
pub fn verify_signature(
    header: &str,
    payload: &[u8],
    secret: &SecretString,
    tolerance: Duration,
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let age = now.abs_diff(timestamp);
    if age > tolerance.as_secs() {
        return Err(SignatureError::Stale);
    }
    for signature in signatures {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
            .map_err(|_| SignatureError::Malformed)?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        // Constant-time comparison.
        if mac.verify_slice(&signature).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// Signs `payload` as Stripe does (for tests and tools).
pub fn sign(payload: &[u8], secret: &SecretString, timestamp: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn webhook(ty: &str, payment_status: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "id": "evt_1",
            "type": ty,
            "data": {"object": {
                "id": "cs_1",
                "client_reference_id": "req-1",
                "payment_status": payment_status,
                "metadata": {"tenant": "acme"}
            }}
        }))
        .unwrap()
    }

    #[test]
    fn only_a_paid_session_is_a_payment() {
        let paid = read_notice(&webhook("checkout.session.completed", "paid")).unwrap();
        let unpaid = read_notice(&webhook("checkout.session.completed", "unpaid")).unwrap();
        let other = read_notice(&webhook("customer.created", "paid")).unwrap();

        assert_eq!(
            paid,
            Notice::Paid {
                session: "cs_1".to_owned(),
                reference: Some("req-1".to_owned()),
                tenant: Some(TenantId::parse("acme").unwrap()),
            }
        );
        assert_eq!(
            unpaid,
            Notice::Other("checkout.session.completed".to_owned())
        );
        assert_eq!(other, Notice::Other("customer.created".to_owned()));
        assert!(read_notice(b"{}").is_err());
    }

    fn secret() -> SecretString {
        SecretString::from("whsec_abc")
    }

    const TOLERANCE: Duration = Duration::from_secs(300);

    #[test]
    fn a_signature_made_with_the_secret_verifies() {
        let header = sign(b"{\"id\":1}", &secret(), 1_700_000_000);

        assert_eq!(
            verify_signature(&header, b"{\"id\":1}", &secret(), TOLERANCE, 1_700_000_100),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_another_secret_an_old_time_or_garbage_is_refused() {
        let header = sign(b"{\"id\":1}", &secret(), 1_700_000_000);
        let other = SecretString::from("whsec_other");

        assert_eq!(
            verify_signature(&header, b"{\"id\":2}", &secret(), TOLERANCE, 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, b"{\"id\":1}", &other, TOLERANCE, 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, b"{\"id\":1}", &secret(), TOLERANCE, 1_700_001_000),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_signature("v1=zz", b"x", &secret(), TOLERANCE, 0),
            Err(SignatureError::Malformed)
        );
    }
}

#[cfg(test)]
#[path = "stripe_fuzz_tests.rs"]
mod fuzz_tests;
