//! The owner's team page: `GET /inbox/team` lists the tenant's accounts
//! (name, email, role, brands, signed in now) and the open invitations;
//! `POST /inbox/team/invitations` invites an address (the one-time link is
//! shown once, on the answer, to copy); `POST /inbox/team/{account}/disable`
//! disables an account and ends its sessions. Owners only: a seller gets
//! 404.

use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{Flash, Layout, Nav, PageError, TakeFlash, render_with, see_other, set_flash};
use crate::{
    accounts::{
        self, Role,
        invitations::{self, Invitation, Invitee, Refusal},
    },
    http::{AppState, pages::session::OwnerSignedIn},
};

/// `GET /inbox/team`, `POST /inbox/team/invitations`,
/// `POST /inbox/team/{account}/disable`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox/team", get(team_page))
        .route("/inbox/team/invitations", post(invite))
        .route("/inbox/team/{account}/disable", post(disable))
}

/// An account on the page.
struct MemberRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    brands: String,
    signed_in: bool,
    disabled: bool,
    is_me: bool,
}

/// An open invitation on the page.
struct PendingRow {
    email: String,
    role: &'static str,
    brands: String,
    expires: String,
}

/// What the invitation form holds (again, after a refusal).
#[derive(Debug, Default, Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    brands: String,
}

/// `templates/team.html`.
#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    members: Vec<MemberRow>,
    pending: Vec<PendingRow>,
    known_brands: Vec<String>,
    created: Option<Invitation>,
    form: InviteForm,
    error: Option<String>,
}

impl TeamPage {
    fn is_seller_selected(&self) -> bool {
        self.form.role != "owner"
    }

    fn expires(invitation: &Invitation) -> String {
        invitation
            .expires_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string()
    }
}

async fn page(
    state: &AppState,
    owner: &OwnerSignedIn,
    layout: Layout,
    form: InviteForm,
    created: Option<Invitation>,
    error: Option<String>,
) -> Result<TeamPage, PageError> {
    let OwnerSignedIn(me) = owner;
    let pool = &state.inbox.pool;
    let members = accounts::db::team(pool, &me.tenant)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            id: m.account.id.to_string(),
            is_me: m.account.id == me.account_id,
            name: m.account.name,
            email: m.account.email,
            role: m.account.role.as_str(),
            brands: if m.account.role == Role::Owner {
                "every brand".to_owned()
            } else {
                m.account.brands.join(", ")
            },
            signed_in: m.signed_in,
            disabled: m.account.disabled,
        })
        .collect();
    let pending = accounts::db::invites::pending(pool, &me.tenant)
        .await?
        .into_iter()
        .map(|p| PendingRow {
            email: p.email,
            role: p.role.as_str(),
            brands: p.brands.join(", "),
            expires: p.expires_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let known_brands = accounts::db::known_brands(pool, &me.tenant).await?;
    Ok(TeamPage {
        layout,
        members,
        pending,
        known_brands,
        created,
        form,
        error,
    })
}

async fn team_page(
    State(state): State<AppState>,
    owner: OwnerSignedIn,
    flash: TakeFlash,
) -> Result<Response, PageError> {
    let layout = Layout::new(&owner.0, "Team", Nav::Team).with_flash(flash);
    let page = page(&state, &owner, layout, InviteForm::default(), None, None).await?;
    Ok(render_with(StatusCode::OK, &page))
}

async fn invite(
    State(state): State<AppState>,
    owner: OwnerSignedIn,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    let layout = Layout::new(&owner.0, "Team", Nav::Team);
    let parsed = Role::parse(&form.role)
        .ok_or_else(|| Refusal::Invalid("Choose a role: seller or owner".to_owned()))
        .and_then(|role| {
            accounts::input::brands(&form.brands)
                .map(|brands| (role, brands))
                .map_err(Refusal::Invalid)
        });
    let outcome = match parsed {
        Ok((role, brands)) => {
            let invitee = Invitee {
                email: form.email.clone(),
                name: None,
                role,
                brands,
            };
            invitations::invite(
                &state.inbox.pool,
                &state.public_url,
                &owner.0.tenant,
                &invitee,
                Some(owner.0.account_id),
            )
            .await
        }
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(invitation) => {
            let message = format!(
                "Invitation for {} created: copy the link below and send it to them. It works once, until {}, and is not shown again.",
                invitation.email,
                TeamPage::expires(&invitation)
            );
            let layout = layout.with_message(Flash::info(message));
            let page = page(
                &state,
                &owner,
                layout,
                InviteForm::default(),
                Some(invitation),
                None,
            )
            .await?;
            Ok(render_with(StatusCode::CREATED, &page))
        }
        Err(Refusal::Internal(error)) => Err(PageError::Internal(error)),
        Err(refusal) => {
            let status = match refusal {
                Refusal::AddressTaken(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let page = page(
                &state,
                &owner,
                layout,
                form,
                None,
                Some(refusal.to_string()),
            )
            .await?;
            Ok(render_with(status, &page))
        }
    }
}

async fn disable(
    State(state): State<AppState>,
    owner: OwnerSignedIn,
    session: Session,
    Path(account): Path<String>,
) -> Result<Response, PageError> {
    let id = Uuid::parse_str(&account).map_err(|_| PageError::NotFound)?;
    if id == owner.0.account_id {
        set_flash(
            &session,
            Flash::error("You cannot disable your own account"),
        )
        .await?;
        return Ok(see_other("/inbox/team"));
    }
    let found = accounts::db::find(&state.inbox.pool, id)
        .await?
        .filter(|a| a.tenant == owner.0.tenant)
        .ok_or(PageError::NotFound)?;
    if !accounts::db::disable(&state.inbox.pool, &owner.0.tenant, id).await? {
        return Err(PageError::NotFound);
    }
    tracing::info!(account = %id, "account disabled");
    set_flash(
        &session,
        Flash::info(format!("{} can no longer sign in", found.name)),
    )
    .await?;
    Ok(see_other("/inbox/team"))
}
