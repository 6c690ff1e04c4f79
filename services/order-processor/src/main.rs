//! The order processor: reads its configuration, builds the application and
//! runs it until SIGTERM or Ctrl-C (`store_service::run`).
//! `order-processor migrate` applies the database migrations instead, and exits.

use anyhow::Context as _;
use order_processor::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `migrate`: apply the migrations and exit (a release's migration Job).
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        return order_processor::db::migrations().command().await;
    }
    let telemetry =
        store_telemetry::init("order-processor").context("Failed to start telemetry")?;
    let config = Config::from_env().context("Failed to read the configuration")?;
    let app = Application::build(config)
        .await
        .context("Failed to start the order processor")?;
    let result = store_service::run("order processor", app).await;
    telemetry.shutdown()?;
    result
}
