//! Questions about the shop rather than its products — returns, warranty,
//! delivery (where, what it costs, how long), payment methods, opening
//! hours, the shop's other rules and "who are you?" — told apart from a
//! search by words in the shops' languages, and answered from the brand's
//! persona only ([`Persona`]'s facts and rules).
//!
//! Never invented: a fact the shop wrote in the shopper's language is said
//! as written; one it wrote only in its own language is quoted verbatim
//! behind a fixed sentence in the shopper's language; a fact it has not
//! written is said to be unknown, with the offer of a person.

mod sentences;
mod words;

use store_tenancy::ShopText;

use self::{
    sentences::sentences,
    words::{COST, TIME, TOPICS},
};
use super::lang::Lang;
use crate::domain::persona::Persona;

/// What a shop question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    /// "Who are you?", "are you a bot?".
    WhoAreYou,
    /// Returns, refunds, exchanges.
    Returns,
    /// The warranty.
    Warranty,
    /// How one can pay.
    Payment,
    /// When the shop is open.
    Hours,
    /// Where the shop delivers (or delivery in general).
    Delivery,
    /// What delivery costs.
    DeliveryCost,
    /// How long delivery takes.
    DeliveryTime,
    /// The shop's other rules (pre-orders, pick-up, notice…).
    Rules,
}

/// The words of `text`, lowercase; a hyphenated word also in its parts
/// ("pre-orders", "pre", "orders"; "livrez-vous", "livrez", "vous").
fn lowercase_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .map(|w| w.trim_matches(['-', '\'']))
        .filter(|w| !w.is_empty())
    {
        words.push(word.to_owned());
        if word.contains('-') {
            words.extend(word.split('-').filter(|p| !p.is_empty()).map(str::to_owned));
        }
    }
    words
}

fn mentions(lower: &str, words: &[String], keys: &[&str]) -> bool {
    keys.iter().any(|key| {
        if key.contains(' ') {
            lower.contains(key)
        } else if let Some(prefix) = key.strip_suffix('*') {
            words.iter().any(|w| w.starts_with(prefix))
        } else {
            words.iter().any(|w| w == key)
        }
    })
}

/// The topic of `text`, when it asks about the shop rather than a product.
pub(crate) fn topic(text: &str) -> Option<Topic> {
    let lower = text.to_lowercase();
    let words = lowercase_words(text);
    let found = TOPICS
        .iter()
        .find(|(_, keys)| mentions(&lower, &words, keys))
        .map(|(topic, _)| *topic)?;
    Some(match found {
        Topic::Delivery if mentions(&lower, &words, TIME) => Topic::DeliveryTime,
        Topic::Delivery if mentions(&lower, &words, COST) => Topic::DeliveryCost,
        other => other,
    })
}

/// `name` with its first letter upper case.
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_owned(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

/// Says one of the shop's facts in `lang`: the shop's own version in that
/// language when it wrote one, else its text quoted verbatim behind a
/// sentence in `lang`; that the shop has not said, when it has not.
fn say_fact(fact: Option<&ShopText>, name: &str, persona: &Persona, lang: Lang) -> String {
    let s = sentences(lang);
    let brand = persona.brand_name.as_str();
    let Some(fact) = fact else {
        return fill(s.not_said, &[("brand", brand), ("topic", name)]);
    };
    match fact.in_language(lang.tag(), &persona.default_language) {
        Some(text) => format!("{}: {text}", capitalized(name)),
        None => {
            let quoted = format!(
                "{}{}{}",
                s.quotes.0,
                fact.original(&persona.default_language),
                s.quotes.1
            );
            fill(
                s.shop_says,
                &[("brand", brand), ("topic", name), ("text", &quoted)],
            )
        }
    }
}

/// The delivery areas the question names, else all of them.
fn say_areas(text: &str, persona: &Persona, lang: Lang) -> Option<String> {
    let s = sentences(lang);
    let brand = persona.brand_name.as_str();
    let areas = persona.areas();
    if areas.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    let named: Vec<&str> = areas
        .iter()
        .filter(|a| lower.contains(&a.to_lowercase()))
        .map(String::as_str)
        .collect();
    Some(if named.is_empty() {
        fill(s.areas, &[("brand", brand), ("areas", &areas.join(", "))])
    } else {
        fill(s.area_yes, &[("brand", brand), ("area", &named.join(", "))])
    })
}

/// The shop's rules the question's words point at (words of five letters
/// or more, compared on their first five), else all of them.
fn matching_rules<'a>(text: &str, rules: &'a [String]) -> Vec<&'a str> {
    let stem = |w: &str| w.chars().take(5).collect::<String>();
    let asked: Vec<String> = lowercase_words(text)
        .iter()
        .filter(|w| w.chars().count() >= 5)
        .map(|w| stem(w))
        .collect();
    let matching: Vec<&str> = rules
        .iter()
        .filter(|rule| {
            lowercase_words(rule)
                .iter()
                .filter(|w| w.chars().count() >= 5)
                .any(|w| asked.contains(&stem(w)))
        })
        .map(String::as_str)
        .collect();
    if matching.is_empty() {
        rules.iter().map(String::as_str).collect()
    } else {
        matching
    }
}

/// The answer to a question on `topic` (asked as `text`) from `persona`,
/// in `lang`.
pub(crate) fn answer(topic: Topic, text: &str, persona: &Persona, lang: Lang) -> String {
    let s = sentences(lang);
    let brand = persona.brand_name.as_str();
    let delivery = persona.delivery.as_ref();
    let not_said = |name: &str| fill(s.not_said, &[("brand", brand), ("topic", name)]);
    match topic {
        Topic::WhoAreYou => fill(s.who, &[("seller", &persona.seller_name), ("brand", brand)]),
        Topic::Returns => say_fact(persona.returns.as_ref(), s.names[0], persona, lang),
        Topic::Warranty => say_fact(persona.warranty.as_ref(), s.names[1], persona, lang),
        Topic::DeliveryCost => say_fact(
            delivery.and_then(|d| d.cost.as_ref()),
            s.names[3],
            persona,
            lang,
        ),
        Topic::DeliveryTime => say_fact(
            delivery.and_then(|d| d.time.as_ref()),
            s.names[4],
            persona,
            lang,
        ),
        Topic::Delivery => {
            let mut lines: Vec<String> = say_areas(text, persona, lang).into_iter().collect();
            for (fact, name) in [
                (delivery.and_then(|d| d.cost.as_ref()), s.names[3]),
                (delivery.and_then(|d| d.time.as_ref()), s.names[4]),
            ] {
                if fact.is_some() {
                    lines.push(say_fact(fact, name, persona, lang));
                }
            }
            if lines.is_empty() {
                not_said(s.names[2])
            } else {
                lines.join("\n")
            }
        }
        Topic::Payment if persona.payment_methods.is_empty() => not_said(s.names[5]),
        Topic::Payment => fill(
            s.payment,
            &[("methods", &persona.payment_methods.join(", "))],
        ),
        Topic::Hours => say_fact(persona.opening_hours.as_ref(), s.names[6], persona, lang),
        Topic::Rules if persona.business_rules.is_empty() => not_said(s.names[7]),
        Topic::Rules => {
            let rules = matching_rules(text, &persona.business_rules)
                .iter()
                .map(|r| format!("• {r}"))
                .collect::<Vec<_>>()
                .join("\n");
            fill(
                s.shop_says,
                &[
                    ("brand", brand),
                    ("topic", s.names[7]),
                    ("text", &format!("\n{rules}")),
                ],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn persona(extra: &str) -> Persona {
        Persona::parse(&format!(
            "seller_name: Lía\nbrand_name: Moda Lía\ntone: warm\ngreeting: Hi\ndefault_language: en\n{extra}"
        ))
        .unwrap()
    }

    fn shop() -> Persona {
        persona(
            "returns:\n  en: Free returns within 30 days.\n  es: Devoluciones gratis en 30 días.\n\
             warranty: Six months on shoes.\n\
             delivery:\n  areas: [Brazil, Lisbon]\n  cost: Free over 300 BRL; otherwise 19.90 BRL.\n  time: 2–5 working days.\n\
             opening_hours: Mon–Sat 9:00–20:00\n\
             payment_methods: [card, Pix]\n\
             business_rules:\n  - Pre-orders are charged when the game ships.\n  - Cakes need one day's notice.\n",
        )
    }

    #[test]
    fn questions_about_the_shop_are_told_apart_from_searches() {
        for (text, expected) in [
            ("what is your return policy?", Some(Topic::Returns)),
            ("¿puedo devolver unas zapatillas?", Some(Topic::Returns)),
            ("posso trocar o vestido?", Some(Topic::Returns)),
            ("Quelle est la garantie ?", Some(Topic::Warranty)),
            ("che garanzia avete?", Some(Topic::Warranty)),
            ("Wie lange dauert die Lieferung?", Some(Topic::DeliveryTime)),
            ("¿cuánto tarda el envío?", Some(Topic::DeliveryTime)),
            ("how much is shipping?", Some(Topic::DeliveryCost)),
            ("Livrez-vous à Lyon ?", Some(Topic::Delivery)),
            ("delivered within 24 hours?", Some(Topic::DeliveryTime)),
            ("quanto costa la spedizione?", Some(Topic::DeliveryCost)),
            ("do you ship to Lisbon?", Some(Topic::Delivery)),
            ("¿aceptan tarjeta?", Some(Topic::Payment)),
            (
                "a que horas vocês abrem? qual o horário?",
                Some(Topic::Hours),
            ),
            ("are you a bot?", Some(Topic::WhoAreYou)),
            ("chi sei?", Some(Topic::WhoAreYou)),
            ("when are pre-orders charged?", Some(Topic::Rules)),
            ("is the hoodie waterproof?", None),
            ("quiero zapatillas rojas", None),
            ("red sneakers size 42", None),
        ] {
            assert_eq!(topic(text), expected, "{text}");
        }
    }

    #[test]
    fn a_fact_in_the_shoppers_language_is_said_as_the_shop_wrote_it() {
        let shop = shop();

        let es = answer(Topic::Returns, "devoluciones?", &shop, Lang::Es);
        let en = answer(Topic::Returns, "returns?", &shop, Lang::En);

        assert_eq!(es, "Devoluciones: Devoluciones gratis en 30 días.");
        assert_eq!(en, "Returns: Free returns within 30 days.");
    }

    #[test]
    fn a_fact_in_another_language_is_quoted_behind_a_sentence_in_the_shoppers() {
        let shop = shop();

        let de = answer(Topic::Warranty, "Garantie?", &shop, Lang::De);
        let it = answer(Topic::DeliveryCost, "spese?", &shop, Lang::It);

        assert_eq!(
            de,
            "Das sagt Moda Lía zum Thema Garantie, in eigenen Worten: „Six months on shoes.“"
        );
        assert!(
            it.starts_with("Ecco cosa dice Moda Lía in tema di costi di consegna")
                && it.contains("«Free over 300 BRL; otherwise 19.90 BRL.»"),
            "{it}"
        );
    }

    #[test]
    fn what_the_shop_has_not_said_is_said_to_be_unknown_with_a_person_offered() {
        let bare = persona("");

        for lang in Lang::ALL {
            let said = answer(Topic::Warranty, "warranty?", &bare, lang);

            assert!(said.contains("Moda Lía"), "{said}");
            assert_eq!(
                said,
                fill(
                    sentences(lang).not_said,
                    &[("brand", "Moda Lía"), ("topic", sentences(lang).names[1])]
                )
            );
        }
        assert!(answer(Topic::Payment, "pay?", &bare, Lang::Pt).contains("uma pessoa"));
        assert!(answer(Topic::Delivery, "ship?", &bare, Lang::Fr).contains("une personne"));
    }

    #[test]
    fn delivery_names_the_asked_place_or_lists_the_areas() {
        let shop = shop();

        let lisbon = answer(Topic::Delivery, "do you ship to Lisbon?", &shop, Lang::En);
        let madrid = answer(Topic::Delivery, "¿envían a Madrid?", &shop, Lang::Es);

        assert!(
            lisbon.starts_with("Yes, Moda Lía delivers to Lisbon."),
            "{lisbon}"
        );
        assert!(lisbon.contains("2–5 working days"), "{lisbon}");
        assert!(
            madrid.starts_with("Moda Lía hace envíos a: Brazil, Lisbon."),
            "{madrid}"
        );
        assert!(!madrid.contains("Sí,"), "{madrid}");
    }

    #[test]
    fn rules_are_matched_by_the_questions_words_and_payment_and_who_come_from_the_persona() {
        let shop = shop();

        let rules = answer(
            Topic::Rules,
            "when are pre-orders charged?",
            &shop,
            Lang::En,
        );
        let who = answer(Topic::WhoAreYou, "chi sei?", &shop, Lang::It);
        let pay = answer(Topic::Payment, "formas de pagamento?", &shop, Lang::Pt);

        assert!(rules.contains("Pre-orders are charged"), "{rules}");
        assert!(!rules.contains("Cakes"), "{rules}");
        assert!(
            who.contains("Lía") && who.contains("Moda Lía") && who.contains("IA"),
            "{who}"
        );
        assert_eq!(pay, "Você pode pagar com: card, Pix.");
    }
}
