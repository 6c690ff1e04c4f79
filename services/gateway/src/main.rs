//! The gateway binary: read the configuration, start, stop on SIGTERM.

use anyhow::Context as _;
use gateway::{Application, Config, config::SERVICE};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let telemetry = store_telemetry::init(SERVICE).context("Failed to initialise telemetry")?;
    let config = Config::from_env().context("Failed to read the configuration")?;
    let app = Application::build(config)
        .await
        .context("Failed to start the gateway")?;
    tracing::info!(port = app.port(), "gateway listening");
    // The handler task ends by itself when the token is cancelled.
    drop(store_telemetry::spawn_signal_handler(app.shutdown_token()));
    let result = app.run_until_stopped().await;
    match &result {
        Ok(()) => tracing::info!("gateway stopped"),
        Err(error) => tracing::error!(
            error = format!("{error:#}"),
            "gateway stopped with an error"
        ),
    }
    telemetry.shutdown()?;
    result
}
