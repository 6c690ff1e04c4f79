//! The sales assistant: reads its configuration, builds the application and
//! runs it until SIGTERM or Ctrl-C (`store_service::run`).
//! `sales-assistant migrate` applies the database migrations instead, and exits.

use anyhow::Context as _;
use sales_assistant::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `migrate`: apply the migrations and exit (a release's migration Job).
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        return sales_assistant::db::migrations().command().await;
    }
    let telemetry =
        store_telemetry::init("sales-assistant").context("Failed to start telemetry")?;
    let config = Config::from_env().context("Failed to read the configuration")?;
    let app = Application::build(config)
        .await
        .context("Failed to start the sales assistant")?;
    let result = store_service::run("sales assistant", app).await;
    telemetry.shutdown()?;
    result
}
