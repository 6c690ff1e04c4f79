//! The figure check every reply of every scenario gets: each money figure
//! (a price, a total) and each stock figure ("7 left", "quedan 7",
//! "7 em estoque") a reply states must equal catalog or order data.
//!
//! The figures are found by the seller's own honesty guard
//! ([`seller_agent::domain::guard::check`]), but judged here against facts
//! the harness reads from the real catalog and order processor, not
//! against what the seller's tools returned: catalog prices, the totals and
//! line totals of the conversation's orders, a catalog price times a
//! quantity (a quote: a quantity the shopper wrote, one of 1 to 10, a
//! quantity ordered, or the item's own stock level), and stock levels of
//! each variant and product while the scenario ran. The catalog and order
//! data the checks read ([`CatalogView`], [`OrderSeen`]) are defined here.

use seller_agent::domain::guard::{self, Facts, FigureKind, Unbacked};
use serde_json::json;

/// A line of a placed order, as the order processor stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLineSeen {
    /// Product name.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Unit price in minor units.
    pub unit_price_minor: i64,
}

/// An order of the conversation, as the order processor stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSeen {
    /// Its lines.
    pub lines: Vec<OrderLineSeen>,
    /// Its total in minor units.
    pub total_minor: i64,
    /// Its currency.
    pub currency: String,
}

/// The catalog of one brand, as the checks need it.
#[derive(Debug, Clone, Default)]
pub struct CatalogView {
    /// Product names in every language, lower case.
    pub names: Vec<String>,
    /// Prices in minor units with their currency (products and variants).
    pub prices: Vec<(i64, String)>,
    /// Stock of every variant, and of every product (its variants' sum),
    /// from the scenario's start to its end.
    pub stock: Vec<StockLevel>,
    /// The shop's own texts (its persona's returns, delivery… facts): the
    /// figures in them (a delivery cost) are the shop's word, quoted.
    pub shop_texts: Vec<String>,
}

/// How many units of one variant (or product) the catalog held while a
/// scenario ran: other scenarios' orders may move it meanwhile, so a reply
/// may state any level between the lowest and the highest seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    /// Its unit price in minor units.
    pub price_minor: i64,
    /// Its currency.
    pub currency: String,
    /// The lowest level seen.
    pub low: u64,
    /// The highest level seen.
    pub high: u64,
}

/// Quantities a quote may be for without the shopper writing them ("two",
/// "one more").
const SMALL_QUANTITIES: std::ops::RangeInclusive<u64> = 1..=10;

/// The widest stock range expanded into single levels (a cap against a
/// pathological catalog, far above any demo stock).
const MAX_STOCK_SPAN: u64 = 10_000;

/// The figures catalog and order data back for one scenario:
/// `quantities` are the numbers the shopper wrote.
pub fn facts(catalog: &CatalogView, orders: &[OrderSeen], quantities: &[u64]) -> Facts {
    let mut facts = Facts::default();
    for text in &catalog.shop_texts {
        facts.add_text(text);
    }
    for (amount, currency) in &catalog.prices {
        facts.add_money(*amount, currency);
    }
    let ordered: Vec<u64> = orders
        .iter()
        .flat_map(|o| &o.lines)
        .filter_map(|l| u64::try_from(l.quantity).ok())
        .collect();
    for order in orders {
        facts.add_money(order.total_minor, &order.currency);
        for line in &order.lines {
            facts.add_money(line.unit_price_minor * line.quantity, &order.currency);
            facts.add_json(&json!({ "quantity": line.quantity }));
        }
    }
    for level in &catalog.stock {
        let high = level.high.min(level.low.saturating_add(MAX_STOCK_SPAN));
        let levels = level.low..=high;
        for n in levels.clone() {
            facts.add_json(&json!({ "stock": n }));
        }
        let quotes = SMALL_QUANTITIES
            .chain(quantities.iter().copied())
            .chain(ordered.iter().copied())
            .chain(levels);
        for q in quotes {
            if let Some(amount) = i64::try_from(q)
                .ok()
                .and_then(|q| q.checked_mul(level.price_minor))
            {
                facts.add_money(amount, &level.currency);
            }
        }
    }
    facts
}

/// The money and stock figures in `text` that `facts` do not back
/// (discounts are the `no_discount` check's business).
pub fn unbacked(text: &str, facts: &Facts) -> Vec<Unbacked> {
    guard::check(text, facts)
        .into_iter()
        .filter(|u| matches!(u.kind, FigureKind::Money | FigureKind::Stock))
        .collect()
}

/// The whole numbers written in `text` ("quiero 2 del 1" → 2, 1).
pub fn numbers_in(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> CatalogView {
        CatalogView {
            names: vec!["classic sneakers".into()],
            shop_texts: vec!["Delivery: 19.90 BRL, free over 300 BRL.".into()],
            prices: vec![(29990, "BRL".into()), (5990, "BRL".into())],
            stock: vec![
                StockLevel {
                    price_minor: 29990,
                    currency: "BRL".into(),
                    low: 5,
                    high: 7,
                },
                StockLevel {
                    price_minor: 5990,
                    currency: "BRL".into(),
                    low: 12,
                    high: 12,
                },
            ],
        }
    }

    fn texts(text: &str, facts: &Facts) -> Vec<String> {
        unbacked(text, facts).into_iter().map(|u| u.text).collect()
    }

    #[test]
    fn stock_levels_seen_while_the_scenario_ran_are_backed_in_every_language() {
        let facts = facts(&catalog(), &[], &[]);
        for reply in [
            "Classic Sneakers — R$ 299,90 (7 in stock)",
            "Only 5 left!",
            "Solo quedan 6",
            "6 em estoque",
            "Il reste 12 paires",
            "12 auf Lager",
            "Ne restano 7",
            "7 disponibili",
        ] {
            assert_eq!(texts(reply, &facts), Vec::<String>::new(), "{reply}");
        }
        assert_eq!(texts("Only 8 left", &facts), vec!["Only 8"]);
        assert_eq!(texts("quedan 4", &facts), vec!["quedan 4"]);
        assert_eq!(texts("rimangono 3", &facts), vec!["rimangono 3"]);
    }

    #[test]
    fn the_shops_own_figures_are_its_word_and_no_others() {
        let facts = facts(&catalog(), &[], &[]);

        assert_eq!(
            texts("Delivery costs 19.90 BRL, free over 300 BRL.", &facts),
            Vec::<String>::new()
        );
        assert_eq!(texts("Delivery costs 9.90 BRL.", &facts), vec!["9.90 BRL"]);
    }

    #[test]
    fn quotes_are_a_catalog_price_times_a_quantity_the_shopper_or_the_stock_gives() {
        let facts = facts(&catalog(), &[], &[25]);
        // 3 × 59.90 (a small quantity), 25 × 59.90 (the shopper's), 7 × 299.90 (its stock).
        assert_eq!(
            texts("179.70 BRL, 1497.50 BRL or 2099.30 BRL", &facts),
            Vec::<String>::new()
        );
        // 13 × 59.90 is neither.
        assert_eq!(texts("Total: 778.70 BRL", &facts), vec!["778.70 BRL"]);
        assert_eq!(texts("only R$ 99,00", &facts), vec!["R$ 99,00"]);
    }

    #[test]
    fn order_totals_and_quantities_are_backed() {
        let orders = [OrderSeen {
            lines: vec![
                OrderLineSeen {
                    name: "Classic Sneakers".into(),
                    quantity: 2,
                    unit_price_minor: 29990,
                },
                OrderLineSeen {
                    name: "Socks".into(),
                    quantity: 1,
                    unit_price_minor: 1500,
                },
            ],
            total_minor: 61480,
            currency: "BRL".into(),
        }];
        let facts = facts(&CatalogView::default(), &orders, &[]);
        assert_eq!(
            texts(
                "2 × Classic Sneakers — 599.80 BRL\nTotal: 614.80 BRL",
                &facts
            ),
            Vec::<String>::new()
        );
        assert_eq!(texts("Total: 614.00 BRL", &facts), vec!["614.00 BRL"]);
    }

    #[test]
    fn discounts_are_not_figures_here() {
        let facts = facts(&catalog(), &[], &[]);
        assert_eq!(texts("10% off today", &facts), Vec::<String>::new());
    }

    #[test]
    fn numbers_are_read_from_what_the_shopper_wrote() {
        assert_eq!(numbers_in("quiero 2 del 1"), vec![2, 1]);
        assert_eq!(numbers_in("I want 100000 of the first one"), vec![100_000]);
        assert_eq!(numbers_in("hola"), Vec::<u64>::new());
    }
}
