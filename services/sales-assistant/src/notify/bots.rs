//! The tenants' Telegram bots, from the tenants file (`TENANTS_FILE`, the
//! one the gateway reads): a notification about a brand goes out through
//! the tenant's bot routed to that brand, or its first bot. Tokens are
//! resolved once at start-up and kept as secrets.

use std::{collections::HashMap, path::Path};

use anyhow::Context as _;
use secrecy::SecretString;
use store_tenancy::file::{Routing, TenantsFile};

/// One bot: the brands it talks for, and its token.
#[derive(Clone)]
struct Bot {
    routing: Routing,
    token: SecretString,
}

/// Every tenant's Telegram bots.
#[derive(Clone, Default)]
pub struct TelegramBots(HashMap<String, Vec<Bot>>);

impl std::fmt::Debug for TelegramBots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tenants and how many bots, never a token.
        f.debug_map()
            .entries(self.0.iter().map(|(tenant, bots)| (tenant, bots.len())))
            .finish()
    }
}

impl TelegramBots {
    /// The bots of every tenant of the tenants file at `path`, their
    /// tokens resolved (an unresolvable one is an error naming its tenant).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let file = TenantsFile::load(path).context("Failed to read the tenants file")?;
        Self::of(&file)
    }

    /// The bots of `file`'s tenants.
    pub fn of(file: &TenantsFile) -> anyhow::Result<Self> {
        let mut bots = HashMap::new();
        for tenant in &file.tenants {
            let mut of_tenant = Vec::new();
            for (i, account) in tenant.telegram.iter().enumerate() {
                let token = account.bot_token.resolve().map_err(|why| {
                    anyhow::anyhow!(
                        "tenant {}: the bot token of telegram bot #{} {why}",
                        tenant.id,
                        i + 1
                    )
                })?;
                of_tenant.push(Bot {
                    routing: account.routing.clone(),
                    token,
                });
            }
            if !of_tenant.is_empty() {
                bots.insert(tenant.id.as_str().to_owned(), of_tenant);
            }
        }
        Ok(Self(bots))
    }

    /// The token of `tenant`'s bot for `brand`: the first routed to it,
    /// else the tenant's first bot; none when the tenant has no bot.
    pub fn token(&self, tenant: &str, brand: &str) -> Option<&SecretString> {
        let bots = self.0.get(tenant)?;
        let routes_to = |bot: &&Bot| match &bot.routing {
            Routing::Brand(b) => b.as_str() == brand,
            Routing::Menu(brands) => brands.iter().any(|b| b.as_str() == brand),
        };
        bots.iter()
            .find(routes_to)
            .or_else(|| bots.first())
            .map(|bot| &bot.token)
    }

    /// Whether `tenant` has a bot.
    pub fn has(&self, tenant: &str) -> bool {
        self.0.contains_key(tenant)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use secrecy::ExposeSecret as _;

    use super::*;

    const FILE: &str = r#"
tenants:
  - id: acme
    name: Acme
    brands:
      - { id: shoes, name: Shoes }
      - { id: bags, name: Bags }
      - { id: hats, name: Hats }
    telegram:
      - bot_token: { value: "1:shoes" }
        secret_token: { value: s1 }
        brand: shoes
      - bot_token: { value: "2:menu" }
        secret_token: { value: s2 }
        menu: [bags, shoes]
  - id: solo
    name: Solo
    brands:
      - { id: tea, name: Tea }
"#;

    #[test]
    fn a_brand_gets_the_bot_routed_to_it_else_the_tenants_first() {
        let bots = TelegramBots::of(&TenantsFile::parse(FILE).unwrap()).unwrap();
        let token = |tenant, brand| {
            bots.token(tenant, brand)
                .map(|t| t.expose_secret().to_owned())
        };

        assert_eq!(token("acme", "shoes").as_deref(), Some("1:shoes"));
        assert_eq!(token("acme", "bags").as_deref(), Some("2:menu"));
        assert_eq!(token("acme", "hats").as_deref(), Some("1:shoes"));
        assert_eq!(token("solo", "tea"), None);
        assert!(bots.has("acme") && !bots.has("solo"));
        assert!(!format!("{bots:?}").contains("1:shoes"));
    }
}
