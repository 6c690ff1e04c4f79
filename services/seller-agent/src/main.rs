//! The seller agent service: one brand's AI seller.

use anyhow::Context;
use seller_agent::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env().context("Failed to read the configuration")?;
    let _telemetry = store_telemetry::init(&format!("seller-agent-{}", config.brand))?;
    let shutdown = store_telemetry::shutdown_signal();
    let app = Application::build(config, shutdown)
        .await
        .context("Failed to start the seller agent")?;
    tracing::info!(port = app.port(), "seller agent started");
    app.run_until_stopped().await
}
