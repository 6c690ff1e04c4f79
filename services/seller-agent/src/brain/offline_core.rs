//! What every part of the offline brain shares: the brain itself, running a
//! tool as the LLM brain would (recorded in the transcript), filling a
//! sentence, products as shown and remembered, a placed order as the
//! shopper reads it, and the context a turn's answer works with
//! ([`Cx`]). Below [`super::offline`] (the turn) and the shopping and
//! order answers (`offline_shop`, `offline_orders`).

use serde_json::Value;
use store_events::data::{ListRow, ListSection, ResponsePart};

use super::{
    TurnResult,
    lang::Lang,
    language::Phrases,
    offline_state::{OfflineState, Shown},
    shop_phrases::ShopPhrases,
};
use crate::{
    domain::guard::Facts,
    llm::{Message, ToolCall},
    metrics::SellerMetrics,
    tools::{self, ToolContext, ToolOutcome},
};

/// The rule-based seller.
pub struct OfflineBrain {
    pub(crate) metrics: SellerMetrics,
}

impl OfflineBrain {
    /// A new offline brain.
    pub fn new(metrics: SellerMetrics) -> Self {
        Self { metrics }
    }
}

/// Runs a tool and records it in the transcript like the LLM brain does.
pub(crate) async fn call(
    ctx: &ToolContext,
    metrics: &SellerMetrics,
    result: &mut TurnResult,
    name: &str,
    args: Value,
    index: usize,
) -> ToolOutcome {
    let call = ToolCall {
        id: format!("offline-{index}"),
        name: name.to_owned(),
        arguments: args.to_string(),
    };
    let outcome = tools::run(ctx, &call, index).await;
    metrics.tool_call(name, outcome.label());
    result
        .transcript
        .push(Message::assistant(String::new(), vec![call.clone()]));
    result.transcript.push(Message::tool_result(
        call.id,
        outcome.content(),
        outcome.is_error(),
    ));
    outcome
}

/// `template` with `{key}` replaced by each value.
pub(crate) fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_owned(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

/// A product of a tool result as the offline seller remembers it.
pub(crate) fn shown_of(product: &Value) -> Shown {
    Shown {
        product_id: product["product_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        variant_id: product["variant_id"].as_str().map(str::to_owned),
        name: product["name"].as_str().unwrap_or("?").to_owned(),
        price: product["price"]["display"]
            .as_str()
            .unwrap_or("?")
            .to_owned(),
        price_minor: product["price"]["amount_minor"].as_i64().unwrap_or(0),
        stock: product["stock"]
            .as_u64()
            .and_then(|s| u32::try_from(s).ok()),
        attributes: serde_json::from_value(product["attributes"].clone()).unwrap_or_default(),
    }
}

/// `products` as a list to pick from, under `heading` (the phrase
/// "Here is what I found" when `None`), remembered as shown.
pub(crate) fn show_products(
    products: &[Value],
    p: &Phrases,
    state: &mut OfflineState,
) -> Vec<ResponsePart> {
    show_products_under(products, p.results, p, state)
}

/// [`show_products`] under another heading.
pub(crate) fn show_products_under(
    products: &[Value],
    heading: &str,
    p: &Phrases,
    state: &mut OfflineState,
) -> Vec<ResponsePart> {
    state.shown.clear();
    let mut lines = vec![heading.to_owned()];
    let mut rows = Vec::new();
    for (i, product) in products.iter().take(5).enumerate() {
        let name = product["name"].as_str().unwrap_or("?").to_owned();
        let price = product["price"]["display"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        let stock = product["stock"].as_u64().unwrap_or(0);
        let availability = if stock == 0 {
            p.out_of_stock.to_owned()
        } else {
            format!("{stock} {}", p.in_stock)
        };
        lines.push(format!("{}. {name} — {price} ({availability})", i + 1));
        rows.push(ListRow {
            id: format!("pick:{}", i + 1),
            title: name.chars().take(24).collect(),
            description: Some(price.clone()),
        });
        state.shown.push(shown_of(product));
    }
    lines.push(p.how_to_pick.to_owned());
    let list = vec![ResponsePart::List {
        text: lines.join("\n"),
        button_label: p.see_products.to_owned(),
        sections: vec![ListSection {
            title: p.see_products.chars().take(24).collect(),
            rows,
        }],
    }];
    // Sent as cards with the catalog's pictures (text where a channel
    // cannot), with the same `pick:N` ids.
    super::cards::with_cards(list, products, &state.shown, p)
}

/// A placed order as the shopper reads it.
pub(crate) fn order_lines(order: &Value, p: &Phrases) -> String {
    let mut lines = vec![fill(
        p.placed,
        &[("number", order["order_number"].as_str().unwrap_or("?"))],
    )];
    for line in order["lines"].as_array().into_iter().flatten() {
        lines.push(format!(
            "• {} × {} — {}",
            line["quantity"],
            line["name"].as_str().unwrap_or("?"),
            line["line_total"]["display"].as_str().unwrap_or("?")
        ));
    }
    lines.push(format!(
        "{}: {}",
        p.total,
        order["total"]["display"].as_str().unwrap_or("?")
    ));
    if let Some(link) = order["payment"]["link"].as_str() {
        lines.push(format!("{}: {link}", p.pay));
    }
    lines.join("\n")
}

/// What a catalog search gave.
pub(crate) enum Found {
    /// Products, shown as a list to pick from.
    Products(Vec<ResponsePart>),
    /// Nothing matched.
    Nothing,
    /// The catalog could not be asked.
    Failed,
}

/// `{"amount_minor": 5990, "currency": "BRL"}` as the shopper reads it.
pub(crate) fn money_of(value: &Value) -> Option<String> {
    let amount = value["amount_minor"].as_i64()?;
    let currency = store_events::data::Currency::parse(value["currency"].as_str()?).ok()?;
    Some(crate::domain::money::format(
        &store_events::data::Money::new(amount, currency),
    ))
}

/// What a turn's answer works with.
pub(crate) struct Cx<'a> {
    /// Tools and the turn's identity.
    pub ctx: &'a ToolContext,
    /// The turn's result (transcript, counters).
    pub result: &'a mut TurnResult,
    /// Figures the conversation's tool results hold.
    pub facts: &'a mut Facts,
    /// The shopper's language.
    pub lang: Lang,
    /// Basic sentences.
    pub p: &'static Phrases,
    /// Shopping sentences.
    pub sp: &'static ShopPhrases,
    /// The brain's memory.
    pub state: &'a mut OfflineState,
}

/// One text part.
pub(crate) fn text(text: impl Into<String>) -> Vec<ResponsePart> {
    vec![ResponsePart::Text { text: text.into() }]
}
