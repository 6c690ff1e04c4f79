//! The inbox's web pages (server-rendered with askama, HTML-escaped by
//! default) and what every page shares: [`render`], the page [`Layout`]
//! `templates/base.html` draws, the page error ([`PageError`]), flash
//! messages, the security headers of every `/inbox` response (a strict
//! Content-Security-Policy: no inline script or style anywhere) and the
//! static files under `/inbox/assets/{file}`, compiled into the binary.
//!
//! One module per page family: [`signin`] (sign in and out), [`team`]
//! (the owner's team page and invitations), [`invitations`] (accepting
//! one), [`inbox`] (the queue and the watch list), [`conversation`] (one
//! conversation and its actions' forms), [`reports`] (the owner's reports
//! and their CSV), [`notifications`] (the notification settings). The
//! session, the sign-in extractors and the CSRF guard are
//! [`session`].

pub mod actions;
pub mod conversation;
pub mod events;
pub mod inbox;
pub mod invitations;
pub mod notifications;
pub mod reports;
pub mod session;
pub mod signin;
pub mod team;

use askama::Template;
use axum::{
    Router,
    extract::{FromRequestParts, Path, Request},
    http::{HeaderName, HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use self::session::{SignedIn, is_inbox_path};
use super::AppState;
use crate::error::ApiError;

/// The Content-Security-Policy of every page: scripts, styles and
/// connections from this origin only (so no inline script or style), no
/// framing, forms posting here only; product pictures over HTTPS, or from a
/// catalog on loopback (the local demo serves them from
/// `http://127.0.0.1:<port>`, as the web chat page allows too).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data: http://127.0.0.1:* http://localhost:*; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The pages' routes: sign-in and team (the other page families merge
/// theirs in `http::router`) and the static files.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox/assets/{file}", get(asset))
        .merge(signin::router())
        .merge(team::router())
        .merge(invitations::router())
        .merge(inbox::router())
        .merge(conversation::router())
        .merge(reports::router())
        .merge(notifications::router())
        .fallback(not_found)
}

/// No route: under `/inbox` the error page, elsewhere an empty 404 (as
/// the API had before the pages).
async fn not_found(request: Request) -> Response {
    if is_inbox_path(request.uri().path()) {
        PageError::NotFound.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// A static file of the pages.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// Every file served under `/inbox/assets/` (one line each).
const ASSETS: &[Asset] = &[
    Asset {
        name: "base.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/base.css"),
    },
    Asset {
        name: "inbox.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/inbox.css"),
    },
    Asset {
        name: "report.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/report.css"),
    },
    Asset {
        name: "inbox.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/inbox.js"),
    },
];

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                // Not fingerprinted: a short cache, so a deploy shows soon.
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            asset.body,
        )
            .into_response(),
        None => PageError::NotFound.into_response(),
    }
}

/// Which item of the navigation is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nav {
    /// None (sign-in, errors).
    #[default]
    None,
    /// The queue and conversations.
    Inbox,
    /// The owner's reports.
    Reports,
    /// The owner's team page.
    Team,
}

/// A message shown once at the top of the next page (after a redirect).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// `info` or `error` (a CSS class).
    pub kind: String,
    /// What it says.
    pub text: String,
}

impl Flash {
    /// Something went well.
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            kind: "info".to_owned(),
            text: text.into(),
        }
    }

    /// Something went wrong.
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            kind: "error".to_owned(),
            text: text.into(),
        }
    }
}

/// The session key of the pending flash message.
const FLASH_KEY: &str = "flash";

/// Shows `flash` at the top of the next page this browser opens.
pub async fn set_flash(session: &Session, flash: Flash) -> Result<(), PageError> {
    session
        .insert(FLASH_KEY, flash)
        .await
        .map_err(|e| PageError::Internal(anyhow::Error::new(e)))
}

/// The flash message waiting for this page, taken (shown once).
#[derive(Debug, Clone, Default)]
pub struct TakeFlash(pub Option<Flash>);

impl<S: Send + Sync> FromRequestParts<S> for TakeFlash {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let session = session::session_of(parts)?;
        let flash = session
            .remove::<Flash>(FLASH_KEY)
            .await
            .map_err(|e| PageError::Internal(anyhow::Error::new(e)))?;
        Ok(Self(flash))
    }
}

/// What `templates/base.html` draws around every page: the header with
/// the navigation for who is signed in, the CSRF token for scripts, the
/// flash message. Every page template has a `layout` field.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Who is signed in (none on the sign-in page and error pages).
    pub signed_in: Option<SignedIn>,
    /// The page's title (before " · agent-store inbox").
    pub title: String,
    /// The current navigation item.
    pub nav: Nav,
    /// The session's CSRF token (`<meta name="csrf-token">`, forms).
    pub csrf_token: String,
    /// A message shown once.
    pub flash: Option<Flash>,
}

impl Layout {
    /// The layout of a page for `signed_in`.
    pub fn new(signed_in: &SignedIn, title: impl Into<String>, nav: Nav) -> Self {
        Self {
            signed_in: Some(signed_in.clone()),
            title: title.into(),
            nav,
            csrf_token: signed_in.csrf_token.clone(),
            flash: None,
        }
    }

    /// The layout of a page nobody is signed in on (the session still has
    /// a CSRF token for its forms).
    pub fn anonymous(title: impl Into<String>, csrf_token: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            csrf_token: csrf_token.into(),
            ..Self::default()
        }
    }

    /// With the flash message taken for this page.
    pub fn with_flash(mut self, TakeFlash(flash): TakeFlash) -> Self {
        self.flash = flash;
        self
    }

    /// With a message of the page itself.
    pub fn with_message(mut self, flash: Flash) -> Self {
        self.flash = Some(flash);
        self
    }

    /// Whether `item` (`inbox`, `reports`, `team`) is the current page,
    /// for `aria-current`.
    pub fn is_current(&self, item: &str) -> bool {
        matches!(
            (self.nav, item),
            (Nav::Inbox, "inbox") | (Nav::Reports, "reports") | (Nav::Team, "team")
        )
    }

    /// Whether the navigation shows the owner's items.
    pub fn shows_owner_items(&self) -> bool {
        self.signed_in.as_ref().is_some_and(SignedIn::is_owner)
    }
}

/// A page: 200 with its HTML, or the error page (500) when it does not
/// render.
pub fn render<T: Template>(page: &T) -> Response {
    render_with(StatusCode::OK, page)
}

/// A page with `status` (a form shown again with what is wrong: 422).
pub fn render_with<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            PageError::Internal(anyhow::Error::new(error).context("Failed to render a page"))
                .into_response()
        }
    }
}

/// `303 See Other` to `path` (after a form's action).
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// What went wrong with a page or an action, as the error page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Nothing of that name for this account (also another tenant's, or a
    /// brand a seller may not work, or an owners' page for a seller).
    #[error("This page does not exist")]
    NotFound,
    /// Not signed in (or the session expired): a page goes to the sign-in
    /// page and back to `next` after; anything else is 401.
    #[error("Sign in to continue")]
    SignIn {
        /// Where to go after signing in (a page `GET`), or `None` (401).
        next: Option<String>,
    },
    /// The request may not be done (a missing or wrong CSRF token).
    #[error("{0}")]
    Forbidden(String),
    /// The input is not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// It conflicts with what exists.
    #[error("{0}")]
    Conflict(String),
    /// It existed and is no more (a used or expired invitation).
    #[error("{0}")]
    Gone(String),
    /// A form body too large.
    #[error("The form is too large")]
    TooLarge,
    /// Too many attempts; try again after `retry_after` seconds.
    #[error("{message}")]
    TooManyRequests {
        /// Seconds until trying again may succeed.
        retry_after: u64,
        /// What the person is told.
        message: String,
    },
    /// A dependency refused (the bus); nothing changed, try again.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: a bug or a dependency down.
    #[error("Something went wrong on our side; try again in a moment")]
    Internal(#[source] anyhow::Error),
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(error))
    }
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unauthorized => Self::SignIn { next: None },
            ApiError::NotFound(_) => Self::NotFound,
            ApiError::BadRequest(detail) => Self::BadRequest(detail),
            ApiError::Conflict(detail) => Self::Conflict(detail),
            ApiError::Domain(refusal) => Self::Unavailable(refusal.to_string()),
            ApiError::Internal(error) => Self::Internal(error),
        }
    }
}

impl PageError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::SignIn { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// `templates/error.html`.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match &self {
            Self::SignIn { next: Some(next) } => {
                return see_other(&signin::sign_in_path(Some(next)));
            }
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "page failed");
            }
            Self::Unavailable(detail) => tracing::warn!(detail, "page refused"),
            _ => {}
        }
        let status = self.status();
        let page = ErrorPage {
            layout: Layout::anonymous(status.canonical_reason().unwrap_or("Error"), ""),
            status: status.as_u16(),
            message: self.to_string(),
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            // The error page itself failed: plain text, still the status.
            Err(_) => (status, self.to_string()).into_response(),
        };
        if let Self::TooManyRequests { retry_after, .. } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

/// Adds the security headers to every `/inbox` response: the CSP, no
/// MIME sniffing, no framing, no referrer (an invitation link must not
/// leak), and no caching of pages (they show private data).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if !is_inbox_path(&path) {
        return response;
    }
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    if !path.starts_with("/inbox/assets/") {
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}
