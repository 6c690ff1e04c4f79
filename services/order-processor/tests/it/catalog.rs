//! The real catalog beside the order processor under test, as a process:
//! its built binary (`cargo build --bins` puts it beside this test binary)
//! on a fresh database and the test's exchange, started through
//! `store-stack`'s [`Spec`] as `scripts/run.sh` and the end-to-end tests
//! start it. The order processor meets it only over the bus, as in
//! production; the test creates tenants, brands and products through its
//! HTTP API.

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use store_stack::process::{Service, Spec, bin_dir, free_port};

/// Most units one order line may hold in the tests' catalog.
pub const MAX_QUANTITY_PER_LINE: u32 = 20;

/// How long the catalog may take to answer `/readyz`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long it may take to drain after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running catalog process.
pub struct Catalog {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// `http://127.0.0.1:<operator port>` (`/admin/tenants`).
    pub operator: String,
    service: Service,
    log_dir: PathBuf,
}

impl Catalog {
    /// Starts the catalog on a fresh database and `exchange`; `admin_token`
    /// opens its `/admin`.
    pub async fn start(exchange: &str, admin_token: &str) -> anyhow::Result<Self> {
        let bin_dir = bin_dir()?;
        let program = bin_dir.join("catalog");
        if !program.is_file() {
            let build = if bin_dir.ends_with("release") {
                "cargo build --release --bins"
            } else {
                "cargo build --bins"
            };
            anyhow::bail!(
                "the order processor's tests run the catalog's binary, and {} is not built: \
                 run `{build}` first",
                program.display()
            );
        }
        let (pool, database_url) = store_testkit::fresh_database_with_url().await?;
        pool.close().await;
        let log_dir = std::env::temp_dir().join(store_testkit::unique("catalog-process"));
        std::fs::create_dir_all(&log_dir)
            .with_context(|| format!("Failed to create {}", log_dir.display()))?;
        let http = reqwest::Client::new();
        // A port picked free may be taken by another test before the
        // catalog binds it: then the catalog exits, and it starts again on
        // another.
        let mut attempts = 3;
        loop {
            attempts -= 1;
            let (port, operator_port) = (free_port()?, free_port()?);
            let spec = Spec::new("catalog", &bin_dir, "catalog", port).envs([
                ("HOST", "127.0.0.1".to_owned()),
                ("OPERATOR_PORT", operator_port.to_string()),
                ("DATABASE_URL", database_url.clone()),
                ("AMQP_URL", store_testkit::amqp_url()),
                ("BUS_EXCHANGE", exchange.to_owned()),
                ("ADMIN_TOKEN", admin_token.to_owned()),
                ("MAX_QUANTITY_PER_LINE", MAX_QUANTITY_PER_LINE.to_string()),
            ]);
            let mut service = spec.spawn(&log_dir)?;
            match service.wait_ready(&http, START_TIMEOUT).await {
                Ok(()) => {
                    return Ok(Self {
                        address: service.url(),
                        operator: format!("http://127.0.0.1:{operator_port}"),
                        service,
                        log_dir,
                    });
                }
                Err(error) if attempts > 0 && service.exited()?.is_some() => {
                    tracing::warn!(error = format!("{error:#}"), "catalog did not start; again");
                }
                Err(error) => {
                    service.terminate();
                    service.wait_stopped(STOP_TIMEOUT).await?;
                    return Err(error);
                }
            }
        }
    }

    /// The URL of `path` on the catalog.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the catalog with SIGTERM; it must drain and exit cleanly.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.service.terminate();
        let status = self.service.wait_stopped(STOP_TIMEOUT).await?;
        let log = store_stack::process::tail(&self.service.log, 15);
        anyhow::ensure!(
            status.is_some_and(|s| s.success()),
            "the catalog did not stop cleanly ({status:?}):\n{log}"
        );
        let _ = std::fs::remove_dir_all(&self.log_dir);
        Ok(())
    }
}
