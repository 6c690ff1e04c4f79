//! Starting and stopping the whole store.

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};

use crate::{
    broker, catalog_keys,
    config::StackConfig,
    databases, files, inbox, keys,
    process::{Service, Spec},
    tenants::{self, TenantBrands},
};

/// The running store.
#[derive(Debug)]
pub struct Stack {
    services: Vec<Service>,
    urls: Urls,
    log_dir: PathBuf,
}

/// Where to reach it.
#[derive(Debug, Clone)]
pub struct Urls {
    /// The gateway (webhooks, web chat).
    pub gateway: String,
    /// The catalog's API.
    pub catalog: String,
    /// The order processor's API.
    pub orders: String,
    /// The sales assistant's API (the human sellers' inbox).
    pub sales: String,
    /// Each seller: (`tenant/brand`, URL of its operator port: metrics and
    /// health).
    pub sellers: Vec<(String, String)>,
    /// The gateway's operator port (`/metrics`).
    pub gateway_operator: String,
    /// The catalog's operator port (`/metrics`, `/admin`).
    pub catalog_operator: String,
    /// The order processor's operator port (`/metrics`, `/admin`).
    pub orders_operator: String,
    /// Each tenant's order-processor API key (for `storectl order`).
    pub orders_api_keys: keys::Keys,
    /// Each tenant's sales-assistant API key (for `storectl handoff`).
    pub sales_api_keys: keys::Keys,
    /// The sales assistant's operator port (`/metrics`, `/admin`).
    pub sales_operator: String,
    /// Each tenant's inbox owner sign-in.
    pub inbox_owners: inbox::Owners,
}

/// The services that own a database, as their databases are named after the
/// prefix ([`StackConfig::database`]).
pub const DATABASES: [&str; 5] = ["gateway", "catalog", "orders", "sales", "seller"];

impl Stack {
    /// Drops the stack's databases, its queues on the broker (messages of
    /// an earlier run must not act on the fresh databases) and its saved
    /// keys: a fresh start. Run it while the store is stopped.
    pub async fn reset(config: &StackConfig) -> anyhow::Result<()> {
        let names: Vec<String> = DATABASES.iter().map(|s| config.database(s)).collect();
        broker::delete_store_queues(&config.management_url, config.exchange.as_deref()).await?;
        databases::drop_all(&config.postgres_url, &names).await?;
        for file in [
            keys::ORDERS.file,
            keys::SALES.file,
            inbox::OWNERS_FILE,
            catalog_keys::FILE,
        ] {
            let saved = config.state_dir.join(file);
            if saved.exists() {
                std::fs::remove_file(&saved)?;
            }
        }
        Ok(())
    }

    /// Starts everything and waits until every service is ready.
    pub async fn start(config: &StackConfig) -> anyhow::Result<Self> {
        let tenants = tenants::read(&config.tenants_file)?;
        let log_dir = config.state_dir.join("logs");
        std::fs::create_dir_all(&log_dir)
            .with_context(|| format!("Failed to create {}", log_dir.display()))?;
        let names: Vec<String> = DATABASES.iter().map(|s| config.database(s)).collect();
        databases::ensure(&config.postgres_url, &names).await?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;

        let mut stack = Self {
            services: Vec::new(),
            urls: Urls {
                gateway: local(config.ports.gateway),
                catalog: local(config.ports.catalog),
                orders: local(config.ports.orders),
                sales: local(config.ports.sales),
                sellers: Vec::new(),
                gateway_operator: local(config.ports.gateway_operator),
                catalog_operator: local(config.ports.catalog_operator),
                orders_operator: local(config.ports.orders_operator),
                orders_api_keys: keys::Keys::new(),
                sales_api_keys: keys::Keys::new(),
                sales_operator: local(config.ports.sales_operator),
                inbox_owners: inbox::Owners::new(),
            },
            log_dir: log_dir.clone(),
        };
        match stack.start_all(config, &tenants, &http).await {
            Ok(()) => Ok(stack),
            Err(error) => {
                stack.stop().await;
                Err(error)
            }
        }
    }

    async fn start_all(
        &mut self,
        config: &StackConfig,
        tenants: &[TenantBrands],
        http: &reqwest::Client,
    ) -> anyhow::Result<()> {
        let common = common_env(config);
        let db = |service: &str| databases::url_of(&config.postgres_url, &config.database(service));

        // The demo catalog (idempotent: existing tenants and keys are kept).
        let seeded = Spec::new(
            "catalog-seed",
            &config.bin_dir,
            "catalog",
            config.ports.catalog,
        )
        .args(["seed"])
        .envs(common.clone())
        .envs([("DATABASE_URL", db("catalog")?)])
        .run_to_end(&self.log_dir)
        .await?;
        // Only the first seed of a tenant prints its catalog API key: merge
        // it into the saved ones, never overwrite them.
        let saved_keys = config.state_dir.join(catalog_keys::FILE);
        let saved = match std::fs::read_to_string(&saved_keys) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(e).with_context(|| format!("Failed to read {}", saved_keys.display()));
            }
        };
        let merged = catalog_keys::merge(&saved, &seeded);
        if merged != saved {
            files::write_private(&saved_keys, &merged)?;
        }

        let admin_token = SecretString::from(uuid::Uuid::new_v4().simple().to_string());
        let catalog = Spec::new("catalog", &config.bin_dir, "catalog", config.ports.catalog)
            .envs(common.clone())
            .envs([
                ("DATABASE_URL", db("catalog")?),
                ("OPERATOR_PORT", config.ports.catalog_operator.to_string()),
            ])
            .envs(config.catalog_env.clone());
        let orders = Spec::new(
            "order-processor",
            &config.bin_dir,
            "order-processor",
            config.ports.orders,
        )
        .envs(common.clone())
        .envs([
            ("DATABASE_URL", db("orders")?),
            ("ADMIN_TOKEN", admin_token.expose_secret().to_owned()),
            ("OPERATOR_PORT", config.ports.orders_operator.to_string()),
        ])
        .envs(config.orders_env.clone());
        let sales = Spec::new(
            "sales-assistant",
            &config.bin_dir,
            "sales-assistant",
            config.ports.sales,
        )
        .envs(common.clone())
        .envs([
            ("DATABASE_URL", db("sales")?),
            ("ADMIN_TOKEN", admin_token.expose_secret().to_owned()),
            ("OPERATOR_PORT", config.ports.sales_operator.to_string()),
            // Plain HTTP on loopback: a Secure cookie would not be sent
            // by every client.
            ("INBOX_COOKIE_SECURE", "false".to_owned()),
            ("INBOX_PUBLIC_URL", local(config.ports.sales)),
            // The tenants' Telegram bots, for notifying sellers.
            ("TENANTS_FILE", path_str(&config.tenants_file)),
        ])
        .envs(config.sales_env.clone());
        self.launch(vec![catalog, orders, sales], config, http)
            .await?;

        self.urls.orders_api_keys = tenant_keys(
            config,
            tenants,
            &keys::Admin {
                http,
                service: keys::ORDERS,
                url: &self.urls.orders_operator,
                token: &admin_token,
            },
        )
        .await?;
        self.urls.sales_api_keys = tenant_keys(
            config,
            tenants,
            &keys::Admin {
                http,
                service: keys::SALES,
                url: &self.urls.sales_operator,
                token: &admin_token,
            },
        )
        .await?;

        let named: Vec<(String, String)> = tenants
            .iter()
            .map(|t| (t.tenant.clone(), t.name.clone()))
            .collect();
        self.urls.inbox_owners = inbox::ensure_owners(
            http,
            &self.urls.sales_operator,
            &admin_token,
            &config.state_dir,
            &named,
        )
        .await?;

        let mut specs = vec![
            Spec::new("gateway", &config.bin_dir, "gateway", config.ports.gateway)
                .envs(common.clone())
                .envs([
                    ("DATABASE_URL", db("gateway")?),
                    ("TENANTS_FILE", path_str(&config.tenants_file)),
                    ("OPERATOR_PORT", config.ports.gateway_operator.to_string()),
                ])
                .envs(config.gateway_env.clone()),
        ];
        let mut port = config.ports.first_seller;
        let mut operator_port = config.ports.first_seller_operator;
        for tenant in tenants {
            let key = self
                .urls
                .orders_api_keys
                .get(&tenant.tenant)
                .cloned()
                .unwrap_or_default();
            for brand in &tenant.brands {
                let wanted = config.sellers.as_ref().is_none_or(|only| {
                    only.iter()
                        .any(|s| *s == format!("{}/{brand}", tenant.tenant))
                });
                if !wanted {
                    continue;
                }
                let name = format!("seller-{}-{brand}", tenant.tenant);
                specs.push(
                    Spec::new(&name, &config.bin_dir, "seller-agent", port)
                        .envs(common.clone())
                        .envs([
                            ("DATABASE_URL", db("seller")?),
                            ("SELLER_TENANT", tenant.tenant.clone()),
                            ("SELLER_BRAND", brand.clone()),
                            ("TENANTS_FILE", path_str(&config.tenants_file)),
                            ("ORDERS_API_URL", self.urls.orders.clone()),
                            ("ORDERS_API_KEY", key.clone()),
                            ("OPERATOR_PORT", operator_port.to_string()),
                        ])
                        .envs(llm_env(config))
                        .envs(config.seller_env.clone()),
                );
                self.urls
                    .sellers
                    .push((format!("{}/{brand}", tenant.tenant), local(operator_port)));
                port += 1;
                operator_port += 1;
            }
        }
        self.launch(specs, config, http).await
    }

    /// Spawns every spec, then waits for all of them to be ready.
    async fn launch(
        &mut self,
        specs: Vec<Spec>,
        config: &StackConfig,
        http: &reqwest::Client,
    ) -> anyhow::Result<()> {
        let first = self.services.len();
        for spec in specs {
            self.services.push(spec.spawn(&self.log_dir)?);
        }
        for service in &mut self.services[first..] {
            service.wait_ready(http, config.ready_timeout).await?;
        }
        Ok(())
    }

    /// Where to reach the store.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The log file of `service` (e.g. `gateway`, `seller-demo-fashion`).
    pub fn log(&self, service: &str) -> PathBuf {
        self.log_dir.join(format!("{service}.log"))
    }

    /// The running services.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The first service that exited, if any did.
    pub fn exited(&mut self) -> Option<(String, String)> {
        self.services.iter_mut().find_map(|s| match s.exited() {
            Ok(Some(status)) => Some((s.name.clone(), status.to_string())),
            Ok(None) => None,
            Err(e) => Some((s.name.clone(), e.to_string())),
        })
    }

    /// The running service called `name`.
    fn service_mut(&mut self, name: &str) -> anyhow::Result<&mut Service> {
        self.services
            .iter_mut()
            .find(|s| s.name == name)
            .with_context(|| format!("no service called {name} in this stack"))
    }

    /// Kills one service (SIGKILL, no draining), as a crash would; start it
    /// again with [`Self::restart`].
    pub async fn kill(&mut self, name: &str) -> anyhow::Result<()> {
        self.service_mut(name)?.kill().await
    }

    /// Stops one service with SIGTERM and waits up to `grace` for it to
    /// drain and exit; returns its exit status (`None`: it had to be killed).
    /// Start it again with [`Self::restart`].
    pub async fn terminate(
        &mut self,
        name: &str,
        grace: Duration,
    ) -> anyhow::Result<Option<std::process::ExitStatus>> {
        let service = self.service_mut(name)?;
        service.terminate();
        service.wait_stopped(grace).await
    }

    /// Starts one service again as it was first started, with `env` added
    /// to (and winning over) its environment, and waits until it is ready.
    /// A service still running is stopped first (SIGTERM).
    pub async fn restart(
        &mut self,
        name: &str,
        env: &[(String, String)],
        ready_timeout: Duration,
    ) -> anyhow::Result<()> {
        let log_dir = self.log_dir.clone();
        let service = self.service_mut(name)?;
        if service.exited()?.is_none() {
            service.terminate();
            service.wait_stopped(Duration::from_secs(30)).await?;
        }
        // The first spec stays the one to restart from: `env` is for this
        // start only.
        let first = service.spec.clone();
        let mut started = first.clone().envs(env.iter().cloned()).spawn(&log_dir)?;
        started.spec = first;
        *service = started;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        service.wait_ready(&http, ready_timeout).await
    }

    /// Stops every service (SIGTERM, in reverse start order so the edge stops
    /// first), waiting up to 20 s each. Returns the ones that did not stop
    /// cleanly.
    pub async fn stop(&mut self) -> Vec<String> {
        let mut unclean = Vec::new();
        for service in self.services.iter_mut().rev() {
            service.terminate();
        }
        for service in self.services.iter_mut().rev() {
            match service.wait_stopped(Duration::from_secs(20)).await {
                Ok(Some(status)) if status.success() => {}
                Ok(Some(status)) => unclean.push(format!("{} exited with {status}", service.name)),
                Ok(None) => unclean.push(format!("{} had to be killed", service.name)),
                Err(e) => unclean.push(format!("{}: {e}", service.name)),
            }
        }
        self.services.clear();
        unclean
    }
}

/// Every tenant's key of a keyed service, saved for the next start.
async fn tenant_keys(
    config: &StackConfig,
    tenants: &[TenantBrands],
    admin: &keys::Admin<'_>,
) -> anyhow::Result<keys::Keys> {
    let mut saved = keys::load(&config.state_dir, admin.service)?;
    let mut current = keys::Keys::new();
    for tenant in tenants {
        let key = admin
            .ensure(&mut saved, &tenant.tenant, &tenant.name)
            .await?;
        current.insert(tenant.tenant.clone(), key);
    }
    keys::save(&config.state_dir, admin.service, &saved)?;
    Ok(current)
}

fn local(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn path_str(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

fn common_env(config: &StackConfig) -> Vec<(String, String)> {
    let mut env = vec![
        ("AMQP_URL".to_owned(), config.amqp_url.clone()),
        ("HOST".to_owned(), "127.0.0.1".to_owned()),
        // One key for every service of this run: a conversation has the
        // same pseudonym in each service's logs.
        (
            "LOG_ID_KEY".to_owned(),
            uuid::Uuid::new_v4().simple().to_string(),
        ),
    ];
    if let Some(exchange) = &config.exchange {
        env.push(("BUS_EXCHANGE".to_owned(), exchange.clone()));
    }
    env.extend(config.env.iter().cloned());
    env
}

fn llm_env(config: &StackConfig) -> Vec<(String, String)> {
    let Some(llm) = &config.llm else {
        return vec![("LLM_PROVIDER".to_owned(), "offline".to_owned())];
    };
    let mut env = vec![
        ("LLM_PROVIDER".to_owned(), llm.provider.clone()),
        ("LLM_MODEL".to_owned(), llm.model.clone()),
    ];
    if let Some(base) = &llm.base_url {
        env.push(("LLM_BASE_URL".to_owned(), base.clone()));
    }
    if let Some(key) = &llm.api_key {
        env.push(("LLM_API_KEY".to_owned(), key.expose_secret().to_owned()));
    }
    env
}
