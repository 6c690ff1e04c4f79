//! The accounts' tables: [`seller_account`](self) here (who may sign in,
//! the team, presence), [`invites`], [`failures`] (failed sign-ins). Every
//! query a page makes names the tenant it runs for.

pub mod failures;
pub mod invites;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::Role;

/// An account as the pages use it.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its id.
    pub id: Uuid,
    /// The tenant it belongs to.
    pub tenant: String,
    /// Its sign-in address (lowercase).
    pub email: String,
    /// The person's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// A seller's brands (ignored for an owner).
    pub brands: Vec<String>,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
}

/// What a sign-in checks.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub id: Uuid,
    /// Its password hash (none before an invitation is accepted).
    pub password_hash: Option<String>,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
}

/// An account on the team page.
#[derive(Debug, Clone)]
pub struct Member {
    /// The account.
    pub account: Account,
    /// It has a live session now.
    pub signed_in: bool,
}

struct Row {
    id: Uuid,
    tenant_id: String,
    email: String,
    name: String,
    role: String,
    brands: Vec<String>,
    disabled_at: Option<DateTime<Utc>>,
}

impl From<Row> for Account {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            tenant: row.tenant_id,
            email: row.email,
            name: row.name,
            // The column's check allows only these two.
            role: Role::parse(&row.role).unwrap_or(Role::Seller),
            brands: row.brands,
            disabled: row.disabled_at.is_some(),
        }
    }
}

/// The account `id`, disabled or not.
#[tracing::instrument(skip_all)]
pub async fn find(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query_as!(
        Row,
        "select id, tenant_id, email, name, role, brands, disabled_at
         from seller_account where id = $1",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Account::from))
}

/// The credentials of the account signing in as `email`.
#[tracing::instrument(skip_all)]
pub async fn credentials(pool: &PgPool, email: &str) -> sqlx::Result<Option<Credentials>> {
    let row = sqlx::query!(
        "select id, password_hash, disabled_at from seller_account where email = $1",
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| Credentials {
        id: row.id,
        password_hash: row.password_hash,
        disabled: row.disabled_at.is_some(),
    }))
}

/// A new account to create.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// Its tenant.
    pub tenant: &'a str,
    /// Its sign-in address (lowercase).
    pub email: &'a str,
    /// The person's name.
    pub name: &'a str,
    /// What it may do.
    pub role: Role,
    /// A seller's brands.
    pub brands: &'a [String],
    /// The PHC string of its password.
    pub password_hash: &'a str,
}

/// Creates the account, or gives a disabled account of the same tenant
/// with that address a new life (name, role, brands, password). `None`:
/// the address belongs to an active account, or to another tenant's.
#[tracing::instrument(skip_all, fields(tenant = account.tenant))]
pub async fn create(
    conn: &mut PgConnection,
    account: &NewAccount<'_>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "insert into seller_account (id, tenant_id, email, name, role, brands, password_hash)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (email) do update
           set name = excluded.name, role = excluded.role, brands = excluded.brands,
               password_hash = excluded.password_hash, disabled_at = null, updated_at = now()
           where seller_account.tenant_id = excluded.tenant_id
             and seller_account.disabled_at is not null
         returning id",
        Uuid::now_v7(),
        account.tenant,
        account.email,
        account.name,
        account.role.as_str(),
        account.brands,
        account.password_hash,
    )
    .fetch_optional(conn)
    .await
}

/// Whether `email` names an account that is active or belongs to another
/// tenant than `tenant` (so it cannot be invited to `tenant`).
#[tracing::instrument(skip_all)]
pub async fn address_taken(pool: &PgPool, tenant: &str, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (
             select 1 from seller_account
             where email = $2 and (tenant_id <> $1 or disabled_at is null)
           ) as "taken!""#,
        tenant,
        email
    )
    .fetch_one(pool)
    .await
}

/// The accounts of `tenant` by name, each with whether it is signed in now.
#[tracing::instrument(skip_all, fields(tenant))]
pub async fn team(pool: &PgPool, tenant: &str) -> sqlx::Result<Vec<Member>> {
    let rows = sqlx::query!(
        r#"select a.id, a.tenant_id, a.email, a.name, a.role, a.brands, a.disabled_at,
                  exists (select 1 from inbox_session s
                          where s.account_id = a.id and s.expires_at > now()) as "signed_in!"
           from seller_account a
           where a.tenant_id = $1
           order by a.disabled_at is not null, lower(a.name), a.email"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            signed_in: r.signed_in,
            account: Account::from(Row {
                id: r.id,
                tenant_id: r.tenant_id,
                email: r.email,
                name: r.name,
                role: r.role,
                brands: r.brands,
                disabled_at: r.disabled_at,
            }),
        })
        .collect())
}

/// Disables the account `id` of `tenant` and ends its sessions; `false`
/// when `tenant` has no such account.
#[tracing::instrument(skip_all, fields(tenant))]
pub async fn disable(pool: &PgPool, tenant: &str, id: Uuid) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let found = sqlx::query!(
        "update seller_account set disabled_at = coalesce(disabled_at, now()), updated_at = now()
         where tenant_id = $1 and id = $2",
        tenant,
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    sqlx::query!("delete from inbox_session where account_id = $1", id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(found)
}

/// The accounts of `tenant` that may work `brand` (owners, and sellers
/// listing it) and are signed in now: an active account with a live
/// session.
#[tracing::instrument(skip_all, fields(tenant, brand))]
pub async fn signed_in_sellers(
    pool: &PgPool,
    tenant: &str,
    brand: &str,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "select a.id from seller_account a
         where a.tenant_id = $1 and a.disabled_at is null
           and (a.role = 'owner' or $2 = any (a.brands))
           and exists (select 1 from inbox_session s
                       where s.account_id = a.id and s.expires_at > now())
         order by a.id",
        tenant,
        brand
    )
    .fetch_all(pool)
    .await
}

/// The brands `tenant` has had conversations or hand-offs in, for
/// suggestions.
#[tracing::instrument(skip_all, fields(tenant))]
pub async fn known_brands(pool: &PgPool, tenant: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select brand_id as "brand!" from handoff where tenant_id = $1
           union
           select brand_id from conversation where tenant_id = $1
           order by 1"#,
        tenant
    )
    .fetch_all(pool)
    .await
}

/// The active accounts of `tenant` who may work `brand` (owners, and
/// sellers listing it), by name: whom a conversation can be transferred
/// to.
#[tracing::instrument(skip_all, fields(tenant, brand))]
pub async fn may_work_brand(
    pool: &PgPool,
    tenant: &str,
    brand: &str,
) -> sqlx::Result<Vec<Account>> {
    let rows = sqlx::query_as!(
        Row,
        "select id, tenant_id, email, name, role, brands, disabled_at
         from seller_account
         where tenant_id = $1 and disabled_at is null
           and (role = 'owner' or $2 = any (brands))
         order by lower(name), email",
        tenant,
        brand
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Account::from).collect())
}
