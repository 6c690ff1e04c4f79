//! Search and recommendation requests, parsed into what the database layer
//! runs: trimmed text, bounded limits, a known language, sane filters, and
//! no NUL character (PostgreSQL refuses it in text: a search holding one is
//! answered as if it were not there, never with a server error).

use std::collections::BTreeMap;

use store_events::data::{
    ProductQuery, ProductRecommend, RecommendMode,
    product::{DEFAULT_QUERY_LIMIT, MAX_LIMIT},
};
use uuid::Uuid;

/// Longest search text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// A search, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// Free text, trimmed; `None` lists by name.
    pub text: Option<String>,
    /// Primary language subtag (`pt` of `pt-BR`) of the text, if given.
    pub language: Option<String>,
    /// Lowest effective price.
    pub price_min: Option<i64>,
    /// Highest effective price.
    pub price_max: Option<i64>,
    /// With (true) or without (false) stock.
    pub in_stock: Option<bool>,
    /// Attributes that must match exactly (product or variant).
    pub attributes: BTreeMap<String, String>,
    /// At least one of these tags, lower case.
    pub tags: Option<Vec<String>>,
    /// Only these products (a lookup); ids that are not UUIDs match none.
    pub ids: Option<Vec<Uuid>>,
    /// 1 to [`MAX_LIMIT`].
    pub limit: u32,
    /// Results to skip.
    pub offset: u32,
}

/// Why a request cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A bound or filter makes no sense.
    #[error("{0}")]
    Invalid(String),
}

/// The primary subtag of a BCP 47 tag, lower case (`pt-BR` → `pt`).
pub fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.trim().to_lowercase();
    (primary.len() >= 2 && primary.len() <= 3 && primary.bytes().all(|b| b.is_ascii_lowercase()))
        .then_some(primary)
}

impl Search {
    /// Parses a `store.product.query` (the HTTP search builds one too).
    pub fn parse(query: ProductQuery) -> Result<Self, SearchError> {
        let text = query
            .text
            .map(|t| without_nul(&t).trim().to_owned())
            .filter(|t| !t.is_empty());
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS)
        {
            return Err(SearchError::Invalid(format!(
                "text is longer than {MAX_TEXT_CHARS} characters"
            )));
        }
        let filters = query.filters;
        if filters.price_min.is_some_and(|p| p < 0) || filters.price_max.is_some_and(|p| p < 0) {
            return Err(SearchError::Invalid("prices cannot be negative".to_owned()));
        }
        if let (Some(min), Some(max)) = (filters.price_min, filters.price_max)
            && min > max
        {
            return Err(SearchError::Invalid(
                "price_min is above price_max".to_owned(),
            ));
        }
        let tags = filters
            .tags
            .map(|tags| {
                tags.into_iter()
                    .map(|t| without_nul(&t).trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|tags| !tags.is_empty());
        Ok(Self {
            text,
            language: query
                .language
                .as_deref()
                .map(without_nul)
                .as_deref()
                .and_then(primary_language),
            price_min: filters.price_min,
            price_max: filters.price_max,
            in_stock: filters.in_stock,
            attributes: filters
                .attributes
                .iter()
                .map(|(k, v)| (without_nul(k), without_nul(v)))
                .collect(),
            tags,
            ids: filters.ids.map(|ids| {
                ids.iter()
                    .filter_map(|id| Uuid::parse_str(id).ok())
                    .collect()
            }),
            limit: clamp_limit(query.limit, DEFAULT_QUERY_LIMIT),
            offset: query.offset.unwrap_or(0),
        })
    }
}

/// `text` without NUL characters.
fn without_nul(text: &str) -> String {
    text.replace('\0', "")
}

fn clamp_limit(limit: u32, default: u32) -> u32 {
    if limit == 0 {
        default
    } else {
        limit.min(MAX_LIMIT)
    }
}

/// A recommendation request, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommend {
    /// Products to start from (unknown ids are simply not found).
    pub product_ids: Vec<Uuid>,
    /// Similar or complementary.
    pub mode: RecommendMode,
    /// 1 to [`MAX_LIMIT`].
    pub limit: u32,
}

impl Recommend {
    /// Parses a `store.product.recommend`.
    pub fn parse(request: ProductRecommend) -> Result<Self, SearchError> {
        if request.product_ids.is_empty() {
            return Err(SearchError::Invalid("product_ids is empty".to_owned()));
        }
        // An id that is not a UUID names no product of ours.
        let product_ids = request
            .product_ids
            .iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        Ok(Self {
            product_ids,
            mode: request.mode,
            limit: clamp_limit(
                request.limit,
                store_events::data::product::DEFAULT_RECOMMEND_LIMIT,
            ),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use store_events::data::ProductFilters;

    use super::*;

    #[test]
    fn text_is_trimmed_and_blank_text_lists() {
        assert_eq!(
            Search::parse(ProductQuery::text("  hedphones "))
                .unwrap()
                .text
                .as_deref(),
            Some("hedphones")
        );
        assert_eq!(Search::parse(ProductQuery::text("   ")).unwrap().text, None);
    }

    #[test]
    fn limits_are_bounded_and_languages_reduced_to_their_primary_tag() {
        let mut query = ProductQuery::text("x");
        query.limit = 10_000;
        query.language = Some("pt-BR".into());

        let search = Search::parse(query).unwrap();

        assert_eq!(search.limit, MAX_LIMIT);
        assert_eq!(search.language.as_deref(), Some("pt"));
        assert_eq!(primary_language("1234"), None);
    }

    #[test]
    fn an_inverted_price_range_is_refused() {
        let mut query = ProductQuery::text("x");
        query.filters = ProductFilters {
            price_min: Some(500),
            price_max: Some(100),
            ..ProductFilters::default()
        };

        assert!(Search::parse(query).is_err());
    }

    #[test]
    fn a_recommendation_needs_a_product() {
        let request = ProductRecommend {
            product_ids: vec![],
            mode: RecommendMode::Similar,
            limit: 5,
        };
        assert!(Recommend::parse(request).is_err());
    }
}
