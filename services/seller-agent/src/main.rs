//! The seller binary: read the configuration, build the application, run
//! it until SIGTERM or Ctrl-C.
//! `seller-agent migrate` applies the database migrations instead, and exits.

use anyhow::Context as _;
use seller_agent::{Application, Config, config::SERVICE};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `migrate`: apply the migrations and exit (a release's migration Job).
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        return seller_agent::db::migrations().command().await;
    }
    let config = Config::from_env().context("Failed to read the configuration")?;
    let telemetry = store_telemetry::init(&format!("{SERVICE}-{}", config.brand))
        .context("Failed to initialise telemetry")?;
    let app = Application::build(config)
        .await
        .context("Failed to start the seller agent")?;
    let result = store_service::run(SERVICE, app).await;
    telemetry.shutdown()?;
    result
}
