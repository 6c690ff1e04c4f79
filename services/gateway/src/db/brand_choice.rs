//! The brand a conversation picked from its channel's brand menu. Spans name
//! the tenant, never the conversation (its id holds the shopper's number).

use sqlx::PgConnection;
use store_events::BrandId;

/// The brand `conversation` picked, if any (and if still a valid id).
#[tracing::instrument(skip_all, fields(tenant = tenant))]
pub async fn get(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
) -> Result<Option<BrandId>, sqlx::Error> {
    let brand = sqlx::query_scalar!(
        "select brand from conversation_brand where tenant = $1 and conversation = $2",
        tenant,
        conversation
    )
    .fetch_optional(conn)
    .await?;
    Ok(brand.and_then(|b| BrandId::parse(b).ok()))
}

/// Remembers that `conversation` picked `brand`.
#[tracing::instrument(skip_all, fields(tenant = tenant, brand = %brand))]
pub async fn set(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
    brand: &BrandId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into conversation_brand (tenant, conversation, brand) values ($1, $2, $3) \
         on conflict (tenant, conversation) do update set brand = excluded.brand, updated_at = now()",
        tenant,
        conversation,
        brand.as_str()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets the pick of `conversation` (the shopper asked for the menu).
#[tracing::instrument(skip_all, fields(tenant = tenant))]
pub async fn clear(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from conversation_brand where tenant = $1 and conversation = $2",
        tenant,
        conversation
    )
    .execute(conn)
    .await?;
    Ok(())
}
