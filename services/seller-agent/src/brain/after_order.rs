//! What a shopper asks about an order already placed, in the shops'
//! languages: "add one more", "change it to size 42", "cancel it", "send
//! me the payment link again"; and the pure rules the offline seller
//! follows for them (which order, whether it can still be changed).

use serde_json::Value;

/// "add one more", "uno más", "mais um", "noch eins": how many more.
pub(crate) fn add_more(lower: &str) -> Option<u32> {
    const ONE_MORE: &[&str] = &[
        "one more",
        "another one",
        "add one",
        "add another",
        "uno más",
        "una más",
        "otro más",
        "otra más",
        "uno mas",
        "una mas",
        "otro mas",
        "otra mas",
        "añade uno",
        "añade otro",
        "agrega uno",
        "agrega otro",
        "mais um",
        "mais uma",
        "adiciona mais",
        "acrescenta mais",
        "un de plus",
        "une de plus",
        "encore un",
        "encore une",
        "ajoute un",
        "ajoutez un",
        "noch eins",
        "noch einen",
        "noch eine",
        "einen mehr",
        "eins mehr",
    ];
    if ONE_MORE.iter().any(|p| lower.contains(p)) {
        return Some(1);
    }
    const MORE_AFTER: &[&str] = &["more", "más", "mas", "mais", "de plus", "mehr"];
    const ADD: &[&str] = &[
        "add",
        "añade",
        "agrega",
        "adiciona",
        "acrescenta",
        "ajoute",
        "ajoutez",
        "noch",
    ];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if !words.iter().any(|w| ADD.contains(w)) {
        return None;
    }
    words.iter().enumerate().find_map(|(i, w)| {
        let n: u32 = w.parse().ok()?;
        let rest = words.get(i + 1..).unwrap_or_default().join(" ");
        (n >= 1 && MORE_AFTER.iter().any(|m| rest.starts_with(m))).then_some(n)
    })
}

/// "change it", "cámbialo", "troca": a change to the last order.
pub(crate) fn asks_to_change(words: &[String]) -> bool {
    const CHANGE: &[&str] = &[
        "change",
        "switch",
        "swap",
        "instead",
        "cambia",
        "cámbialo",
        "cambialo",
        "cámbiala",
        "cambiar",
        "cambio",
        "mejor",
        "muda",
        "mude",
        "mudar",
        "troca",
        "trocar",
        "troque",
        "changer",
        "changez",
        "remplacer",
        "plutôt",
        "ändern",
        "ändere",
        "tauschen",
        "stattdessen",
        "lieber",
    ];
    words.iter().any(|w| CHANGE.contains(&w.as_str()))
}

/// "cancel it", "cancélalo", "annule-la": the conversation's last order.
pub(crate) fn cancel_it(lower: &str, words: &[String]) -> bool {
    const CANCEL_IT: &[&str] = &[
        "cancel it",
        "cancel that",
        "cancel this",
        "cancel the order",
        "cancélalo",
        "cancelalo",
        "cancélala",
        "cancelala",
        "cancela eso",
        "cancela ese",
        "cancela o pedido",
        "cancela ele",
        "cancele",
        "cancela-o",
        "annule-la",
        "annulez-la",
        "annule-le",
        "annulez-le",
        "storniere sie",
        "stornieren sie sie",
        "storniere das",
        "bitte stornieren",
    ];
    const CANCEL: &[&str] = &[
        "cancel",
        "cancela",
        "cancelar",
        "annuler",
        "annulez",
        "stornieren",
        "storniere",
    ];
    CANCEL_IT.iter().any(|p| lower.contains(p))
        || (words.len() <= 3 && words.iter().any(|w| CANCEL.contains(&w.as_str())))
}

/// "send me the payment link again", "link de pago".
pub(crate) fn payment_link(lower: &str) -> bool {
    const LINK: &[&str] = &[
        "payment link",
        "link to pay",
        "pay link",
        "link again",
        "the link",
        "link de pago",
        "enlace de pago",
        "link para pagar",
        "enlace para pagar",
        "link de pagamento",
        "link para pagamento",
        "o link",
        "el link",
        "el enlace",
        "lien de paiement",
        "le lien",
        "zahlungslink",
        "bezahllink",
        "link zum bezahlen",
        "den link",
    ];
    LINK.iter().any(|p| lower.contains(p))
}

/// The order `number` among the shopper's `orders` (the order processor's
/// view of them), if it is theirs.
pub(crate) fn find_order<'a>(orders: &'a [Value], number: &str) -> Option<&'a Value> {
    orders.iter().find(|o| {
        o["order_number"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(number))
    })
}

/// The order waiting for payment the shopper most likely means: the
/// conversation's last order when it waits, else their latest one that does.
pub(crate) fn unpaid_order<'a>(orders: &'a [Value], last: Option<&str>) -> Option<&'a Value> {
    let unpaid = |o: &&Value| o["status"] == "pending_payment";
    last.and_then(|number| find_order(orders, number))
        .filter(unpaid)
        .or_else(|| orders.iter().find(unpaid))
}

/// Whether an order in `status` can still be changed by replacing it: only
/// before payment.
pub(crate) fn changeable(status: &str) -> bool {
    status == "pending_payment"
}

/// The product name without the variant the catalog appends
/// ("Classic Sneakers (40)" → "Classic Sneakers"): what to search for
/// another variant of it.
pub(crate) fn base_name(name: &str) -> &str {
    match name.rfind(" (") {
        Some(at) if name.ends_with(')') => &name[..at],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ws(text: &str) -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn one_more_in_every_language() {
        assert_eq!(add_more("add one more"), Some(1));
        assert_eq!(add_more("quiero otro más"), Some(1));
        assert_eq!(add_more("mais um, por favor"), Some(1));
        assert_eq!(add_more("noch eins bitte"), Some(1));
        assert_eq!(add_more("ajoutez-en un de plus"), Some(1));
        assert_eq!(add_more("add 2 more"), Some(2));
        assert_eq!(add_more("show me more"), None);
    }

    #[test]
    fn changes_cancellations_and_links() {
        assert!(asks_to_change(&ws("change it to size 42")));
        assert!(asks_to_change(&ws("cámbialo a talla 40")));
        assert!(!asks_to_change(&ws("size 42")));
        assert!(cancel_it("cancel it", &ws("cancel it")));
        assert!(cancel_it("cancélalo por favor", &ws("cancélalo por favor")));
        assert!(cancel_it("stornieren", &ws("stornieren")));
        assert!(!cancel_it("i want sneakers", &ws("i want sneakers")));
        assert!(payment_link("send me the payment link again"));
        assert!(payment_link("me mandas el link de pago?"));
        assert!(!payment_link("sneakers"));
    }

    #[test]
    fn only_the_shoppers_own_orders_are_found_and_only_unpaid_ones_change() {
        let orders = vec![json!({"order_number": "TE-1002", "status": "paid"})];

        assert!(find_order(&orders, "te-1002").is_some());
        assert!(unpaid_order(&orders, Some("TE-1002")).is_none(), "paid");
        let both = vec![
            json!({"order_number": "TE-1003", "status": "pending_payment"}),
            json!({"order_number": "TE-1004", "status": "pending_payment"}),
        ];
        assert_eq!(
            unpaid_order(&both, Some("TE-1004")).map(|o| &o["order_number"]),
            Some(&json!("TE-1004"))
        );
        assert_eq!(
            unpaid_order(&both, None).map(|o| &o["order_number"]),
            Some(&json!("TE-1003"))
        );
        assert!(find_order(&orders, "TE-1001").is_none());
        assert!(changeable("pending_payment"));
        assert!(!changeable("paid"));
        assert_eq!(base_name("Classic Sneakers (40)"), "Classic Sneakers");
        assert_eq!(base_name("Laptop Stand"), "Laptop Stand");
    }
}
