//! Price words the offline seller understands beyond "find me X", in the
//! shops' languages: budgets and price bounds ("under 100", "entre 50 y
//! 80"), sorting ("cheapest", "sort by price"), prices relative to what was
//! shown ("something cheaper", "more premium") and price cuts (refused).
//! Pure functions of the message: the offline brain runs the searches they
//! ask for. Words about the list shown, variants and gifts are in
//! [`super::list_words`].

use super::offline_state::Sort;

/// Price bounds the shopper named, in major units of the shop's currency
/// (the currency word they used, if any, is not a conversion).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Bounds {
    /// At least this much.
    pub min: Option<f64>,
    /// At most this much.
    pub max: Option<f64>,
}

/// Words before a highest price.
const AT_MOST: &[&str] = &[
    "under",
    "below",
    "less than",
    "up to",
    "upto",
    "max",
    "maximum",
    "no more than",
    "at most",
    "cheaper than",
    "within",
    "menos de",
    "por debajo de",
    "hasta",
    "máximo",
    "maximo",
    "no más de",
    "até",
    "ate",
    "abaixo de",
    "no máximo",
    "moins de",
    "jusqu'à",
    "jusqu'a",
    "en dessous de",
    "sous",
    "maximal",
    "unter",
    "bis",
    "höchstens",
    "weniger als",
];
/// Words before a lowest price.
const AT_LEAST: &[&str] = &[
    "over",
    "above",
    "more than",
    "at least",
    "más de",
    "mas de",
    "mínimo",
    "minimo",
    "mais de",
    "acima de",
    "plus de",
    "au moins",
    "über",
    "mehr als",
    "mindestens",
];
/// Words between two prices ("between 50 and 80").
const BETWEEN: &[(&str, &str)] = &[
    ("between", "and"),
    ("from", "to"),
    ("entre", "y"),
    ("entre", "e"),
    ("entre", "et"),
    ("de", "a"),
    ("zwischen", "und"),
    ("von", "bis"),
];
/// Currency words and signs, skipped around a figure.
const CURRENCY: &[&str] = &[
    "reais", "real", "brl", "r$", "eur", "euro", "euros", "€", "usd", "dollar", "dollars",
    "dólares", "dolares", "$", "pesos",
];

/// The message as tokens: lower case, currency signs split from figures
/// ("€100" → "€", "100"), decimal commas kept in figures ("49,90").
fn tokens(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    for raw in lower.split_whitespace() {
        let mut word = raw.trim_matches(|c: char| {
            matches!(c, '?' | '!' | ',' | ';' | ':' | '(' | ')' | '"' | '.')
        });
        for sign in ["r$", "€", "$"] {
            if let Some(rest) = word.strip_prefix(sign) {
                out.push(sign.to_owned());
                word = rest;
            }
        }
        let mut tail = None;
        for sign in ["€", "$"] {
            if let Some(rest) = word.strip_suffix(sign) {
                word = rest;
                tail = Some(sign);
            }
        }
        if !word.is_empty() {
            out.push(word.to_owned());
        }
        if let Some(sign) = tail {
            out.push(sign.to_owned());
        }
    }
    out
}

/// A figure such as `100`, `49.90` or `49,90`.
fn figure(token: &str) -> Option<f64> {
    let t = token.replace(',', ".");
    (t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || c == '.'))
    .then(|| t.parse().ok())
    .flatten()
}

/// Where `phrase` (one or more words) starts in `tokens`, at or after `from`.
fn find(tokens: &[String], phrase: &str, from: usize) -> Option<usize> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    (from..tokens.len().saturating_sub(parts.len() - 1))
        .find(|&i| parts.iter().enumerate().all(|(j, p)| tokens[i + j] == *p))
}

/// The figure right after position `at` (currency words skipped).
fn figure_after(tokens: &[String], at: usize) -> Option<(f64, usize)> {
    let mut i = at;
    while let Some(t) = tokens.get(i) {
        if let Some(n) = figure(t) {
            return Some((n, i));
        }
        if !CURRENCY.contains(&t.as_str()) {
            return None;
        }
        i += 1;
    }
    None
}

/// The price bounds `text` names, if any.
pub(crate) fn bounds(text: &str) -> Option<Bounds> {
    let ts = tokens(text);
    for (start, middle) in BETWEEN {
        let mut from = 0;
        while let Some(at) = find(&ts, start, from) {
            from = at + 1;
            if let Some((low, i)) = figure_after(&ts, at + 1)
                && let Some(mid) = find(&ts, middle, i + 1).filter(|m| *m <= i + 2)
                && let Some((high, _)) = figure_after(&ts, mid + 1)
            {
                return Some(Bounds {
                    min: Some(low.min(high)),
                    max: Some(low.max(high)),
                });
            }
        }
    }
    let mut found = Bounds::default();
    for (words, is_max) in [(AT_MOST, true), (AT_LEAST, false)] {
        for phrase in words {
            let mut from = 0;
            while let Some(at) = find(&ts, phrase, from) {
                from = at + 1;
                let after = at + phrase.split(' ').count();
                if let Some((n, _)) = figure_after(&ts, after) {
                    if is_max {
                        found.max.get_or_insert(n);
                    } else {
                        found.min.get_or_insert(n);
                    }
                }
            }
        }
    }
    (found.min.is_some() || found.max.is_some()).then_some(found)
}

/// "cheapest", "the most expensive", "sort by price".
pub(crate) fn sort(lower: &str) -> Option<Sort> {
    const DESCENDING: &[&str] = &[
        "most expensive",
        "priciest",
        "highest price",
        "el más caro",
        "la más cara",
        "los más caros",
        "las más caras",
        "o mais caro",
        "a mais cara",
        "os mais caros",
        "le plus cher",
        "la plus chère",
        "les plus chers",
        "am teuersten",
        "teuerste",
        "price descending",
        "highest first",
    ];
    const ASCENDING: &[&str] = &[
        "cheapest",
        "lowest price",
        "least expensive",
        "el más barato",
        "la más barata",
        "los más baratos",
        "las más baratas",
        "lo más barato",
        "o mais barato",
        "a mais barata",
        "os mais baratos",
        "as mais baratas",
        "le moins cher",
        "la moins chère",
        "les moins chers",
        "am billigsten",
        "billigste",
        "günstigste",
        "am günstigsten",
        "sort by price",
        "order by price",
        "sorted by price",
        "ordenar por precio",
        "ordena por precio",
        "ordenado por precio",
        "ordenar por preço",
        "ordene por preço",
        "trier par prix",
        "triés par prix",
        "nach preis sortieren",
        "nach preis sortiert",
    ];
    if DESCENDING.iter().any(|w| lower.contains(w)) {
        Some(Sort::PriceDescending)
    } else if ASCENDING.iter().any(|w| lower.contains(w)) {
        Some(Sort::PriceAscending)
    } else {
        None
    }
}

/// Cheaper (`Less`) or more premium (`Greater`) than what was shown.
pub(crate) fn relative(lower: &str) -> Option<std::cmp::Ordering> {
    const CHEAPER: &[&str] = &[
        "cheaper",
        "less expensive",
        "lower price",
        "más barato",
        "mas barato",
        "más barata",
        "más económico",
        "mais barato",
        "mais barata",
        "mais em conta",
        "moins cher",
        "moins chère",
        "billiger",
        "günstiger",
        "preiswerter",
    ];
    const PRICIER: &[&str] = &[
        "more premium",
        "more expensive",
        "higher end",
        "better quality",
        "fancier",
        "más caro",
        "mas caro",
        "más cara",
        "de más calidad",
        "mais caro",
        "mais cara",
        "mais premium",
        "plus cher",
        "plus chère",
        "haut de gamme",
        "teurer",
        "hochwertiger",
        "premium",
    ];
    if CHEAPER.iter().any(|w| lower.contains(w)) {
        Some(std::cmp::Ordering::Less)
    } else if PRICIER.iter().any(|w| lower.contains(w)) {
        Some(std::cmp::Ordering::Greater)
    } else {
        None
    }
}

/// "make it cheaper", "dámelo más barato": a price cut, not a search.
pub(crate) fn asks_for_a_cut(lower: &str) -> bool {
    const CUT: &[&str] = &[
        "make it cheaper",
        "give it cheaper",
        "sell it cheaper",
        "give me it cheaper",
        "let me have it cheaper",
        "déjamelo más barato",
        "dejamelo mas barato",
        "dámelo más barato",
        "damelo mas barato",
        "me lo dejas más barato",
        "faz mais barato",
        "deixa mais barato",
        "me dá mais barato",
        "faites-le moins cher",
        "machen sie es billiger",
    ];
    CUT.iter().any(|w| lower.contains(w))
}

/// Words that say how to shop rather than what for: left out of a search.
pub(crate) fn is_shopping_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "under",
        "below",
        "less",
        "than",
        "up",
        "to",
        "max",
        "maximum",
        "over",
        "above",
        "more",
        "least",
        "between",
        "and",
        "from",
        "cheap",
        "cheapest",
        "cheaper",
        "expensive",
        "something",
        "anything",
        "price",
        "sort",
        "by",
        "menos",
        "hasta",
        "entre",
        "y",
        "más",
        "mas",
        "barato",
        "barata",
        "baratos",
        "caro",
        "cara",
        "algo",
        "precio",
        "até",
        "ate",
        "abaixo",
        "e",
        "mais",
        "acima",
        "preço",
        "moins",
        "jusqu",
        "plus",
        "cher",
        "chère",
        "entre",
        "et",
        "prix",
        "unter",
        "bis",
        "über",
        "zwischen",
        "und",
        "billig",
        "billiger",
        "günstiger",
        "teurer",
        "preis",
        "gift",
        "present",
        "regalo",
        "presente",
        "cadeau",
        "geschenk",
        "for",
        "para",
        "pour",
        "für",
        "my",
        "mi",
        "minha",
        "meu",
        "ma",
        "mon",
        "meine",
        "meinen",
        "premium",
        "one",
        "ones",
        "cheapest",
        "most",
        "el",
        "lo",
        "the",
    ];
    WORDS.contains(&word) || CURRENCY.contains(&word) || word.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_read_in_every_language() {
        let max = |n| {
            Some(Bounds {
                min: None,
                max: Some(n),
            })
        };
        assert_eq!(bounds("gift for my mom under 100"), max(100.0));
        assert_eq!(bounds("sneakers for less than 50 euros"), max(50.0));
        assert_eq!(bounds("up to 30"), max(30.0));
        assert_eq!(bounds("zapatillas de menos de 400 reais"), max(400.0));
        assert_eq!(bounds("tênis até R$350"), max(350.0));
        assert_eq!(bounds("un t-shirt à moins de 60 €"), max(60.0));
        assert_eq!(bounds("Hoodie unter 200 Euro"), max(200.0));
        assert_eq!(bounds("hasta 99,90"), max(99.9));
        assert_eq!(
            bounds("between 50 and 80"),
            Some(Bounds {
                min: Some(50.0),
                max: Some(80.0)
            })
        );
        assert_eq!(
            bounds("entre 80 y 50 euros"),
            Some(Bounds {
                min: Some(50.0),
                max: Some(80.0)
            })
        );
        assert_eq!(
            bounds("zwischen 100 und 300"),
            Some(Bounds {
                min: Some(100.0),
                max: Some(300.0)
            })
        );
        assert_eq!(
            bounds("more than 1000"),
            Some(Bounds {
                min: Some(1000.0),
                max: None
            })
        );
        assert_eq!(bounds("the phone for 10 reais"), None);
        assert_eq!(bounds("2 of the first"), None);
    }

    #[test]
    fn sorting_and_relative_prices_are_not_haggling() {
        assert_eq!(sort("the cheapest sneakers"), Some(Sort::PriceAscending));
        assert_eq!(sort("el más caro"), Some(Sort::PriceDescending));
        assert_eq!(sort("zapatillas ordenadas"), None);
        assert_eq!(sort("sort by price"), Some(Sort::PriceAscending));
        assert_eq!(
            relative("something cheaper"),
            Some(std::cmp::Ordering::Less)
        );
        assert_eq!(relative("algo más barato"), Some(std::cmp::Ordering::Less));
        assert_eq!(relative("etwas günstiger"), Some(std::cmp::Ordering::Less));
        assert_eq!(relative("more premium"), Some(std::cmp::Ordering::Greater));
        assert!(asks_for_a_cut("can you make it cheaper?"));
        assert!(!asks_for_a_cut("something cheaper"));
    }
}
