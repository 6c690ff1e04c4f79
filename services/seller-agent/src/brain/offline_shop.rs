//! The offline seller's shopping answers: searches with price bounds,
//! sorting and variants, the next page, prices relative to what was shown,
//! comparisons, and order proposals that respect the stock of the very
//! product named and the per-line limit. Every figure in a reply comes from
//! the catalog's results, which are added to the turn's facts.

use std::{cmp::Ordering, collections::BTreeMap};

use serde_json::{Value, json};
use store_events::data::{Button, ResponsePart};

use super::{
    intent::Browse,
    list_words::VariantAsk,
    offline_core::{Cx, OfflineBrain, call, fill, show_products_under, shown_of, text},
    offline_state::{LastSearch, Pending, Shown, Sort},
    quantity::{self, BadQuantity, MAX_PER_LINE, Plan},
};
use crate::{
    domain::money,
    tools::{self, ToolOutcome},
};

/// Products shown per page.
pub(super) const PAGE: u32 = 5;
/// Most products read to sort a search by price (three pages of the tool).
const SORT_WINDOW: u32 = 30;

/// Major units of the shop's currency for the tool (which converts back to
/// minor units exactly).
fn major(minor: i64, currency: &str) -> f64 {
    minor as f64 / 10f64.powi(i32::try_from(money::exponent(currency)).unwrap_or(2))
}

/// Minor units of a bound the shopper wrote in major units.
fn minor(major: f64, currency: &str) -> i64 {
    (major * 10f64.powi(i32::try_from(money::exponent(currency)).unwrap_or(2))).round() as i64
}

impl OfflineBrain {
    /// One page of `search` from the catalog (`None` when it failed).
    async fn fetch(
        &self,
        cx: &mut Cx<'_>,
        search: &LastSearch,
        limit: u32,
        offset: u32,
    ) -> Option<Vec<Value>> {
        let currency = cx.ctx.currency.clone();
        let mut args = json!({"query": search.query, "limit": limit, "offset": offset});
        if let Some(min) = search.price_min {
            args["min_price"] = json!(major(min, &currency));
        }
        if let Some(max) = search.price_max {
            args["max_price"] = json!(major(max, &currency));
        }
        if !search.attributes.is_empty() {
            args["attributes"] = json!(search.attributes);
        }
        match call(
            cx.ctx,
            &self.metrics,
            cx.result,
            tools::SEARCH_PRODUCTS,
            args,
            0,
        )
        .await
        {
            ToolOutcome::Ok(found) => {
                cx.facts.add_json(&found);
                Some(found["products"].as_array().cloned().unwrap_or_default())
            }
            _ => None,
        }
    }

    /// The page of `search` from its offset: read in relevance order, or, to
    /// sort by price, read whole (up to [`SORT_WINDOW`]) and sorted here,
    /// since the catalog ranks by relevance only.
    pub(super) async fn page(&self, cx: &mut Cx<'_>, search: &LastSearch) -> Option<Vec<Value>> {
        let Some(sort) = search.sort else {
            return self.fetch(cx, search, PAGE, search.offset).await;
        };
        let mut all = Vec::new();
        while (all.len() as u32) < SORT_WINDOW {
            let got = self.fetch(cx, search, 10, all.len() as u32).await?;
            let done = got.len() < 10;
            all.extend(got);
            if done {
                break;
            }
        }
        let price = |v: &Value| v["price"]["amount_minor"].as_i64().unwrap_or(0);
        all.sort_by(|a, b| match sort {
            Sort::PriceAscending => price(a).cmp(&price(b)),
            Sort::PriceDescending => price(b).cmp(&price(a)),
        });
        Some(
            all.into_iter()
                .skip(search.offset as usize)
                .take(PAGE as usize)
                .collect(),
        )
    }

    /// Runs `search` and shows its page under `heading`, remembering it.
    async fn show(
        &self,
        cx: &mut Cx<'_>,
        search: LastSearch,
        heading: &str,
    ) -> Option<Vec<ResponsePart>> {
        let products = self.page(cx, &search).await?;
        if products.is_empty() {
            return Some(Vec::new());
        }
        cx.state.pending = None;
        let parts = show_products_under(&products, heading, cx.p, cx.state);
        cx.state.search = Some(search);
        Some(parts)
    }

    /// A search with bounds, an ordering or a gift's categories; within a
    /// budget that nothing meets, the cheapest of the same search instead.
    pub(super) async fn browse(&self, cx: &mut Cx<'_>, browse: Browse) -> Vec<ResponsePart> {
        let last = cx.state.search.clone();
        let Some(query) = browse
            .query
            .clone()
            .or_else(|| last.as_ref().map(|s| s.query.clone()))
        else {
            return text(cx.sp.what_kind);
        };
        let currency = cx.ctx.currency.clone();
        let search = LastSearch {
            // Refining the last search keeps its size or colour.
            attributes: match (&browse.query, &last) {
                (None, Some(last)) => last.attributes.clone(),
                _ => BTreeMap::new(),
            },
            query,
            price_min: browse
                .bounds
                .and_then(|b| b.min)
                .map(|m| minor(m, &currency)),
            price_max: browse
                .bounds
                .and_then(|b| b.max)
                .map(|m| minor(m, &currency)),
            sort: browse.sort,
            offset: 0,
        };
        let heading = cx.p.results;
        match self.show(cx, search.clone(), heading).await {
            None => text(cx.p.trouble),
            Some(parts) if !parts.is_empty() => parts,
            Some(_) if browse.bounds.is_some() => {
                let cheapest = LastSearch {
                    price_min: None,
                    price_max: None,
                    sort: Some(Sort::PriceAscending),
                    ..search
                };
                match self.show(cx, cheapest, cx.sp.over_budget).await {
                    Some(parts) if !parts.is_empty() => parts,
                    Some(_) => self.nothing(cx, &browse.said),
                    None => text(cx.p.trouble),
                }
            }
            Some(_) => self.nothing(cx, &browse.said),
        }
    }

    fn nothing(&self, cx: &Cx<'_>, said: &str) -> Vec<ResponsePart> {
        if said.is_empty() {
            text(cx.p.no_results_plain)
        } else {
            text(fill(cx.p.no_results, &[("q", said)]))
        }
    }

    /// Cheaper or more premium than the products shown, in the same search;
    /// with nothing shown, the named products sorted that way.
    pub(super) async fn relative(
        &self,
        cx: &mut Cx<'_>,
        direction: Ordering,
        query: Option<String>,
    ) -> Vec<ResponsePart> {
        let sort = if direction == Ordering::Less {
            Sort::PriceAscending
        } else {
            Sort::PriceDescending
        };
        let prices: Vec<i64> = cx
            .state
            .shown
            .iter()
            .map(|s| s.price_minor)
            .filter(|p| *p > 0)
            .collect();
        let base = cx
            .state
            .search
            .clone()
            .filter(|s| query.as_ref().is_none_or(|q| *q == s.query));
        let (Some(base), false) = (base, prices.is_empty()) else {
            return self
                .browse(
                    cx,
                    Browse {
                        query,
                        said: String::new(),
                        bounds: None,
                        sort: Some(sort),
                    },
                )
                .await;
        };
        let search = match direction {
            Ordering::Less => LastSearch {
                price_max: prices.iter().min().map(|p| p - 1),
                price_min: None,
                sort: Some(Sort::PriceDescending),
                offset: 0,
                ..base
            },
            _ => LastSearch {
                price_min: prices.iter().max().map(|p| p + 1),
                price_max: None,
                sort: Some(Sort::PriceAscending),
                offset: 0,
                ..base
            },
        };
        let heading = cx.p.results;
        match self.show(cx, search, heading).await {
            None => text(cx.p.trouble),
            Some(parts) if parts.is_empty() && direction == Ordering::Less => {
                text(cx.sp.nothing_cheaper)
            }
            Some(parts) if parts.is_empty() => text(cx.sp.nothing_pricier),
            Some(parts) => parts,
        }
    }

    /// The next page of the last search.
    pub(super) async fn more(&self, cx: &mut Cx<'_>) -> Vec<ResponsePart> {
        let Some(mut search) = cx.state.search.clone() else {
            return text(cx.p.what_do_you_need);
        };
        search.offset += u32::try_from(cx.state.shown.len()).unwrap_or(PAGE).max(1);
        let heading = cx.p.results;
        match self.show(cx, search, heading).await {
            None => text(cx.p.trouble),
            Some(parts) if parts.is_empty() => text(cx.sp.no_more),
            Some(parts) => parts,
        }
    }

    /// A size or colour: of one product of the list (proposed at once when
    /// it exists) or of the whole last search; when it does not exist, the
    /// options the shopper has seen.
    pub(super) async fn variant(
        &self,
        cx: &mut Cx<'_>,
        index: Option<usize>,
        quantity: u32,
        ask: VariantAsk,
    ) -> Vec<ResponsePart> {
        let key = attribute_key(&cx.state.shown, ask.key);
        let attributes = BTreeMap::from([(key.clone(), ask.value.clone())]);
        let item = index
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| cx.state.shown.get(i))
            .cloned();
        let search = match (&item, cx.state.search.clone()) {
            (Some(item), _) => LastSearch {
                query: super::after_order::base_name(&item.name).to_owned(),
                attributes,
                ..LastSearch::default()
            },
            (None, Some(last)) => LastSearch {
                attributes,
                offset: 0,
                ..last
            },
            (None, None) => return text(cx.p.what_do_you_need),
        };
        if let Some(item) = item {
            let Some(found) = self.fetch(cx, &search, 10, 0).await else {
                return text(cx.p.trouble);
            };
            return match found
                .iter()
                .find(|p| p["product_id"] == item.product_id.as_str())
            {
                Some(product) => self.propose(cx, shown_of(product), quantity, None),
                None => self.no_variant(cx, &ask, &key, std::slice::from_ref(&item)),
            };
        }
        let shown = cx.state.shown.clone();
        let heading = fill(cx.sp.in_variant, &[("value", &ask.value)]);
        match self.show(cx, search, &heading).await {
            None => text(cx.p.trouble),
            Some(parts) if parts.is_empty() => self.no_variant(cx, &ask, &key, &shown),
            Some(parts) => parts,
        }
    }

    /// The asked variant does not exist: say so, with the options seen.
    pub(super) fn no_variant(
        &self,
        cx: &Cx<'_>,
        ask: &VariantAsk,
        key: &str,
        seen: &[Shown],
    ) -> Vec<ResponsePart> {
        let mut values: Vec<&str> = seen
            .iter()
            .filter_map(|s| s.attributes.get(key).map(String::as_str))
            .collect();
        values.sort_unstable();
        values.dedup();
        let mut reply = fill(cx.sp.no_variant, &[("value", &ask.value)]);
        if !values.is_empty() {
            reply.push(' ');
            reply.push_str(&fill(
                cx.sp.variants_seen,
                &[("values", &values.join(", "))],
            ));
        }
        text(reply)
    }

    /// The products of the list side by side: price, stock and catalog
    /// attributes only, and which is cheapest and has most stock. Proposes
    /// no order.
    pub(super) fn compare(&self, cx: &Cx<'_>, indices: &[usize]) -> Vec<ResponsePart> {
        let items: Vec<(usize, &Shown)> = indices
            .iter()
            .filter_map(|i| Some((*i, cx.state.shown.get(i.checked_sub(1)?)?)))
            .collect();
        let mut lines = vec![cx.sp.compare_head.to_owned()];
        for (i, item) in &items {
            let stock = match item.stock {
                Some(0) => cx.p.out_of_stock.to_owned(),
                Some(n) => format!("{n} {}", cx.p.in_stock),
                None => String::new(),
            };
            let attributes = item
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let details: Vec<&str> = [item.price.as_str(), stock.as_str(), attributes.as_str()]
                .into_iter()
                .filter(|d| !d.is_empty())
                .collect();
            lines.push(format!("{i}. {} — {}", item.name, details.join(" — ")));
        }
        let unique_best = |key: &dyn Fn(&Shown) -> i64| {
            let best = items.iter().map(|(_, s)| key(s)).max()?;
            let mut with_best = items.iter().filter(|(_, s)| key(s) == best);
            match (with_best.next(), with_best.next()) {
                (Some((_, s)), None) => Some(s.name.clone()),
                _ => None,
            }
        };
        if let Some(name) = unique_best(&|s: &Shown| -s.price_minor) {
            lines.push(fill(cx.sp.compare_cheapest, &[("name", &name)]));
        }
        if let Some(name) = unique_best(&|s: &Shown| i64::from(s.stock.unwrap_or(0))) {
            lines.push(fill(cx.sp.compare_stock, &[("name", &name)]));
        }
        lines.push(cx.sp.compare_tail.to_owned());
        text(lines.join("\n"))
    }

    /// Proposes `quantity` of `item` for confirmation: what is left of that
    /// very product when fewer are, the per-line limit when more are asked,
    /// nothing when it is sold out. `replaces` names the order the new one
    /// would replace.
    pub(super) fn propose(
        &self,
        cx: &mut Cx<'_>,
        item: Shown,
        quantity: u32,
        replaces: Option<String>,
    ) -> Vec<ResponsePart> {
        let plan = item.stock.map_or(
            if quantity > MAX_PER_LINE {
                Plan::OverLimit(MAX_PER_LINE)
            } else {
                Plan::AsAsked(quantity)
            },
            |stock| quantity::plan(quantity, stock),
        );
        let (quantity, text_) = match plan {
            Plan::OutOfStock => return text(fill(cx.sp.sold_out, &[("name", &item.name)])),
            Plan::AsAsked(q) => match &replaces {
                None => (
                    q,
                    fill(
                        cx.p.confirm,
                        &[
                            ("qty", &q.to_string()),
                            ("name", &item.name),
                            ("price", &item.price),
                        ],
                    ),
                ),
                Some(number) => (
                    q,
                    fill(
                        cx.sp.replace_confirm,
                        &[
                            ("qty", &q.to_string()),
                            ("name", &item.name),
                            ("price", &item.price),
                            ("number", number),
                        ],
                    ),
                ),
            },
            Plan::OnlyLeft(n) => (
                n,
                fill(
                    cx.sp.only_left,
                    &[
                        ("name", &item.name),
                        ("n", &n.to_string()),
                        ("price", &item.price),
                    ],
                ),
            ),
            Plan::OverLimit(m) => (
                m,
                fill(
                    cx.sp.over_limit,
                    &[
                        ("max", &m.to_string()),
                        ("name", &item.name),
                        ("price", &item.price),
                    ],
                ),
            ),
        };
        cx.state.pending = Some(Pending {
            item,
            quantity,
            replaces,
        });
        vec![ResponsePart::Buttons {
            text: text_,
            buttons: vec![
                Button {
                    id: "confirm:yes".into(),
                    title: cx.p.yes_no.0.into(),
                },
                Button {
                    id: "confirm:no".into(),
                    title: cx.p.yes_no.1.into(),
                },
            ],
        }]
    }

    /// Why a quantity cannot be ordered.
    pub(super) fn bad_quantity(&self, cx: &Cx<'_>, bad: BadQuantity) -> Vec<ResponsePart> {
        text(match bad {
            BadQuantity::Zero => cx.sp.zero.to_owned(),
            BadQuantity::Negative => cx.sp.negative.to_owned(),
            BadQuantity::Absurd => fill(cx.sp.absurd, &[("max", &MAX_PER_LINE.to_string())]),
            BadQuantity::NotANumber => cx.sp.how_many.to_owned(),
        })
    }
}

/// The catalog's attribute for a size or colour the shopper named: `size`,
/// or for a colour the colour-like attribute the shown products carry
/// (`colour`, `shade`, `switch`).
fn attribute_key(shown: &[Shown], asked: &str) -> String {
    if asked != "colour" {
        return asked.to_owned();
    }
    ["colour", "color", "shade", "switch"]
        .into_iter()
        .find(|k| shown.iter().any(|s| s.attributes.contains_key(*k)))
        .unwrap_or("colour")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_is_looked_up_under_the_attribute_the_products_carry() {
        let lipstick = Shown {
            product_id: "p".into(),
            variant_id: None,
            name: "Daily Lipstick (red)".into(),
            price: "59.90 BRL".into(),
            price_minor: 5990,
            stock: Some(3),
            attributes: BTreeMap::from([("shade".to_owned(), "red".to_owned())]),
        };

        assert_eq!(attribute_key(&[lipstick], "colour"), "shade");
        assert_eq!(attribute_key(&[], "colour"), "colour");
        assert_eq!(attribute_key(&[], "size"), "size");
        assert_eq!(minor(99.9, "BRL"), 9990);
        assert!((major(9990, "BRL") - 99.9).abs() < 1e-9);
    }
}
