//! What the shopper is told of an order the seller stopped waiting for
//! (the order processor answered after the tool timeout): the same words
//! as an order placed in the turn (its number, lines and total) or refused,
//! in the shopper's language, from the order processor's event alone.

use cloudevents::Event;

use super::{
    lang::Lang,
    language,
    offline_core::{fill, order_lines},
};
use crate::tools::{ToolOutcome, outcome_of};

/// The sentence for `outcome` (`store.order.created` or
/// `store.order.rejected`) in `lang`; `None` for anything else.
pub fn told(outcome: &Event, lang: Lang) -> Option<String> {
    let p = language::phrases(lang);
    let ToolOutcome::Ok(order) = outcome_of(outcome) else {
        return None;
    };
    Some(if order["placed"] == true {
        order_lines(&order, p)
    } else {
        fill(
            p.refused,
            &[("message", order["message"].as_str().unwrap_or("?"))],
        )
    })
}
