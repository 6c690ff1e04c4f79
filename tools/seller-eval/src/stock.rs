//! Every stock level each variant and product had during an evaluation:
//! the catalog's levels at the start, then every `store.inventory.changed`
//! the catalog published (reservations of orders placed, releases of
//! orders cancelled). Runs play at once and order the same products, so a
//! reply may rightly state a level that held only while another run's
//! order was open; the figure check accepts exactly the levels the item had.

use std::collections::{BTreeMap, BTreeSet};

use store_events::data::InventoryChanged;

use crate::figures::StockLevel;

/// One variant of a brand's catalog, as read from the catalog's database.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CatalogRow {
    /// Product id.
    pub product_id: String,
    /// Variant id (empty when the product has no variant row).
    pub variant_id: String,
    /// Whether it is the product's default variant (not shown as one).
    pub is_default: bool,
    /// Product name.
    pub name: String,
    /// Product name translations (`{"es": {"name": ..}}`).
    pub translations: serde_json::Value,
    /// The product's price.
    pub product_price_minor: i64,
    /// The variant's price (the product's when it has none).
    pub price_minor: i64,
    /// Currency.
    pub currency: String,
    /// Units in stock.
    pub stock: i64,
}

#[derive(Debug, Clone)]
struct Item {
    brand: String,
    product: String,
    price_minor: i64,
    currency: String,
    now: u64,
    seen: BTreeSet<u64>,
}

/// The levels seen, per variant and per product (the sum of its variants).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Variants by id.
    variants: BTreeMap<String, Item>,
    /// Products by id: brand, price, currency, levels seen.
    products: BTreeMap<String, Item>,
    /// Each product's default variant.
    defaults: BTreeMap<String, String>,
}

impl History {
    /// Records `brand`'s catalog as it is now.
    pub fn seed(&mut self, brand: &str, rows: &[CatalogRow]) {
        for row in rows.iter().filter(|r| !r.variant_id.is_empty()) {
            let stock = u64::try_from(row.stock).unwrap_or(0);
            let item = self
                .variants
                .entry(row.variant_id.clone())
                .or_insert_with(|| Item {
                    brand: brand.to_owned(),
                    product: row.product_id.clone(),
                    price_minor: row.price_minor,
                    currency: row.currency.clone(),
                    now: stock,
                    seen: BTreeSet::new(),
                });
            item.now = stock;
            item.seen.insert(stock);
            if row.is_default {
                self.defaults
                    .insert(row.product_id.clone(), row.variant_id.clone());
            }
            self.products
                .entry(row.product_id.clone())
                .or_insert_with(|| Item {
                    brand: brand.to_owned(),
                    product: row.product_id.clone(),
                    price_minor: row.product_price_minor,
                    currency: row.currency.clone(),
                    now: 0,
                    seen: BTreeSet::new(),
                });
        }
        let products: BTreeSet<String> = rows.iter().map(|r| r.product_id.clone()).collect();
        products.iter().for_each(|p| self.note_product(p));
    }

    /// Applies the levels an inventory event announces.
    pub fn apply(&mut self, changed: &InventoryChanged) {
        let mut touched = BTreeSet::new();
        for level in &changed.items {
            let variant = level
                .variant_id
                .clone()
                .or_else(|| self.defaults.get(&level.product_id).cloned());
            if let Some(item) = variant.and_then(|v| self.variants.get_mut(&v)) {
                item.now = u64::from(level.stock);
                item.seen.insert(item.now);
                touched.insert(item.product.clone());
            }
        }
        touched.iter().for_each(|p| self.note_product(p));
    }

    fn note_product(&mut self, product: &str) {
        let sum = self
            .variants
            .values()
            .filter(|v| v.product == product)
            .map(|v| v.now)
            .sum();
        if let Some(item) = self.products.get_mut(product) {
            item.now = sum;
            item.seen.insert(sum);
        }
    }

    /// Every level a variant or product of `brand` had so far, with its
    /// price.
    pub fn levels(&self, brand: &str) -> Vec<StockLevel> {
        self.variants
            .values()
            .chain(self.products.values())
            .filter(|i| i.brand == brand)
            .flat_map(|i| {
                i.seen.iter().map(|n| StockLevel {
                    price_minor: i.price_minor,
                    currency: i.currency.clone(),
                    low: *n,
                    high: *n,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use store_events::data::{StockChangeReason, StockLevel as EventLevel};

    use super::*;

    fn row(variant: &str, is_default: bool, stock: i64) -> CatalogRow {
        CatalogRow {
            product_id: "p1".into(),
            variant_id: variant.into(),
            is_default,
            name: "Runner".into(),
            translations: serde_json::json!({}),
            product_price_minor: 29990,
            price_minor: 29990,
            currency: "BRL".into(),
            stock,
        }
    }

    #[test]
    fn levels_held_only_while_another_order_was_open_are_remembered() {
        let mut history = History::default();
        history.seed("fashion", &[row("v1", true, 7), row("v2", false, 2)]);
        // Another run reserves 2 of the default variant, then cancels.
        for (stock, delta) in [(5, -2), (7, 2)] {
            history.apply(&InventoryChanged {
                reason: StockChangeReason::Reserved,
                reservation_id: Some("r1".into()),
                items: vec![EventLevel {
                    product_id: "p1".into(),
                    variant_id: None,
                    sku: "RUN-1".into(),
                    stock,
                    delta,
                }],
            });
        }

        let levels: BTreeSet<u64> = history.levels("fashion").iter().map(|l| l.low).collect();

        // Variant: 7, 5; other variant: 2; product: 9, 7.
        assert_eq!(levels, BTreeSet::from([2, 5, 7, 9]));
        assert!(history.levels("tech").is_empty());
    }
}
