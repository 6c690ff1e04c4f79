//! What the stack needs from the tenants file: the tenants, and the brands
//! that have a seller persona (each gets a seller process).

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

/// A tenant and its brands with a persona.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantBrands {
    /// Tenant id.
    pub tenant: String,
    /// Tenant display name.
    pub name: String,
    /// Brands that have a `persona`.
    pub brands: Vec<String>,
    /// Whether the tenant offers the web chat.
    pub webchat: bool,
}

#[derive(Deserialize)]
struct File {
    tenants: Vec<Tenant>,
}

#[derive(Deserialize)]
struct Tenant {
    id: String,
    name: String,
    #[serde(default)]
    brands: Vec<Brand>,
    #[serde(default)]
    webchat: Option<serde_yaml::Value>,
}

#[derive(Deserialize)]
struct Brand {
    id: String,
    #[serde(default)]
    persona: Option<serde_yaml::Value>,
}

/// Reads `path`.
pub fn read(path: &Path) -> anyhow::Result<Vec<TenantBrands>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("Failed to read the tenants file {}", path.display()))?;
    parse(&text).with_context(|| format!("The tenants file {} is invalid", path.display()))
}

/// Parses a tenants file's text.
pub fn parse(text: &str) -> anyhow::Result<Vec<TenantBrands>> {
    let file: File = serde_yaml::from_str(text)?;
    Ok(file
        .tenants
        .into_iter()
        .map(|t| TenantBrands {
            tenant: t.id,
            name: t.name,
            brands: t
                .brands
                .into_iter()
                .filter(|b| b.persona.is_some())
                .map(|b| b.id)
                .collect(),
            webchat: t.webchat.is_some(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_brands_with_a_persona_get_a_seller() {
        let tenants = parse(
            "tenants:\n  - id: a\n    name: A\n    brands:\n      - id: x\n        persona: {seller_name: X}\n      - id: y\n",
        )
        .expect("parses");
        assert_eq!(
            tenants,
            vec![TenantBrands {
                tenant: "a".into(),
                name: "A".into(),
                brands: vec!["x".into()],
                webchat: false,
            }]
        );
    }

    #[test]
    fn the_demo_file_has_six_sellers() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/tenants.demo.yaml");
        let tenants = read(&path).expect("the demo file parses");
        let sellers: usize = tenants.iter().map(|t| t.brands.len()).sum();
        assert_eq!(sellers, 6, "{tenants:?}");
    }
}
