//! The store under load: started here as processes (`store-stack`) on the
//! machine's PostgreSQL and RabbitMQ, fresh (its own databases `<name>_*`,
//! exchange `<name>.events` and queues, emptied first), with the load's
//! tenants file, the gateway sending to the fake Graph and Bot API, its
//! rate limits out of the way and every variant in stock; or a store
//! already running, attached to by its gateway's URL.

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use secrecy::SecretString;
use sqlx::{Connection as _, PgConnection};
use store_stack::{LlmSettings, Ports, Stack, StackConfig};
use store_testkit::procs::Who;
use wiremock::MockServer;

use crate::{cli::Args, pools::Pools, tenants::LoadBrand};

/// Units every variant has, so the orders never run out.
const STOCK: i32 = 100_000_000;

/// A rate limit nobody reaches in a load run (tokens, and ms per token).
const UNLIMITED: [(&str, &str); 8] = [
    ("GATEWAY_TENANT_MESSAGE_BURST", "100000000"),
    ("GATEWAY_TENANT_MESSAGE_REFILL_MS", "1"),
    ("GATEWAY_SHOPPER_MESSAGE_BURST", "100000000"),
    ("GATEWAY_SHOPPER_MESSAGE_REFILL_MS", "1"),
    ("WEBCHAT_MESSAGE_BURST", "100000000"),
    ("WEBCHAT_MESSAGE_REFILL_MS", "1"),
    ("WEBCHAT_SESSION_BURST", "100000000"),
    ("WEBCHAT_SESSION_REFILL_MS", "1"),
];

/// The store being loaded.
pub struct Store {
    /// The processes, when started here.
    pub stack: Option<Stack>,
    /// The gateway's base URL.
    pub gateway: String,
    /// What to watch for CPU and memory.
    pub watched: Vec<(String, Who)>,
    /// What the sellers think with.
    pub brain: String,
    /// Each service's `DATABASE_MAX_CONNECTIONS`, when started here.
    pub pools: Option<Pools>,
    _llm: Option<MockServer>,
}

impl Store {
    /// Starts a fresh store sending to `outbound_uri`.
    pub async fn start(
        args: &Args,
        brands: &[LoadBrand],
        outbound_uri: &str,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&args.state_dir)
            .with_context(|| format!("Failed to create {}", args.state_dir.display()))?;
        let state_dir = std::fs::canonicalize(&args.state_dir)?;
        let tenants_file = state_dir.join("tenants.yaml");
        std::fs::write(&tenants_file, crate::tenants::file(brands)?)?;
        let bin_dir = match &args.bin_dir {
            Some(dir) => dir.clone(),
            None => store_stack::process::bin_dir()?,
        };
        let mut config = StackConfig::local(bin_dir, tenants_file, state_dir);
        config.postgres_url.clone_from(&args.postgres_url);
        config.amqp_url.clone_from(&args.amqp_url);
        config.management_url.clone_from(&args.management_url);
        config.database_prefix = args.database_prefix();
        config.exchange = Some(args.exchange());
        config.ports = Ports::free(u16::try_from(brands.len())?)?;
        config.env = vec![
            ("RUST_LOG".to_owned(), args.rust_log.clone()),
            ("OTEL_TRACES_EXPORTER".to_owned(), "none".to_owned()),
            // No human seller signs in during a load run.
            (
                "INBOX_DEFER_WHEN_NOBODY_SIGNED_IN".to_owned(),
                "false".to_owned(),
            ),
            (
                "SELLER_BURST_WINDOW_MS".to_owned(),
                args.burst_window_ms.to_string(),
            ),
        ];
        let pools = Pools::fit(
            crate::pools::available(&args.postgres_url).await?,
            u32::try_from(brands.len())?,
        );
        config.catalog_env = Pools::env(pools.catalog);
        config.orders_env = Pools::env(pools.orders);
        config.sales_env = Pools::env(pools.sales);
        config.seller_env = Pools::env(pools.seller);
        config.gateway_env = vec![
            ("WHATSAPP_API_BASE".to_owned(), outbound_uri.to_owned()),
            ("TELEGRAM_API_BASE".to_owned(), outbound_uri.to_owned()),
        ];
        config.gateway_env.extend(Pools::env(pools.gateway));
        config.gateway_env.extend(
            UNLIMITED
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        // Every simulated shopper connects from this one address: the
        // gateway's cap on one client's connections (256 by default, a
        // guard against one abusive address) would refuse shoppers that are
        // many people in a real run. Each web chat shopper keeps its event
        // stream open, and an overloaded run adds shoppers while the others
        // wait, so the cap was reached: beyond it the gateway closes new
        // connections at once, seen here as "no answer". The cap on all
        // connections (HTTP_MAX_CONNECTIONS) stays.
        config.gateway_env.push((
            "HTTP_MAX_CONNECTIONS_PER_CLIENT".to_owned(),
            "10000".to_owned(),
        ));
        config.ready_timeout = Duration::from_secs(120);
        let (llm, brain) = match args.llm_delay_ms {
            None => (None, "offline brain".to_owned()),
            Some(ms) => {
                let server =
                    store_tests::fake_llm::start_with_delay(Duration::from_millis(ms)).await;
                config.llm = Some(LlmSettings {
                    provider: "openai".to_owned(),
                    model: "loadgen-fake".to_owned(),
                    base_url: Some(format!("{}/v1", server.uri())),
                    api_key: Some(SecretString::from(store_tests::fake_llm::API_KEY)),
                });
                (
                    Some(server),
                    format!("fake OpenAI-compatible model answering after {ms} ms"),
                )
            }
        };

        Stack::reset(&config)
            .await
            .context("Failed to empty the load store's databases and queues")?;
        let stack = Stack::start(&config)
            .await
            .context("the store did not start")?;
        restock(&config).await?;
        let watched = stack
            .services()
            .iter()
            .filter_map(|s| Some((s.name.clone(), Who::Pids(vec![s.pid()?]))))
            .chain(infrastructure(&config.database_prefix))
            .collect();
        Ok(Self {
            gateway: stack.urls().gateway.clone(),
            stack: Some(stack),
            watched,
            brain,
            pools: Some(pools),
            _llm: llm,
        })
    }

    /// A store already running at `gateway`: its services found by their
    /// binaries' names (every process of that name on this machine).
    pub fn attach(gateway: &str, database_prefix: &str) -> Self {
        let watched = [
            "gateway",
            "catalog",
            "order-processor",
            "sales-assistant",
            "seller-agent",
        ]
        .into_iter()
        .map(|name| (name.to_owned(), Who::Named(name.to_owned())))
        .chain(infrastructure(database_prefix))
        .collect();
        Self {
            stack: None,
            gateway: gateway.trim_end_matches('/').to_owned(),
            watched,
            brain: "as the attached store is configured".to_owned(),
            pools: None,
            _llm: None,
        }
    }

    /// Stops the store if it was started here; the services that did not
    /// stop cleanly.
    pub async fn stop(&mut self) -> Vec<String> {
        match self.stack.as_mut() {
            Some(stack) => stack.stop().await,
            None => Vec::new(),
        }
    }

    /// Where the services' logs are, when started here.
    pub fn logs(&self, args: &Args) -> Option<PathBuf> {
        self.stack.as_ref().map(|_| args.state_dir.join("logs"))
    }
}

/// RabbitMQ's and PostgreSQL's processes: the whole broker and database
/// server (they serve the whole machine), the database backends serving
/// this store's databases, and those serving each service's database
/// (`postgresql: <prefix>_sales`…), which tell whose statements the
/// database's CPU went to.
fn infrastructure(database_prefix: &str) -> Vec<(String, Who)> {
    let backends = |database: &str| {
        // PostgreSQL titles a backend `postgres: <cluster>: <user> <database> …`.
        Who::NamedWith("postgres".to_owned(), format!(" {database} "))
    };
    let mut watched = vec![
        (RABBITMQ.to_owned(), Who::Named("beam.smp".to_owned())),
        (POSTGRESQL.to_owned(), Who::Named("postgres".to_owned())),
        (
            format!("{DATABASE_PART}this store's backends"),
            Who::NamedWith("postgres".to_owned(), format!(" {database_prefix}_")),
        ),
    ];
    for service in store_stack::stack::DATABASES {
        let database = format!("{database_prefix}_{service}");
        watched.push((format!("{DATABASE_PART}{database}"), backends(&database)));
    }
    watched
}

/// The broker's row.
const RABBITMQ: &str = "rabbitmq";
/// The whole database server's row.
const POSTGRESQL: &str = "postgresql";

/// How the names of PostgreSQL's backends of this store, and of each of
/// its databases, begin: processes also counted in the `postgresql` row.
const DATABASE_PART: &str = "postgresql: ";

/// Whether the watched group `name` is part of the whole database
/// server's (so a sum over the groups must leave it out).
pub fn is_database_part(name: &str) -> bool {
    name.starts_with(DATABASE_PART)
}

/// Whether the watched group `name` is the broker or the database server
/// (or a part of it), not one of the store's services.
pub fn is_infrastructure(name: &str) -> bool {
    name == RABBITMQ || name == POSTGRESQL || is_database_part(name)
}

/// Gives every variant [`STOCK`] units.
async fn restock(config: &StackConfig) -> anyhow::Result<()> {
    let url = store_stack::databases::url_of(&config.postgres_url, &config.database("catalog"))?;
    let mut conn = PgConnection::connect(&url)
        .await
        .context("Failed to connect to the catalog's database")?;
    sqlx::query("update variant set stock = $1, updated_at = now()")
        .bind(STOCK)
        .execute(&mut conn)
        .await
        .context("Failed to restock the catalog")?;
    conn.close().await.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_database_servers_parts_are_parts() {
        let parts: Vec<String> = infrastructure("lg")
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| is_database_part(name))
            .collect();
        assert!(parts.contains(&"postgresql: this store's backends".to_owned()));
        assert!(parts.contains(&"postgresql: lg_sales".to_owned()));
        assert!(!is_database_part("postgresql"));
        assert!(!is_database_part("rabbitmq"));
        assert!(!is_database_part("gateway"));
        // Every row `infrastructure` makes is the broker's or the database's.
        assert!(
            infrastructure("lg")
                .iter()
                .all(|(name, _)| is_infrastructure(name))
        );
        assert!(!is_infrastructure("gateway"));
        assert!(!is_infrastructure("seller-demo-fashion"));
    }
}
