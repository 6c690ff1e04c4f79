//! The catalog service: reads its configuration, builds the application and
//! runs it until SIGTERM or Ctrl-C (`store_service::run`). `catalog seed`
//! loads the demo catalog instead (into `DATABASE_URL`) and prints the new
//! tenants' API keys; `catalog migrate` applies the migrations and exits.

use anyhow::Context as _;
use catalog::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let telemetry = store_telemetry::init("catalog").context("Failed to start telemetry")?;
    let config = Config::from_env().context("Failed to read the configuration")?;
    match std::env::args().nth(1).as_deref() {
        Some("seed") => return seed(&config).await,
        Some("migrate") => return catalog::db::migrations().command().await,
        _ => {}
    }
    let app = Application::build(config)
        .await
        .context("Failed to start the catalog")?;
    let result = store_service::run("catalog", app).await;
    telemetry.shutdown()?;
    result
}

/// Loads the demo catalog and prints what it created.
async fn seed(config: &Config) -> anyhow::Result<()> {
    let pool = catalog::db::connect(&config.database_url, 5).await?;
    catalog::db::migrate(&pool).await?;
    for (tenant, key, products) in catalog::seed::load(&pool).await? {
        match key {
            // Printed once, on purpose: the operator needs it and only its
            // hash is stored.
            Some(key) => println!("tenant {tenant}: {products} products, API key {key}"),
            None => println!("tenant {tenant}: {products} products (existing API keys kept)"),
        }
    }
    Ok(())
}
