//! Quantities the shopper asks for, and what the offline seller can
//! propose for them: what is in stock of that very product, within the
//! per-line limit. Quantities that cannot be ordered at all (zero,
//! negative, absurd, or no number) are told apart so the reply can say why.

/// Most units of one product on one order line the offline seller
/// proposes; more needs a person (a wholesale order).
pub const MAX_PER_LINE: u32 = 20;

/// Above this a quantity is not a real request ("a billion of them").
const ABSURD: u64 = 1_000_000;

/// A quantity that cannot be ordered as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadQuantity {
    /// "0 of the first".
    Zero,
    /// "-3 of the first".
    Negative,
    /// Far beyond any shop ("9999999999").
    Absurd,
    /// "a lot of the first one": no number.
    NotANumber,
}

/// What to propose for `requested` units of a product with `stock` left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Propose exactly what was asked.
    AsAsked(u32),
    /// Fewer are left: propose all that is left.
    OnlyLeft(u32),
    /// More than one line may hold: propose the limit.
    OverLimit(u32),
    /// None left.
    OutOfStock,
}

/// Decides what to propose for `requested` units when `stock` are left.
pub(crate) fn plan(requested: u32, stock: u32) -> Plan {
    if stock == 0 {
        Plan::OutOfStock
    } else if requested > stock && stock <= MAX_PER_LINE {
        Plan::OnlyLeft(stock)
    } else if requested > MAX_PER_LINE {
        Plan::OverLimit(MAX_PER_LINE)
    } else {
        Plan::AsAsked(requested)
    }
}

/// Words meaning "many" without a number.
const VAGUE: &[&str] = &[
    "lot",
    "lots",
    "many",
    "several",
    "bunch",
    "muchos",
    "muchas",
    "varios",
    "varias",
    "montón",
    "monton",
    "muitos",
    "muitas",
    "vários",
    "várias",
    "varios",
    "monte",
    "beaucoup",
    "plusieurs",
    "viele",
    "mehrere",
    "haufen",
];

/// A quantity in `text` that cannot be ordered; `picking` says the message
/// names a product of the list (an ordinal or "of the first"), so a vague
/// word is a quantity and not a search word.
pub(crate) fn bad_quantity(text: &str, picking: bool) -> Option<BadQuantity> {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '!' | '?' | ';'))
        .filter(|t| !t.is_empty())
        .collect();
    for token in &tokens {
        let t = token.trim_end_matches(['.', ':']);
        if let Some(rest) = t.strip_prefix(['-', '−'])
            && !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit())
        {
            return Some(BadQuantity::Negative);
        }
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            match t.trim_start_matches('0') {
                "" => return Some(BadQuantity::Zero),
                digits if digits.len() > 7 || digits.parse::<u64>().is_ok_and(|n| n > ABSURD) => {
                    return Some(BadQuantity::Absurd);
                }
                _ => {}
            }
        }
    }
    let has_number = tokens.iter().any(|t| t.chars().any(|c| c.is_ascii_digit()));
    (picking && !has_number && tokens.iter().any(|t| VAGUE.contains(t)))
        .then_some(BadQuantity::NotANumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantity_beyond_stock_proposes_what_is_left() {
        assert_eq!(plan(100_000, 7), Plan::OnlyLeft(7));
        assert_eq!(plan(8, 7), Plan::OnlyLeft(7));
        assert_eq!(plan(7, 7), Plan::AsAsked(7));
        assert_eq!(plan(1, 0), Plan::OutOfStock);
    }

    #[test]
    fn more_than_one_line_holds_proposes_the_limit() {
        assert_eq!(plan(25, 30), Plan::OverLimit(MAX_PER_LINE));
        assert_eq!(plan(100, 30), Plan::OverLimit(MAX_PER_LINE));
        assert_eq!(plan(20, 30), Plan::AsAsked(20));
    }

    #[test]
    fn zero_negative_absurd_and_vague_quantities_are_told_apart() {
        assert_eq!(
            bad_quantity("0 of the first", true),
            Some(BadQuantity::Zero)
        );
        assert_eq!(
            bad_quantity("quiero -3 del primero", true),
            Some(BadQuantity::Negative)
        );
        assert_eq!(
            bad_quantity("99999999999 of the first", true),
            Some(BadQuantity::Absurd)
        );
        assert_eq!(
            bad_quantity("I want a lot of the first one", true),
            Some(BadQuantity::NotANumber)
        );
        assert_eq!(bad_quantity("100000 of the first", true), None);
        assert_eq!(bad_quantity("many sneakers", false), None);
        assert_eq!(bad_quantity("usb-c cable", true), None);
    }
}
