//! The seller persona of a brand: who the brand's AI seller is, how it
//! speaks and the shop's own rules it answers from. Read from the tenants
//! file; no brand text lives in code.

use schemars::JsonSchema;
use serde::Deserialize;

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
    /// Where the brand delivers.
    #[serde(default)]
    pub delivery_areas: Vec<String>,
    /// When humans are available.
    #[serde(default)]
    pub opening_hours: Option<String>,
    /// Accepted payment methods.
    #[serde(default)]
    pub payment_methods: Vec<String>,
    /// Other rules the seller must follow.
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
    /// file (tests and tools build one this way).
    pub fn parse(yaml: &str) -> Result<Self, crate::TenantsError> {
        serde_saphyr::from_str(yaml).map_err(|e| crate::TenantsError::Shape(e.to_string()))
    }
}
