//! A product as an admin submits it (HTTP or bulk import), parsed into a
//! [`NewProduct`] the database layer can store as is.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use store_events::data::Currency;

/// A translation of a product's texts into one language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// Name in that language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description in that language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One variant as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantInput {
    /// Its SKU, unique within the product.
    pub sku: String,
    /// Short name, e.g. `M / red`.
    #[serde(default)]
    pub name: String,
    /// Options such as `size`, `colour`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Its own price in minor units; the product's when absent.
    #[serde(default)]
    pub price_minor: Option<i64>,
    /// Units in stock.
    #[serde(default)]
    pub stock: u32,
    /// Its own picture URL; the product's first picture when absent.
    #[serde(default)]
    pub image_url: Option<String>,
}

/// A product as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// SKU, unique within the brand.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Category, e.g. `headphones`.
    #[serde(default)]
    pub category: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Categories that go well with it (cross-sell).
    #[serde(default)]
    pub related_categories: Vec<String>,
    /// Attributes such as `material`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Picture URLs, the main one first.
    #[serde(default)]
    pub images: Vec<String>,
    /// Texts in other languages, by BCP 47 tag.
    #[serde(default)]
    pub translations: BTreeMap<String, Translation>,
    /// Price in minor units.
    pub price_minor: i64,
    /// Currency; the brand's when absent.
    #[serde(default)]
    pub currency: Option<String>,
    /// Most units one order may hold.
    #[serde(default)]
    pub max_per_order: Option<u32>,
    /// For sale (default true).
    #[serde(default)]
    pub active: Option<bool>,
    /// Units in stock, for a product without variants.
    #[serde(default)]
    pub stock: Option<u32>,
    /// Variants; none for a product without options.
    #[serde(default)]
    pub variants: Vec<VariantInput>,
}

/// A validated variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVariant {
    /// SKU.
    pub sku: String,
    /// Name (empty for the default variant).
    pub name: String,
    /// Options.
    pub attributes: BTreeMap<String, String>,
    /// Own price, if any.
    pub price_minor: Option<i64>,
    /// Units in stock.
    pub stock: u32,
    /// The product's only, implicit variant.
    pub is_default: bool,
    /// Its own picture, if any.
    pub image_url: Option<String>,
}

/// A validated product with at least one variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// Tags, lower-cased and deduplicated.
    pub tags: Vec<String>,
    /// Related categories.
    pub related_categories: Vec<String>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Picture URLs.
    pub images: Vec<String>,
    /// Translations by primary language subtag.
    pub translations: BTreeMap<String, Translation>,
    /// Price in minor units.
    pub price_minor: i64,
    /// Currency.
    pub currency: Currency,
    /// Most units per order.
    pub max_per_order: Option<u32>,
    /// For sale.
    pub active: bool,
    /// Variants, at least one.
    pub variants: Vec<NewVariant>,
}

/// Whether `url` can name a picture: an absolute `http(s)` URL, or a path
/// the catalog serves (`/images/…`).
fn picture_url(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("https://") || url.starts_with("http://") || url.starts_with("/images/")
}

impl ProductInput {
    /// Checks the input; `brand_currency` applies when it names none.
    /// Every problem is reported, not just the first.
    pub fn parse(self, brand_currency: &Currency) -> Result<NewProduct, Vec<String>> {
        let mut problems = Vec::new();
        let sku = self.sku.trim().to_owned();
        let name = self.name.trim().to_owned();
        if sku.is_empty() {
            problems.push("sku is empty".to_owned());
        }
        if name.is_empty() {
            problems.push("name is empty".to_owned());
        }
        if self.price_minor < 0 {
            problems.push("price_minor is negative".to_owned());
        }
        let currency = match self.currency.as_deref().map(Currency::parse).transpose() {
            Ok(currency) => currency.unwrap_or_else(|| brand_currency.clone()),
            Err(error) => {
                problems.push(error.to_string());
                brand_currency.clone()
            }
        };
        if self.max_per_order == Some(0) {
            problems.push("max_per_order must be at least 1".to_owned());
        }
        for url in &self.images {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                problems.push(format!("image {url:?} is not an http(s) URL"));
            }
        }
        let mut translations = BTreeMap::new();
        for (tag, translation) in self.translations {
            let language = tag.split('-').next().unwrap_or_default().to_lowercase();
            if language.len() < 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
                problems.push(format!("translation key {tag:?} is not a language tag"));
            }
            translations.insert(language, translation);
        }
        let variants = if self.variants.is_empty() {
            vec![NewVariant {
                sku: sku.clone(),
                name: String::new(),
                attributes: BTreeMap::new(),
                price_minor: None,
                stock: self.stock.unwrap_or(0),
                is_default: true,
                image_url: None,
            }]
        } else {
            if self.stock.is_some() {
                problems.push("stock belongs on the variants of a product that has them".into());
            }
            let mut seen = BTreeSet::new();
            for variant in &self.variants {
                let variant_sku = variant.sku.trim();
                if variant_sku.is_empty() {
                    problems.push("a variant's sku is empty".to_owned());
                } else if !seen.insert(variant_sku.to_owned()) {
                    problems.push(format!("variant sku {variant_sku:?} appears twice"));
                }
                if variant.price_minor.is_some_and(|p| p < 0) {
                    problems.push(format!("variant {variant_sku:?} has a negative price"));
                }
                if variant
                    .image_url
                    .as_deref()
                    .is_some_and(|u| !picture_url(u))
                {
                    problems.push(format!(
                        "variant {variant_sku:?} has an image_url that is neither an http(s) URL nor a path of the catalog's (/images/…)"
                    ));
                }
            }
            self.variants
                .into_iter()
                .map(|v| NewVariant {
                    sku: v.sku.trim().to_owned(),
                    name: v.name.trim().to_owned(),
                    attributes: v.attributes,
                    price_minor: v.price_minor,
                    stock: v.stock,
                    is_default: false,
                    image_url: v.image_url.map(|u| u.trim().to_owned()),
                })
                .collect()
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut tags: Vec<String> = self
            .tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        tags.sort();
        tags.dedup();
        Ok(NewProduct {
            sku,
            name,
            description: self.description.trim().to_owned(),
            category: self.category.trim().to_lowercase(),
            tags,
            related_categories: self
                .related_categories
                .iter()
                .map(|c| c.trim().to_lowercase())
                .collect(),
            attributes: self.attributes,
            images: self.images,
            translations,
            price_minor: self.price_minor,
            currency,
            max_per_order: self.max_per_order,
            active: self.active.unwrap_or(true),
            variants,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn input(json: serde_json::Value) -> ProductInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_product_without_variants_gets_a_default_one_with_its_stock() {
        let product = input(serde_json::json!({
            "sku": "HP-1", "name": " Headphones ", "price_minor": 4999, "stock": 7,
            "tags": ["Audio", "audio", " wireless"]
        }))
        .parse(&eur())
        .unwrap();

        assert_eq!(product.name, "Headphones");
        assert_eq!(product.currency, eur());
        assert_eq!(product.tags, ["audio", "wireless"]);
        assert_eq!(product.variants.len(), 1);
        assert!(product.variants[0].is_default);
        assert_eq!(product.variants[0].stock, 7);
        assert_eq!(product.variants[0].sku, "HP-1");
    }

    #[test]
    fn every_problem_is_reported() {
        let problems = input(serde_json::json!({
            "sku": "", "name": "", "price_minor": -1, "currency": "eur", "stock": 3,
            "images": ["ftp://x"], "translations": {"1x": {}},
            "variants": [{"sku": "A"}, {"sku": "A", "price_minor": -5}]
        }))
        .parse(&eur())
        .unwrap_err();

        assert_eq!(problems.len(), 9, "{problems:#?}");
    }

    #[test]
    fn translations_are_keyed_by_primary_language() {
        let product = input(serde_json::json!({
            "sku": "X", "name": "X", "price_minor": 1,
            "translations": {"pt-BR": {"name": "Fones"}}
        }))
        .parse(&eur())
        .unwrap();

        assert_eq!(product.translations["pt"].name.as_deref(), Some("Fones"));
    }
}
