//! Joining a tenant's team: an owner (or the operator, for a tenant's
//! first owner) invites an address with a role and brands; the invitation
//! is a one-time link valid for [`VALID_FOR`], shown once (only the
//! SHA-256 of its token is stored). Accepting it sets a name and a
//! password and creates the account (or gives a disabled account of the
//! same tenant a new life). An operator may also create an owner with a
//! password at once ([`create_owner`]).

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;
use store_events::TenantId;
use uuid::Uuid;

use super::{
    Role,
    db::{
        self, NewAccount,
        invites::{self, Invite, NewInvite},
    },
    input::{Email, Name},
    password, tokens,
};

/// How long an invitation link works.
pub const VALID_FOR: TimeDelta = TimeDelta::days(7);

/// Why joining was refused; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Something typed is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The address already has an account (active, or of another tenant).
    #[error("{0} already has an account")]
    AddressTaken(String),
    /// No invitation has that token.
    #[error("This invitation link is not valid: check that it was copied whole")]
    UnknownInvitation,
    /// The invitation was used.
    #[error("This invitation was already used: sign in instead")]
    Used,
    /// The invitation is too old.
    #[error("This invitation has expired: ask your shop's owner for a new one")]
    Expired,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Refusal {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(error))
    }
}

/// An invitation made: its link (shown once) and when it stops working.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// `<public url>/inbox/invitations/<token>`.
    pub url: String,
    /// The address invited.
    pub email: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// Who is invited.
#[derive(Debug, Clone)]
pub struct Invitee {
    /// The address (as typed).
    pub email: String,
    /// Their name, if the inviter gave it (offered on the acceptance
    /// page).
    pub name: Option<String>,
    /// The role given.
    pub role: Role,
    /// A seller's brands (brand ids; ignored for an owner).
    pub brands: Vec<String>,
}

/// The invitation link of `token` under `public_url`.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{public_url}/inbox/invitations/{token}")
}

/// Invites `invitee` to `tenant`; `invited_by` is the owner who did (none:
/// the operator). A seller needs at least one brand.
#[tracing::instrument(skip_all, fields(tenant))]
pub async fn invite(
    pool: &PgPool,
    public_url: &str,
    tenant: &str,
    invitee: &Invitee,
    invited_by: Option<Uuid>,
) -> Result<Invitation, Refusal> {
    let email = Email::parse(&invitee.email).map_err(Refusal::Invalid)?;
    let name = invitee
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(Name::parse)
        .transpose()
        .map_err(Refusal::Invalid)?;
    let brands = match invitee.role {
        Role::Owner => Vec::new(),
        Role::Seller if invitee.brands.is_empty() => {
            return Err(Refusal::Invalid(
                "A seller needs at least one brand to work".to_owned(),
            ));
        }
        Role::Seller => invitee.brands.clone(),
    };
    if db::address_taken(pool, tenant, email.as_str()).await? {
        return Err(Refusal::AddressTaken(email.as_str().to_owned()));
    }
    let token = tokens::random_token();
    let expires_at = Utc::now() + VALID_FOR;
    invites::create(
        pool,
        &NewInvite {
            token_hash: &tokens::token_hash(&token),
            tenant,
            email: email.as_str(),
            name: name.as_ref().map(Name::as_str),
            role: invitee.role,
            brands: &brands,
            invited_by,
            expires_at,
        },
    )
    .await?;
    tracing::info!(role = %invitee.role, "invitation created");
    Ok(Invitation {
        url: link(public_url, &token),
        email: email.as_str().to_owned(),
        expires_at,
    })
}

/// The invitation of `token`, if it can still be accepted.
pub async fn open_invitation(pool: &PgPool, token: &str) -> Result<Invite, Refusal> {
    let invite = invites::find(pool, &tokens::token_hash(token))
        .await?
        .ok_or(Refusal::UnknownInvitation)?;
    if invite.accepted_at.is_some() {
        Err(Refusal::Used)
    } else if invite.expires_at <= Utc::now() {
        Err(Refusal::Expired)
    } else {
        Ok(invite)
    }
}

/// Accepts the invitation of `token` with `name` and `password`: the
/// account is created and the invitation used up, together. Returns the
/// account.
#[tracing::instrument(skip_all)]
pub async fn accept(
    pool: &PgPool,
    token: &str,
    name: &str,
    new_password: &str,
) -> Result<Uuid, Refusal> {
    // Refuse a dead link before the costly hash.
    open_invitation(pool, token).await?;
    let name = Name::parse(name).map_err(Refusal::Invalid)?;
    let secret = super::input::new_password(new_password).map_err(Refusal::Invalid)?;
    let hash = password::hash(secret).await?;
    let mut tx = pool.begin().await?;
    // Taken under the row's lock: of two acceptances, one wins.
    let Some(invite) = invites::accept(&mut tx, &tokens::token_hash(token)).await? else {
        return Err(open_invitation(pool, token)
            .await
            .err()
            .unwrap_or(Refusal::Used));
    };
    let created = db::create(
        &mut tx,
        &NewAccount {
            tenant: &invite.tenant,
            email: &invite.email,
            name: name.as_str(),
            role: invite.role,
            brands: &invite.brands,
            password_hash: &hash,
        },
    )
    .await?;
    let Some(account) = created else {
        return Err(Refusal::AddressTaken(invite.email));
    };
    tx.commit().await?;
    tracing::info!(%account, role = %invite.role, "invitation accepted");
    Ok(account)
}

/// An owner of `tenant` created by the operator with a password: its id
/// and sign-in address.
#[tracing::instrument(skip_all, fields(tenant))]
pub async fn create_owner(
    pool: &PgPool,
    tenant: &str,
    email: &str,
    name: &str,
    new_password: &str,
) -> Result<(Uuid, String), Refusal> {
    let tenant = TenantId::parse(tenant).map_err(|e| Refusal::Invalid(e.to_string()))?;
    let email = Email::parse(email).map_err(Refusal::Invalid)?;
    let name = Name::parse(name).map_err(Refusal::Invalid)?;
    let secret = super::input::new_password(new_password).map_err(Refusal::Invalid)?;
    let hash = password::hash(secret).await?;
    let mut conn = pool.acquire().await?;
    let created = db::create(
        &mut conn,
        &NewAccount {
            tenant: tenant.as_str(),
            email: email.as_str(),
            name: name.as_str(),
            role: Role::Owner,
            brands: &[],
            password_hash: &hash,
        },
    )
    .await?;
    match created {
        Some(id) => Ok((id, email.as_str().to_owned())),
        None => Err(Refusal::AddressTaken(email.as_str().to_owned())),
    }
}
