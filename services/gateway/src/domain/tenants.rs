//! The gateway's view of the tenants file (read and checked by
//! store-tenancy): each tenant with its brands and chat channels, secrets
//! resolved, so a webhook maps to a tenant, a channel account and the brand
//! (or brand menu) behind it.
//!
//! Secrets in the file are references, `{ value: … }`, `{ env: NAME }` or
//! `{ file: /path }`, so Kubernetes secrets can be mounted as variables or
//! files; they are resolved at start-up and a missing one stops it.

use std::{collections::HashSet, path::Path};

use secrecy::SecretString;
use store_events::{BrandId, TenantId};
pub use store_tenancy::{Brand, Routing, Template, TenantsError};
use store_tenancy::{SecretRef, TenantsFile};

/// A WhatsApp business phone number of a tenant.
#[derive(Debug)]
pub struct WhatsAppChannel {
    /// `metadata.phone_number_id` of the webhooks, and the sender id.
    pub phone_number_id: String,
    /// Token Meta echoes in the verification handshake.
    pub verify_token: SecretString,
    /// App secret signing the webhooks (`X-Hub-Signature-256`).
    pub app_secret: SecretString,
    /// Graph API access token for sending.
    pub access_token: SecretString,
    /// Brand routing.
    pub routing: Routing,
    /// Template sent instead when the 24-hour window is closed.
    pub template_fallback: Option<Template>,
    /// Meta commerce catalogue of the number, for product messages.
    pub catalog_id: Option<String>,
}

/// A Telegram bot of a tenant.
#[derive(Debug)]
pub struct TelegramChannel {
    /// The bot's id: the digits before `:` in its token.
    pub bot_id: String,
    /// Bot API token.
    pub bot_token: SecretString,
    /// `secret_token` set with `setWebhook`, echoed in
    /// `X-Telegram-Bot-Api-Secret-Token`.
    pub secret_token: SecretString,
    /// Brand routing.
    pub routing: Routing,
}

/// The web chat of a tenant: which brands its page offers and which other
/// sites may call its JSON endpoints from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webchat {
    /// Brands of the brand picker, in order; at least one.
    pub brands: Vec<BrandId>,
    /// Origins (`https://shop.example.com`) allowed by CORS, as browsers
    /// serialise them. The gateway's own page needs none.
    pub allowed_origins: Vec<String>,
}

impl Webchat {
    /// Whether the web chat offers `brand`.
    pub fn offers(&self, brand: &BrandId) -> bool {
        self.brands.contains(brand)
    }

    /// Whether a browser page of `origin` may call the JSON endpoints.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

/// One tenant with its brands and channels.
#[derive(Debug)]
pub struct Tenant {
    /// Tenant id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// Text above the brand menu.
    pub menu_text: String,
    /// Brands, in menu order.
    pub brands: Vec<Brand>,
    /// WhatsApp numbers.
    pub whatsapp: Vec<WhatsAppChannel>,
    /// Telegram bots.
    pub telegram: Vec<TelegramChannel>,
    /// The web chat, when the tenant offers one.
    pub webchat: Option<Webchat>,
}

impl Tenant {
    /// The brand with this id.
    pub fn brand(&self, id: &BrandId) -> Option<&Brand> {
        self.brands.iter().find(|b| &b.id == id)
    }

    /// The WhatsApp channel with this phone number id.
    pub fn whatsapp_channel(&self, phone_number_id: &str) -> Option<&WhatsAppChannel> {
        self.whatsapp
            .iter()
            .find(|c| c.phone_number_id == phone_number_id)
    }

    /// The Telegram bot with this id.
    pub fn telegram_channel(&self, bot_id: &str) -> Option<&TelegramChannel> {
        self.telegram.iter().find(|c| c.bot_id == bot_id)
    }
}

/// Every tenant the gateway serves.
#[derive(Debug)]
pub struct Tenants {
    tenants: Vec<Tenant>,
}

/// Default text above the brand menu.
pub const DEFAULT_MENU_TEXT: &str = "Welcome! Which of our shops would you like to talk to?";

impl Tenants {
    /// Reads, resolves and validates the tenant file at `path`.
    pub fn load(path: &Path) -> Result<Self, TenantsError> {
        Self::resolve(TenantsFile::load(path)?)
    }

    /// Parses and checks a tenant file's text, then resolves its secrets.
    pub fn parse(yaml: &str) -> Result<Self, TenantsError> {
        Self::resolve(TenantsFile::parse(yaml)?)
    }

    /// Resolves the secrets of a checked tenants file and derives each
    /// Telegram bot's id from its token.
    fn resolve(file: TenantsFile) -> Result<Self, TenantsError> {
        let mut bot_ids = HashSet::new();
        let mut tenants = Vec::new();
        for t in file.tenants {
            let tid = t.id.as_str().to_owned();
            let secret = |reference: &SecretRef, what: &str| {
                reference
                    .resolve()
                    .map_err(|reason| invalid(format!("secret {what} of tenant {tid}: {reason}")))
            };
            let mut whatsapp = Vec::new();
            for w in t.whatsapp {
                let what = format!("whatsapp {}", w.phone_number_id);
                whatsapp.push(WhatsAppChannel {
                    verify_token: secret(&w.verify_token, &format!("{what} verify_token"))?,
                    app_secret: secret(&w.app_secret, &format!("{what} app_secret"))?,
                    access_token: secret(&w.access_token, &format!("{what} access_token"))?,
                    routing: w.routing,
                    template_fallback: w.template_fallback,
                    catalog_id: w.catalog_id,
                    phone_number_id: w.phone_number_id,
                });
            }
            let mut telegram = Vec::new();
            for (i, tg) in t.telegram.into_iter().enumerate() {
                let what = format!("telegram bot #{}", i + 1);
                let bot_token = secret(&tg.bot_token, &format!("{what} bot_token"))?;
                let bot_id = bot_id_of(&bot_token).ok_or_else(|| {
                    invalid(format!(
                        "tenant {tid}: {what} token is not <digits>:<secret>"
                    ))
                })?;
                if !bot_ids.insert(bot_id.clone()) {
                    return Err(invalid(format!("telegram bot {bot_id} is used twice")));
                }
                telegram.push(TelegramChannel {
                    secret_token: secret(&tg.secret_token, &format!("{what} secret_token"))?,
                    routing: tg.routing,
                    bot_id,
                    bot_token,
                });
            }
            tenants.push(Tenant {
                webchat: t.webchat.map(|w| Webchat {
                    brands: w.brands,
                    allowed_origins: w.allowed_origins,
                }),
                id: t.id,
                name: t.name,
                menu_text: t.menu_text.unwrap_or_else(|| DEFAULT_MENU_TEXT.to_owned()),
                brands: t.brands,
                whatsapp,
                telegram,
            });
        }
        Ok(Self { tenants })
    }

    /// The tenant with this id, as written in a webhook path.
    pub fn get(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.as_str() == id)
    }

    /// Every tenant.
    pub fn iter(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.iter()
    }
}

fn invalid(message: String) -> TenantsError {
    TenantsError::Invalid(message)
}

/// The bot id of a Bot API token (`123456:ABC…` → `123456`).
fn bot_id_of(token: &SecretString) -> Option<String> {
    use secrecy::ExposeSecret;
    let (id, rest) = token.expose_secret().split_once(':')?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty())
        .then(|| id.to_owned())
}

#[cfg(test)]
#[path = "tenants_tests.rs"]
mod tests;
