//! The sales assistant: reads its configuration, starts the application and
//! runs it until SIGTERM or Ctrl-C.

use anyhow::Context as _;
use sales_assistant::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let telemetry =
        store_telemetry::init("sales-assistant").context("Failed to start telemetry")?;
    let config = Config::from_env().context("Failed to read the configuration")?;
    let app = Application::build(config)
        .await
        .context("Failed to start the sales assistant")?;
    store_telemetry::spawn_signal_handler(app.shutdown_token());
    let result = app.run_until_stopped().await;
    if let Err(error) = &result {
        tracing::error!(
            error = format!("{error:#}"),
            "sales assistant stopped with an error"
        );
    }
    telemetry.shutdown()?;
    result
}
