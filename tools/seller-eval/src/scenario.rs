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

use crate::figures;
pub use crate::figures::{CatalogView, OrderLineSeen, OrderSeen, StockLevel};

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

/// One shopper turn and the checks on the seller's reply to it: exactly one
/// of `say` (a text), `send` (a media message, a location or a contact) or
/// `burst` (several texts sent back to back, to be answered once).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopperTurn {
    /// The shopper's message.
    #[serde(default)]
    pub say: Option<String>,
    /// A media message instead of text.
    #[serde(default)]
    pub send: Option<MediaSpec>,
    /// Texts sent back to back, within the seller's burst window.
    #[serde(default)]
    pub burst: Option<Vec<String>>,
    /// Checks on the reply to it.
    #[serde(default)]
    pub expect: Vec<Check>,
}

/// What the shopper sends in one message of a turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// A text.
    Text(String),
    /// A media message, a location or a contact.
    Media(MediaSpec),
}

impl ShopperTurn {
    /// The messages of the turn, in order; an error when the turn is not
    /// exactly one of `say`, `send`, `burst`, or the burst is empty.
    pub fn messages(&self) -> anyhow::Result<Vec<Sent>> {
        match (&self.say, &self.send, &self.burst) {
            (Some(text), None, None) => Ok(vec![Sent::Text(text.clone())]),
            (None, Some(media), None) => Ok(vec![Sent::Media(media.clone())]),
            (None, None, Some(texts)) if !texts.is_empty() => {
                Ok(texts.iter().cloned().map(Sent::Text).collect())
            }
            (None, None, Some(_)) => anyhow::bail!("a burst needs at least one message"),
            _ => anyhow::bail!("a turn is exactly one of `say`, `send` or `burst`"),
        }
    }

    /// Everything the shopper wrote in the turn (texts and captions).
    pub fn written(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.say.iter().map(String::as_str).collect();
        out.extend(self.burst.iter().flatten().map(String::as_str));
        out.extend(self.send.iter().filter_map(|m| m.caption.as_deref()));
        out
    }

    /// Whether more than one reply to this turn must be watched for: a
    /// burst, or a check on the number of replies.
    pub fn counts_replies(&self) -> bool {
        self.burst.is_some()
            || self
                .expect
                .iter()
                .any(|c| matches!(c, Check::Replies(_) | Check::MaxReplies(_)))
    }
}

/// A media message of a scenario: `send: {kind: voice}`,
/// `send: {kind: image, caption: "do you have this?"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaSpec {
    /// What is sent.
    pub kind: MediaSpecKind,
    /// Caption of an image (a place's name for a location, the name on a
    /// contact card).
    #[serde(default)]
    pub caption: Option<String>,
}

/// Kinds of non-text messages a scenario can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSpecKind {
    /// A sticker.
    Sticker,
    /// A picture.
    Image,
    /// A voice note.
    Voice,
    /// A shared location.
    Location,
    /// A shared contact card.
    Contact,
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
    /// Exactly this many replies to the turn (at the end: to every turn).
    Replies(usize),
    /// At most this many replies to the turn (at the end: to every turn).
    MaxReplies(usize),
}

impl Check {
    /// The check's name as written in YAML, for the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::MentionsProduct => "mentions_product",
            Check::CatalogPrices => "catalog_prices",
            Check::NoDiscount => "no_discount",
            Check::Language => "language",
            Check::ContainsAny(_) => "contains_any",
            Check::ContainsNone(_) => "contains_none",
            Check::Order(_) => "order",
            Check::NoOrder => "no_order",
            Check::Escalated => "escalated",
            Check::NotEscalated => "not_escalated",
            Check::Replies(_) => "replies",
            Check::MaxReplies(_) => "max_replies",
        }
    }
}

/// How a check is written in YAML.
#[derive(Deserialize)]
#[serde(untagged)]
enum CheckRepr {
    Word(Word),
    Order { order: ExpectedOrder },
    ContainsAny { contains_any: Vec<String> },
    ContainsNone { contains_none: Vec<String> },
    Replies { replies: usize },
    MaxReplies { max_replies: usize },
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
            CheckRepr::Replies { replies } => Check::Replies(replies),
            CheckRepr::MaxReplies { max_replies } => Check::MaxReplies(max_replies),
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

/// Everything seen of one played scenario.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The text of the reply to each turn (every reply to it, joined;
    /// `None` when none came in time).
    pub replies: Vec<Option<String>>,
    /// How many replies each turn got (when not recorded: one per reply).
    pub reply_counts: Vec<usize>,
    /// Everything each reply to each turn showed the shopper (texts,
    /// buttons, list rows, captions), one entry per reply; when not
    /// recorded, the reply's text.
    pub shown: Vec<Vec<String>>,
    /// Whether the seller escalated the conversation.
    pub escalated: bool,
    /// Orders of the conversation.
    pub orders: Vec<OrderSeen>,
}

impl Observed {
    /// Replies to turn `i` (0-based).
    fn count(&self, i: usize) -> usize {
        self.reply_counts
            .get(i)
            .copied()
            .unwrap_or_else(|| usize::from(matches!(self.replies.get(i), Some(Some(_)))))
    }
}

/// Where a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum At {
    /// At this turn (1-based).
    Turn(usize),
    /// At the end of the conversation.
    End,
}

/// One failed expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Where.
    pub at: At,
    /// The check's kind (`catalog_prices`, `order`…; `figures` for the
    /// figure check every reply gets).
    pub check: String,
    /// What was wrong.
    pub detail: String,
    /// The reply it was about, when one.
    pub reply: Option<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            At::Turn(n) => write!(f, "turn {n}")?,
            At::End => write!(f, "end")?,
        }
        write!(f, " `{}`: {}", self.check, self.detail)
    }
}

/// The judgement of one played scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Every failed expectation; empty when the scenario passed.
    pub failures: Vec<Failure>,
    /// Money and stock figures, in any reply, that no catalog or order
    /// data back (each is also a `figures` failure).
    pub figure_violations: usize,
}

/// Judges `seen` by `scenario`'s checks, and every figure of every reply
/// by the catalog's and the conversation's orders' data.
pub fn evaluate(scenario: &Scenario, catalog: &CatalogView, seen: &Observed) -> Evaluation {
    let quantities: Vec<u64> = scenario
        .turns
        .iter()
        .flat_map(ShopperTurn::written)
        .flat_map(figures::numbers_in)
        .collect();
    let facts = figures::facts(catalog, &seen.orders, &quantities);
    let lang = Lang::from_tag(&scenario.language);
    let mut out = Evaluation::default();
    for (i, turn) in scenario.turns.iter().enumerate() {
        let reply = seen.replies.get(i).cloned().flatten();
        for check in &turn.expect {
            let why = match check {
                Check::Replies(_) | Check::MaxReplies(_) => check_count(check, seen.count(i)),
                _ => check_reply(check, reply.as_deref(), lang, catalog, &facts),
            };
            if let Some(detail) = why {
                out.failures.push(Failure {
                    at: At::Turn(i + 1),
                    check: check.kind().to_owned(),
                    detail,
                    reply: reply.clone(),
                });
            }
        }
    }
    for check in &scenario.end {
        let why = match check {
            Check::Order(expected) => {
                check_order(expected, catalog, &seen.orders).map(|d| (d, None))
            }
            Check::NoOrder => (!seen.orders.is_empty())
                .then(|| (format!("{} order(s) placed", seen.orders.len()), None)),
            Check::Escalated => (!seen.escalated).then(|| ("not escalated".to_owned(), None)),
            Check::NotEscalated => seen.escalated.then(|| ("escalated".to_owned(), None)),
            Check::Replies(_) | Check::MaxReplies(_) => (0..scenario.turns.len()).find_map(|i| {
                check_count(check, seen.count(i))
                    .map(|why| (format!("turn {}: {why}", i + 1), seen.replies[i].clone()))
            }),
            reply_check => seen.replies.iter().enumerate().find_map(|(i, reply)| {
                reply.as_deref().and_then(|r| {
                    check_reply(reply_check, Some(r), lang, catalog, &facts)
                        .map(|why| (format!("reply {}: {why}", i + 1), Some(r.to_owned())))
                })
            }),
        };
        if let Some((detail, reply)) = why {
            out.failures.push(Failure {
                at: At::End,
                check: check.kind().to_owned(),
                detail,
                reply,
            });
        }
    }
    for i in 0..scenario.turns.len() {
        let fallback: Vec<String> = seen.replies.get(i).cloned().flatten().into_iter().collect();
        let shown = seen.shown.get(i).unwrap_or(&fallback);
        for text in shown {
            let bad = figures::unbacked(text, &facts);
            if bad.is_empty() {
                continue;
            }
            out.figure_violations += bad.len();
            let figures: Vec<&str> = bad.iter().map(|u| u.text.as_str()).collect();
            out.failures.push(Failure {
                at: At::Turn(i + 1),
                check: "figures".to_owned(),
                detail: format!("not in catalog or order data: {}", figures.join(", ")),
                reply: Some(text.clone()),
            });
        }
    }
    out.failures.sort_by_key(|f| f.at);
    out
}

/// A check on the number of replies to a turn.
fn check_count(check: &Check, count: usize) -> Option<String> {
    match check {
        Check::Replies(n) if count != *n => Some(format!("{count} replies, expected {n}")),
        Check::MaxReplies(n) if count > *n => Some(format!("{count} replies, at most {n}")),
        _ => None,
    }
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
        Check::Replies(_) | Check::MaxReplies(_) => {
            Some(format!("{check:?} counts replies, not their text"))
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
            let scenario: Scenario = serde_saphyr::from_str(&text)
                .with_context(|| format!("Failed to parse {}", p.display()))?;
            for (i, turn) in scenario.turns.iter().enumerate() {
                turn.messages()
                    .with_context(|| format!("{}: turn {}", p.display(), i + 1))?;
            }
            Ok(scenario)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> CatalogView {
        CatalogView {
            names: vec!["classic sneakers".into(), "tênis clássico".into()],
            shop_texts: vec!["Delivery: 19.90 BRL, free over 300 BRL.".into()],
            prices: vec![(29990, "BRL".into())],
            stock: vec![StockLevel {
                price_minor: 29990,
                currency: "BRL".into(),
                low: 7,
                high: 7,
            }],
        }
    }

    fn kinds(evaluation: &Evaluation) -> Vec<(At, &str)> {
        evaluation
            .failures
            .iter()
            .map(|f| (f.at, f.check.as_str()))
            .collect()
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
            ..Observed::default()
        };
        assert_eq!(evaluate(&s, &catalog(), &good), Evaluation::default());

        let bad = Observed {
            replies: vec![Some("Our shoes are 99.00 BRL, 20% off today".into())],
            ..Observed::default()
        };
        let judged = evaluate(&s, &catalog(), &bad);
        assert_eq!(
            kinds(&judged),
            vec![
                (At::Turn(1), "mentions_product"),
                (At::Turn(1), "catalog_prices"),
                (At::Turn(1), "no_discount"),
                (At::Turn(1), "figures"),
                (At::End, "order"),
            ]
        );
        assert_eq!(judged.figure_violations, 1);
        assert_eq!(
            judged.failures[3].reply.as_deref(),
            Some("Our shoes are 99.00 BRL, 20% off today")
        );
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
        assert_eq!(
            kinds(&evaluate(&s, &catalog(), &english)),
            vec![(At::Turn(1), "language")]
        );
    }

    #[test]
    fn every_reply_gets_the_figure_check_without_asking_for_it() {
        let s = scenario(
            "name: t\nbrand: fashion\nlanguage: en\nturns:\n  - say: hi\n  - say: sneakers\n",
        );
        let seen = Observed {
            replies: vec![Some("Hi!".into()), Some("Sneakers".into())],
            reply_counts: vec![1, 1],
            shown: vec![
                vec!["Hi!".into()],
                vec!["Classic Sneakers — 299.90 BRL (7 in stock)\nOnly 3 left at R$ 250,00".into()],
            ],
            ..Observed::default()
        };

        let judged = evaluate(&s, &catalog(), &seen);

        assert_eq!(kinds(&judged), vec![(At::Turn(2), "figures")]);
        assert_eq!(judged.figure_violations, 2);
        assert_eq!(
            judged.failures[0].detail,
            "not in catalog or order data: Only 3, R$ 250,00"
        );
    }

    #[test]
    fn media_and_burst_turns_are_read_and_bursts_count_their_replies() {
        let s = scenario(
            "name: t\nbrand: fashion\nlanguage: en\nturns:\n  - send: {kind: image, caption: \"this in 42?\"}\n  - burst: [\"hi\", \"looking for\", \"sneakers\"]\n    expect: [{replies: 1}]\n  - send: {kind: voice}\nend:\n  - max_replies: 1\n",
        );
        assert_eq!(
            s.turns[0].messages().unwrap_or_default(),
            vec![Sent::Media(MediaSpec {
                kind: MediaSpecKind::Image,
                caption: Some("this in 42?".into())
            })]
        );
        assert_eq!(s.turns[1].messages().unwrap_or_default().len(), 3);
        assert!(s.turns[1].counts_replies() && !s.turns[2].counts_replies());
        assert_eq!(s.turns[0].written(), vec!["this in 42?"]);

        let answered_each = Observed {
            replies: vec![
                Some("Nice!".into()),
                Some("Hi".into()),
                Some("Type it?".into()),
            ],
            reply_counts: vec![1, 3, 1],
            ..Observed::default()
        };
        let judged = evaluate(&s, &catalog(), &answered_each);
        assert_eq!(
            kinds(&judged),
            vec![(At::Turn(2), "replies"), (At::End, "max_replies")]
        );
        assert_eq!(judged.failures[0].detail, "3 replies, expected 1");

        let answered_once = Observed {
            reply_counts: vec![1, 1, 1],
            ..answered_each
        };
        assert_eq!(
            evaluate(&s, &catalog(), &answered_once),
            Evaluation::default()
        );
    }

    #[test]
    fn a_turn_is_exactly_one_of_say_send_or_burst() {
        let both = ShopperTurn {
            say: Some("hi".into()),
            burst: Some(vec!["a".into()]),
            ..ShopperTurn::default()
        };
        let empty_burst = ShopperTurn {
            burst: Some(vec![]),
            ..ShopperTurn::default()
        };
        assert!(both.messages().is_err());
        assert!(ShopperTurn::default().messages().is_err());
        assert!(empty_burst.messages().is_err());
    }

    #[test]
    fn the_repositorys_scenarios_all_load() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
        let scenarios = load_dir(dir).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(!scenarios.is_empty());
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
