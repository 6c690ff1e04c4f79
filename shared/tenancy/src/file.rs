//! The tenants file: every tenant, its brands (each with the seller
//! [`Persona`] when the brand has an AI seller) and its chat channels
//! (WhatsApp numbers, Telegram bots, the web chat). The gateway, every seller
//! and `store-up` read the same file; it is parsed and checked here, once:
//! its shape (unknown keys are refused, so a typo is an error, not a silent
//! default; [`crate::schema`] is the same shape as a JSON Schema) and its
//! rules (unique ids, channels routed to brands that exist, origins that are
//! origins). Secrets stay [`SecretRef`]s; the service that uses one
//! resolves it.

use std::{collections::HashSet, path::Path};

use schemars::JsonSchema;
use serde::Deserialize;
use store_events::{BrandId, TenantId};

use crate::{persona::Persona, secret::SecretRef};

/// Why a tenants file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TenantsError {
    /// The file could not be read.
    #[error("failed to read the tenants file {path}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML is not of the expected shape; the message says where.
    #[error("the tenants file is not of the expected shape: {0}")]
    Shape(String),
    /// A rule of the file is broken.
    #[error("tenants file: {0}")]
    Invalid(String),
}

/// The whole file, checked.
#[derive(Debug, Clone)]
pub struct TenantsFile {
    /// Every tenant, in file order.
    pub tenants: Vec<Tenant>,
}

/// One tenant with its brands and channels.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Tenant id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// Text above the brand menu, when the tenant sets one.
    pub menu_text: Option<String>,
    /// Brands, in menu order; at least one.
    pub brands: Vec<Brand>,
    /// WhatsApp business numbers.
    pub whatsapp: Vec<WhatsAppAccount>,
    /// Telegram bots.
    pub telegram: Vec<TelegramAccount>,
    /// The web chat, when the tenant offers one.
    pub webchat: Option<Webchat>,
}

/// A brand of a tenant.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Brand id (a routing-key-safe slug).
    #[schemars(with = "String")]
    pub id: BrandId,
    /// Name shown to shoppers (e.g. in the brand menu).
    pub name: String,
    /// One line shown under the name in the menu.
    #[serde(default)]
    pub description: Option<String>,
    /// The brand's AI seller; a brand without one has no seller.
    #[serde(default)]
    pub persona: Option<Persona>,
}

/// Which brand a channel account's shoppers talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    /// Always this brand.
    Brand(BrandId),
    /// The shopper picks one of these brands (in menu order) and can switch.
    Menu(Vec<BrandId>),
}

/// A WhatsApp business phone number.
#[derive(Debug, Clone)]
pub struct WhatsAppAccount {
    /// `metadata.phone_number_id` of the webhooks, and the sender id.
    pub phone_number_id: String,
    /// Token Meta echoes in the verification handshake.
    pub verify_token: SecretRef,
    /// App secret signing the webhooks (`X-Hub-Signature-256`).
    pub app_secret: SecretRef,
    /// Graph API access token for sending.
    pub access_token: SecretRef,
    /// Brand routing.
    pub routing: Routing,
    /// Template sent instead when the 24-hour window is closed.
    pub template_fallback: Option<Template>,
    /// Meta commerce catalogue of the number, for product messages.
    pub catalog_id: Option<String>,
}

/// A Telegram bot.
#[derive(Debug, Clone)]
pub struct TelegramAccount {
    /// Bot API token (`<bot id>:<secret>`).
    pub bot_token: SecretRef,
    /// `secret_token` set with `setWebhook`.
    pub secret_token: SecretRef,
    /// Brand routing.
    pub routing: Routing,
}

/// A WhatsApp message template, sent when a free-form message cannot be
/// (more than 24 hours since the shopper last wrote).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Template name as approved by Meta.
    pub name: String,
    /// Language code, e.g. `en_US`.
    pub language: String,
}

/// The web chat of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webchat {
    /// Brands of the brand picker, in order; at least one, each once.
    pub brands: Vec<BrandId>,
    /// Origins (`https://shop.example.com`) allowed by CORS, as browsers
    /// serialise them.
    pub allowed_origins: Vec<String>,
}

impl TenantsFile {
    /// Reads and checks the tenants file at `path`.
    pub fn load(path: &Path) -> Result<Self, TenantsError> {
        let text = std::fs::read_to_string(path).map_err(|source| TenantsError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses and checks a tenants file's text.
    pub fn parse(yaml: &str) -> Result<Self, TenantsError> {
        let file: raw::File =
            serde_saphyr::from_str(yaml).map_err(|e| TenantsError::Shape(e.to_string()))?;
        let mut ids = HashSet::new();
        let mut phone_ids = HashSet::new();
        let tenants = file
            .tenants
            .into_iter()
            .map(|tenant| {
                if !ids.insert(tenant.id.clone()) {
                    return Err(invalid(format!("tenant {} appears twice", tenant.id)));
                }
                check_tenant(tenant, &mut phone_ids)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { tenants })
    }

    /// The tenant with this id.
    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.as_str() == id)
    }

    /// The persona of `tenant`'s `brand`, when the brand has a seller.
    pub fn persona(&self, tenant: &str, brand: &str) -> Option<&Persona> {
        self.tenant(tenant)?
            .brands
            .iter()
            .find(|b| b.id.as_str() == brand)?
            .persona
            .as_ref()
    }
}

impl Tenant {
    /// The brand with this id.
    pub fn brand(&self, id: &BrandId) -> Option<&Brand> {
        self.brands.iter().find(|b| &b.id == id)
    }
}

fn invalid(message: String) -> TenantsError {
    TenantsError::Invalid(message)
}

/// Checks one tenant's rules; `phone_ids` are the WhatsApp numbers of the
/// tenants before it (a number belongs to one tenant).
fn check_tenant(
    tenant: raw::Tenant,
    phone_ids: &mut HashSet<String>,
) -> Result<Tenant, TenantsError> {
    let tid = tenant.id.as_str().to_owned();
    if tenant.brands.is_empty() {
        return Err(invalid(format!("tenant {tid} has no brand")));
    }
    let mut brand_ids = HashSet::new();
    for brand in &tenant.brands {
        if !brand_ids.insert(brand.id.clone()) {
            return Err(invalid(format!(
                "tenant {tid}: brand {} appears twice",
                brand.id
            )));
        }
        if let Some(persona) = &brand.persona {
            persona.check().map_err(|why| {
                invalid(format!("tenant {tid}: brand {}: persona: {why}", brand.id))
            })?;
        }
    }
    let routing = |what: &str, brand: Option<BrandId>, menu: Option<Vec<BrandId>>| {
        let routing = match (brand, menu) {
            (Some(b), None) => Routing::Brand(b),
            (None, Some(m)) if !m.is_empty() => Routing::Menu(m),
            _ => {
                return Err(invalid(format!(
                    "tenant {tid}: {what} needs either `brand` or a non-empty `menu`"
                )));
            }
        };
        let ids = match &routing {
            Routing::Brand(b) => std::slice::from_ref(b),
            Routing::Menu(m) => m.as_slice(),
        };
        if let Some(unknown) = ids.iter().find(|b| !brand_ids.contains(*b)) {
            return Err(invalid(format!(
                "tenant {tid}: {what} routes to unknown brand {unknown}"
            )));
        }
        Ok(routing)
    };
    let mut whatsapp = Vec::new();
    for account in tenant.whatsapp {
        let what = format!("whatsapp {}", account.phone_number_id);
        if account.phone_number_id.is_empty() || !phone_ids.insert(account.phone_number_id.clone())
        {
            return Err(invalid(format!("{what}: empty or used twice")));
        }
        whatsapp.push(WhatsAppAccount {
            routing: routing(&what, account.brand, account.menu)?,
            phone_number_id: account.phone_number_id,
            verify_token: account.verify_token,
            app_secret: account.app_secret,
            access_token: account.access_token,
            template_fallback: account.template_fallback,
            catalog_id: account.catalog_id,
        });
    }
    let mut telegram = Vec::new();
    for (i, bot) in tenant.telegram.into_iter().enumerate() {
        let what = format!("telegram bot #{}", i + 1);
        telegram.push(TelegramAccount {
            routing: routing(&what, bot.brand, bot.menu)?,
            bot_token: bot.bot_token,
            secret_token: bot.secret_token,
        });
    }
    let webchat = tenant
        .webchat
        .map(|w| check_webchat(&tid, w, &brand_ids))
        .transpose()?;
    Ok(Tenant {
        id: tenant.id,
        name: tenant.name,
        menu_text: tenant.menu_text,
        brands: tenant.brands,
        whatsapp,
        telegram,
        webchat,
    })
}

/// Checks a `webchat:` section: known brands, each once; origins as a
/// browser sends them in `Origin` (scheme, host, port; no path).
fn check_webchat(
    tid: &str,
    webchat: raw::Webchat,
    brand_ids: &HashSet<BrandId>,
) -> Result<Webchat, TenantsError> {
    if webchat.brands.is_empty() {
        return Err(invalid(format!(
            "tenant {tid}: webchat needs at least one brand"
        )));
    }
    let mut seen = HashSet::new();
    for brand in &webchat.brands {
        if !brand_ids.contains(brand) {
            return Err(invalid(format!(
                "tenant {tid}: webchat offers unknown brand {brand}"
            )));
        }
        if !seen.insert(brand) {
            return Err(invalid(format!(
                "tenant {tid}: webchat lists brand {brand} twice"
            )));
        }
    }
    let mut allowed_origins = Vec::with_capacity(webchat.allowed_origins.len());
    for origin in webchat.allowed_origins {
        let serialised = url::Url::parse(&origin)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.origin().ascii_serialization());
        match serialised {
            Some(s) if s == origin.trim_end_matches('/') => allowed_origins.push(s),
            _ => {
                return Err(invalid(format!(
                    "tenant {tid}: webchat allowed origin {origin:?} is not an origin like https://shop.example.com"
                )));
            }
        }
    }
    Ok(Webchat {
        brands: webchat.brands,
        allowed_origins,
    })
}

/// The file exactly as written: what serde reads and the JSON Schema
/// describes, before the rules are checked.
pub(crate) mod raw {
    use schemars::JsonSchema;
    use serde::Deserialize;
    use store_events::{BrandId, TenantId};

    use crate::{
        file::{Brand, Template},
        secret::SecretRef,
    };

    /// The tenants file of agent-store: tenants, their brands with each
    /// brand's AI seller persona, and their chat channels.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[schemars(title = "agent-store tenants file")]
    pub struct File {
        /// Every tenant the store serves.
        pub tenants: Vec<Tenant>,
    }

    /// A tenant (a shop) with its brands and channels.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Tenant {
        /// Tenant id (a routing-key-safe slug: lowercase letters, digits, `-`).
        #[schemars(with = "String")]
        pub id: TenantId,
        /// Display name.
        pub name: String,
        /// Text above the brand menu.
        #[serde(default)]
        pub menu_text: Option<String>,
        /// The tenant's brands, in menu order; at least one.
        pub brands: Vec<Brand>,
        /// WhatsApp business numbers.
        #[serde(default)]
        pub whatsapp: Vec<WhatsApp>,
        /// Telegram bots.
        #[serde(default)]
        pub telegram: Vec<Telegram>,
        /// The web chat, when the tenant offers one.
        #[serde(default)]
        pub webchat: Option<Webchat>,
    }

    /// A WhatsApp business number: routed to one `brand` or a `menu`.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct WhatsApp {
        /// `metadata.phone_number_id` of the webhooks.
        pub phone_number_id: String,
        /// Token Meta echoes in the verification handshake.
        pub verify_token: SecretRef,
        /// App secret signing the webhooks.
        pub app_secret: SecretRef,
        /// Graph API access token for sending.
        pub access_token: SecretRef,
        /// The one brand this number talks for.
        #[serde(default)]
        #[schemars(with = "Option<String>")]
        pub brand: Option<BrandId>,
        /// The brands shoppers pick from.
        #[serde(default)]
        #[schemars(with = "Option<Vec<String>>")]
        pub menu: Option<Vec<BrandId>>,
        /// Template sent when the 24-hour window is closed.
        #[serde(default)]
        pub template_fallback: Option<Template>,
        /// Meta commerce catalogue of the number.
        #[serde(default)]
        pub catalog_id: Option<String>,
    }

    /// A Telegram bot: routed to one `brand` or a `menu`.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Telegram {
        /// Bot API token (`<bot id>:<secret>`).
        pub bot_token: SecretRef,
        /// `secret_token` set with `setWebhook`.
        pub secret_token: SecretRef,
        /// The one brand this bot talks for.
        #[serde(default)]
        #[schemars(with = "Option<String>")]
        pub brand: Option<BrandId>,
        /// The brands shoppers pick from.
        #[serde(default)]
        #[schemars(with = "Option<Vec<String>>")]
        pub menu: Option<Vec<BrandId>>,
    }

    /// The web chat: its brand picker and the sites that may embed it.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Webchat {
        /// Brands of the brand picker, in order.
        #[schemars(with = "Vec<String>")]
        pub brands: Vec<BrandId>,
        /// Origins allowed by CORS (`https://shop.example.com`).
        #[serde(default)]
        pub allowed_origins: Vec<String>,
    }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "file_fuzz_tests.rs"]
mod fuzz_tests;
