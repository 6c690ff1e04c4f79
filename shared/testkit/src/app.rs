//! [`TestApp`]: any service started the way `main` starts it, through its
//! `Application::build`, on port 0, against a fresh database and an exchange
//! and queues of its own on the real broker, with a bus client of the test's
//! on the same exchange and an HTTP client. Each service's tests wrap it with
//! their typed helpers.

use std::{future::Future, time::Duration};

use anyhow::Context as _;
use cloudevents::Event;
use secrecy::SecretString;
use sqlx::PgPool;
use store_bus::{Bus, BusConfig, ConsumerConfig, ConsumerHandle, Inbox};
use store_service::{Runnable, retention::Housekeeper};
use store_telemetry::Metrics;
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// Where a service under test runs: hand these to its `Config`.
pub struct TestEnv {
    /// The fresh database's URL.
    pub database_url: SecretString,
    /// The service's bus: the real broker, the test's own exchange.
    pub bus: BusConfig,
    /// The test's exchange; every queue of the test is prefixed with it.
    pub exchange: String,
}

/// A service under test, running.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The HTTP port.
    pub port: u16,
    /// `http://127.0.0.1:<operator port>`: `/metrics`, `/admin/*`.
    pub operator: String,
    /// An HTTP client for the service's API.
    pub http: reqwest::Client,
    /// The service's database, to look at rows.
    pub pool: PgPool,
    /// The test's exchange.
    pub exchange: String,
    /// The test's own connection to the bus, on the service's exchange.
    pub bus: Bus,
    /// What deletes the service's rows older than the retention: a test
    /// sweeps with it instead of waiting for the next sweep.
    pub housekeeper: Housekeeper,
    watchers: tokio::sync::Mutex<Vec<ConsumerHandle>>,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    /// Starts `service` (a name for its queues and the test's exchange) as
    /// `build` builds it from a [`TestEnv`]: a fresh database, a unique
    /// exchange.
    pub async fn spawn<A, F, Fut>(service: &str, build: F) -> anyhow::Result<Self>
    where
        A: Runnable,
        F: FnOnce(TestEnv) -> Fut,
        Fut: Future<Output = anyhow::Result<A>>,
    {
        store_telemetry::init_for_tests();
        let (pool, database_url) = crate::fresh_database_with_url().await?;
        let exchange = crate::unique(&format!("{service}-test"));
        let env = TestEnv {
            database_url: SecretString::from(database_url),
            bus: bus_config(service, &exchange),
            exchange: exchange.clone(),
        };
        let app = build(env)
            .await
            .with_context(|| format!("Failed to build the {service}"))?;
        let port = app.port();
        let operator_port = app.operator_port();
        let shutdown = app.shutdown_token();
        let housekeeper = app.housekeeper().clone();
        let task = tokio::spawn(app.run_until_stopped());
        let bus = Bus::connect(bus_config("tester", &exchange), Metrics::new("tester")?)
            .await
            .context("Failed to connect the test's bus client")?;
        Ok(Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            operator: format!("http://127.0.0.1:{operator_port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            pool,
            exchange,
            bus,
            housekeeper,
            watchers: tokio::sync::Mutex::default(),
            shutdown,
            task,
        })
    }

    /// The URL of `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The URL of `path` on the service's operator port.
    pub fn operator_url(&self, path: &str) -> String {
        format!("{}{path}", self.operator)
    }

    /// The sum of the service's metric `name` over the series whose labels
    /// include every `(key, value)` of `labels`, from `/metrics` (0 when
    /// there is none).
    pub async fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let text = self
            .http
            .get(self.operator_url("/metrics"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the service's /metrics is not answering")
            .text()
            .await
            .expect("the service's /metrics was not read");
        metric_sum(&text, name, labels)
    }

    /// Receives every event published with a routing key matching one of
    /// `bindings` from now on (a queue of the test's own, dropped at
    /// [`TestApp::stop`]).
    pub async fn watch<I, S>(&self, bindings: I) -> anyhow::Result<mpsc::UnboundedReceiver<Event>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let (inbox, events) = Inbox::channel();
        let queue = format!("{}.{}", self.exchange, crate::unique("watch"));
        let handle = self
            .bus
            .consume(
                ConsumerConfig::new(queue, bindings),
                inbox,
                self.shutdown.child_token(),
            )
            .await
            .context("Failed to watch the bus")?;
        self.watchers.lock().await.push(handle);
        Ok(events)
    }

    /// The token that stops the service (tests of shutdown cancel it).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops the service, waits until it has drained (it must end without
    /// an error within 30 s) and removes the test's queues and exchange.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let ran = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .context("The service did not stop within 30 s")?
            .context("The service's task panicked")?;
        for watcher in self.watchers.lock().await.drain(..) {
            watcher.shutdown().await;
        }
        self.bus.close().await;
        crate::purge_broker(&self.exchange).await;
        ran.context("The service stopped with an error")
    }
}

/// `service`'s bus on the real broker and the test's `exchange`.
pub fn bus_config(service: &str, exchange: &str) -> BusConfig {
    BusConfig::new(service, SecretString::from(crate::amqp_url())).with_exchange(exchange)
}

/// The sum of metric `name`'s samples in Prometheus text `text` whose
/// labels include every `(key, value)` of `labels` ([`TestApp::metric`]
/// reads a service's; this is for a test that fetched the text itself).
pub fn metric_sum(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    // A label starts the set or follows a comma: `type` is not `event_type`.
    let wanted: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (format!("{k}=\"{v}\""), format!(",{k}=\"{v}\"")))
        .collect();
    text.lines()
        .filter_map(|line| {
            // `name{labels} value`, or `name value` (no labels: only a sum
            // that asks for none takes it); never `name_more…`.
            let rest = line.strip_prefix(name)?;
            rest.strip_prefix('{')
                .or_else(|| rest.starts_with(' ').then_some(rest))
        })
        .filter(|rest| {
            wanted.iter().all(|(first, later)| {
                rest.starts_with(first.as_str()) || rest.contains(later.as_str())
            })
        })
        .filter_map(|rest| rest.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::metric_sum;

    const TEXT: &str = "\
# TYPE store_events_consumed_total counter
store_events_consumed_total{queue=\"q\",type=\"store.chat.message.new\"} 3
store_events_consumed_total{queue=\"r\",type=\"store.chat.message.new\"} 2
store_events_consumed_total{queue=\"q\",event_type=\"store.order.created\"} 7
store_events_consumed_totally{type=\"store.chat.message.new\"} 100
store_up 1
store_up_since 5
";

    #[test]
    fn a_metric_sums_the_series_with_every_label_asked_for() {
        let new = ("type", "store.chat.message.new");
        assert_eq!(metric_sum(TEXT, "store_events_consumed_total", &[new]), 5.0);
        assert_eq!(
            metric_sum(TEXT, "store_events_consumed_total", &[new, ("queue", "q")]),
            3.0
        );
        assert_eq!(metric_sum(TEXT, "store_events_consumed_total", &[]), 12.0);
    }

    #[test]
    fn a_label_is_matched_whole_and_an_absent_metric_is_zero() {
        let created = ("type", "store.order.created");
        assert_eq!(
            metric_sum(TEXT, "store_events_consumed_total", &[created]),
            0.0
        );
        assert_eq!(
            metric_sum(TEXT, "store_events_consumed_total", &[("queue", "")]),
            0.0
        );
        assert_eq!(metric_sum(TEXT, "store_http_requests_total", &[]), 0.0);
    }

    #[test]
    fn a_sample_without_labels_counts_only_when_none_are_asked_for() {
        assert_eq!(metric_sum(TEXT, "store_up", &[]), 1.0);
        assert_eq!(metric_sum(TEXT, "store_up", &[("queue", "q")]), 0.0);
    }
}
