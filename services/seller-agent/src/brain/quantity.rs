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
///
/// The figures are the message's words made of digits alone (`#` allowed in
/// front), split as the intent reader splits them (at anything that is not
/// a letter or a digit), so a figure in brackets or quotes is read, never
/// skipped: skipping it would leave another figure as the quantity ("(99…9)
/// of 1" ordering 1). A minus sign right before a figure, not joined to a
/// word ("usb-3"), makes it negative.
pub(crate) fn bad_quantity(text: &str, picking: bool) -> Option<BadQuantity> {
    let lower = text.to_lowercase();
    let mut has_number = false;
    for (at, word) in figure_words(&lower) {
        let digits = word.strip_prefix('#').unwrap_or(word);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            has_number |= word.chars().any(|c| c.is_ascii_digit());
            continue;
        }
        has_number = true;
        if negative_sign_before(&lower, at) {
            return Some(BadQuantity::Negative);
        }
        match digits.trim_start_matches('0') {
            "" => return Some(BadQuantity::Zero),
            d if d.len() > 7 || d.parse::<u64>().is_ok_and(|n| n > ABSURD) => {
                return Some(BadQuantity::Absurd);
            }
            _ => {}
        }
    }
    let vague = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| VAGUE.contains(&w));
    (picking && !has_number && vague).then_some(BadQuantity::NotANumber)
}

/// The words of `lower` (runs of letters, digits and `#`) with their byte
/// offsets.
fn figure_words(lower: &str) -> impl Iterator<Item = (usize, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '#';
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + lower[at..].find(is_word)?;
        let len = lower[start..]
            .find(|c: char| !is_word(c))
            .unwrap_or(lower.len() - start);
        at = start + len;
        Some((start, &lower[start..at]))
    })
}

/// A minus sign (`-` or `−`) ends `lower[..at]` and does not join two
/// words ("usb-3", "2-3").
fn negative_sign_before(lower: &str, at: usize) -> bool {
    let mut before = lower[..at].chars().rev();
    matches!(before.next(), Some('-' | '−')) && !before.next().is_some_and(char::is_alphanumeric)
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
        assert_eq!(bad_quantity("usb-3 cable of 2", true), None);
        assert_eq!(bad_quantity("2-3 of the first", true), None);
        assert_eq!(
            bad_quantity("(99999999999999999999) of 1", true),
            Some(BadQuantity::Absurd)
        );
        assert_eq!(bad_quantity("(-3) of 1", true), Some(BadQuantity::Negative));
    }
}
