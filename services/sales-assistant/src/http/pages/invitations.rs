//! Accepting an invitation: `GET /inbox/invitations/{token}` asks a name
//! and a password for the invited address; `POST` creates the account,
//! uses the invitation up and signs the person in. A used, expired or
//! unknown link says so (410, 410, 404) and creates nothing.

use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::get,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Flash, Layout, PageError, render, render_with, see_other, set_flash};
use crate::{
    accounts::{
        db::invites::Invite,
        input::{PASSWORD_MAX, PASSWORD_MIN},
        invitations::{self, Refusal},
    },
    http::{AppState, pages::session},
};

/// `GET/POST /inbox/invitations/{token}`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/inbox/invitations/{token}",
        get(invitation_page).post(accept),
    )
}

/// `templates/invite.html`.
#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    layout: Layout,
    token: String,
    email: String,
    role: String,
    brands: String,
    name: String,
    error: Option<String>,
    password_min: usize,
    password_max: usize,
}

impl InvitePage {
    fn new(layout: Layout, token: &str, invite: &Invite) -> Self {
        Self {
            layout,
            token: token.to_owned(),
            email: invite.email.clone(),
            role: invite.role.as_str().to_owned(),
            brands: invite.brands.join(", "),
            name: invite.name.clone().unwrap_or_default(),
            error: None,
            password_min: PASSWORD_MIN,
            password_max: PASSWORD_MAX,
        }
    }
}

/// A link that cannot be used, as the error page.
fn dead_link(refusal: Refusal) -> PageError {
    match refusal {
        Refusal::UnknownInvitation => PageError::NotFound,
        Refusal::Internal(error) => PageError::Internal(error),
        other => PageError::Gone(other.to_string()),
    }
}

async fn invitation_page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let invite = invitations::open_invitation(&state.inbox.pool, &token)
        .await
        .map_err(dead_link)?;
    let csrf = session::csrf_token(&session).await?;
    let page = InvitePage::new(Layout::anonymous("Join the team", csrf), &token, &invite);
    Ok(render(&page))
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn accept(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, PageError> {
    let pool = &state.inbox.pool;
    match invitations::accept(pool, &token, &form.name, &form.password).await {
        Ok(account) => {
            session::sign_in(&session, account).await?;
            set_flash(
                &session,
                Flash::info("Welcome to the team: you are signed in"),
            )
            .await?;
            Ok(see_other("/inbox"))
        }
        Err(Refusal::Invalid(error)) => {
            let invite = invitations::open_invitation(pool, &token)
                .await
                .map_err(dead_link)?;
            let csrf = session::csrf_token(&session).await?;
            let mut page =
                InvitePage::new(Layout::anonymous("Join the team", csrf), &token, &invite);
            page.name = form.name.trim().to_owned();
            page.error = Some(error);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Refusal::AddressTaken(email)) => Err(PageError::Conflict(format!(
            "{email} already has an account: sign in instead"
        ))),
        Err(other) => Err(dead_link(other)),
    }
}
