//! The offline brain: a deterministic rule-based seller for shops without a
//! model. It greets (in the shopper's language), searches the catalog with
//! the catalog terms the shopper's words mean in any of the shops'
//! languages ([`super::terms`]), lets them pick an item and a quantity,
//! asks for confirmation, places the order, reports order status, cancels
//! an order, turns down discounts and haggling, and hands over to a
//! person — through the same tools as the LLM brain, so it is just as
//! honest about prices. It never repeats a figure the shopper wrote.

use serde_json::{Value, json};
use store_events::data::{Button, ListRow, ListSection, ResponsePart};

use super::{
    Brain, BrainError, Turn, TurnResult,
    intent::{Intent, understand},
    lang::Lang,
    language::{self, Phrases},
    offline_state::{OfflineState, Pending, Shown},
};
use crate::{
    llm::{Message, ToolCall},
    metrics::SellerMetrics,
    tools::{self, Reach, ToolContext, ToolOutcome},
};

/// The rule-based seller.
pub struct OfflineBrain {
    metrics: SellerMetrics,
}

impl OfflineBrain {
    /// A new offline brain.
    pub fn new(metrics: SellerMetrics) -> Self {
        Self { metrics }
    }
}

/// Runs a tool and records it in the transcript like the LLM brain does.
async fn call(
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

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_owned(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

fn show_products(products: &[Value], p: &Phrases, state: &mut OfflineState) -> Vec<ResponsePart> {
    state.shown.clear();
    let mut lines = vec![p.results.to_owned()];
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
        state.shown.push(Shown {
            product_id: product["product_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            variant_id: product["variant_id"].as_str().map(str::to_owned),
            name,
            price,
        });
    }
    lines.push(p.how_to_pick.to_owned());
    vec![ResponsePart::List {
        text: lines.join("\n"),
        button_label: p.see_products.to_owned(),
        sections: vec![ListSection {
            title: p.see_products.chars().take(24).collect(),
            rows,
        }],
    }]
}

fn order_lines(order: &Value, p: &Phrases) -> String {
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
enum Found {
    /// Products, shown as a list to pick from.
    Products(Vec<ResponsePart>),
    /// Nothing matched.
    Nothing,
    /// The catalog could not be asked.
    Failed,
}

impl OfflineBrain {
    /// Searches the catalog for `query` and shows what it found.
    async fn search(
        &self,
        ctx: &ToolContext,
        result: &mut TurnResult,
        facts: &mut crate::domain::guard::Facts,
        query: &str,
        p: &Phrases,
        state: &mut OfflineState,
    ) -> Found {
        let args = json!({"query": query, "limit": 5});
        match call(ctx, &self.metrics, result, tools::SEARCH_PRODUCTS, args, 0).await {
            ToolOutcome::Ok(found) => {
                facts.add_json(&found);
                let products = found["products"].as_array().cloned().unwrap_or_default();
                if products.is_empty() {
                    Found::Nothing
                } else {
                    state.pending = None;
                    let list = show_products(&products, p, state);
                    Found::Products(super::cards::with_cards(list, &products, &state.shown, p))
                }
            }
            _ => Found::Failed,
        }
    }

    /// The shopper's recent orders, from the order processor; `None` when
    /// they cannot be read.
    async fn orders(
        &self,
        ctx: &ToolContext,
        result: &mut TurnResult,
        facts: &mut crate::domain::guard::Facts,
    ) -> Option<Vec<Value>> {
        let args = json!({});
        match call(
            ctx,
            &self.metrics,
            result,
            tools::GET_CUSTOMER_ORDERS,
            args,
            0,
        )
        .await
        {
            ToolOutcome::Ok(found) => {
                facts.add_json(&found);
                Some(found["orders"].as_array().cloned().unwrap_or_default())
            }
            _ => None,
        }
    }

    /// The shopper's recent orders with their status, or why there are none
    /// to show.
    async fn order_status(
        &self,
        ctx: &ToolContext,
        result: &mut TurnResult,
        facts: &mut crate::domain::guard::Facts,
        lang: Lang,
        p: &Phrases,
    ) -> Vec<ResponsePart> {
        let text = match self.orders(ctx, result, facts).await {
            Some(orders) if orders.is_empty() => p.no_orders.to_owned(),
            Some(orders) => order_list(&orders, lang, p),
            None => p.trouble.to_owned(),
        };
        vec![ResponsePart::Text { text }]
    }
}

/// Orders, one line each: number, status and total.
fn order_list(orders: &[Value], lang: Lang, p: &Phrases) -> String {
    let mut lines = vec![p.your_orders.to_owned()];
    for order in orders.iter().take(5) {
        let status = order["status"].as_str().unwrap_or("?");
        let mut line = format!(
            "• {} — {}",
            order["order_number"].as_str().unwrap_or("?"),
            language::status_name(lang, status)
        );
        if let Some(total) = money_of(&order["total"]) {
            line.push_str(&format!(" — {total}"));
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// The first message to a shopper: the persona's own greeting when they
/// write in its language, otherwise one in theirs from the persona's names.
fn greeting(persona: &crate::domain::persona::Persona, lang: Lang, p: &Phrases) -> String {
    if Lang::from_tag(&persona.default_language) == lang {
        persona.greeting.clone()
    } else {
        fill(
            p.greeting,
            &[
                ("seller", &persona.seller_name),
                ("brand", &persona.brand_name),
            ],
        )
    }
}

/// `{"amount_minor": 5990, "currency": "BRL"}` as the shopper reads it.
fn money_of(value: &Value) -> Option<String> {
    let amount = value["amount_minor"].as_i64()?;
    let currency = store_events::data::Currency::parse(value["currency"].as_str()?).ok()?;
    Some(crate::domain::money::format(
        &store_events::data::Money::new(amount, currency),
    ))
}

#[async_trait::async_trait]
impl Brain for OfflineBrain {
    fn name(&self) -> String {
        "offline".to_owned()
    }

    async fn turn(&self, turn: Turn<'_>) -> Result<TurnResult, BrainError> {
        let ctx = turn.ctx;
        let mut state: OfflineState =
            serde_json::from_value(turn.state.clone()).unwrap_or_default();
        let lang = language::detect(&turn.text)
            .or_else(|| turn.shopper.language.as_deref().map(Lang::from_tag))
            .unwrap_or_else(|| Lang::from_tag(&turn.persona.default_language));
        let p = language::phrases(lang);
        let mut result = TurnResult::default();
        let intent = understand(&turn.text, turn.reply_id.as_deref(), &state);
        let mut facts = turn.facts;
        let parts = match intent {
            Intent::Greeting if turn.first_message => vec![ResponsePart::Text {
                text: greeting(turn.persona, lang, p),
            }],
            Intent::Greeting => vec![ResponsePart::Text {
                text: p.what_do_you_need.to_owned(),
            }],
            Intent::Search { query, said } => {
                match self
                    .search(ctx, &mut result, &mut facts, &query, p, &mut state)
                    .await
                {
                    Found::Products(parts) => parts,
                    Found::Nothing if said.is_empty() => vec![ResponsePart::Text {
                        text: p.no_results_plain.to_owned(),
                    }],
                    Found::Nothing => vec![ResponsePart::Text {
                        text: fill(p.no_results, &[("q", &said)]),
                    }],
                    Found::Failed => vec![ResponsePart::Text {
                        text: p.trouble.to_owned(),
                    }],
                }
            }
            Intent::Haggle(query) => {
                let mut parts = vec![ResponsePart::Text {
                    text: p.no_discounts.to_owned(),
                }];
                if let Some(query) = query
                    && let Found::Products(found) = self
                        .search(ctx, &mut result, &mut facts, &query, p, &mut state)
                        .await
                {
                    parts.extend(found);
                }
                parts
            }
            Intent::Pick { index, quantity } => {
                let item = state.shown[index - 1].clone();
                let text = fill(
                    p.confirm,
                    &[
                        ("qty", &quantity.to_string()),
                        ("name", &item.name),
                        ("price", &item.price),
                    ],
                );
                state.pending = Some(Pending { item, quantity });
                vec![ResponsePart::Buttons {
                    text,
                    buttons: vec![
                        Button {
                            id: "confirm:yes".into(),
                            title: p.yes_no.0.into(),
                        },
                        Button {
                            id: "confirm:no".into(),
                            title: p.yes_no.1.into(),
                        },
                    ],
                }]
            }
            Intent::No => {
                state.pending = None;
                vec![ResponsePart::Text {
                    text: p.declined.to_owned(),
                }]
            }
            Intent::Yes => match state.pending.take() {
                None => vec![ResponsePart::Text {
                    text: p.what_do_you_need.to_owned(),
                }],
                Some(pending) => {
                    let args = json!({"items": [{
                        "product_id": pending.item.product_id,
                        "variant_id": pending.item.variant_id,
                        "quantity": pending.quantity,
                    }]});
                    match call(
                        ctx,
                        &self.metrics,
                        &mut result,
                        tools::CREATE_ORDER,
                        args,
                        0,
                    )
                    .await
                    {
                        ToolOutcome::Ok(order) if order["placed"] == true => {
                            facts.add_json(&order);
                            result.orders_placed += 1;
                            state.shown.clear();
                            vec![ResponsePart::Text {
                                text: order_lines(&order, p),
                            }]
                        }
                        ToolOutcome::Ok(refused) => vec![ResponsePart::Text {
                            text: fill(
                                p.refused,
                                &[("message", refused["message"].as_str().unwrap_or("?"))],
                            ),
                        }],
                        ToolOutcome::Error(e) => vec![ResponsePart::Text {
                            text: fill(p.refused, &[("message", &e)]),
                        }],
                        ToolOutcome::Escalated { .. } => vec![ResponsePart::Text {
                            text: p.trouble.to_owned(),
                        }],
                    }
                }
            },
            Intent::OrderStatus => {
                self.order_status(ctx, &mut result, &mut facts, lang, p)
                    .await
            }
            Intent::Cancel(None) => match self.orders(ctx, &mut result, &mut facts).await {
                Some(orders) if orders.is_empty() => vec![ResponsePart::Text {
                    text: p.no_orders.to_owned(),
                }],
                Some(orders) => vec![ResponsePart::Text {
                    text: format!("{}\n{}", order_list(&orders, lang, p), p.which_order),
                }],
                None => vec![ResponsePart::Text {
                    text: p.trouble.to_owned(),
                }],
            },
            // A draft changes nothing: the human cancels from the inbox; the
            // draft shows the shopper's orders as they stand.
            Intent::Cancel(Some(_)) if ctx.reach == Reach::LookOnly => {
                self.order_status(ctx, &mut result, &mut facts, lang, p)
                    .await
            }
            Intent::Cancel(Some(number)) => {
                let args = json!({"order_number": number, "reason": "asked by the shopper"});
                let text = match call(
                    ctx,
                    &self.metrics,
                    &mut result,
                    tools::CANCEL_ORDER,
                    args,
                    0,
                )
                .await
                {
                    ToolOutcome::Ok(_) => fill(p.cancelled, &[("number", &number)]),
                    ToolOutcome::Error(error) => {
                        tracing::info!(%error, "the order was not cancelled");
                        fill(p.cancel_failed, &[("number", &number)])
                    }
                    ToolOutcome::Escalated { .. } => p.trouble.to_owned(),
                };
                vec![ResponsePart::Text { text }]
            }
        };
        // The offline brain only quotes tool results, but it goes through the
        // same guard as any brain, and what the guard does not back is
        // dropped before it is sent.
        let mut parts = parts;
        for part in &mut parts {
            let (ResponsePart::Text { text }
            | ResponsePart::Buttons { text, .. }
            | ResponsePart::List { text, .. }
            | ResponsePart::ProductCards { text, .. }) = part
            else {
                continue;
            };
            let unbacked = crate::domain::guard::check(text, &facts);
            if !unbacked.is_empty() {
                result.guard_interventions += 1;
                tracing::error!(figures = ?unbacked, "offline brain stated unbacked figures");
                *text = crate::domain::guard::redact(text, &unbacked)
                    .unwrap_or_else(|| p.trouble.to_owned());
            }
        }
        result.guard_interventions += super::cards::guard(&mut parts, &facts);
        let text = super::parts_text(&parts);
        result.transcript.push(Message::assistant(text, Vec::new()));
        result.parts = parts;
        result.state = serde_json::to_value(&state).ok();
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn persona() -> crate::domain::persona::Persona {
        crate::domain::persona::Persona::parse(
            "seller_name: Lía\nbrand_name: Moda Lía\ntone: warm\ngreeting: \"Hi! I'm Lía 👗\"\ndefault_language: en\n",
        )
        .unwrap()
    }

    #[test]
    fn the_persona_greets_in_its_language_and_others_in_theirs() {
        let persona = persona();

        let en = greeting(&persona, Lang::En, language::phrases(Lang::En));
        let es = greeting(&persona, Lang::Es, language::phrases(Lang::Es));
        let pt = greeting(&persona, Lang::Pt, language::phrases(Lang::Pt));

        assert_eq!(en, "Hi! I'm Lía 👗");
        assert_eq!(es, "¡Hola! Soy Lía, de Moda Lía. ¿Qué estás buscando?");
        assert_eq!(pt, "Olá! Eu sou Lía, da Moda Lía. O que você procura?");
    }

    #[test]
    fn orders_are_listed_with_their_status_and_total_in_the_shoppers_language() {
        let orders = vec![json!({
            "order_number": "FA-1001",
            "status": "pending_payment",
            "total": {"amount_minor": 11980, "currency": "BRL"}
        })];

        let listed = order_list(&orders, Lang::Es, language::phrases(Lang::Es));

        assert_eq!(
            listed,
            "Tus pedidos recientes:\n• FA-1001 — pendiente de pago — 119.80 BRL"
        );
    }
}
