//! Prometheus metrics: one registry per service, labelled with the service
//! name, holding the bus metrics every service shares plus whatever the
//! service registers itself.
//!
//! Label values are bounded: `type` is a CloudEvents type and `consumer` a
//! consumer (queue) name, never a tenant, brand or conversation id.

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::Context as _;
use prometheus::{
    CounterVec, Encoder as _, HistogramOpts, HistogramVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::http_metrics::HttpMetrics;

/// Handler-duration buckets in seconds, from 1 ms to 30 s.
const HANDLER_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A service's metrics registry; cheap to clone (shared inside).
#[derive(Clone, Debug)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    service: String,
    registry: Registry,
    bus: BusMetrics,
    http: HttpMetrics,
}

impl Metrics {
    /// A registry whose every metric carries the const label
    /// `service=<service>`, with the [`BusMetrics`] registered.
    pub fn new(service: &str) -> anyhow::Result<Self> {
        let labels = HashMap::from([("service".to_owned(), service.to_owned())]);
        let registry = Registry::new_custom(None, Some(labels))
            .context("Failed to create the metrics registry")?;
        let bus = BusMetrics::register(&registry)?;
        let http = HttpMetrics::register(&registry)?;
        Ok(Self {
            inner: Arc::new(Inner {
                service: service.to_owned(),
                registry,
                bus,
                http,
            }),
        })
    }

    /// The service name given to [`Metrics::new`].
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// The registry, for the service to register its own metrics (they get
    /// the `service` label too).
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The bus metrics.
    pub fn bus(&self) -> &BusMetrics {
        &self.inner.bus
    }

    /// The HTTP request metrics ([`crate::http_metrics::track`] records
    /// into them).
    pub fn http(&self) -> &HttpMetrics {
        &self.inner.http
    }

    /// All metrics in the Prometheus text exposition format (version 0.0.4,
    /// see [`prometheus::TEXT_FORMAT`]).
    pub fn render(&self) -> String {
        let families = self.inner.registry.gather();
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&families, &mut buffer) {
            tracing::error!(%error, "failed to encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_else(|error| {
            tracing::error!(%error, "metrics exposition is not UTF-8");
            String::new()
        })
    }
}

/// Counters and the handler-duration histogram of the event bus.
#[derive(Clone, Debug)]
pub struct BusMetrics {
    published: CounterVec,
    publish_failed: CounterVec,
    consumed: CounterVec,
    failed: CounterVec,
    retried: CounterVec,
    dead_lettered: CounterVec,
    handler_duration: HistogramVec,
    queue_messages: IntGaugeVec,
    dead_letter_messages: IntGaugeVec,
    shards_held: IntGaugeVec,
}

impl BusMetrics {
    fn register(registry: &Registry) -> anyhow::Result<Self> {
        let metrics = Self {
            published: counter(
                "store_events_published_total",
                "Events published and confirmed by the broker.",
                &["type"],
            )?,
            publish_failed: counter(
                "store_events_publish_failed_total",
                "Events whose publication failed or was not confirmed.",
                &["type"],
            )?,
            consumed: counter(
                "store_events_consumed_total",
                "Events handled successfully and acknowledged.",
                &["consumer", "type"],
            )?,
            failed: counter(
                "store_events_failed_total",
                "Events whose handler returned an error.",
                &["consumer", "type"],
            )?,
            retried: counter(
                "store_events_retried_total",
                "Events scheduled for another delivery attempt.",
                &["consumer", "type"],
            )?,
            dead_lettered: counter(
                "store_events_dead_lettered_total",
                "Events sent to the dead-letter queue.",
                &["consumer", "type"],
            )?,
            handler_duration: HistogramVec::new(
                HistogramOpts::new(
                    "store_event_handler_duration_seconds",
                    "Time spent in event handlers, successful or not.",
                )
                .buckets(HANDLER_BUCKETS.to_vec()),
                &["consumer", "type"],
            )
            .context("Failed to create store_event_handler_duration_seconds")?,
            queue_messages: IntGaugeVec::new(
                Opts::new(
                    "store_queue_messages",
                    "Messages waiting in a queue the service consumes (read periodically).",
                ),
                &["queue"],
            )
            .context("Failed to create store_queue_messages")?,
            dead_letter_messages: IntGaugeVec::new(
                Opts::new(
                    "store_dead_letter_messages",
                    "Messages in the dead-letter queue of the service's consumers (read periodically).",
                ),
                &["queue"],
            )
            .context("Failed to create store_dead_letter_messages")?,
            shards_held: IntGaugeVec::new(
                Opts::new(
                    "store_consumer_shards",
                    "Shards of a sharded consumer that this replica holds and consumes.",
                ),
                &["queue"],
            )
            .context("Failed to create store_consumer_shards")?,
        };
        let collectors: [Box<dyn prometheus::core::Collector>; 10] = [
            Box::new(metrics.published.clone()),
            Box::new(metrics.publish_failed.clone()),
            Box::new(metrics.consumed.clone()),
            Box::new(metrics.failed.clone()),
            Box::new(metrics.retried.clone()),
            Box::new(metrics.dead_lettered.clone()),
            Box::new(metrics.handler_duration.clone()),
            Box::new(metrics.queue_messages.clone()),
            Box::new(metrics.dead_letter_messages.clone()),
            Box::new(metrics.shards_held.clone()),
        ];
        for collector in collectors {
            registry
                .register(collector)
                .context("Failed to register the bus metrics")?;
        }
        Ok(metrics)
    }

    /// An event of type `ty` was published (and confirmed).
    pub fn published(&self, ty: &str) {
        self.published.with_label_values(&[ty]).inc();
    }

    /// Publishing an event of type `ty` failed.
    pub fn publish_failed(&self, ty: &str) {
        self.publish_failed.with_label_values(&[ty]).inc();
    }

    /// `consumer` handled an event of type `ty` and acknowledged it.
    pub fn consumed(&self, consumer: &str, ty: &str) {
        self.consumed.with_label_values(&[consumer, ty]).inc();
    }

    /// `consumer`'s handler failed on an event of type `ty`.
    pub fn failed(&self, consumer: &str, ty: &str) {
        self.failed.with_label_values(&[consumer, ty]).inc();
    }

    /// `consumer` scheduled a retry of an event of type `ty`.
    pub fn retried(&self, consumer: &str, ty: &str) {
        self.retried.with_label_values(&[consumer, ty]).inc();
    }

    /// `consumer` dead-lettered an event of type `ty`.
    pub fn dead_lettered(&self, consumer: &str, ty: &str) {
        self.dead_lettered.with_label_values(&[consumer, ty]).inc();
    }

    /// `queue` (one the service consumes) holds `messages`.
    pub fn queue_depth(&self, queue: &str, messages: u32) {
        self.queue_messages
            .with_label_values(&[queue])
            .set(i64::from(messages));
    }

    /// The dead-letter queue `queue` holds `messages`.
    pub fn dead_letter_depth(&self, queue: &str, messages: u32) {
        self.dead_letter_messages
            .with_label_values(&[queue])
            .set(i64::from(messages));
    }

    /// This replica holds `shards` of the sharded consumer `queue`.
    pub fn shards_held(&self, queue: &str, shards: usize) {
        self.shards_held
            .with_label_values(&[queue])
            .set(i64::try_from(shards).unwrap_or(i64::MAX));
    }

    /// `consumer`'s handler took `elapsed` on an event of type `ty`.
    pub fn observe_handler(&self, consumer: &str, ty: &str, elapsed: Duration) {
        self.handler_duration
            .with_label_values(&[consumer, ty])
            .observe(elapsed.as_secs_f64());
    }
}

fn counter(name: &str, help: &str, labels: &[&str]) -> anyhow::Result<CounterVec> {
    CounterVec::new(Opts::new(name, help), labels)
        .with_context(|| format!("Failed to create {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `name{labels…}` in a text exposition, whatever
    /// the order of its labels.
    fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        text.lines().find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{')?;
            let pairs: Vec<&str> = rest.strip_suffix('}')?.split(',').collect();
            let wanted = labels.iter().map(|(k, v)| format!("{k}=\"{v}\""));
            let matches = metric == name
                && pairs.len() == labels.len()
                && wanted
                    .into_iter()
                    .all(|pair| pairs.contains(&pair.as_str()));
            matches.then(|| value.parse().ok()).flatten()
        })
    }

    #[test]
    fn renders_bus_metrics_with_the_service_label() {
        // Arrange
        let metrics = Metrics::new("catalog").expect("metrics");
        let consumer = "catalog.product-query";
        let ty = "store.product.query";

        // Act
        metrics.bus().consumed(consumer, ty);
        metrics
            .bus()
            .observe_handler(consumer, ty, Duration::from_millis(3));
        let text = metrics.render();

        // Assert
        let labels = [("consumer", consumer), ("type", ty), ("service", "catalog")];
        assert_eq!(
            sample(&text, "store_events_consumed_total", &labels),
            Some(1.0),
            "{text}"
        );
        let bucket = [
            ("consumer", consumer),
            ("type", ty),
            ("service", "catalog"),
            ("le", "0.005"),
        ];
        assert_eq!(
            sample(
                &text,
                "store_event_handler_duration_seconds_bucket",
                &bucket
            ),
            Some(1.0),
            "{text}"
        );
    }

    #[test]
    fn clones_share_one_registry() {
        let metrics = Metrics::new("gateway").expect("metrics");
        let clone = metrics.clone();

        clone.bus().published("store.chat.message.new");

        let labels = [("type", "store.chat.message.new"), ("service", "gateway")];
        let text = metrics.render();
        assert_eq!(
            sample(&text, "store_events_published_total", &labels),
            Some(1.0),
            "{text}"
        );
    }
}
