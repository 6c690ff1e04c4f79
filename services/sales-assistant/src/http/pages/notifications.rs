//! `/inbox/settings/notifications`: how a tenant's sellers hear of new
//! escalations (README "Notifications"). The owner sets the webhook (URL,
//! optional signing secret, never shown back) and turns Telegram on or
//! off (`POST /inbox/settings/notifications`, owners only: 404 for a
//! seller); every signed-in account sets its own Telegram chat id on the
//! same page (`POST /inbox/settings/notifications/telegram`), which is all
//! a seller sees of it.

use askama::Template;
use axum::{
    Form, Router,
    extract::State,
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Flash, Layout, PageError, TakeFlash, render_with, see_other, set_flash};
use crate::{
    http::{
        AppState,
        pages::session::{OwnerSignedIn, SignedIn},
    },
    notify::{
        db::{self, Settings},
        input::{ChatId, SecretChange, WebhookUrl, secret_change},
    },
};

const PATH: &str = "/inbox/settings/notifications";

/// The page and its two forms.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(page).post(save_settings))
        .route("/inbox/settings/notifications/telegram", post(save_chat))
}

/// `templates/notifications.html`.
#[derive(Template)]
#[template(path = "notifications.html")]
struct SettingsPage {
    layout: Layout,
    is_owner: bool,
    /// The tenant has a Telegram bot in the tenants file.
    has_bot: bool,
    webhook_url: String,
    secret_set: bool,
    telegram: bool,
    chat_id: String,
}

impl SettingsPage {
    async fn load(state: &AppState, who: &SignedIn, layout: Layout) -> Result<Self, PageError> {
        let pool = &state.inbox.pool;
        let settings = if who.is_owner() {
            db::settings(&mut *pool.acquire().await?, &who.tenant).await?
        } else {
            Settings::default()
        };
        Ok(Self {
            layout,
            is_owner: who.is_owner(),
            has_bot: state.telegram_bots.has(&who.tenant),
            webhook_url: settings.webhook_url.unwrap_or_default(),
            secret_set: settings.webhook_secret.is_some(),
            telegram: settings.telegram,
            chat_id: db::telegram_chat(pool, &who.tenant, who.account_id)
                .await?
                .unwrap_or_default(),
        })
    }
}

fn layout(who: &SignedIn) -> Layout {
    Layout::new(who, "Notifications", super::Nav::None)
}

async fn page(
    who: SignedIn,
    State(state): State<AppState>,
    flash: TakeFlash,
) -> Result<Response, PageError> {
    let page = SettingsPage::load(&state, &who, layout(&who).with_flash(flash)).await?;
    Ok(render_with(StatusCode::OK, &page))
}

/// The owner's form.
#[derive(Debug, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    webhook_url: String,
    #[serde(default)]
    webhook_secret: String,
    /// A checkbox: present when ticked.
    remove_secret: Option<String>,
    telegram: Option<String>,
}

async fn save_settings(
    OwnerSignedIn(owner): OwnerSignedIn,
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let pool = &state.inbox.pool;
    let parsed = WebhookUrl::parse(&form.webhook_url).and_then(|url| {
        secret_change(&form.webhook_secret, form.remove_secret.is_some()).map(|s| (url, s))
    });
    let (url, secret) = match parsed {
        Ok(parsed) => parsed,
        Err(why) => {
            let layout = layout(&owner).with_message(Flash::error(why.to_string()));
            let mut page = SettingsPage::load(&state, &owner, layout).await?;
            // What was typed (never the secret), to correct.
            page.webhook_url = form.webhook_url;
            page.telegram = form.telegram.is_some();
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let current = db::settings(&mut *pool.acquire().await?, &owner.tenant).await?;
    let webhook_secret = match secret {
        SecretChange::Keep => current.webhook_secret,
        SecretChange::Remove => None,
        SecretChange::Set(secret) => Some(secret),
    };
    db::save_settings(
        pool,
        &owner.tenant,
        &Settings {
            webhook_url: url.map(|u| u.as_str().to_owned()),
            webhook_secret,
            telegram: form.telegram.is_some(),
        },
    )
    .await?;
    tracing::info!(tenant = %owner.tenant, "notification settings saved");
    set_flash(&session, Flash::info("The notification settings are saved")).await?;
    Ok(see_other(PATH))
}

/// The chat id form.
#[derive(Debug, Deserialize)]
struct ChatForm {
    #[serde(default)]
    chat_id: String,
}

async fn save_chat(
    who: SignedIn,
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<ChatForm>,
) -> Result<Response, PageError> {
    let chat = match ChatId::parse(&form.chat_id) {
        Ok(chat) => chat,
        Err(why) => {
            let layout = layout(&who).with_message(Flash::error(why.to_string()));
            let mut page = SettingsPage::load(&state, &who, layout).await?;
            page.chat_id = form.chat_id;
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    db::set_telegram_chat(
        &state.inbox.pool,
        &who.tenant,
        who.account_id,
        chat.as_ref().map(ChatId::as_str),
    )
    .await?;
    let saved = if chat.is_some() {
        "Your Telegram chat is saved"
    } else {
        "You will get no Telegram messages"
    };
    set_flash(&session, Flash::info(saved)).await?;
    Ok(see_other(PATH))
}
