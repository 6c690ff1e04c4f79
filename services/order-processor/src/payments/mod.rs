//! Payments behind one interface: a provider starts the payment of a
//! placed order (a payment link, or nothing for `manual`/cash on delivery);
//! a provider with webhooks confirms payments at
//! `POST /webhooks/payments/{provider}`.

pub mod stripe;

use async_trait::async_trait;
use store_events::{TenantId, data::Money};

/// What a provider needs to start a payment.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// Tenant of the order.
    pub tenant: TenantId,
    /// Id of the order request event: the order's stable reference across
    /// retries (also the provider's idempotency key).
    pub reference: String,
    /// Order number shown to the shopper.
    pub order_number: String,
    /// What to charge.
    pub total: Money,
}

/// A started payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedPayment {
    /// Provider name (`manual`, `stripe`).
    pub provider: &'static str,
    /// Where the shopper pays, when the provider has a page.
    pub link: Option<String>,
    /// The provider's id of the payment (a Stripe Checkout Session id).
    pub provider_reference: Option<String>,
}

/// Why a payment could not be started.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider could not be reached or failed (retry later).
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request.
    #[error("payment provider refused the request: {0}")]
    Refused(String),
}

/// A payment provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Its name, as stored on orders and used in webhook paths.
    fn name(&self) -> &'static str;

    /// Starts the payment of an order.
    async fn start(&self, request: &PaymentRequest) -> Result<StartedPayment, PaymentError>;
}

/// Payment on delivery or by arrangement: nothing to start; the shop marks
/// the order paid.
pub struct Manual;

#[async_trait]
impl PaymentProvider for Manual {
    fn name(&self) -> &'static str {
        "manual"
    }

    async fn start(&self, _: &PaymentRequest) -> Result<StartedPayment, PaymentError> {
        Ok(StartedPayment {
            provider: "manual",
            link: None,
            provider_reference: None,
        })
    }
}

/// The providers of this deployment.
pub struct Payments {
    /// Always there.
    pub manual: Manual,
    /// When configured.
    pub stripe: Option<stripe::Stripe>,
}

/// Payment methods that mean "pay online through a link".
const ONLINE_METHODS: &[&str] = &["card", "stripe", "link", "online"];

impl Payments {
    /// The provider for a shopper's chosen method: the online provider for
    /// online methods when one is configured, `manual` otherwise.
    pub fn for_method(&self, method: Option<&str>) -> &dyn PaymentProvider {
        match (&self.stripe, method) {
            (Some(stripe), Some(method)) if ONLINE_METHODS.contains(&method) => stripe,
            _ => &self.manual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_methods_go_to_stripe_only_when_it_is_configured() {
        let without = Payments {
            manual: Manual,
            stripe: None,
        };
        let with = Payments {
            manual: Manual,
            stripe: Some(stripe::Stripe::new(stripe::StripeConfig::for_tests(
                "http://127.0.0.1:1",
            ))),
        };

        assert_eq!(without.for_method(Some("card")).name(), "manual");
        assert_eq!(with.for_method(Some("card")).name(), "stripe");
        assert_eq!(with.for_method(Some("cash_on_delivery")).name(), "manual");
        assert_eq!(with.for_method(None).name(), "manual");
    }
}
