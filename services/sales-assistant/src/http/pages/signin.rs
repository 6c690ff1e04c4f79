//! Signing in and out: `GET/POST /inbox/sign-in`, `POST /inbox/sign-out`.
//!
//! A wrong password and an unknown address get the same answer ("Wrong
//! email or password") after the same work. Failed sign-ins are throttled
//! per account and per network address
//! ([`throttle`](crate::accounts::throttle)): during a lockout even the
//! right password is refused, with 429 and `Retry-After`. A disabled
//! account cannot sign in.

use askama::Template;
use axum::{
    Form, Router,
    extract::{FromRequestParts, OptionalFromRequestParts, Query, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse as _, Response},
    routing::{get, post},
};
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use super::{Flash, Layout, PageError, TakeFlash, render, render_with, see_other, set_flash};
use crate::{
    accounts::{self, db::failures, input::Email, password, throttle::retry_after_secs},
    http::{
        AppState,
        pages::session::{self, SignedIn},
    },
};

/// What a failed sign-in is told, whichever part was wrong.
pub const WRONG_CREDENTIALS: &str = "Wrong email or password";

/// `GET/POST /inbox/sign-in`, `POST /inbox/sign-out`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox/sign-in", get(sign_in_page).post(sign_in))
        .route("/inbox/sign-out", post(sign_out))
}

/// The sign-in page's path, coming back to `next` after (when it is one
/// of the inbox's own paths).
pub fn sign_in_path(next: Option<&str>) -> String {
    match next.and_then(safe_next) {
        Some(next) if next != "/inbox" => {
            let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
            format!("/inbox/sign-in?next={encoded}")
        }
        _ => "/inbox/sign-in".to_owned(),
    }
}

/// `next` if it is a path of the inbox (never another site: no `//host`,
/// no backslashes, no control characters).
fn safe_next(next: &str) -> Option<&str> {
    let inbox = next == "/inbox" || next.starts_with("/inbox/") || next.starts_with("/inbox?");
    (inbox && !next.contains('\\') && !next.chars().any(char::is_control)).then_some(next)
}

impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    /// `None` when nobody (or a disabled account) is signed in.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(signed_in) => Ok(Some(signed_in)),
            Err(PageError::SignIn { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

/// The client's network address as throttling counts it.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(session::client_address(
            parts,
            &state.session.trusted_proxies,
        )))
    }
}

/// `templates/signin.html`.
#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

async fn sign_in_page(
    signed_in: Option<SignedIn>,
    session: Session,
    flash: TakeFlash,
    Query(params): Query<NextParam>,
) -> Result<Response, PageError> {
    if let Some(signed_in) = signed_in {
        let page = SignInPage {
            layout: Layout::new(&signed_in, "Signed in", super::Nav::None).with_flash(flash),
            email: String::new(),
            next: String::new(),
            error: None,
        };
        return Ok(render(&page));
    }
    let csrf = session::csrf_token(&session).await?;
    let page = SignInPage {
        layout: Layout::anonymous("Sign in", csrf).with_flash(flash),
        email: String::new(),
        next: params
            .next
            .as_deref()
            .and_then(safe_next)
            .unwrap_or("")
            .to_owned(),
        error: None,
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let csrf = session::csrf_token(&session).await?;
    let again = |status: StatusCode, error: String| {
        let page = SignInPage {
            layout: Layout::anonymous("Sign in", csrf.clone()),
            email: form.email.trim().to_owned(),
            next: safe_next(&form.next).unwrap_or("").to_owned(),
            error: Some(error),
        };
        render_with(status, &page)
    };
    let Ok(email) = Email::parse(&form.email) else {
        return Ok(again(
            StatusCode::UNAUTHORIZED,
            WRONG_CREDENTIALS.to_owned(),
        ));
    };
    let pool = &state.inbox.pool;
    if let Some(until) = failures::locked_until(pool, email.as_str(), &address).await? {
        let now = Utc::now();
        let secs = retry_after_secs(until, now);
        let minutes = secs.div_ceil(60);
        let message = format!(
            "Too many failed sign-ins. Try again at {} UTC (in {minutes} minute{}).",
            until.format("%H:%M"),
            if minutes == 1 { "" } else { "s" }
        );
        let mut response = again(StatusCode::TOO_MANY_REQUESTS, message);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(response);
    }
    let credentials = accounts::db::credentials(pool, email.as_str()).await?;
    let hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let matches = password::verify(SecretString::from(form.password.clone()), hash).await?;
    let account = match credentials {
        Some(credentials) if matches => credentials,
        _ => {
            failures::record(pool, email.as_str(), &address).await?;
            tracing::info!("sign-in refused: wrong email or password");
            return Ok(again(
                StatusCode::UNAUTHORIZED,
                WRONG_CREDENTIALS.to_owned(),
            ));
        }
    };
    if account.disabled {
        return Ok(again(
            StatusCode::FORBIDDEN,
            "This account is disabled: ask your shop's owner".to_owned(),
        ));
    }
    failures::clear(pool, email.as_str()).await?;
    session::sign_in(&session, account.id).await?;
    tracing::info!(account = %account.id, "signed in");
    Ok(see_other(safe_next(&form.next).unwrap_or("/inbox")))
}

async fn sign_out(session: Session) -> Result<Response, PageError> {
    session::sign_out(&session).await?;
    set_flash(&session, Flash::info("You are signed out")).await?;
    Ok(see_other("/inbox/sign-in").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inbox_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/inbox/team"), Some("/inbox/team"));
        assert_eq!(safe_next("/inbox?view=mine"), Some("/inbox?view=mine"));
        for bad in [
            "//evil.test/inbox",
            "https://evil.test/",
            "/inboxes",
            "/inbox/\\evil",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_sign_in_path_carries_next_encoded() {
        assert_eq!(
            sign_in_path(Some("/inbox/conversations/wa%3A1?x=1&y=2")),
            "/inbox/sign-in?next=%2Finbox%2Fconversations%2Fwa%253A1%3Fx%3D1%26y%3D2"
        );
        assert_eq!(sign_in_path(Some("/inbox")), "/inbox/sign-in");
        assert_eq!(sign_in_path(Some("https://evil.test")), "/inbox/sign-in");
        assert_eq!(sign_in_path(None), "/inbox/sign-in");
    }
}
