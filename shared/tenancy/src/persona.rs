//! The seller persona of a brand: who the brand's AI seller is, how it
//! speaks and the shop's own facts and rules it answers from (returns,
//! warranty, delivery, payment, opening hours). Read from the tenants file;
//! no brand text lives in code.
//!
//! A shop writes its facts in its own language; a fact may instead be a map
//! of translations (`returns: { en: …, es: … }`), see [`ShopText`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A text the shop wrote: one string in the shop's language
/// (`default_language`), or the same text per language, keyed by BCP 47
/// tag (`{ en: "30-day returns", es: "Devoluciones en 30 días" }`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ShopText {
    /// In the shop's own language.
    Plain(String),
    /// Per language (BCP 47 tag → text).
    Translated(BTreeMap<String, String>),
}

impl ShopText {
    /// The text in the language tagged `lang` (primary subtags compared, so
    /// `pt-BR` finds `pt`), when the shop wrote one; a plain text counts as
    /// written in `shop_language`.
    pub fn in_language(&self, lang: &str, shop_language: &str) -> Option<&str> {
        match self {
            ShopText::Plain(text) => same_language(lang, shop_language).then_some(text.as_str()),
            ShopText::Translated(texts) => texts
                .iter()
                .find(|(tag, _)| same_language(tag, lang))
                .map(|(_, text)| text.as_str()),
        }
    }

    /// The shop's own text: the plain one, or the one in `shop_language`,
    /// else the first translation.
    pub fn original(&self, shop_language: &str) -> &str {
        match self {
            ShopText::Plain(text) => text,
            ShopText::Translated(texts) => texts
                .iter()
                .find(|(tag, _)| same_language(tag, shop_language))
                .or_else(|| texts.iter().next())
                .map_or("", |(_, text)| text.as_str()),
        }
    }

    /// Every text it holds (for checks and for the honesty guard).
    pub fn texts(&self) -> Vec<&str> {
        match self {
            ShopText::Plain(text) => vec![text.as_str()],
            ShopText::Translated(texts) => texts.values().map(String::as_str).collect(),
        }
    }

    fn check(&self, what: &str) -> Result<(), String> {
        match self {
            ShopText::Plain(text) => non_empty(what, text),
            ShopText::Translated(texts) if texts.is_empty() => {
                Err(format!("{what} has no text in any language"))
            }
            ShopText::Translated(texts) => texts.iter().try_for_each(|(tag, text)| {
                if tag.len() < 2 || !tag.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
                    return Err(format!(
                        "{what}: `{tag}` is not a language tag (en, es, pt-BR…)"
                    ));
                }
                non_empty(&format!("{what}.{tag}"), text)
            }),
        }
    }
}

/// Two BCP 47 tags of the same language (`pt` and `pt-BR`).
fn same_language(a: &str, b: &str) -> bool {
    let primary = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    primary(a) == primary(b)
}

fn non_empty(what: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        Err(format!(
            "{what} is empty: write the text or leave the key out"
        ))
    } else {
        Ok(())
    }
}

/// Where and how the shop delivers; every part optional (the seller says
/// the shop has not told it what is missing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Places delivered to (countries, cities, districts), as the shop
    /// names them.
    #[serde(default)]
    pub areas: Vec<String>,
    /// What delivery costs, e.g. "Free over 200 BRL, otherwise 19.90 BRL".
    #[serde(default)]
    pub cost: Option<ShopText>,
    /// How long delivery takes, e.g. "2–4 working days".
    #[serde(default)]
    pub time: Option<ShopText>,
}

/// The seller persona of one brand.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// The seller's name, e.g. "Lía".
    pub seller_name: String,
    /// The brand as shoppers know it.
    pub brand_name: String,
    /// What the brand sells, in a phrase.
    #[serde(default)]
    pub focus: Option<String>,
    /// Tone of voice, e.g. "warm, stylish, concise".
    pub tone: String,
    /// Language policy, e.g. "Answer in the shopper's language".
    #[serde(default = "default_language_policy")]
    pub language_policy: String,
    /// Language to use when the shopper's is unknown (BCP 47, e.g. `es`).
    #[serde(default = "default_language")]
    pub default_language: String,
    /// First message to a new shopper.
    pub greeting: String,
    /// Currency the brand prices in (ISO 4217), for price filters.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Where the brand delivers (the older spelling of `delivery.areas`;
    /// write one or the other).
    #[serde(default)]
    pub delivery_areas: Vec<String>,
    /// Delivery areas, cost and time.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    /// Returns, refunds and exchanges, e.g. "Free returns within 30 days".
    #[serde(default)]
    pub returns: Option<ShopText>,
    /// The warranty, e.g. "Two years on every device".
    #[serde(default)]
    pub warranty: Option<ShopText>,
    /// When the shop (and its human team) is open.
    #[serde(default)]
    pub opening_hours: Option<ShopText>,
    /// Accepted payment methods.
    #[serde(default)]
    pub payment_methods: Vec<String>,
    /// Other rules the seller must follow (and may quote to shoppers).
    #[serde(default)]
    pub business_rules: Vec<String>,
    /// When to hand the conversation to a human.
    #[serde(default = "default_escalation_policy")]
    pub escalation_policy: String,
}

fn default_language_policy() -> String {
    "Always answer in the language the shopper writes in.".to_owned()
}

fn default_currency() -> String {
    "EUR".to_owned()
}

fn default_language() -> String {
    "en".to_owned()
}

fn default_escalation_policy() -> String {
    "Hand the conversation to a human when the shopper asks for one, complains, or needs something you cannot do with your tools.".to_owned()
}

impl Persona {
    /// A persona written on its own, as under `persona:` in the tenants
    /// file (tests and tools build one this way), checked.
    pub fn parse(yaml: &str) -> Result<Self, crate::TenantsError> {
        let persona: Self =
            serde_saphyr::from_str(yaml).map_err(|e| crate::TenantsError::Shape(e.to_string()))?;
        persona.check().map_err(crate::TenantsError::Invalid)?;
        Ok(persona)
    }

    /// Where the shop delivers: `delivery.areas`, or the older
    /// `delivery_areas`.
    pub fn areas(&self) -> &[String] {
        match &self.delivery {
            Some(delivery) if !delivery.areas.is_empty() => &delivery.areas,
            _ => &self.delivery_areas,
        }
    }

    /// Every text of the shop's facts and rules (the honesty guard takes
    /// their figures as the shop's word).
    pub fn fact_texts(&self) -> Vec<&str> {
        let delivery = self.delivery.as_ref();
        [
            self.returns.as_ref(),
            self.warranty.as_ref(),
            self.opening_hours.as_ref(),
            delivery.and_then(|d| d.cost.as_ref()),
            delivery.and_then(|d| d.time.as_ref()),
        ]
        .into_iter()
        .flatten()
        .flat_map(ShopText::texts)
        .chain(self.business_rules.iter().map(String::as_str))
        .collect()
    }

    /// The persona's rules: no empty text anywhere (a key with nothing to
    /// say is left out, so the seller says the shop has not said), and
    /// delivery areas written once.
    pub fn check(&self) -> Result<(), String> {
        for (what, text) in [
            ("seller_name", &self.seller_name),
            ("brand_name", &self.brand_name),
            ("tone", &self.tone),
            ("greeting", &self.greeting),
        ] {
            non_empty(what, text)?;
        }
        for (what, text) in [
            ("returns", &self.returns),
            ("warranty", &self.warranty),
            ("opening_hours", &self.opening_hours),
        ] {
            text.as_ref().map_or(Ok(()), |t| t.check(what))?;
        }
        let lists = [
            ("delivery_areas", &self.delivery_areas),
            ("payment_methods", &self.payment_methods),
            ("business_rules", &self.business_rules),
        ];
        for (what, items) in lists {
            items.iter().try_for_each(|t| non_empty(what, t))?;
        }
        if let Some(delivery) = &self.delivery {
            if !delivery.areas.is_empty() && !self.delivery_areas.is_empty() {
                return Err("delivery areas are written twice: keep `delivery.areas` and drop `delivery_areas`".to_owned());
            }
            delivery
                .areas
                .iter()
                .try_for_each(|t| non_empty("delivery.areas", t))?;
            delivery
                .cost
                .as_ref()
                .map_or(Ok(()), |t| t.check("delivery.cost"))?;
            delivery
                .time
                .as_ref()
                .map_or(Ok(()), |t| t.check("delivery.time"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const BASE: &str =
        "seller_name: S\nbrand_name: B\ntone: calm\ngreeting: Hi\ndefault_language: es\n";

    #[test]
    fn a_fact_is_a_plain_text_or_translations() {
        let persona = Persona::parse(&format!(
            "{BASE}returns: Devoluciones en 30 días\nwarranty: {{ en: Two years, pt-BR: Dois anos }}\ndelivery: {{ areas: [Madrid], cost: Gratis }}\n"
        ))
        .unwrap();

        let returns = persona.returns.as_ref().unwrap();
        assert_eq!(
            returns.in_language("es-ES", "es"),
            Some("Devoluciones en 30 días")
        );
        assert_eq!(returns.in_language("en", "es"), None);
        assert_eq!(returns.original("es"), "Devoluciones en 30 días");
        let warranty = persona.warranty.as_ref().unwrap();
        assert_eq!(warranty.in_language("pt", "es"), Some("Dois anos"));
        assert_eq!(warranty.in_language("fr", "es"), None);
        assert_eq!(warranty.original("es"), "Two years");
        assert_eq!(persona.areas(), ["Madrid"]);
        assert!(persona.fact_texts().contains(&"Gratis"));
    }

    #[test]
    fn older_files_without_the_facts_still_load() {
        let persona = Persona::parse(&format!(
            "{BASE}delivery_areas: [Spain]\nopening_hours: Mon–Fri 9–18\n"
        ))
        .unwrap();

        assert_eq!(persona.areas(), ["Spain"]);
        assert_eq!(persona.returns, None);
        assert_eq!(
            persona.opening_hours,
            Some(ShopText::Plain("Mon–Fri 9–18".into()))
        );
    }

    #[test]
    fn empty_texts_are_refused_with_what_is_empty() {
        for (yaml, named) in [
            ("returns: \"\"\n", "returns is empty"),
            ("warranty: { en: \" \" }\n", "warranty.en is empty"),
            ("delivery: { time: \"\" }\n", "delivery.time is empty"),
            ("business_rules: [\"\"]\n", "business_rules is empty"),
            (
                "payment_methods: [card, \"\"]\n",
                "payment_methods is empty",
            ),
            ("warranty: {}\n", "warranty has no text"),
            (
                "delivery_areas: [A]\ndelivery: { areas: [B] }\n",
                "written twice",
            ),
        ] {
            let error = Persona::parse(&format!("{BASE}{yaml}"))
                .unwrap_err()
                .to_string();

            assert!(error.contains(named), "{yaml}: {error}");
        }
    }
}
