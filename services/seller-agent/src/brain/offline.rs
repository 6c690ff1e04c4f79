//! The offline brain: a deterministic rule-based seller for shops without a
//! model. It greets (in the shopper's language), searches the catalog with
//! the catalog terms the shopper's words mean in any of the shops'
//! languages ([`super::terms`]), lets them pick an item and a quantity,
//! asks for confirmation, places the order, reports order status, cancels
//! an order, turns down discounts and haggling, and hands over to a
//! person — through the same tools as the LLM brain, so it is just as
//! honest about prices. It never repeats a figure the shopper wrote.

use serde_json::{Value, json};
use store_events::data::ResponsePart;

pub use super::offline_core::OfflineBrain;
use super::{
    Brain, BrainError, Turn, TurnResult,
    intent::{Intent, understand},
    lang::Lang,
    language::{self, Phrases},
    offline_core::{Cx, Found, call, fill, money_of, show_products, text},
    offline_state::{LastSearch, OfflineState},
    shop_phrases::shop_phrases,
};
use crate::{
    llm::Message,
    tools::{self, Reach, ToolContext, ToolOutcome},
};

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
                    state.search = Some(LastSearch {
                        query: query.to_owned(),
                        ..LastSearch::default()
                    });
                    Found::Products(show_products(&products, p, state))
                }
            }
            _ => Found::Failed,
        }
    }

    /// The shopper's recent orders, from the order processor; `None` when
    /// they cannot be read.
    pub(super) async fn orders(
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
pub(super) fn order_list(orders: &[Value], lang: Lang, p: &Phrases) -> String {
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

/// A pick outside the list shown: which numbers are on it, or that there
/// is no list yet.
fn not_on_list(cx: &Cx<'_>) -> Vec<ResponsePart> {
    match cx.state.shown.len() {
        0 => text(cx.sp.no_list),
        n => text(fill(cx.sp.not_on_list, &[("n", &n.to_string())])),
    }
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

impl OfflineBrain {
    /// The reply to `intent`.
    async fn answer(&self, cx: &mut Cx<'_>, intent: Intent, turn: &Turn<'_>) -> Vec<ResponsePart> {
        let (ctx, p) = (cx.ctx, cx.p);
        let persona = turn.persona;
        match intent {
            Intent::Greeting if turn.first_message => text(greeting(persona, cx.lang, p)),
            Intent::Greeting => text(p.what_do_you_need),
            Intent::Search { query, said } => {
                match self
                    .search(ctx, cx.result, cx.facts, &query, p, cx.state)
                    .await
                {
                    Found::Products(parts) => parts,
                    Found::Nothing if said.is_empty() => text(p.no_results_plain),
                    Found::Nothing => text(fill(p.no_results, &[("q", &said)])),
                    Found::Failed => text(p.trouble),
                }
            }
            Intent::ShopQuestion(topic) => {
                // The shop's own figures (delivery costs…) are its word.
                persona
                    .fact_texts()
                    .into_iter()
                    .for_each(|t| cx.facts.add_text(t));
                text(super::shop_questions::answer(
                    topic, &turn.text, persona, cx.lang,
                ))
            }
            Intent::Haggle(query) => {
                let mut parts = text(p.no_discounts);
                if let Some(query) = query
                    && let Found::Products(found) = self
                        .search(ctx, cx.result, cx.facts, &query, p, cx.state)
                        .await
                {
                    parts.extend(found);
                }
                parts
            }
            Intent::Browse(browse) => self.browse(cx, browse).await,
            Intent::Relative { direction, query } => self.relative(cx, direction, query).await,
            Intent::Compare(indices) => self.compare(cx, &indices),
            Intent::More => self.more(cx).await,
            Intent::Variant {
                index,
                quantity,
                ask,
            } => self.variant(cx, index, quantity, ask).await,
            Intent::BadQuantity(bad) => self.bad_quantity(cx, bad),
            Intent::Pick { index, quantity } => match index
                .checked_sub(1)
                .and_then(|i| cx.state.shown.get(i))
                .cloned()
            {
                Some(item) => self.propose(cx, item, quantity, None),
                None => not_on_list(cx),
            },
            Intent::NotOnList => not_on_list(cx),
            Intent::No => {
                cx.state.pending = None;
                text(p.declined)
            }
            Intent::Yes => match cx.state.pending.take() {
                None => text(p.what_do_you_need),
                Some(pending) => self.place_pending(cx, pending).await,
            },
            Intent::OrderStatus => {
                self.order_status(ctx, cx.result, cx.facts, cx.lang, p)
                    .await
            }
            Intent::OrderStatusOf(number) => self.status_of(cx, &number).await,
            Intent::AddMore(more) => self.add_more(cx, more).await,
            Intent::ChangeOrder(ask) => self.change_order(cx, ask).await,
            Intent::PaymentLink => self.payment_link(cx).await,
            Intent::Cancel(None) => match self.orders(ctx, cx.result, cx.facts).await {
                Some(orders) if orders.is_empty() => text(p.no_orders),
                Some(orders) => {
                    cx.state.awaiting_cancel = true;
                    text(format!(
                        "{}\n{}",
                        order_list(&orders, cx.lang, p),
                        p.which_order
                    ))
                }
                None => text(p.trouble),
            },
            // A draft changes nothing: the human cancels from the inbox; the
            // draft shows the shopper's orders as they stand.
            Intent::Cancel(Some(_)) if ctx.reach == Reach::LookOnly => {
                self.order_status(ctx, cx.result, cx.facts, cx.lang, p)
                    .await
            }
            Intent::Cancel(Some(number)) => {
                let args = json!({"order_number": number, "reason": "asked by the shopper"});
                let reply =
                    match call(ctx, &self.metrics, cx.result, tools::CANCEL_ORDER, args, 0).await {
                        ToolOutcome::Ok(_) => {
                            if cx
                                .state
                                .last_order
                                .as_ref()
                                .is_some_and(|o| o.number == number)
                            {
                                cx.state.last_order = None;
                            }
                            fill(p.cancelled, &[("number", &number)])
                        }
                        ToolOutcome::Error(error) => {
                            tracing::info!(%error, "the order was not cancelled");
                            fill(p.cancel_failed, &[("number", &number)])
                        }
                        ToolOutcome::Escalated { .. } => p.trouble.to_owned(),
                    };
                text(reply)
            }
        }
    }
}

#[async_trait::async_trait]
impl Brain for OfflineBrain {
    fn name(&self) -> String {
        "offline".to_owned()
    }

    async fn turn(&self, mut turn: Turn<'_>) -> Result<TurnResult, BrainError> {
        let ctx = turn.ctx;
        let mut state: OfflineState =
            serde_json::from_value(turn.state.clone()).unwrap_or_default();
        let lang = language::detect(&turn.text)
            .or_else(|| turn.shopper.language.as_deref().map(Lang::from_tag))
            .unwrap_or_else(|| Lang::from_tag(&turn.persona.default_language));
        let p = language::phrases(lang);
        let mut result = TurnResult::default();
        let intent = understand(&turn.text, turn.reply_id.as_deref(), &state);
        let mut facts = std::mem::take(&mut turn.facts);
        // Asked "which order?" last turn: only this turn may answer it.
        state.awaiting_cancel = false;
        let mut cx = Cx {
            ctx,
            result: &mut result,
            facts: &mut facts,
            lang,
            p,
            sp: shop_phrases(lang),
            state: &mut state,
        };
        let parts = self.answer(&mut cx, intent, &turn).await;
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
            if super::leak::tool_wording(text) {
                // Never the case by design; if a tool's words for the model
                // ever slip into a reply, the shopper gets an apology.
                result.guard_interventions += 1;
                tracing::error!("offline brain replied with a tool's wording");
                *text = p.trouble.to_owned();
                continue;
            }
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
