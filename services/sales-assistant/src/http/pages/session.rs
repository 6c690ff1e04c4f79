//! Who is at the keyboard: the session of the inbox's pages (a cookie
//! `inbox_session` naming a record in PostgreSQL), the [`SignedIn`] and
//! [`OwnerSignedIn`] extractors, and the CSRF guard every `/inbox` route
//! is behind.
//!
//! The cookie is HttpOnly, SameSite=Lax, Path=/inbox and Secure (unless
//! configured off for plain-HTTP local runs); a session ends after
//! `INBOX_SESSION_IDLE_MINUTES` without a signed-in request. Signing in
//! draws a new session id and a new CSRF token (no fixation); signing out
//! deletes the session; disabling an account deletes its sessions, and a
//! request of a disabled account ends its session.
//!
//! CSRF: a synchronizer token per session, created on the first page view
//! (the sign-in page has one too). A request with an unsafe method to an
//! `/inbox` route must carry it in the `X-CSRF-Token` header or in the
//! urlencoded form field `csrf`; otherwise it is refused with 403 before
//! any handler runs.

use std::{net::SocketAddr, time::Duration};
use store_service::client_ip::TrustedProxies;

use axum::{
    body::Body,
    extract::{ConnectInfo, FromRequestParts, Request},
    http::{HeaderMap, Method, header, request::Parts},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use tower_sessions::{
    Expiry, Session, SessionManagerLayer,
    cookie::{SameSite, time},
};
use uuid::Uuid;

use super::PageError;
use crate::accounts::{
    self, Role,
    session_store::{ACCOUNT_KEY, PgSessionStore},
    tokens,
};
use crate::http::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "inbox_session";
/// The session key of the CSRF token.
const CSRF_KEY: &str = "csrf";
/// The header a script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a form sends the CSRF token in.
pub const CSRF_FIELD: &str = "csrf";
/// Largest urlencoded form body the CSRF guard reads.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// What a refused unsafe request is told.
pub const EXPIRED_PAGE: &str = "This page has expired: reload it and try again";

/// How sessions and sign-in behave.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// A session ends after this long without a signed-in request.
    pub idle: Duration,
    /// The cookie is sent over HTTPS only.
    pub cookie_secure: bool,
    /// The proxies whose `X-Forwarded-For` gives the client's address.
    pub trusted_proxies: TrustedProxies,
}

/// The session layer: cookie `inbox_session` over [`PgSessionStore`].
pub fn layer(
    store: PgSessionStore,
    settings: &SessionSettings,
) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/inbox")
        .with_secure(settings.cookie_secure)
        .with_expiry(Expiry::OnInactivity(idle(settings)))
}

fn idle(settings: &SessionSettings) -> time::Duration {
    time::Duration::try_from(settings.idle).unwrap_or(time::Duration::HOUR)
}

/// The account signed in on this request, fresh from the database.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The account.
    pub account_id: Uuid,
    /// Its tenant: every query of a page names it.
    pub tenant: String,
    /// Its sign-in address.
    pub email: String,
    /// The person's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// A seller's brands; empty for an owner (every brand of the tenant).
    pub brands: Vec<String>,
    /// The session's CSRF token: the hidden field `csrf` of every form and
    /// `<meta name="csrf-token">` for scripts (header `X-CSRF-Token`).
    pub csrf_token: String,
}

impl SignedIn {
    /// Whether this account may work the conversations of `brand`: an
    /// owner any brand, a seller those listed on the account.
    pub fn may_work(&self, brand: &str) -> bool {
        self.is_owner() || self.brands.iter().any(|b| b == brand)
    }

    /// Whether this is an owner.
    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }
}

/// Signed in as an owner; a seller is told the page does not exist (404).
#[derive(Clone, Debug)]
pub struct OwnerSignedIn(pub SignedIn);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    /// No session, an expired one or a disabled account: a page (a `GET`
    /// of HTML) is sent to the sign-in page and back after, anything else
    /// is 401.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = session_of(parts)?;
        let Some(account_id) = session.get::<Uuid>(ACCOUNT_KEY).await.map_err(internal)? else {
            return Err(sign_in_required(parts));
        };
        let account = accounts::db::find(&state.inbox.pool, account_id).await?;
        let Some(account) = account.filter(|a| !a.disabled) else {
            session.flush().await.map_err(internal)?;
            return Err(sign_in_required(parts));
        };
        // Activity keeps the session alive: saving it moves its expiry.
        session.set_expiry(Some(Expiry::OnInactivity(idle(&state.session))));
        let csrf_token = csrf_token(&session).await?;
        Ok(Self {
            account_id: account.id,
            tenant: account.tenant,
            email: account.email,
            name: account.name,
            role: account.role,
            brands: if account.role == Role::Owner {
                Vec::new()
            } else {
                account.brands
            },
            csrf_token,
        })
    }
}

impl FromRequestParts<AppState> for OwnerSignedIn {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if signed_in.is_owner() {
            Ok(Self(signed_in))
        } else {
            Err(PageError::NotFound)
        }
    }
}

/// The request's session (the session layer is on every route).
pub fn session_of(parts: &Parts) -> Result<Session, PageError> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| PageError::Internal(anyhow::anyhow!("the session layer is missing")))
}

fn internal(error: tower_sessions::session::Error) -> PageError {
    PageError::Internal(anyhow::Error::new(error).context("Failed to use the session"))
}

/// A page `GET` goes to the sign-in page (and back to where it was); an
/// action, a script's request or the event stream gets 401.
fn sign_in_required(parts: &Parts) -> PageError {
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let json_only = accept.contains("application/json") && !accept.contains("text/html");
    let wants_page = matches!(parts.method, Method::GET | Method::HEAD)
        && !accept.contains("text/event-stream")
        && !json_only;
    if wants_page {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/inbox", |p| p.as_str())
            .to_owned();
        PageError::SignIn { next: Some(next) }
    } else {
        PageError::SignIn { next: None }
    }
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, PageError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await.map_err(internal)? {
        return Ok(token);
    }
    let token = tokens::random_token();
    session.insert(CSRF_KEY, &token).await.map_err(internal)?;
    Ok(token)
}

/// Signs `account` in on this session: a new session id (whatever id the
/// browser came with is forgotten) and a new CSRF token, which it returns.
pub async fn sign_in(session: &Session, account: Uuid) -> Result<String, PageError> {
    session.cycle_id().await.map_err(internal)?;
    session.clear().await;
    session
        .insert(ACCOUNT_KEY, account)
        .await
        .map_err(internal)?;
    let token = tokens::random_token();
    session.insert(CSRF_KEY, &token).await.map_err(internal)?;
    Ok(token)
}

/// Ends the session: deleted from the store, the cookie removed.
pub async fn sign_out(session: &Session) -> Result<(), PageError> {
    session.flush().await.map_err(internal)
}

/// The client's network address, for throttling: the peer's, or behind
/// the trusted proxies the first hop of `X-Forwarded-For` from the right
/// that none of them vouches for ([`TrustedProxies::client_ip`]).
pub fn client_address(parts: &Parts, trusted: &TrustedProxies) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |ConnectInfo(addr)| trusted.client_ip(addr.ip(), &parts.headers).to_string(),
        )
}

/// Whether `method` may change something (and so needs the CSRF token).
fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether `path` is one of the inbox's pages or actions.
pub fn is_inbox_path(path: &str) -> bool {
    path == "/inbox" || path.starts_with("/inbox/")
}

/// The CSRF guard (a middleware inside the session layer): an unsafe
/// request to an `/inbox` route without the session's token is refused
/// with 403, before any handler.
pub async fn csrf_guard(request: Request, next: Next) -> Response {
    if !is_unsafe(request.method()) || !is_inbox_path(request.uri().path()) {
        return next.run(request).await;
    }
    let expected = match request.extensions().get::<Session>() {
        Some(session) => match session.get::<String>(CSRF_KEY).await {
            Ok(token) => token,
            Err(error) => return internal(error).into_response(),
        },
        None => None,
    };
    let Some(expected) = expected else {
        return PageError::Forbidden(EXPIRED_PAGE.to_owned()).into_response();
    };
    let (parts, body) = request.into_parts();
    let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if let Some(given) = header {
        return if tokens::same_token(given, &expected) {
            next.run(Request::from_parts(parts, body)).await
        } else {
            PageError::Forbidden(EXPIRED_PAGE.to_owned()).into_response()
        };
    }
    if !is_form(&parts.headers) {
        return PageError::Forbidden(EXPIRED_PAGE.to_owned()).into_response();
    }
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return PageError::TooLarge.into_response(),
    };
    let given = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    match given {
        Some(given) if tokens::same_token(&given, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => PageError::Forbidden(EXPIRED_PAGE.to_owned()).into_response(),
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn signed_in(role: Role, brands: &[&str]) -> SignedIn {
        SignedIn {
            account_id: Uuid::nil(),
            tenant: "acme".to_owned(),
            email: "ana@shop.test".to_owned(),
            name: "Ana".to_owned(),
            role,
            brands: brands.iter().map(|b| (*b).to_owned()).collect(),
            csrf_token: String::new(),
        }
    }

    #[test]
    fn an_owner_works_every_brand_and_a_seller_only_theirs() {
        let owner = signed_in(Role::Owner, &[]);
        let seller = signed_in(Role::Seller, &["shoes"]);

        assert!(owner.may_work("shoes") && owner.may_work("bags"));
        assert!(seller.may_work("shoes"));
        assert!(!seller.may_work("bags"));
        assert!(owner.is_owner() && !seller.is_owner());
    }

    #[test]
    fn unsafe_methods_on_inbox_paths_are_guarded() {
        assert!(is_unsafe(&Method::POST) && is_unsafe(&Method::DELETE));
        assert!(!is_unsafe(&Method::GET));
        assert!(is_inbox_path("/inbox") && is_inbox_path("/inbox/team"));
        assert!(!is_inbox_path("/inboxes") && !is_inbox_path("/api/v1/handoffs"));
    }
}
