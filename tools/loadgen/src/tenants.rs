//! The tenants the load shops at: the demo tenants file, with a WhatsApp
//! number and a Telegram bot of the load's own routed straight to each
//! brand that has a seller (no brand menu in the way), signed with secrets
//! the load knows. The web chat is the demo's own.

use anyhow::Context as _;
use serde_json::{Value, json};

/// The app secret every load number signs its webhooks with.
pub const APP_SECRET: &str = "loadgen-app-secret";

/// One brand the shoppers talk to, and how to reach it on each channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBrand {
    /// Tenant id.
    pub tenant: String,
    /// Brand id.
    pub brand: String,
    /// The load's WhatsApp number (`phone_number_id`) routed to it.
    pub number: String,
    /// The load's Telegram bot token routed to it.
    pub bot_token: String,
    /// That bot's webhook secret token.
    pub telegram_secret: String,
    /// What a shopper searches for there.
    pub search: String,
}

/// The demo tenants file the services ship with.
const DEMO: &str = include_str!("../../../config/tenants.demo.yaml");

/// Every brand with a seller in the demo file, numbered in file order.
pub fn brands() -> anyhow::Result<Vec<LoadBrand>> {
    let file: Value = serde_saphyr::from_str(DEMO).context("the demo tenants file")?;
    let mut brands = Vec::new();
    for tenant in file["tenants"].as_array().into_iter().flatten() {
        let tenant_id = tenant["id"].as_str().context("a tenant has an id")?;
        for brand in tenant["brands"].as_array().into_iter().flatten() {
            if brand["persona"].is_null() {
                continue;
            }
            let brand_id = brand["id"].as_str().context("a brand has an id")?;
            let n = brands.len() + 1;
            brands.push(LoadBrand {
                tenant: tenant_id.to_owned(),
                brand: brand_id.to_owned(),
                number: format!("40000000000{n:04}"),
                bot_token: format!("80000{n:05}:loadgen-bot-token"),
                telegram_secret: format!("loadgen-telegram-secret-{n}"),
                search: search_for(brand_id).to_owned(),
            });
        }
    }
    anyhow::ensure!(
        !brands.is_empty(),
        "the demo file has no brand with a seller"
    );
    Ok(brands)
}

/// A search that finds something in the demo catalog of `brand`.
fn search_for(brand: &str) -> &'static str {
    match brand {
        "fashion" => "show me sneakers",
        "tech" => "show me headphones",
        "home" => "show me a mug",
        "beauty" => "show me face cream",
        "gaming" => "show me a gaming mouse",
        "bakery" => "show me croissant",
        _ => "what do you have?",
    }
}

/// The demo tenants file plus the load's numbers and bots, as YAML (JSON
/// is YAML: the services read it as any tenants file).
pub fn file(brands: &[LoadBrand]) -> anyhow::Result<String> {
    let mut file: Value = serde_saphyr::from_str(DEMO).context("the demo tenants file")?;
    for brand in brands {
        let tenant = file["tenants"]
            .as_array_mut()
            .and_then(|ts| ts.iter_mut().find(|t| t["id"] == brand.tenant.as_str()))
            .with_context(|| format!("tenant {} is not in the demo file", brand.tenant))?;
        push(
            tenant,
            "whatsapp",
            json!({
                "phone_number_id": brand.number,
                "verify_token": { "value": "loadgen-verify-token" },
                "app_secret": { "value": APP_SECRET },
                "access_token": { "value": "loadgen-access-token" },
                "brand": brand.brand,
            }),
        )?;
        push(
            tenant,
            "telegram",
            json!({
                "bot_token": { "value": brand.bot_token },
                "secret_token": { "value": brand.telegram_secret },
                "brand": brand.brand,
            }),
        )?;
    }
    Ok(serde_json::to_string_pretty(&file)?)
}

/// Appends `entry` to the tenant's list `key`, creating it.
fn push(tenant: &mut Value, key: &str, entry: Value) -> anyhow::Result<()> {
    if tenant[key].is_null() {
        tenant[key] = json!([]);
    }
    tenant[key]
        .as_array_mut()
        .with_context(|| format!("the tenant's {key} is not a list"))?
        .push(entry);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_seller_brand_gets_a_number_and_a_bot_of_its_own() {
        let brands = brands().unwrap();
        assert_eq!(brands.len(), 6, "{brands:?}");
        let numbers: std::collections::HashSet<_> = brands.iter().map(|b| &b.number).collect();
        assert_eq!(numbers.len(), brands.len());
        assert!(brands.iter().all(|b| b.number.len() == 15));

        let text = file(&brands).unwrap();
        let tenants = store_stack::tenants::parse(&text).unwrap();
        assert_eq!(tenants.iter().map(|t| t.brands.len()).sum::<usize>(), 6);
        assert!(text.contains(&brands[0].bot_token));
    }
}
