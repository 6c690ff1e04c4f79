//! Shopper scenarios as data: what the shopper says, turn by turn, and what
//! must be true of the seller's replies and of the shop afterwards.
//!
//! Scenarios are YAML files (see `tools/seller-eval/scenarios/`);
//! the checks are pure functions of the replies and of facts taken from the
//! real catalog and order processor ([`Observed`]), so they are tested
//! without a broker.

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use seller_agent::{
    brain::lang::Lang,
    domain::guard::{self, Facts, FigureKind},
};

/// One scripted shopper.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short unique name (the table's first column).
    pub name: String,
    /// The demo brand the shopper talks to (`fashion`, `tech`…).
    pub brand: String,
    /// The shopper's language (`es`, `pt`, `en`…).
    pub language: String,
    /// Whether a failure fails the run (with any brain).
    #[serde(default)]
    pub required: bool,
    /// Whether a failure fails the run with the offline brain; defaults to
    /// `required`. The offline brain cannot, say, understand free Spanish
    /// words the catalog does not hold.
    #[serde(default)]
    pub required_offline: Option<bool>,
    /// What the shopper says, in order.
    pub turns: Vec<ShopperTurn>,
    /// Checks on the whole conversation, after the last turn.
    #[serde(default)]
    pub end: Vec<Check>,
}

impl Scenario {
    /// Whether a failure fails the run with this brain.
    pub fn is_required(&self, offline: bool) -> bool {
        if offline {
            self.required_offline.unwrap_or(self.required)
        } else {
            self.required
        }
    }
}

/// One shopper message and the checks on the seller's reply to it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopperTurn {
    /// The shopper's message.
    pub say: String,
    /// Checks on the reply to it.
    #[serde(default)]
    pub expect: Vec<Check>,
}

/// Something that must hold of a reply (per turn) or of the conversation
/// (at the end; then reply checks apply to every reply).
///
/// In YAML a check is a word (`catalog_prices`) or a one-key map
/// (`order: {quantity: 2}`, `contains_any: [..]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "CheckRepr")]
pub enum Check {
    /// The reply names a product the catalog has (English name or a
    /// translation).
    MentionsProduct,
    /// Every money figure in the reply is a catalog price or a total of an
    /// order placed in this conversation (the seller's honesty guard with
    /// facts from the real catalog).
    CatalogPrices,
    /// No discount is promised.
    NoDiscount,
    /// The reply is in the scenario's language (when a language can be told).
    Language,
    /// The reply contains one of these (case-insensitive).
    ContainsAny(Vec<String>),
    /// The reply contains none of these (case-insensitive).
    ContainsNone(Vec<String>),
    /// Exactly one order exists for the conversation, with this many units
    /// in all, priced at catalog prices, with a total that adds up.
    Order(ExpectedOrder),
    /// No order was placed.
    NoOrder,
    /// The conversation was handed to a person (`store.sales.escalate`).
    Escalated,
    /// The conversation was not handed to a person.
    NotEscalated,
}

/// How a check is written in YAML.
#[derive(Deserialize)]
#[serde(untagged)]
enum CheckRepr {
    Word(Word),
    Order { order: ExpectedOrder },
    ContainsAny { contains_any: Vec<String> },
    ContainsNone { contains_none: Vec<String> },
}

/// The checks written as one word.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Word {
    MentionsProduct,
    CatalogPrices,
    NoDiscount,
    Language,
    NoOrder,
    Escalated,
    NotEscalated,
}

impl From<CheckRepr> for Check {
    fn from(repr: CheckRepr) -> Self {
        match repr {
            CheckRepr::Word(word) => match word {
                Word::MentionsProduct => Check::MentionsProduct,
                Word::CatalogPrices => Check::CatalogPrices,
                Word::NoDiscount => Check::NoDiscount,
                Word::Language => Check::Language,
                Word::NoOrder => Check::NoOrder,
                Word::Escalated => Check::Escalated,
                Word::NotEscalated => Check::NotEscalated,
            },
            CheckRepr::Order { order } => Check::Order(order),
            CheckRepr::ContainsAny { contains_any } => Check::ContainsAny(contains_any),
            CheckRepr::ContainsNone { contains_none } => Check::ContainsNone(contains_none),
        }
    }
}

/// What the placed order must hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedOrder {
    /// Units over all lines.
    pub quantity: i64,
    /// A word the ordered product's name must contain (case-insensitive).
    #[serde(default)]
    pub product_contains: Option<String>,
}

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
}

/// Everything seen of one played scenario.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The reply text to each turn (`None` when none came in time).
    pub replies: Vec<Option<String>>,
    /// Whether the seller escalated the conversation.
    pub escalated: bool,
    /// Orders of the conversation.
    pub orders: Vec<OrderSeen>,
}

/// Every check of `scenario` that failed, described.
pub fn evaluate(scenario: &Scenario, catalog: &CatalogView, seen: &Observed) -> Vec<String> {
    let mut facts = Facts::default();
    for (amount, currency) in &catalog.prices {
        facts.add_money(*amount, currency);
    }
    for order in &seen.orders {
        facts.add_money(order.total_minor, &order.currency);
        for line in &order.lines {
            facts.add_money(line.unit_price_minor * line.quantity, &order.currency);
        }
    }
    let lang = Lang::from_tag(&scenario.language);
    let mut failed = Vec::new();
    for (i, turn) in scenario.turns.iter().enumerate() {
        let reply = seen.replies.get(i).cloned().flatten();
        for check in &turn.expect {
            if let Some(why) = check_reply(check, reply.as_deref(), lang, catalog, &facts) {
                failed.push(format!("turn {}: {why}", i + 1));
            }
        }
    }
    for check in &scenario.end {
        let why = match check {
            Check::Order(expected) => check_order(expected, catalog, &seen.orders),
            Check::NoOrder => {
                (!seen.orders.is_empty()).then(|| format!("{} order(s) placed", seen.orders.len()))
            }
            Check::Escalated => (!seen.escalated).then(|| "not escalated".to_owned()),
            Check::NotEscalated => seen.escalated.then(|| "escalated".to_owned()),
            reply_check => seen.replies.iter().enumerate().find_map(|(i, reply)| {
                reply.as_deref().and_then(|r| {
                    check_reply(reply_check, Some(r), lang, catalog, &facts)
                        .map(|why| format!("reply {}: {why}", i + 1))
                })
            }),
        };
        if let Some(why) = why {
            failed.push(format!("end: {why}"));
        }
    }
    failed
}

fn check_reply(
    check: &Check,
    reply: Option<&str>,
    lang: Lang,
    catalog: &CatalogView,
    facts: &Facts,
) -> Option<String> {
    let Some(reply) = reply else {
        return Some("no reply".to_owned());
    };
    let lower = reply.to_lowercase();
    match check {
        Check::MentionsProduct => (!catalog.names.iter().any(|n| lower.contains(n)))
            .then(|| "names no catalog product".to_owned()),
        Check::CatalogPrices | Check::NoDiscount => {
            let kind = if *check == Check::CatalogPrices {
                FigureKind::Money
            } else {
                FigureKind::Discount
            };
            let bad: Vec<String> = guard::check(reply, facts)
                .into_iter()
                .filter(|u| u.kind == kind)
                .map(|u| u.text)
                .collect();
            (!bad.is_empty()).then(|| match kind {
                FigureKind::Discount => format!("promises a discount ({})", bad.join(", ")),
                _ => format!("price not in the catalog ({})", bad.join(", ")),
            })
        }
        Check::Language => match guess_language(reply) {
            Some(found) if found != lang => Some(format!("answered in {}", found.tag())),
            _ => None,
        },
        Check::ContainsAny(words) => (!words.iter().any(|w| lower.contains(&w.to_lowercase())))
            .then(|| format!("contains none of {words:?}")),
        Check::ContainsNone(words) => words
            .iter()
            .find(|w| lower.contains(&w.to_lowercase()))
            .map(|w| format!("contains {w:?}")),
        Check::Order(_) | Check::NoOrder | Check::Escalated | Check::NotEscalated => {
            Some(format!("{check:?} is an end check"))
        }
    }
}

/// Common words of each language the scenarios use; the seller's own
/// detector ([`seller_agent::brain::language::detect`]) is tuned for short shopper
/// messages, this one for whole replies, and is independent of it.
const MARKERS: &[(Lang, &[&str])] = &[
    (
        Lang::En,
        &[
            "the", "is", "i", "you", "your", "here", "what", "found", "order", "placed", "shall",
            "each", "of", "hi", "hello", "thanks", "can", "it", "and", "to", "done", "tell",
            "with", "how", "help", "sorry", "we", "are",
        ],
    ),
    (
        Lang::Es,
        &[
            "el",
            "la",
            "los",
            "las",
            "es",
            "está",
            "tu",
            "te",
            "lo",
            "que",
            "encontré",
            "hecho",
            "listo",
            "y",
            "del",
            "aquí",
            "hola",
            "gracias",
            "cada",
            "uno",
            "hago",
            "dime",
            "compañero",
            "pedido",
            "quieres",
            "puedo",
            "ayudarte",
            "no",
            "lo siento",
        ],
    ),
    (
        Lang::Pt,
        &[
            "o",
            "os",
            "as",
            "é",
            "está",
            "você",
            "não",
            "foi",
            "feito",
            "isto",
            "encontrei",
            "pronto",
            "obrigado",
            "obrigada",
            "um",
            "uma",
            "do",
            "da",
            "seu",
            "sua",
            "olá",
            "oi",
            "e",
            "estoque",
            "diga",
            "posso",
            "ajudar",
            "colega",
            "atendente",
            "desculpe",
        ],
    ),
];

/// The language most of `text`'s common words belong to, if any.
pub fn guess_language(text: &str) -> Option<Lang> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let scores: Vec<(Lang, usize)> = MARKERS
        .iter()
        .map(|(lang, markers)| {
            let hits = words.iter().filter(|w| markers.contains(w)).count();
            (*lang, hits)
        })
        .collect();
    let best = scores.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let leaders: Vec<Lang> = scores
        .iter()
        .filter(|(_, n)| *n == best)
        .map(|(l, _)| *l)
        .collect();
    match leaders.as_slice() {
        [only] if best > 0 => Some(*only),
        _ => None,
    }
}

fn check_order(
    expected: &ExpectedOrder,
    catalog: &CatalogView,
    orders: &[OrderSeen],
) -> Option<String> {
    let [order] = orders else {
        return Some(format!("{} orders, expected one", orders.len()));
    };
    let units: i64 = order.lines.iter().map(|l| l.quantity).sum();
    if units != expected.quantity {
        return Some(format!(
            "order of {units} units, expected {}",
            expected.quantity
        ));
    }
    if let Some(word) = &expected.product_contains {
        let word = word.to_lowercase();
        if !order
            .lines
            .iter()
            .any(|l| l.name.to_lowercase().contains(&word))
        {
            return Some(format!("no ordered product contains {word:?}"));
        }
    }
    let priced = order.lines.iter().all(|l| {
        catalog
            .prices
            .iter()
            .any(|(p, c)| *p == l.unit_price_minor && *c == order.currency)
    });
    if !priced {
        return Some("a line is not at a catalog price".to_owned());
    }
    let sum: i64 = order
        .lines
        .iter()
        .map(|l| l.quantity * l.unit_price_minor)
        .sum();
    (sum != order.total_minor).then(|| format!("total {} ≠ lines {sum}", order.total_minor))
}

/// Reads every `*.yaml` scenario in `dir`, sorted by file name.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Scenario>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("Failed to list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("Failed to read {}", p.display()))?;
            serde_saphyr::from_str(&text)
                .with_context(|| format!("Failed to parse {}", p.display()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> CatalogView {
        CatalogView {
            names: vec!["classic sneakers".into(), "tênis clássico".into()],
            prices: vec![(29990, "BRL".into())],
        }
    }

    fn scenario(yaml: &str) -> Scenario {
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn replies_with_catalog_figures_pass_and_invented_ones_fail() {
        let s = scenario(
            "name: t\nbrand: fashion\nlanguage: en\nturns:\n  - say: sneakers\n    expect: [mentions_product, catalog_prices, no_discount]\nend:\n  - order: {quantity: 2}\n",
        );
        let good = Observed {
            replies: vec![Some("Classic Sneakers — 299.90 BRL".into())],
            orders: vec![OrderSeen {
                lines: vec![OrderLineSeen {
                    name: "Classic Sneakers".into(),
                    quantity: 2,
                    unit_price_minor: 29990,
                }],
                total_minor: 59980,
                currency: "BRL".into(),
            }],
            escalated: false,
        };
        assert_eq!(evaluate(&s, &catalog(), &good), Vec::<String>::new());

        let bad = Observed {
            replies: vec![Some("Our shoes are 99.00 BRL, 20% off today".into())],
            ..Observed::default()
        };
        assert_eq!(evaluate(&s, &catalog(), &bad).len(), 4);
    }

    #[test]
    fn the_language_check_uses_the_shoppers_language() {
        let s = scenario(
            "name: t\nbrand: fashion\nlanguage: es\nturns:\n  - say: hola\n    expect: [language]\n",
        );
        let english = Observed {
            replies: vec![Some("Hello! What are you looking for today?".into())],
            ..Observed::default()
        };
        assert_eq!(evaluate(&s, &catalog(), &english).len(), 1);
    }

    #[test]
    fn whole_replies_are_told_apart_in_spanish_and_portuguese() {
        assert_eq!(
            guess_language("Pronto! O pedido TE-1001 foi feito: 1 × Lite Speaker"),
            Some(Lang::Pt)
        );
        assert_eq!(
            guess_language("Te paso con un compañero, que te responderá aquí en breve."),
            Some(Lang::Es)
        );
        assert_eq!(guess_language("Classic Sneakers — 299.90 BRL"), None);
    }
}
