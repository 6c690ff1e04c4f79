//! Building the seller on the house skeleton (`store_service::Foundation`):
//! the persona, the migrated database, the bus, the brain (a model with
//! the offline rules beside it for the turns it cannot answer, or the
//! offline rules alone), the two consumers, of the brand's conversations
//! and of the sales assistant's control events, and the burst timers and
//! sweeper; the same [`Application`] in `main` and in the tests.

use std::sync::Arc;

use anyhow::Context as _;
use store_service::{Foundation, Service};

use crate::{
    brain::{
        Brain,
        fallback::FallbackBrain,
        llm::{Limits, LlmBrain},
        offline::OfflineBrain,
    },
    config::Config,
    consumers::{self, Bursts, ControlHandler, SellerHandler},
    db,
    domain::persona,
    flows::Seller,
    llm,
    metrics::SellerMetrics,
    tools::OrdersApi,
    transcription::Transcriber,
};

/// The running seller: its consumer and `/healthz`, `/readyz`, `/metrics`.
pub struct Application(Service);

impl Application {
    /// Loads the persona, connects to PostgreSQL (applying migrations) and
    /// RabbitMQ, starts consuming the brand's conversations and control
    /// events and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let persona = persona::load(
            &config.tenants_file,
            config.tenant.as_str(),
            config.brand.as_str(),
        )
        .context("Failed to load the persona")?;
        let pool = store_service::db::connect(&config.database_url, config.pool_size()).await?;
        db::migrations().at_start(&pool).await?;
        // The `service` label of the metrics names the brand, as one seller
        // runs per brand.
        let name = config.service_name();
        let base = Foundation::start(name, pool, config.bus.clone()).await?;
        // Whatever fails from here on stops what was already started.
        let stop_on_error = base.shutdown.clone().drop_guard();
        let metrics = SellerMetrics::new(
            base.metrics.registry(),
            config.tenant.as_str(),
            config.brand.as_str(),
            config.prices,
        )
        .context("Failed to register the seller metrics")?;
        let (brain, model): (Arc<dyn Brain>, _) = match &config.llm {
            Some(llm_config) => {
                let client =
                    llm::client(llm_config).context("Failed to set up the model client")?;
                let limits = Limits {
                    max_rounds: config.max_rounds,
                    budget: config.llm_turn_budget,
                    ..Limits::default()
                };
                let llm = LlmBrain::new(
                    client.clone(),
                    limits,
                    metrics.clone(),
                    llm_config.api_key.iter().cloned().collect(),
                );
                // The turns the model cannot answer, the offline brain does.
                let offline = OfflineBrain::new(metrics.clone());
                (
                    Arc::new(FallbackBrain::new(llm, offline, metrics.clone())),
                    Some(client),
                )
            }
            None => (Arc::new(OfflineBrain::new(metrics.clone())), None),
        };
        let brain_name = brain.name();
        let seller = Arc::new(Seller {
            tenant: config.tenant.clone(),
            brand: config.brand.clone(),
            pool: base.pool.clone(),
            bus: base.bus.clone(),
            persona,
            brain,
            model,
            metrics,
            tool_timeout: config.tool_timeout,
            orders_api: config
                .orders_api
                .as_ref()
                .map(|(url, key)| OrdersApi::new(url.clone(), key.clone(), config.tool_timeout)),
            history_budget: config.history_token_budget,
            burst_window: config.burst_window,
            transcriber: config
                .transcribe
                .as_ref()
                .map(Transcriber::new)
                .transpose()
                .context("Failed to set up voice note transcription")?,
        });
        // Bursts (stored messages answered as one turn) are swept even with
        // no window, so what an earlier run with one stored is answered.
        let bursts = Bursts::new(
            seller.clone(),
            usize::from(config.shards),
            base.shutdown.child_token(),
        );
        let conversations = base
            .bus
            .consume(
                consumers::config(&config.bus, &config.tenant, &config.brand, config.shards),
                SellerHandler::new(
                    seller.clone(),
                    (!config.burst_window.is_zero()).then(|| bursts.clone()),
                ),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start consuming the conversations")?;
        let control = base
            .bus
            .consume(
                consumers::control_config(&config.bus, &config.tenant, &config.brand),
                ControlHandler::new(seller),
                base.shutdown.child_token(),
            )
            .await
            .context("Failed to start consuming the control queue")?;
        let service = base
            .bind(
                config.http_addr,
                axum::Router::new(),
                config.operator_addr,
                axum::Router::new(),
                vec![conversations, control],
                vec![bursts.start()],
            )
            .await?;
        stop_on_error.disarm();
        tracing::info!(tenant = %config.tenant, brand = %config.brand, brain = %brain_name, "seller ready");
        Ok(Self(service))
    }
}

store_service::application_accessors!(Application);
