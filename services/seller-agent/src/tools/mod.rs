//! The seller's tools: what the model (or the offline brain) can do.
//!
//! Each tool's arguments are a Rust type whose JSON Schema (generated with
//! `schemars`) is what the model sees. Arguments the model got wrong are
//! reported back to it as a tool error, so it can correct itself. Catalog
//! tools go over request/reply on the bus; orders go to the order processor.

mod args;
mod catalog;
mod escalate;
mod orders;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

pub use args::*;
use cloudevents::Event;
use schemars::{JsonSchema, generate::SchemaSettings};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use store_bus::{Bus, RpcError};
use store_events::{
    BrandId, ConversationId, TenantId,
    data::{Channel, Customer},
};

use crate::llm::{ToolCall, ToolSpec};

/// Everything a tool needs about the turn it runs in.
#[derive(Clone)]
pub struct ToolContext {
    /// The bus, for catalog requests and order events.
    pub bus: Bus,
    /// Tenant of the conversation.
    pub tenant: TenantId,
    /// Brand of the seller.
    pub brand: BrandId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The shopper.
    pub customer: Customer,
    /// Their channel.
    pub channel: Channel,
    /// The shopper message being answered (cause of every event we emit).
    pub cause: Event,
    /// Currency of price filters.
    pub currency: String,
    /// How long a catalog or order request may take.
    pub timeout: Duration,
    /// The order processor's HTTP API, when configured.
    pub orders_api: Option<orders::OrdersApi>,
    /// The latest messages of the conversation, ending with the one being
    /// answered: handed to a human with an escalation.
    pub recent: Vec<store_events::data::TranscriptMessage>,
    /// What the tools may do in this turn.
    pub reach: Reach,
    /// Where an order request the order processor answers too late is
    /// kept, so its outcome is told when it comes; `None`: not kept.
    pub late_orders: Option<orders::LateOrders>,
    /// Set when a request of this turn failed because the broker stayed
    /// away: the turn is then not answered but handled again later.
    pub broker_away: BrokerAway,
}

/// Whether a tool of the turn found the broker away (shared by the turn's
/// clones of its [`ToolContext`]).
#[derive(Debug, Clone, Default)]
pub struct BrokerAway(Arc<AtomicBool>);

impl BrokerAway {
    /// A request gave up because the broker was away.
    pub fn seen(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn note(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What the tools of a turn may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Anything: the seller answering the shopper.
    Act,
    /// Look things up only (the catalog, the shopper's orders): a draft for
    /// a human seller changes nothing in the shop. Ordering, cancelling and
    /// handing over are refused.
    LookOnly,
}

/// True for the tools that change something (an order, the hand-off).
pub fn changes_the_shop(tool: &str) -> bool {
    matches!(tool, CREATE_ORDER | CANCEL_ORDER | ESCALATE_TO_HUMAN)
}

pub use escalate::escalation_event;
pub use orders::{LateOrders, OrdersApi, outcome_of};

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    /// A result for the model (JSON).
    Ok(Value),
    /// An error the model should see and may correct.
    Error(String),
    /// The conversation was handed to a human; the turn ends.
    Escalated {
        /// The `store.sales.escalate` event to publish with the turn.
        event: Box<Event>,
        /// Result for the model.
        result: Value,
    },
}

impl ToolOutcome {
    /// The text given to the model as the tool's result.
    pub fn content(&self) -> String {
        match self {
            ToolOutcome::Ok(v) | ToolOutcome::Escalated { result: v, .. } => v.to_string(),
            ToolOutcome::Error(e) => json!({ "error": e }).to_string(),
        }
    }

    /// True for an error.
    pub fn is_error(&self) -> bool {
        matches!(self, ToolOutcome::Error(_))
    }

    /// Outcome label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            ToolOutcome::Ok(_) => "ok",
            ToolOutcome::Error(_) => "error",
            ToolOutcome::Escalated { .. } => "escalated",
        }
    }
}

fn spec<T: JsonSchema>(name: &str, description: &str) -> ToolSpec {
    let settings = SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true);
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut parameters = schema.to_value();
    if let Value::Object(map) = &mut parameters {
        // Providers want a bare object schema.
        map.remove("$schema");
        map.remove("title");
        map.entry("properties").or_insert_with(|| json!({}));
    }
    ToolSpec {
        name: name.to_owned(),
        description: description.to_owned(),
        parameters,
    }
}

/// Every tool, as offered to the model.
pub fn specs() -> Vec<ToolSpec> {
    vec![
        spec::<SearchProducts>(
            SEARCH_PRODUCTS,
            "Search the brand's catalog. Returns products with their real prices and stock.",
        ),
        spec::<GetProduct>(
            GET_PRODUCT,
            "Get one product (with variants, price and stock) by its id.",
        ),
        spec::<RecommendProducts>(
            RECOMMEND_PRODUCTS,
            "Products similar to, or that go well with, the given products.",
        ),
        spec::<CreateOrder>(
            CREATE_ORDER,
            "Place an order for the shopper, after they confirmed items and quantities. Prices and total are computed by the shop.",
        ),
        spec::<GetCustomerOrders>(
            GET_CUSTOMER_ORDERS,
            "The shopper's recent orders and their status.",
        ),
        spec::<CancelOrder>(
            CANCEL_ORDER,
            "Cancel one of the shopper's orders that is not shipped yet.",
        ),
        spec::<EscalateToHuman>(
            ESCALATE_TO_HUMAN,
            "Hand the conversation to a human seller, with a summary for them and the reason.",
        ),
    ]
}

fn parse<T: DeserializeOwned>(call: &ToolCall) -> Result<T, ToolOutcome> {
    let raw = if call.arguments.trim().is_empty() {
        "{}"
    } else {
        call.arguments.as_str()
    };
    serde_json::from_str(raw).map_err(|e| {
        ToolOutcome::Error(format!(
            "invalid arguments for {}: {e}. Call it again with arguments matching its schema.",
            call.name
        ))
    })
}

/// How a request is sent again after the broker could not take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Under a new id: a read, asked afresh.
    AsNew,
    /// Under the same id, so the service answers a repeat with its first
    /// answer (an order).
    AsIs,
}

/// The first pause before a request is sent again.
const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest pause between two sends.
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Sends the request `event` and waits for its reply, within the tool's
/// timeout in all. A request the broker could not take, or whose reply
/// queue went with a broken connection (the broker restarting), is sent
/// again after a growing pause while the timeout allows; any other failure
/// (no answer in time, no service bound) is returned at once. Giving up
/// while the broker is away marks the turn ([`ToolContext::broker_away`]).
pub(crate) async fn request(
    ctx: &ToolContext,
    event: Event,
    resend: Resend,
) -> Result<Event, RpcError> {
    let deadline = Instant::now() + ctx.timeout;
    let mut pause = FIRST_PAUSE;
    let mut next = event;
    loop {
        let sent = next.clone();
        if resend == Resend::AsNew {
            cloudevents::event::AttributesWriter::set_id(
                &mut next,
                uuid::Uuid::now_v7().to_string(),
            );
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match ctx.bus.request(sent, left).await {
            Ok(reply) => return Ok(reply),
            Err(error) => error,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let away = broker_away(&error);
        if !away || left <= pause {
            if away {
                ctx.broker_away.note();
            }
            return Err(error);
        }
        tracing::info!(%error, retry_in_ms = pause.as_millis() as u64, "request not sent; sending it again");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// The request did not get to its service, or its reply could not get
/// back, because the broker was away.
fn broker_away(error: &RpcError) -> bool {
    match error {
        RpcError::Publish(error) => error.is_transient(),
        RpcError::Bus(_) | RpcError::Lost => true,
        RpcError::Timeout(_) => false,
    }
}

/// Runs one tool call. `index` numbers the calls of this turn, so a rerun of
/// the same turn (after a crash) produces the same event ids and the order
/// processor can tell it is a duplicate.
pub async fn run(ctx: &ToolContext, call: &ToolCall, index: usize) -> ToolOutcome {
    if ctx.reach == Reach::LookOnly && changes_the_shop(&call.name) {
        tracing::info!(tool = %call.name, "refused: this turn only looks things up");
        return ToolOutcome::Error(format!(
            "{} is not available here: this reply is a draft for a human seller, and drafting changes nothing in the shop",
            call.name
        ));
    }
    let outcome = match call.name.as_str() {
        SEARCH_PRODUCTS => match parse(call) {
            Ok(args) => catalog::search(ctx, args).await,
            Err(e) => e,
        },
        GET_PRODUCT => match parse(call) {
            Ok(args) => catalog::get(ctx, args).await,
            Err(e) => e,
        },
        RECOMMEND_PRODUCTS => match parse(call) {
            Ok(args) => catalog::recommend(ctx, args).await,
            Err(e) => e,
        },
        CREATE_ORDER => match parse(call) {
            Ok(args) => orders::create(ctx, args, index).await,
            Err(e) => e,
        },
        GET_CUSTOMER_ORDERS => match parse::<GetCustomerOrders>(call) {
            Ok(_) => orders::history(ctx).await,
            Err(e) => e,
        },
        CANCEL_ORDER => match parse(call) {
            Ok(args) => orders::cancel(ctx, args).await,
            Err(e) => e,
        },
        ESCALATE_TO_HUMAN => match parse(call) {
            Ok(args) => escalate::escalate(ctx, args),
            Err(e) => e,
        },
        other => ToolOutcome::Error(format!("there is no tool called {other}")),
    };
    tracing::info!(tool = %call.name, outcome = outcome.label(), "tool call");
    outcome
}

/// A deterministic event id for the `index`-th effect of the turn caused by
/// `cause`: the same turn rerun gives the same id.
pub(crate) fn derived_id(cause: &Event, what: &str, index: usize) -> String {
    use cloudevents::AttributesReader;
    let name = format!("{}/{what}/{index}", cause.id());
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_tool_has_an_object_schema_generated_from_its_type() {
        let specs = specs();
        let names: Vec<_> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "search_products",
                "get_product",
                "recommend_products",
                "create_order",
                "get_customer_orders",
                "cancel_order",
                "escalate_to_human"
            ]
        );
        for spec in &specs {
            assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
        }
        let order = &specs[3].parameters;
        assert_eq!(order["required"], serde_json::json!(["items"]));
        assert_eq!(
            order["properties"]["items"]["items"]["properties"]["quantity"]["minimum"],
            1
        );
        assert!(
            order["properties"]["items"]["items"]["properties"]
                .get("price")
                .is_none(),
            "an order item must not carry a price"
        );
    }
}
