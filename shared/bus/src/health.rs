//! Readiness of the bus for `/readyz`.

use store_telemetry::health::ReadinessCheck;

use crate::bus::Bus;

/// Ready when the broker is reachable: the publishing connection is open, or
/// can be opened now.
pub struct BrokerCheck(pub Bus);

#[async_trait::async_trait]
impl ReadinessCheck for BrokerCheck {
    fn name(&self) -> &str {
        "rabbitmq"
    }

    async fn check(&self) -> Result<(), String> {
        self.0.ensure_connected().await.map_err(|e| e.to_string())
    }
}
