//! The honesty guard: every price, total or stock figure the seller states
//! must come from a tool result of this conversation.
//!
//! [`Facts`] collects the figures tool results contained (any JSON object
//! with `amount_minor` + `currency` is money; `stock`, `available` and
//! `quantity` fields are counts). [`check`] finds the money, discount and
//! stock figures in a reply and returns those no fact backs. Discounts are
//! never backed: no tool grants one.

use std::{collections::BTreeSet, sync::LazyLock};

use regex::Regex;
use serde_json::Value;

use super::money::exponent;

/// Figures that tool results of the conversation contained.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Money amounts in major units, times 1000 (so 12.5 → 12500), any currency.
    amounts: BTreeSet<i64>,
    /// Counts: stock levels and quantities.
    counts: BTreeSet<u64>,
}

impl Facts {
    /// Adds every figure found in a tool result.
    pub fn add_json(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                if let (Some(amount), Some(currency)) = (
                    map.get("amount_minor").and_then(Value::as_i64),
                    map.get("currency").and_then(Value::as_str),
                ) {
                    self.add_money(amount, currency);
                }
                for (key, v) in map {
                    if matches!(
                        key.as_str(),
                        "stock" | "available" | "quantity" | "in_stock_units"
                    ) && let Some(n) = v.as_u64()
                    {
                        self.counts.insert(n);
                    }
                    self.add_json(v);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.add_json(v)),
            _ => {}
        }
    }

    /// Adds the money amounts written in `text` (the shop's own facts,
    /// e.g. "Free over 300 BRL; otherwise 19.90 BRL").
    pub fn add_text(&mut self, text: &str) {
        for caps in MONEY.captures_iter(text) {
            if let Some(milli) = caps
                .name("a")
                .or(caps.name("b"))
                .or(caps.name("c"))
                .and_then(|num| parse_milli(num.as_str()))
            {
                self.amounts.insert(milli);
            }
        }
    }

    /// Adds one money amount.
    pub fn add_money(&mut self, amount_minor: i64, currency: &str) {
        let exp = exponent(currency);
        // Scale minor units to thousandths of the major unit.
        let milli = match exp {
            0 => amount_minor.saturating_mul(1000),
            1 => amount_minor.saturating_mul(100),
            2 => amount_minor.saturating_mul(10),
            _ => amount_minor,
        };
        self.amounts.insert(milli);
    }
}

/// What kind of figure a reply stated without backing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// A price or total.
    Money,
    /// A stock level.
    Stock,
    /// A discount (never backed by a tool).
    Discount,
}

/// A figure in a reply that no tool result backs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbacked {
    /// The text as written, e.g. `€9.99`.
    pub text: String,
    /// What it is.
    pub kind: FigureKind,
    /// Byte range in the reply.
    pub span: (usize, usize),
}

const NUM: &str = r"\d{1,3}(?:[.,\u{a0} ]\d{3})+(?:[.,]\d{1,3})?|\d+(?:[.,]\d{1,3})?";
const SYMBOLS: &str = r"US\$|R\$|€|\$|£|¥|₹|₩";
const CODES: &str =
    r"EUR|USD|GBP|BRL|MXN|ARS|COP|CLP|PEN|JPY|CHF|CAD|AUD|INR|KRW|PLN|SEK|NOK|DKK|CZK";
const WORDS: &str = r"euros?|dollars?|d[oó]lares|reais|real|pesos?|libras?|pounds?";

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?i)(?:(?:{SYMBOLS})\s?(?P<a>{NUM}))|(?:\b(?:{CODES})\s?(?P<b>{NUM}))|(?:(?P<c>{NUM})\s?(?:{SYMBOLS}|\b(?:{CODES}|{WORDS})\b))"
    );
    Regex::new(&pattern).unwrap_or_else(|e| panic!("money pattern: {e}"))
});

static DISCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\d+(?:[.,]\d+)?\s?%\s*(?:off|discount|descuento|de descuento|desconto|de desconto|rabatt|réduction|remise|sconto)|(?:discount|descuento|desconto|rabatt|remise|sconto)\s+(?:of|de|von|di)?\s*\d+(?:[.,]\d+)?\s?%",
    )
    .unwrap_or_else(|e| panic!("discount pattern: {e}"))
});

static STOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?P<a>\d+)\s+(?:(?:units?|pieces?|items?|pairs?|unidades|piezas|pares|unidades|stück|pezzi|paia|unità|pièces|paires)\s+)?(?:in stock|left|available|en stock|disponibles?|em estoque|dispon[ií]veis|auf lager|verfügbar|en existencia|disponibili|in magazzino|rimast[ie])|(?:only|solo quedan|quedan|restam|apenas|nur noch|il reste|(?:ne|n'en) reste(?:nt)? (?:plus )?que|(?:ne\s+)?(?:restano|rimangono)(?:\s+(?:solo|soltanto))?)\s+(?P<b>\d+)",
    )
    .unwrap_or_else(|e| panic!("stock pattern: {e}"))
});

/// Parses `1.234,56`, `1,234.56`, `12,5`, `12` into thousandths.
fn parse_milli(text: &str) -> Option<i64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let last_sep = cleaned.rfind(['.', ',']);
    let (int_part, frac_part) = match last_sep {
        Some(i) if cleaned.len() - i - 1 <= 2 => (&cleaned[..i], &cleaned[i + 1..]),
        // Three digits after the last separator: a thousands separator,
        // unless it is the only separator and could be 3 decimals (rare in
        // prices); prices read as thousands.
        _ => (cleaned.as_str(), ""),
    };
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    let int: i64 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().ok()?
    };
    let mut frac: i64 = 0;
    let mut scale = 100;
    for c in frac_part.chars() {
        frac += i64::from(c.to_digit(10)?) * scale;
        scale /= 10;
    }
    int.checked_mul(1000)?.checked_add(frac)
}

/// The figures in `reply` that `facts` do not back.
pub fn check(reply: &str, facts: &Facts) -> Vec<Unbacked> {
    let mut out = Vec::new();
    for caps in MONEY.captures_iter(reply) {
        let (Some(whole), Some(num)) = (
            caps.get(0),
            caps.name("a").or(caps.name("b")).or(caps.name("c")),
        ) else {
            continue;
        };
        let backed = parse_milli(num.as_str()).is_some_and(|v| facts.amounts.contains(&v));
        if !backed {
            out.push(Unbacked {
                text: whole.as_str().to_owned(),
                kind: FigureKind::Money,
                span: (whole.start(), whole.end()),
            });
        }
    }
    for m in DISCOUNT.find_iter(reply) {
        out.push(Unbacked {
            text: m.as_str().to_owned(),
            kind: FigureKind::Discount,
            span: (m.start(), m.end()),
        });
    }
    for caps in STOCK.captures_iter(reply) {
        let (Some(whole), Some(num)) = (caps.get(0), caps.name("a").or(caps.name("b"))) else {
            continue;
        };
        let backed = num
            .as_str()
            .parse::<u64>()
            .is_ok_and(|n| facts.counts.contains(&n));
        if !backed {
            out.push(Unbacked {
                text: whole.as_str().to_owned(),
                kind: FigureKind::Stock,
                span: (whole.start(), whole.end()),
            });
        }
    }
    out.sort_by_key(|u| u.span);
    out
}

/// `reply` without the sentences that hold an unbacked figure; `None` when
/// nothing would be left.
pub fn redact(reply: &str, unbacked: &[Unbacked]) -> Option<String> {
    let mut kept = Vec::new();
    let mut start = 0;
    let bytes = reply.as_bytes();
    let mut i = 0;
    while i <= reply.len() {
        let at_end = i == reply.len();
        let boundary = !at_end && matches!(bytes[i], b'.' | b'!' | b'?' | b'\n') && {
            // A '.' between digits is a decimal point, not a sentence end.
            !(bytes[i] == b'.'
                && i > 0
                && i + 1 < bytes.len()
                && bytes[i - 1].is_ascii_digit()
                && bytes[i + 1].is_ascii_digit())
        };
        if at_end || boundary {
            let end = if at_end { i } else { i + 1 };
            let overlaps = unbacked.iter().any(|u| u.span.0 < end && u.span.1 > start);
            let sentence = reply[start..end].trim();
            if !overlaps && !sentence.is_empty() {
                kept.push(sentence.to_owned());
            }
            start = end;
        }
        i += 1;
    }
    let text = kept.join(" ");
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    #[test]
    fn money_in_the_shops_own_texts_backs_the_same_figures() {
        let mut facts = Facts::default();

        facts.add_text("Free over 300 BRL; otherwise 19.90 BRL.");

        assert!(check("Delivery is 19.90 BRL, free over R$ 300.", &facts).is_empty());
        assert_eq!(check("It costs 25.00 BRL.", &facts).len(), 1);
    }

    use super::*;

    fn facts() -> Facts {
        let mut f = Facts::default();
        f.add_json(&json!({"products": [
            {"name": "Runner", "price": {"amount_minor": 5999, "currency": "EUR"}, "stock": 7},
            {"name": "Cap", "price": {"amount_minor": 1250, "currency": "EUR"}, "stock": 0}
        ], "order": {"total": {"amount_minor": 11998, "currency": "EUR"}, "lines": [{"quantity": 2}]}}));
        f
    }

    #[test]
    fn figures_from_tool_results_pass_in_any_notation() {
        let reply = "The Runner costs €59.99 (59,99 € in Spain), the cap 12.50 EUR. Two Runners: EUR 119.98. We have 7 in stock.";
        assert_eq!(check(reply, &facts()), vec![]);
    }

    #[test]
    fn invented_prices_discounts_and_stock_are_caught() {
        let reply = "It's only $49! I can give you 10% off. Only 3 left. Total 120 euros.";
        let kinds: Vec<_> = check(reply, &facts())
            .into_iter()
            .map(|u| (u.text, u.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("$49".to_owned(), FigureKind::Money),
                ("10% off".to_owned(), FigureKind::Discount),
                ("Only 3".to_owned(), FigureKind::Stock),
                ("120 euros".to_owned(), FigureKind::Money),
            ]
        );
    }

    #[test]
    fn stock_figures_are_found_in_french_and_italian_too() {
        let found: Vec<_> = check(
            "Il ne reste que 3 paires. Ne restano solo 4. 5 pezzi disponibili. 7 in magazzino.",
            &facts(),
        )
        .into_iter()
        .map(|u| (u.text, u.kind))
        .collect();
        assert_eq!(
            found,
            vec![
                ("ne reste que 3".to_owned(), FigureKind::Stock),
                ("Ne restano solo 4".to_owned(), FigureKind::Stock),
                ("5 pezzi disponibili".to_owned(), FigureKind::Stock),
            ]
        );
    }

    #[test]
    fn numbers_that_are_not_prices_are_left_alone() {
        assert_eq!(
            check(
                "Size 42 in blue, delivery in 3 days. Order #1042.",
                &facts()
            ),
            vec![]
        );
    }

    #[test]
    fn thousands_separators_are_understood() {
        let mut f = Facts::default();
        f.add_money(123_456, "EUR");
        assert_eq!(check("Price: 1.234,56 € or €1,234.56", &f), vec![]);
        assert_eq!(parse_milli("1 234,5"), Some(1_234_500));
    }

    #[test]
    fn redact_drops_only_the_sentences_with_unbacked_figures() {
        let reply = "The Runner costs €59.99. It's only $49 today! Want it in size 42?";
        let unbacked = check(reply, &facts());
        assert_eq!(
            redact(reply, &unbacked).as_deref(),
            Some("The Runner costs €59.99. Want it in size 42?")
        );
        assert_eq!(redact("Only $1.", &check("Only $1.", &facts())), None);
    }
}
