//! Product cards: the offline brain's list of found products becomes a
//! [`ResponsePart::ProductCards`] part, each card with the product's (or its
//! variant's) picture URL from the catalog's search result, its name and
//! the price the list shows. Picking a card answers with the same
//! `pick:N` id as the list row it replaces, so nothing downstream changes.
//! The honesty guard reads the cards' captions like any text
//! ([`ResponsePart::text`], [`guard`]).

use serde_json::Value;
use store_events::data::{ProductCard, ResponsePart, response::MAX_CARDS};

use super::{
    lang::Lang,
    language::{self, Phrases},
    offline_state::Shown,
};
use crate::domain::guard::{self, Facts};

/// The label of a card's pick button in the language of `p`.
///
/// Keyed by the language's sentences rather than a new [`Phrases`] field:
/// every language's table would need the field, and the tables are edited
/// by many hands; a language without a label here gets the English one.
fn pick_label(p: &Phrases) -> &'static str {
    const LABELS: &[(&str, &str)] = &[
        ("es", "Elegir"),
        ("pt", "Escolher"),
        ("fr", "Choisir"),
        ("de", "Auswählen"),
        ("it", "Scegli"),
    ];
    LABELS
        .iter()
        .find(|(tag, _)| {
            let lang = Lang::from_tag(tag);
            lang.tag() == *tag && std::ptr::eq(language::phrases(lang), p)
        })
        .map_or("Pick", |(_, label)| label)
}

/// The picture of the shown item `item` among the search results
/// `products` (the variant's when it has one; the catalog falls back to the
/// product's).
fn image_of<'a>(products: &'a [Value], item: &Shown) -> Option<&'a str> {
    products
        .iter()
        .find(|p| {
            p["product_id"].as_str() == Some(item.product_id.as_str())
                && p["variant_id"].as_str() == item.variant_id.as_deref()
        })
        .and_then(|p| p["image_url"].as_str())
        .filter(|url| !url.is_empty())
}

/// `parts` with each list of found products (rows `pick:N` naming the
/// `N`th of `shown`) turned into product cards with the pictures of
/// `products`, the search results they were shown from. Other parts, and a
/// list whose rows are not all shown products, are left as they are.
pub fn with_cards(
    parts: Vec<ResponsePart>,
    products: &[Value],
    shown: &[Shown],
    p: &Phrases,
) -> Vec<ResponsePart> {
    parts
        .into_iter()
        .map(|part| {
            let ResponsePart::List {
                text,
                button_label,
                sections,
            } = &part
            else {
                return part;
            };
            let cards: Option<Vec<ProductCard>> = sections
                .iter()
                .flat_map(|s| &s.rows)
                .map(|row| {
                    let n: usize = row.id.strip_prefix("pick:")?.parse().ok()?;
                    let item = shown.get(n.checked_sub(1)?)?;
                    Some(ProductCard {
                        pick_id: row.id.clone(),
                        title: item.name.clone(),
                        price_display: item.price.clone(),
                        image_url: image_of(products, item).map(str::to_owned),
                        description: None,
                    })
                })
                .collect();
            match cards {
                Some(cards) if !cards.is_empty() && cards.len() <= MAX_CARDS => {
                    ResponsePart::ProductCards {
                        text: text.clone(),
                        button_label: button_label.clone(),
                        pick_label: pick_label(p).to_owned(),
                        cards,
                    }
                }
                _ => part,
            }
        })
        .collect()
}

/// Drops every card whose caption states a figure `facts` do not back (a
/// part left with no card becomes its text); returns how many cards went.
pub fn guard(parts: &mut [ResponsePart], facts: &Facts) -> u32 {
    let mut dropped = 0;
    for part in parts.iter_mut() {
        let ResponsePart::ProductCards { text, cards, .. } = part else {
            continue;
        };
        let before = cards.len();
        cards.retain(|card| guard::check(&card.caption(), facts).is_empty());
        dropped += u32::try_from(before - cards.len()).unwrap_or(u32::MAX);
        if cards.is_empty() {
            *part = ResponsePart::Text { text: text.clone() };
        }
    }
    if dropped > 0 {
        tracing::error!(dropped, "product cards stated unbacked figures");
    }
    dropped
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;
    use store_events::data::{ListRow, ListSection};

    use super::*;

    fn shown(n: usize) -> Shown {
        Shown {
            product_id: format!("p{n}"),
            variant_id: (n == 2).then(|| "v2".to_owned()),
            name: format!("Product {n}"),
            price: format!("R$ {n}0,00"),
            price_minor: i64::try_from(n).unwrap_or(0) * 1000,
            stock: Some(3),
            attributes: Default::default(),
        }
    }

    fn list(ids: &[&str]) -> ResponsePart {
        ResponsePart::List {
            text: "1. Product 1 — R$ 10,00\n2. Product 2 — R$ 20,00".into(),
            button_label: "See products".into(),
            sections: vec![ListSection {
                title: "See products".into(),
                rows: ids
                    .iter()
                    .map(|id| ListRow {
                        id: (*id).into(),
                        title: "cut titl".into(),
                        description: None,
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn a_list_of_shown_products_becomes_cards_with_the_variant_pictures() {
        let products = [
            json!({"product_id": "p1", "image_url": "http://c/images/P1.svg"}),
            json!({"product_id": "p2", "variant_id": "other", "image_url": "http://c/images/X.svg"}),
            json!({"product_id": "p2", "variant_id": "v2", "image_url": "http://c/images/P2-M.svg"}),
        ];

        let parts = with_cards(
            vec![list(&["pick:1", "pick:2"])],
            &products,
            &[shown(1), shown(2)],
            language::phrases(Lang::Es),
        );

        let [
            ResponsePart::ProductCards {
                cards, pick_label, ..
            },
        ] = parts.as_slice()
        else {
            panic!("{parts:?}")
        };
        assert_eq!(pick_label, "Elegir");
        assert_eq!(cards[0].title, "Product 1");
        assert_eq!(cards[0].price_display, "R$ 10,00");
        assert_eq!(
            cards[0].image_url.as_deref(),
            Some("http://c/images/P1.svg")
        );
        assert_eq!(cards[1].pick_id, "pick:2");
        assert_eq!(
            cards[1].image_url.as_deref(),
            Some("http://c/images/P2-M.svg")
        );
    }

    #[test]
    fn a_list_of_other_choices_stays_a_list() {
        let parts = with_cards(
            vec![list(&["pick:1", "brand:tech"])],
            &[],
            &[shown(1)],
            language::phrases(Lang::En),
        );

        assert!(matches!(parts[0], ResponsePart::List { .. }));
    }

    #[test]
    fn the_guard_drops_a_card_whose_price_is_not_the_catalogs() {
        let mut facts = Facts::default();
        facts.add_money(1000, "BRL");
        let card = |price: &str| ProductCard {
            pick_id: "pick:1".into(),
            title: "Tee".into(),
            price_display: price.into(),
            image_url: None,
            description: None,
        };
        let mut parts = vec![ResponsePart::ProductCards {
            text: "found".into(),
            button_label: "See".into(),
            pick_label: "Pick".into(),
            cards: vec![card("R$ 10,00"), card("R$ 99,00")],
        }];

        let dropped = guard(&mut parts, &facts);

        assert_eq!(dropped, 1);
        let ResponsePart::ProductCards { cards, .. } = &parts[0] else {
            panic!()
        };
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].price_display, "R$ 10,00");
    }
}
