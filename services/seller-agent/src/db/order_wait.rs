//! Order requests the seller stopped waiting for (`order_wait`): a turn
//! marks its request late when the order processor did not answer in time;
//! the order's outcome event is recorded when the seller consumes it. The
//! two meet on the row (each an upsert that locks it), so whichever comes
//! second sees the other and the outcome is told to the shopper once.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};

/// Identifies an order request of a brand.
#[derive(Debug, Clone, Copy)]
pub struct OrderRequest<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Brand.
    pub brand: &'a str,
    /// The `store.order.create` event's id.
    pub request_id: &'a str,
}

/// Where and how to tell a late order's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateOrder {
    /// Conversation.
    pub conversation: String,
    /// The shopper's id on the channel.
    pub recipient: String,
    /// The channel (`whatsapp`, `telegram`, `webchat`).
    pub channel: String,
    /// The shopper's language tag.
    pub language: String,
}

/// The turn stopped waiting for `request`: marks it late. Returns the
/// outcome event when it arrived meanwhile (then the turn tells it, and it
/// is marked told).
#[tracing::instrument(skip_all, fields(request = request.request_id))]
pub async fn mark_late(
    pool: &PgPool,
    request: OrderRequest<'_>,
    late: &LateOrder,
) -> Result<Option<Value>, sqlx::Error> {
    let row = sqlx::query!(
        "insert into order_wait (tenant, brand, request_id, conversation_id, recipient, channel, language, late) \
         values ($1, $2, $3, $4, $5, $6, $7, true) \
         on conflict (tenant, brand, request_id) do update set \
           conversation_id = excluded.conversation_id, recipient = excluded.recipient, \
           channel = excluded.channel, language = excluded.language, late = true, \
           told = order_wait.told or order_wait.outcome is not null, updated_at = now() \
         returning outcome",
        request.tenant,
        request.brand,
        request.request_id,
        late.conversation,
        late.recipient,
        late.channel,
        late.language,
    )
    .fetch_one(pool)
    .await?;
    Ok(row.outcome)
}

/// The outcome of `request` arrived: records it in `tx`. Returns where to
/// tell it when the turn stopped waiting and nobody told it yet; it is then
/// marked told in `tx`, which the caller commits after publishing. Rows
/// older than a week of the brand are dropped on the way.
#[tracing::instrument(skip_all, fields(request = request.request_id))]
pub async fn outcome_arrived(
    tx: &mut PgConnection,
    request: OrderRequest<'_>,
    outcome: &Value,
) -> Result<Option<LateOrder>, sqlx::Error> {
    let row = sqlx::query!(
        "insert into order_wait (tenant, brand, request_id, outcome) values ($1, $2, $3, $4) \
         on conflict (tenant, brand, request_id) do update set \
           outcome = coalesce(order_wait.outcome, excluded.outcome), updated_at = now() \
         returning late, told, conversation_id, recipient, channel, language",
        request.tenant,
        request.brand,
        request.request_id,
        outcome,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from order_wait where tenant = $1 and brand = $2 and created_at < now() - interval '7 days'",
        request.tenant,
        request.brand,
    )
    .execute(&mut *tx)
    .await?;
    let (true, false, Some(conversation), Some(recipient), Some(channel), Some(language)) = (
        row.late,
        row.told,
        row.conversation_id,
        row.recipient,
        row.channel,
        row.language,
    ) else {
        return Ok(None);
    };
    sqlx::query!(
        "update order_wait set told = true, updated_at = now() \
         where tenant = $1 and brand = $2 and request_id = $3",
        request.tenant,
        request.brand,
        request.request_id,
    )
    .execute(&mut *tx)
    .await?;
    Ok(Some(LateOrder {
        conversation,
        recipient,
        channel,
        language,
    }))
}
