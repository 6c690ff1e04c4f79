//! The gateway binary: read the configuration, build the application, run
//! it until SIGTERM or Ctrl-C.
//! `gateway migrate` applies the database migrations instead, and exits.

use anyhow::Context as _;
use gateway::{Application, Config, config::SERVICE};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `migrate`: apply the migrations and exit (a release's migration Job).
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        return gateway::db::migrations().command().await;
    }
    let telemetry = store_telemetry::init(SERVICE).context("Failed to initialise telemetry")?;
    let config = Config::from_env().context("Failed to read the configuration")?;
    let app = Application::build(config)
        .await
        .context("Failed to start the gateway")?;
    let result = store_service::run(SERVICE, app).await;
    telemetry.shutdown()?;
    result
}
