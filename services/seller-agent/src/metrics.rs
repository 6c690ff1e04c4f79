//! The seller's own metrics: model latency, tokens and estimated cost,
//! turns the offline brain answered for the model (fallbacks), tool
//! calls, escalations, orders placed, guard interventions, replies withheld
//! because a human took the conversation, drafts for human sellers and
//! shopper messages merged into bursts, per tenant and brand.

use std::time::Duration;

use prometheus::{CounterVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use crate::llm::Usage;

/// Price of a model's tokens, for the cost estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenPrices {
    /// USD per million prompt tokens.
    pub input_per_mtok: f64,
    /// USD per million completion tokens.
    pub output_per_mtok: f64,
}

/// Handles on the seller's metrics (cheap to clone).
#[derive(Clone)]
pub struct SellerMetrics {
    tenant: String,
    brand: String,
    prices: TokenPrices,
    llm_latency: HistogramVec,
    llm_failures: IntCounterVec,
    llm_fallbacks: IntCounterVec,
    tokens: IntCounterVec,
    cost: CounterVec,
    tool_calls: IntCounterVec,
    escalations: IntCounterVec,
    orders: IntCounterVec,
    guard: IntCounterVec,
    withheld: IntCounterVec,
    drafts: IntCounterVec,
    turn_latency: HistogramVec,
    merged: IntCounterVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: T,
) -> Result<T, prometheus::Error> {
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl SellerMetrics {
    /// Registers the metrics in `registry`.
    pub fn new(
        registry: &Registry,
        tenant: &str,
        brand: &str,
        prices: TokenPrices,
    ) -> Result<Self, prometheus::Error> {
        let tb = ["tenant", "brand"];
        Ok(Self {
            tenant: tenant.to_owned(),
            brand: brand.to_owned(),
            prices,
            llm_latency: register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new("seller_llm_request_duration_seconds", "Model call latency")
                        .buckets(vec![
                            0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0,
                        ]),
                    &["tenant", "brand", "provider"],
                )?,
            )?,
            llm_failures: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_llm_failures_total",
                        "Model calls that failed after retries",
                    ),
                    &["tenant", "brand", "provider"],
                )?,
            )?,
            llm_fallbacks: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_llm_fallbacks_total",
                        "Turns the offline brain answered because the model gave no usable answer, by reason",
                    ),
                    &["tenant", "brand", "reason"],
                )?,
            )?,
            tokens: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_llm_tokens_total",
                        "Tokens used, by direction (input/output)",
                    ),
                    &["tenant", "brand", "provider", "direction"],
                )?,
            )?,
            cost: register(
                registry,
                CounterVec::new(
                    Opts::new("seller_llm_cost_usd_total", "Estimated model cost in USD"),
                    &["tenant", "brand", "provider"],
                )?,
            )?,
            tool_calls: register(
                registry,
                IntCounterVec::new(
                    Opts::new("seller_tool_calls_total", "Tool calls by tool and outcome"),
                    &["tenant", "brand", "tool", "outcome"],
                )?,
            )?,
            escalations: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_escalations_total",
                        "Conversations handed to a human",
                    ),
                    &["tenant", "brand", "reason"],
                )?,
            )?,
            orders: register(
                registry,
                IntCounterVec::new(
                    Opts::new("seller_orders_placed_total", "Orders placed by the seller"),
                    &tb,
                )?,
            )?,
            guard: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_guard_interventions_total",
                        "Replies with figures no tool returned",
                    ),
                    &tb,
                )?,
            )?,
            withheld: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_replies_withheld_total",
                        "AI replies not sent because a human seller took the conversation while the AI was answering",
                    ),
                    &tb,
                )?,
            )?,
            drafts: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_drafts_total",
                        "Replies drafted for human sellers, by the brain that wrote them (llm/offline)",
                    ),
                    &["tenant", "brand", "source"],
                )?,
            )?,
            turn_latency: register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "seller_turn_duration_seconds",
                        "From message consumed to reply published",
                    )
                    .buckets(vec![
                        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                    ]),
                    &["tenant", "brand", "brain"],
                )?,
            )?,
            merged: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "seller_burst_messages_merged_total",
                        "Shopper messages answered together with others as one turn (bursts of two or more)",
                    ),
                    &tb,
                )?,
            )?,
        })
    }

    /// A model call finished (`usage` is `None` when it failed).
    pub fn llm_call(&self, provider: &str, elapsed: Duration, usage: Option<Usage>) {
        let labels = [self.tenant.as_str(), self.brand.as_str(), provider];
        self.llm_latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
        let Some(usage) = usage else {
            self.llm_failures.with_label_values(&labels).inc();
            return;
        };
        self.tokens
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str(), provider, "input"])
            .inc_by(usage.input_tokens);
        self.tokens
            .with_label_values(&[
                self.tenant.as_str(),
                self.brand.as_str(),
                provider,
                "output",
            ])
            .inc_by(usage.output_tokens);
        let cost = usage.input_tokens as f64 * self.prices.input_per_mtok / 1e6
            + usage.output_tokens as f64 * self.prices.output_per_mtok / 1e6;
        self.cost.with_label_values(&labels).inc_by(cost);
    }

    /// The offline brain answered a turn the model could not, for `reason`.
    pub fn llm_fallback(&self, reason: &str) {
        self.llm_fallbacks
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str(), reason])
            .inc();
    }

    /// A tool ran.
    pub fn tool_call(&self, tool: &str, outcome: &str) {
        self.tool_calls
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str(), tool, outcome])
            .inc();
    }

    /// A conversation was escalated.
    pub fn escalated(&self, reason: &str) {
        self.escalations
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str(), reason])
            .inc();
    }

    /// Orders were placed.
    pub fn orders_placed(&self, n: u32) {
        if n > 0 {
            self.orders
                .with_label_values(&[self.tenant.as_str(), self.brand.as_str()])
                .inc_by(u64::from(n));
        }
    }

    /// The guard intervened `n` times.
    pub fn guard_interventions(&self, n: u32) {
        if n > 0 {
            self.guard
                .with_label_values(&[self.tenant.as_str(), self.brand.as_str()])
                .inc_by(u64::from(n));
        }
    }

    /// An AI reply was withheld: a human took the conversation meanwhile.
    pub fn reply_withheld(&self) {
        self.withheld
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str()])
            .inc();
    }

    /// A reply was drafted for a human seller by `source` (`llm`, `offline`).
    pub fn drafted(&self, source: &str) {
        self.drafts
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str(), source])
            .inc();
    }

    /// A turn took `elapsed`.
    pub fn turn(&self, brain: &str, elapsed: Duration) {
        self.turn_latency
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str(), brain])
            .observe(elapsed.as_secs_f64());
    }

    /// `n` shopper messages were answered as one turn.
    pub fn messages_merged(&self, n: usize) {
        self.merged
            .with_label_values(&[self.tenant.as_str(), self.brand.as_str()])
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }
}
