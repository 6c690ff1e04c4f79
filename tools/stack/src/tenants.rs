//! What the stack needs from the tenants file: the tenants, and the brands
//! that have a seller persona (each gets a seller process).

use std::path::Path;

use anyhow::Context as _;
use store_tenancy::TenantsFile;

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

/// Reads and checks the tenants file at `path` (store-tenancy's one model).
pub fn read(path: &Path) -> anyhow::Result<Vec<TenantBrands>> {
    let file = TenantsFile::load(path)
        .with_context(|| format!("The tenants file {} is invalid", path.display()))?;
    Ok(brands_with_sellers(&file))
}

/// Parses and checks a tenants file's text.
pub fn parse(text: &str) -> anyhow::Result<Vec<TenantBrands>> {
    Ok(brands_with_sellers(&TenantsFile::parse(text)?))
}

fn brands_with_sellers(file: &TenantsFile) -> Vec<TenantBrands> {
    file.tenants
        .iter()
        .map(|t| TenantBrands {
            tenant: t.id.as_str().to_owned(),
            name: t.name.clone(),
            brands: t
                .brands
                .iter()
                .filter(|b| b.persona.is_some())
                .map(|b| b.id.as_str().to_owned())
                .collect(),
            webchat: t.webchat.is_some(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_brands_with_a_persona_get_a_seller() {
        let tenants = parse(
            "tenants:\n  - id: a\n    name: A\n    brands:\n      - id: x\n        name: X\n        persona: {seller_name: X, brand_name: X, tone: calm, greeting: Hi}\n      - id: y\n        name: Y\n",
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
