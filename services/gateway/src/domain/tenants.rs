//! Tenants, their brands and their chat channels, as read from the tenant
//! file (YAML): the gateway's map from a webhook to a tenant, a channel
//! account and the brand (or brand menu) behind it.
//!
//! Secrets in the file are references, `{ value: … }`, `{ env: NAME }` or
//! `{ file: /path }`, so Kubernetes secrets can be mounted as variables or
//! files; they are resolved and the whole file validated at start-up.

use std::{collections::HashSet, path::Path};

use secrecy::SecretString;
use serde::Deserialize;
use store_events::{BrandId, TenantId};

/// Why the tenant file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TenantsError {
    /// The file could not be read.
    #[error("failed to read the tenant file {path}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML did not match the expected shape.
    #[error("the tenant file is not valid YAML of the expected shape: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// A secret reference could not be resolved.
    #[error("secret {what} of tenant {tenant}: {reason}")]
    Secret {
        /// Tenant.
        tenant: String,
        /// Which secret.
        what: String,
        /// Why.
        reason: String,
    },
    /// A rule of the file was broken.
    #[error("tenant file: {0}")]
    Invalid(String),
}

/// Where a secret comes from: exactly one of `value` (written in the file,
/// for demos), `env` (an environment variable) or `file` (e.g. a mounted
/// Kubernetes secret; surrounding whitespace is trimmed).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// The secret itself.
    #[serde(default)]
    pub value: Option<String>,
    /// Name of the environment variable holding it.
    #[serde(default)]
    pub env: Option<String>,
    /// Path of the file holding it.
    #[serde(default)]
    pub file: Option<String>,
}

impl SecretRef {
    fn resolve(&self, tenant: &str, what: &str) -> Result<SecretString, TenantsError> {
        let fail = |reason: String| TenantsError::Secret {
            tenant: tenant.to_owned(),
            what: what.to_owned(),
            reason,
        };
        let value = match (&self.value, &self.env, &self.file) {
            (Some(value), None, None) => value.clone(),
            (None, Some(name), None) => std::env::var(name)
                .map_err(|_| fail(format!("environment variable {name} is not set")))?,
            (None, None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| fail(format!("cannot read {path}: {e}")))?
                .trim()
                .to_owned(),
            _ => {
                return Err(fail(
                    "needs exactly one of `value`, `env`, `file`".to_owned(),
                ));
            }
        };
        if value.is_empty() {
            return Err(fail("is empty".to_owned()));
        }
        Ok(SecretString::from(value))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    tenants: Vec<TenantModel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantModel {
    id: TenantId,
    name: String,
    #[serde(default)]
    menu_text: Option<String>,
    brands: Vec<Brand>,
    #[serde(default)]
    whatsapp: Vec<WhatsAppModel>,
    #[serde(default)]
    telegram: Vec<TelegramModel>,
    #[serde(default)]
    webchat: Option<WebchatModel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebchatModel {
    brands: Vec<BrandId>,
    #[serde(default)]
    allowed_origins: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatsAppModel {
    phone_number_id: String,
    verify_token: SecretRef,
    app_secret: SecretRef,
    access_token: SecretRef,
    #[serde(default)]
    brand: Option<BrandId>,
    #[serde(default)]
    menu: Option<Vec<BrandId>>,
    #[serde(default)]
    template_fallback: Option<Template>,
    #[serde(default)]
    catalog_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TelegramModel {
    bot_token: SecretRef,
    secret_token: SecretRef,
    #[serde(default)]
    brand: Option<BrandId>,
    #[serde(default)]
    menu: Option<Vec<BrandId>>,
}

/// A brand of a tenant, with what the brand menu shows of it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Brand id (routing-key-safe slug).
    pub id: BrandId,
    /// Name shown to shoppers.
    pub name: String,
    /// One line shown under the name in the menu.
    #[serde(default)]
    pub description: Option<String>,
    /// The brand's AI seller persona: read by the seller agent from the
    /// same file, carried but not used by the gateway.
    #[serde(default)]
    pub persona: Option<serde_yaml::Value>,
}

/// A WhatsApp message template, sent when a free-form message cannot be
/// (error 131047: more than 24 hours since the shopper last wrote).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Template name as approved by Meta.
    pub name: String,
    /// Language code, e.g. `en_US`.
    pub language: String,
}

/// Which brand a channel account's shoppers talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    /// Always this brand.
    Brand(BrandId),
    /// The shopper picks one of these brands (in menu order) and can switch.
    Menu(Vec<BrandId>),
}

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
        let text = std::fs::read_to_string(path).map_err(|source| TenantsError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses, resolves and validates a tenant file's text.
    pub fn parse(yaml: &str) -> Result<Self, TenantsError> {
        let model: FileModel = serde_yaml::from_str(yaml)?;
        let mut tenants = Vec::new();
        let mut tenant_ids = HashSet::new();
        let mut phone_ids = HashSet::new();
        let mut bot_ids = HashSet::new();
        for t in model.tenants {
            let tid = t.id.as_str().to_owned();
            if !tenant_ids.insert(tid.clone()) {
                return Err(invalid(format!("tenant {tid} appears twice")));
            }
            if t.brands.is_empty() {
                return Err(invalid(format!("tenant {tid} has no brand")));
            }
            let mut brand_ids = HashSet::new();
            for b in &t.brands {
                if !brand_ids.insert(b.id.clone()) {
                    return Err(invalid(format!(
                        "tenant {tid}: brand {} appears twice",
                        b.id
                    )));
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
            for w in t.whatsapp {
                let what = format!("whatsapp {}", w.phone_number_id);
                if w.phone_number_id.is_empty() || !phone_ids.insert(w.phone_number_id.clone()) {
                    return Err(invalid(format!("{what}: empty or used twice")));
                }
                whatsapp.push(WhatsAppChannel {
                    routing: routing(&what, w.brand, w.menu)?,
                    verify_token: w
                        .verify_token
                        .resolve(&tid, &format!("{what} verify_token"))?,
                    app_secret: w.app_secret.resolve(&tid, &format!("{what} app_secret"))?,
                    access_token: w
                        .access_token
                        .resolve(&tid, &format!("{what} access_token"))?,
                    template_fallback: w.template_fallback,
                    catalog_id: w.catalog_id,
                    phone_number_id: w.phone_number_id,
                });
            }
            let mut telegram = Vec::new();
            for (i, tg) in t.telegram.into_iter().enumerate() {
                let what = format!("telegram bot #{}", i + 1);
                let bot_token = tg.bot_token.resolve(&tid, &format!("{what} bot_token"))?;
                let bot_id = bot_id_of(&bot_token).ok_or_else(|| {
                    invalid(format!(
                        "tenant {tid}: {what} token is not <digits>:<secret>"
                    ))
                })?;
                if !bot_ids.insert(bot_id.clone()) {
                    return Err(invalid(format!("telegram bot {bot_id} is used twice")));
                }
                telegram.push(TelegramChannel {
                    routing: routing(&what, tg.brand, tg.menu)?,
                    secret_token: tg
                        .secret_token
                        .resolve(&tid, &format!("{what} secret_token"))?,
                    bot_id,
                    bot_token,
                });
            }
            let webchat = t
                .webchat
                .map(|w| webchat(&tid, w, &brand_ids))
                .transpose()?;
            tenants.push(Tenant {
                webchat,
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

/// Checks a `webchat:` section: known brands, each once; origins as a
/// browser sends them in `Origin` (scheme, host, port; no path).
fn webchat(
    tid: &str,
    model: WebchatModel,
    brand_ids: &HashSet<BrandId>,
) -> Result<Webchat, TenantsError> {
    if model.brands.is_empty() {
        return Err(invalid(format!(
            "tenant {tid}: webchat needs at least one brand"
        )));
    }
    let mut seen = HashSet::new();
    for brand in &model.brands {
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
    let mut allowed_origins = Vec::with_capacity(model.allowed_origins.len());
    for origin in model.allowed_origins {
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
        brands: model.brands,
        allowed_origins,
    })
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
