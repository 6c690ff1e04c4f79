//! Invitations (`seller_invite`): a one-time link to set a name and a
//! password. Only the SHA-256 of the link's token is stored.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::accounts::Role;

/// An invitation as the acceptance page needs it.
#[derive(Debug, Clone)]
pub struct Invite {
    /// The tenant joined.
    pub tenant: String,
    /// The address invited (it becomes the sign-in name).
    pub email: String,
    /// The name the inviter gave, offered on the acceptance page.
    pub name: Option<String>,
    /// The role given.
    pub role: Role,
    /// A seller's brands.
    pub brands: Vec<String>,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// An invitation not used yet, on the team page.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The address invited.
    pub email: String,
    /// The role given.
    pub role: Role,
    /// A seller's brands.
    pub brands: Vec<String>,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// A new invitation.
#[derive(Debug, Clone)]
pub struct NewInvite<'a> {
    /// SHA-256 of its token (hex).
    pub token_hash: &'a str,
    /// The tenant to join.
    pub tenant: &'a str,
    /// The address invited.
    pub email: &'a str,
    /// The name the inviter gave, if any.
    pub name: Option<&'a str>,
    /// The role given.
    pub role: Role,
    /// A seller's brands.
    pub brands: &'a [String],
    /// The owner who invited (none: the operator).
    pub invited_by: Option<Uuid>,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// Stores an invitation.
#[tracing::instrument(skip_all, fields(tenant = invite.tenant))]
pub async fn create(pool: &PgPool, invite: &NewInvite<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into seller_invite (token_hash, tenant_id, email, name, role, brands, invited_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        invite.token_hash,
        invite.tenant,
        invite.email,
        invite.name,
        invite.role.as_str(),
        invite.brands,
        invite.invited_by,
        invite.expires_at,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The invitation whose token hashes to `token_hash`, used or not.
#[tracing::instrument(skip_all)]
pub async fn find(pool: &PgPool, token_hash: &str) -> sqlx::Result<Option<Invite>> {
    let row = sqlx::query!(
        "select tenant_id, email, name, role, brands, expires_at, accepted_at
         from seller_invite where token_hash = $1",
        token_hash
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Invite {
        tenant: r.tenant_id,
        email: r.email,
        name: r.name,
        role: Role::parse(&r.role).unwrap_or(Role::Seller),
        brands: r.brands,
        expires_at: r.expires_at,
        accepted_at: r.accepted_at,
    }))
}

/// Marks the invitation used, if it is still open (not used, not
/// expired); `None` otherwise. Holds the row until the transaction ends,
/// so two acceptances cannot both succeed.
#[tracing::instrument(skip_all)]
pub async fn accept(conn: &mut PgConnection, token_hash: &str) -> sqlx::Result<Option<Invite>> {
    let row = sqlx::query!(
        "update seller_invite set accepted_at = now()
         where token_hash = $1 and accepted_at is null and expires_at > now()
         returning tenant_id, email, name, role, brands, expires_at, accepted_at",
        token_hash
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Invite {
        tenant: r.tenant_id,
        email: r.email,
        name: r.name,
        role: Role::parse(&r.role).unwrap_or(Role::Seller),
        brands: r.brands,
        expires_at: r.expires_at,
        accepted_at: r.accepted_at,
    }))
}

/// The open invitations of `tenant`, newest first.
#[tracing::instrument(skip_all, fields(tenant))]
pub async fn pending(pool: &PgPool, tenant: &str) -> sqlx::Result<Vec<Pending>> {
    let rows = sqlx::query!(
        "select email, role, brands, expires_at from seller_invite
         where tenant_id = $1 and accepted_at is null and expires_at > now()
         order by created_at desc",
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Pending {
            email: r.email,
            role: Role::parse(&r.role).unwrap_or(Role::Seller),
            brands: r.brands,
            expires_at: r.expires_at,
        })
        .collect())
}
