//! The offline seller's order answers: placing the order the shopper said
//! yes to (a refusal says how many are available), one order's status
//! (only among the shopper's own orders), "add one more" and "change to size
//! 42" before payment (a new order replacing the old), and the payment link
//! again. Orders go through the order tools, so the order processor's rules
//! hold: a shopper sees and changes only their own orders.

use serde_json::{Value, json};
use store_events::data::ResponsePart;

use super::{
    after_order::{base_name, changeable, find_order, unpaid_order},
    language,
    list_words::VariantAsk,
    offline_core::{Cx, OfflineBrain, call, fill, money_of, order_lines, shown_of, text},
    offline_state::{LastOrder, LastSearch, Pending},
};
use crate::tools::{self, ToolOutcome};

impl OfflineBrain {
    /// Places the order waiting for a yes. When it replaces an earlier
    /// order, the earlier one is cancelled only after the new one is placed.
    pub(super) async fn place_pending(
        &self,
        cx: &mut Cx<'_>,
        pending: Pending,
    ) -> Vec<ResponsePart> {
        let args = json!({"items": [{
            "product_id": pending.item.product_id,
            "variant_id": pending.item.variant_id,
            "quantity": pending.quantity,
        }]});
        let order = match call(
            cx.ctx,
            &self.metrics,
            cx.result,
            tools::CREATE_ORDER,
            args,
            0,
        )
        .await
        {
            ToolOutcome::Ok(order) => order,
            // A tool's error is written for a model, never for a shopper.
            ToolOutcome::Error(_) | ToolOutcome::Escalated { .. } => return text(cx.p.trouble),
        };
        if order["pending"] == true {
            // Its confirmation is told when the order processor answers.
            cx.state.shown.clear();
            return text(cx.sp.being_placed);
        }
        cx.facts.add_json(&order);
        if order["placed"] != true {
            return self.refused(cx, &order, &pending);
        }
        cx.result.orders_placed += 1;
        cx.state.shown.clear();
        let number = order["order_number"].as_str().unwrap_or("?").to_owned();
        let mut reply = order_lines(&order, cx.p);
        if let Some(old) = &pending.replaces {
            // The old order goes only now that the new one holds its stock:
            // cancelling first could leave the shopper with neither order if
            // the new one were refused (stock taken meanwhile) or timed out.
            // The price of this order is that both hold stock for a moment.
            let args =
                json!({"order_number": old, "reason": "replaced by the shopper's changed order"});
            let cancelled = call(
                cx.ctx,
                &self.metrics,
                cx.result,
                tools::CANCEL_ORDER,
                args,
                1,
            )
            .await;
            reply.push('\n');
            reply.push_str(&fill(
                if matches!(cancelled, ToolOutcome::Ok(_)) {
                    cx.sp.replaced
                } else {
                    cx.sp.replace_cancel_failed
                },
                &[("number", old)],
            ));
        }
        cx.state.last_order = Some(LastOrder {
            number,
            item: pending.item,
            quantity: pending.quantity,
        });
        text(reply)
    }

    /// An order the order processor refused: its reason, and how many of
    /// each refused line are available.
    fn refused(&self, cx: &Cx<'_>, refused: &Value, pending: &Pending) -> Vec<ResponsePart> {
        let mut lines = vec![fill(
            cx.p.refused,
            &[("message", refused["message"].as_str().unwrap_or("?"))],
        )];
        for reason in refused["reasons"].as_array().into_iter().flatten() {
            if let Some(n) = reason["available"].as_u64() {
                lines.push(fill(
                    cx.sp.available,
                    &[("name", &pending.item.name), ("n", &n.to_string())],
                ));
            }
        }
        text(lines.join("\n"))
    }

    /// The status of order `number`, if it is the shopper's.
    pub(super) async fn status_of(&self, cx: &mut Cx<'_>, number: &str) -> Vec<ResponsePart> {
        let Some(orders) = self.orders(cx.ctx, cx.result, cx.facts).await else {
            return text(cx.p.trouble);
        };
        let Some(order) = find_order(&orders, number) else {
            return text(fill(cx.sp.not_yours, &[("number", number)]));
        };
        let status = order["status"].as_str().unwrap_or("?");
        let mut line = fill(
            cx.sp.status_of,
            &[
                ("number", order["order_number"].as_str().unwrap_or(number)),
                ("status", language::status_name(cx.lang, status)),
            ],
        );
        if let Some(total) = money_of(&order["total"]) {
            line.push_str(&format!(" — {total}"));
        }
        if let Some(tracking) = order["tracking_number"].as_str() {
            line.push_str(&format!(" — {tracking}"));
        }
        text(line)
    }

    /// The conversation's last order as the order processor holds it, when
    /// it can still be changed; otherwise the reply saying why not.
    async fn changeable_last(&self, cx: &mut Cx<'_>) -> Result<LastOrder, Vec<ResponsePart>> {
        let Some(last) = cx.state.last_order.clone() else {
            return Err(text(cx.sp.nothing_to_change));
        };
        let Some(orders) = self.orders(cx.ctx, cx.result, cx.facts).await else {
            return Err(text(cx.p.trouble));
        };
        let status = find_order(&orders, &last.number)
            .and_then(|o| o["status"].as_str())
            .unwrap_or("?")
            .to_owned();
        if changeable(&status) {
            Ok(last)
        } else {
            Err(text(fill(
                cx.sp.cannot_change,
                &[
                    ("number", &last.number),
                    ("status", language::status_name(cx.lang, &status)),
                ],
            )))
        }
    }

    /// `more` units more: of the order waiting for a yes, or of the last
    /// order (a new order replacing it, before payment only).
    pub(super) async fn add_more(&self, cx: &mut Cx<'_>, more: u32) -> Vec<ResponsePart> {
        if let Some(pending) = cx.state.pending.take() {
            let quantity = pending.quantity.saturating_add(more);
            return self.propose(cx, pending.item, quantity, pending.replaces);
        }
        match self.changeable_last(cx).await {
            Ok(last) => {
                let quantity = last.quantity.saturating_add(more);
                // The stock remembered was read before the old order
                // reserved its units; the order processor has the last word.
                let mut item = last.item;
                item.stock = None;
                self.propose(cx, item, quantity, Some(last.number))
            }
            Err(reply) => reply,
        }
    }

    /// Another size or colour of the last order's product, before payment.
    pub(super) async fn change_order(&self, cx: &mut Cx<'_>, ask: VariantAsk) -> Vec<ResponsePart> {
        let last = match self.changeable_last(cx).await {
            Ok(last) => last,
            Err(reply) => return reply,
        };
        let key = if ask.key == "colour" {
            ["colour", "color", "shade", "switch"]
                .into_iter()
                .find(|k| last.item.attributes.contains_key(*k))
                .unwrap_or("colour")
        } else {
            ask.key
        };
        let search = LastSearch {
            query: base_name(&last.item.name).to_owned(),
            attributes: [(key.to_owned(), ask.value.clone())].into(),
            ..LastSearch::default()
        };
        let Some(found) = self.page(cx, &search).await else {
            return text(cx.p.trouble);
        };
        match found
            .iter()
            .find(|p| p["product_id"] == last.item.product_id.as_str())
        {
            Some(product) => {
                let item = shown_of(product);
                if item.variant_id == last.item.variant_id {
                    // Same variant: nothing to change.
                    return text(fill(
                        cx.sp.status_of,
                        &[("number", &last.number), ("status", &item.name)],
                    ));
                }
                // Its own stock is what counts: the old order holds another
                // variant's units.
                self.propose(cx, item, last.quantity, Some(last.number))
            }
            None => self.no_variant(cx, &ask, key, std::slice::from_ref(&last.item)),
        }
    }

    /// The payment link of the order waiting for payment (the
    /// conversation's last one first).
    pub(super) async fn payment_link(&self, cx: &mut Cx<'_>) -> Vec<ResponsePart> {
        let Some(orders) = self.orders(cx.ctx, cx.result, cx.facts).await else {
            return text(cx.p.trouble);
        };
        let last = cx.state.last_order.as_ref().map(|o| o.number.clone());
        let Some(order) = unpaid_order(&orders, last.as_deref()) else {
            return text(cx.sp.no_link);
        };
        let number = order["order_number"].as_str().unwrap_or("?");
        let total = money_of(&order["total"]).unwrap_or_default();
        match order["payment"]["link"].as_str() {
            Some(link) => text(fill(
                cx.sp.link,
                &[("number", number), ("total", &total), ("link", link)],
            )),
            None => text(fill(
                cx.sp.unpaid_without_link,
                &[("number", number), ("total", &total)],
            )),
        }
    }
}
