//! Every conversation of a tenant as the inbox shows it (`conversation`):
//! recording its activity from the bus, locking it for a human's action,
//! who handles it now, and the pages' reads ([`list`], [`find`]) with the
//! owner's name and the open (or latest) hand-off.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, types::Json};
use store_events::data::Customer;
use uuid::Uuid;

/// A conversation as an action works with it (locked).
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Tenant.
    pub tenant_id: String,
    /// Its id (the events' `conversation` extension).
    pub conversation: String,
    /// The brand whose seller talks in it.
    pub brand_id: String,
    /// `whatsapp`, `telegram` or `webchat`.
    pub channel: String,
    /// The shopper.
    pub customer: Json<Customer>,
    /// The shopper's language, when known (BCP 47).
    pub language: Option<String>,
    /// `ai`, `waiting` or `human`.
    pub handler: String,
    /// The human seller answering, when `handler` is `human`.
    pub owner_account: Option<Uuid>,
}

/// Something said in a conversation, to record.
#[derive(Debug, Clone)]
pub struct Activity<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Conversation.
    pub conversation: &'a str,
    /// Brand.
    pub brand: &'a str,
    /// Channel name.
    pub channel: &'a str,
    /// The shopper (as much as the event tells).
    pub customer: &'a Customer,
    /// Whether `customer` is the whole shopper (a shopper's message or an
    /// escalation) rather than only the recipient's id (a reply).
    pub customer_known: bool,
    /// `shopper`, `ai`, `human` or `system`.
    pub sender: &'a str,
    /// What was said, as text.
    pub text: &'a str,
    /// When.
    pub at: DateTime<Utc>,
}

/// An event's claim in the idempotency ledger, made by the statement that
/// records it: the row `store_idempotency::claim` inserts, in the same
/// table, so the two are one ledger.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The ledger's consumer name (the flow's `LEDGER_NAME`).
    pub ledger: &'a str,
    /// The event's id.
    pub event_id: &'a str,
    /// The event's type.
    pub event_type: &'a str,
}

/// Records `activity`: the conversation created on its first message, or
/// its last message, shopper and unread count brought up to date (a
/// shopper's message while a person handles it or it waits for one is
/// unread; a human's reply reads them all). Leaves the conversation locked
/// in `conn`'s transaction.
///
/// With `claim`, once per event, in the same statement: the event is
/// claimed and the activity recorded only when the claim is new; `false`
/// for an event claimed before (nothing is written then). Without, it
/// records and returns `true`.
#[tracing::instrument(skip_all, fields(tenant = activity.tenant, conversation = activity.conversation))]
pub async fn record(
    conn: &mut PgConnection,
    activity: &Activity<'_>,
    claim: Option<Claim<'_>>,
) -> sqlx::Result<bool> {
    // `recorded` is not read by the final select, so it runs after it, on
    // what `claimed` returned.
    sqlx::query_scalar!(
        r#"with claimed as (
               insert into processed_event (consumer, event_id, event_type)
               select $11, $12, $13 where $11::text is not null
               on conflict (consumer, event_id) do nothing
               returning 1
           ), recorded as (
               insert into conversation (tenant_id, conversation, brand_id, channel, customer, language,
                   last_message_at, last_sender, last_text, unread, started_at)
               select $1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $7
                where $11::text is null or exists (select 1 from claimed)
               on conflict (tenant_id, conversation) do update set
                   brand_id = excluded.brand_id,
                   channel = excluded.channel,
                   customer = case when $10 then excluded.customer else conversation.customer end,
                   language = coalesce(excluded.language, conversation.language),
                   last_message_at = greatest(conversation.last_message_at, excluded.last_message_at),
                   last_sender = case when excluded.last_message_at >= conversation.last_message_at
                       then excluded.last_sender else conversation.last_sender end,
                   last_text = case when excluded.last_message_at >= conversation.last_message_at
                       then excluded.last_text else conversation.last_text end,
                   unread = case
                       when excluded.last_sender = 'shopper' and conversation.handler <> 'ai'
                           then conversation.unread + 1
                       when excluded.last_sender = 'human' then 0
                       else conversation.unread end,
                   updated_at = now()
           )
           select ($11::text is null or exists (select 1 from claimed)) as "recorded!""#,
        activity.tenant,
        activity.conversation,
        activity.brand,
        activity.channel,
        Json(activity.customer) as _,
        activity.customer.language.as_deref(),
        activity.at,
        activity.sender,
        activity.text,
        activity.customer_known,
        claim.map(|c| c.ledger),
        claim.map(|c| c.event_id),
        claim.map(|c| c.event_type),
    )
    .fetch_one(conn)
    .await
}

/// Creates the conversation of an escalation when it is not recorded yet
/// (it began before the inbox recorded every conversation); `true` when it
/// was created. An existing one keeps its last message (the escalation's
/// are older) but learns the shopper. Leaves it locked.
#[tracing::instrument(skip_all, fields(tenant = activity.tenant, conversation = activity.conversation))]
pub async fn ensure(conn: &mut PgConnection, activity: &Activity<'_>) -> sqlx::Result<bool> {
    let created = sqlx::query_scalar!(
        r#"insert into conversation (tenant_id, conversation, brand_id, channel, customer, language,
               last_message_at, last_sender, last_text, unread, started_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $7)
           on conflict (tenant_id, conversation) do update set
               customer = excluded.customer,
               language = coalesce(excluded.language, conversation.language),
               updated_at = now()
           returning (xmax = 0) as "created!""#,
        activity.tenant,
        activity.conversation,
        activity.brand,
        activity.channel,
        Json(activity.customer) as _,
        activity.customer.language.as_deref(),
        activity.at,
        activity.sender,
        activity.text,
    )
    .fetch_one(conn)
    .await?;
    Ok(created)
}

/// The conversation, locked until `conn`'s transaction ends.
#[tracing::instrument(skip_all, fields(tenant, conversation))]
pub async fn lock(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
) -> sqlx::Result<Option<Conversation>> {
    sqlx::query_as!(
        Conversation,
        r#"select tenant_id, conversation, brand_id, channel,
                  customer as "customer: Json<Customer>", language, handler, owner_account
           from conversation where tenant_id = $1 and conversation = $2 for update"#,
        tenant,
        conversation
    )
    .fetch_optional(conn)
    .await
}

/// Who handles the conversation now: the AI, nobody yet (`waiting`), or
/// the human `owner` (`human`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// The AI seller.
    Ai,
    /// Escalated, waiting for a person.
    Waiting,
    /// This human seller.
    Human(Uuid),
}

/// Sets who handles the conversation.
#[tracing::instrument(skip_all, fields(tenant, conversation))]
pub async fn set_handler(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
    handler: Handler,
) -> sqlx::Result<()> {
    let (name, owner) = match handler {
        Handler::Ai => ("ai", None),
        Handler::Waiting => ("waiting", None),
        Handler::Human(owner) => ("human", Some(owner)),
    };
    sqlx::query!(
        "update conversation set handler = $3, owner_account = $4,
             unread = case when $3 = 'ai' then 0 else unread end, updated_at = now()
         where tenant_id = $1 and conversation = $2",
        tenant,
        conversation,
        name,
        owner
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An escalation: the conversation waits for a person, unless a human
/// already answers it.
#[tracing::instrument(skip_all, fields(tenant, conversation))]
pub async fn escalated(
    conn: &mut PgConnection,
    tenant: &str,
    conversation: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update conversation set handler = 'waiting', updated_at = now()
         where tenant_id = $1 and conversation = $2 and handler <> 'human'",
        tenant,
        conversation
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Which conversations a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// With an open hand-off nobody owns yet (deferred ones included).
    #[default]
    Waiting,
    /// Owned by the signed-in seller.
    Mine,
    /// Whose latest hand-off is resolved.
    Resolved,
    /// Every conversation, the AI's too.
    All,
}

impl View {
    /// The name in `?view=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Mine => "mine",
            Self::Resolved => "resolved",
            Self::All => "all",
        }
    }

    /// Parses `?view=`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "waiting" => Some(Self::Waiting),
            "mine" => Some(Self::Mine),
            "resolved" => Some(Self::Resolved),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

/// What [`list`] shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Which conversations.
    pub view: View,
    /// Only this brand.
    pub brand: Option<String>,
}

/// A conversation as the pages show it: its own fields, who owns it and
/// its open hand-off (or the latest one, or none).
#[derive(Debug, Clone, Serialize)]
pub struct ConversationSummary {
    /// Its id.
    pub conversation: String,
    /// Brand.
    pub brand: String,
    /// `whatsapp`, `telegram` or `webchat`.
    pub channel: String,
    /// The shopper.
    pub customer: Json<Customer>,
    /// The shopper's language, when known.
    pub language: Option<String>,
    /// `ai`, `waiting` or `human`.
    pub handler: String,
    /// The human seller answering.
    pub owner_account: Option<Uuid>,
    /// Their name.
    pub owner_name: Option<String>,
    /// The last message's time, author and text.
    pub last_message_at: DateTime<Utc>,
    /// `shopper`, `ai`, `human` or `system`.
    pub last_sender: String,
    /// The last message, as text.
    pub last_text: String,
    /// Shopper messages since a human last replied.
    pub unread: i32,
    /// The first message's time.
    pub started_at: DateTime<Utc>,
    /// The open hand-off, or the latest one.
    pub handoff: Option<HandoffSummary>,
}

/// The hand-off part of a [`ConversationSummary`].
#[derive(Debug, Clone, Serialize)]
pub struct HandoffSummary {
    /// Its id.
    pub id: Uuid,
    /// `open` or `resolved`.
    pub status: String,
    /// Why the AI escalated (`other` for a take-over).
    pub reason: String,
    /// What the person needs to know.
    pub summary: String,
    /// `low`, `normal` or `high`.
    pub priority: String,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// `off_hours` or `no_seller_online` when nobody could answer then.
    pub deferral_reason: Option<String>,
    /// The shift it waits for.
    pub deferred_until: Option<DateTime<Utc>>,
    /// Taken from the AI by a person before any escalation.
    pub taken_over: bool,
}

struct Row {
    conversation: String,
    brand_id: String,
    channel: String,
    customer: Json<Customer>,
    language: Option<String>,
    handler: String,
    owner_account: Option<Uuid>,
    owner_name: Option<String>,
    last_message_at: DateTime<Utc>,
    last_sender: String,
    last_text: String,
    unread: i32,
    started_at: DateTime<Utc>,
    handoff_id: Option<Uuid>,
    status: Option<String>,
    reason: Option<String>,
    summary: Option<String>,
    priority: Option<String>,
    opened_at: Option<DateTime<Utc>>,
    deferral_reason: Option<String>,
    deferred_until: Option<DateTime<Utc>>,
    taken_over: Option<bool>,
}

impl From<Row> for ConversationSummary {
    fn from(r: Row) -> Self {
        let handoff = match (
            r.handoff_id,
            r.status,
            r.reason,
            r.summary,
            r.priority,
            r.opened_at,
        ) {
            (
                Some(id),
                Some(status),
                Some(reason),
                Some(summary),
                Some(priority),
                Some(opened_at),
            ) => Some(HandoffSummary {
                id,
                status,
                reason,
                summary,
                priority,
                opened_at,
                deferral_reason: r.deferral_reason,
                deferred_until: r.deferred_until,
                taken_over: r.taken_over.unwrap_or(false),
            }),
            _ => None,
        };
        Self {
            conversation: r.conversation,
            brand: r.brand_id,
            channel: r.channel,
            customer: r.customer,
            language: r.language,
            handler: r.handler,
            owner_account: r.owner_account,
            owner_name: r.owner_name,
            last_message_at: r.last_message_at,
            last_sender: r.last_sender,
            last_text: r.last_text,
            unread: r.unread,
            started_at: r.started_at,
            handoff,
        }
    }
}

/// `tenant`'s conversations in `filter`'s view, of the brands in
/// `may_work` (`None`: every brand, for an owner), at most `limit`. The
/// waiting view puts first the deferred ones whose shift has started,
/// then the more urgent, then those waiting longest; the others, the most
/// recently active first. `me` is the signed-in account (view `mine`).
#[tracing::instrument(skip_all, fields(tenant, view = filter.view.as_str()))]
pub async fn list(
    pool: &PgPool,
    tenant: &str,
    may_work: Option<&[String]>,
    filter: &ListFilter,
    me: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<ConversationSummary>> {
    let rows = sqlx::query_as!(
        Row,
        r#"select c.conversation, c.brand_id, c.channel,
                  c.customer as "customer: Json<Customer>", c.language, c.handler,
                  c.owner_account, a.name as "owner_name?", c.last_message_at, c.last_sender,
                  c.last_text, c.unread, c.started_at,
                  h.id as "handoff_id?", h.status as "status?", h.reason as "reason?",
                  h.summary as "summary?", h.priority as "priority?",
                  h.opened_at as "opened_at?", h.deferral_reason as "deferral_reason?",
                  h.deferred_until as "deferred_until?", h.taken_over as "taken_over?"
           from conversation c
           left join seller_account a on a.id = c.owner_account
           left join lateral (
               select id, status, reason, summary, priority, opened_at, deferral_reason,
                      deferred_until, taken_over, owner_account
               from handoff
               where handoff.tenant_id = c.tenant_id and handoff.conversation = c.conversation
               order by (status = 'open') desc, opened_at desc
               limit 1
           ) h on true
           where c.tenant_id = $1
             and ($2::text[] is null or c.brand_id = any ($2))
             and ($3::text is null or c.brand_id = $3)
             and case $4::text
                 when 'waiting' then h.status = 'open' and h.owner_account is null
                 when 'mine' then c.owner_account = $5
                 when 'resolved' then h.status = 'resolved'
                 else true end
           order by
             case when $4 = 'waiting' then
                 (h.deferral_reason is not null and coalesce(h.deferred_until, h.opened_at) <= now())
             end desc nulls last,
             case when $4 = 'waiting' then
                 case h.priority when 'high' then 2 when 'normal' then 1 else 0 end
             end desc nulls last,
             case when $4 = 'waiting' then h.opened_at end asc nulls last,
             c.last_message_at desc, c.conversation
           limit $6"#,
        tenant,
        may_work,
        filter.brand.as_deref(),
        filter.view.as_str(),
        me,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ConversationSummary::from).collect())
}

/// `tenant`'s conversation `conversation` as the pages show it. The
/// caller checks the signed-in seller may work its brand.
#[tracing::instrument(skip_all, fields(tenant, conversation))]
pub async fn find(
    pool: &PgPool,
    tenant: &str,
    conversation: &str,
) -> sqlx::Result<Option<ConversationSummary>> {
    let row = sqlx::query_as!(
        Row,
        r#"select c.conversation, c.brand_id, c.channel,
                  c.customer as "customer: Json<Customer>", c.language, c.handler,
                  c.owner_account, a.name as "owner_name?", c.last_message_at, c.last_sender,
                  c.last_text, c.unread, c.started_at,
                  h.id as "handoff_id?", h.status as "status?", h.reason as "reason?",
                  h.summary as "summary?", h.priority as "priority?",
                  h.opened_at as "opened_at?", h.deferral_reason as "deferral_reason?",
                  h.deferred_until as "deferred_until?", h.taken_over as "taken_over?"
           from conversation c
           left join seller_account a on a.id = c.owner_account
           left join lateral (
               select id, status, reason, summary, priority, opened_at, deferral_reason,
                      deferred_until, taken_over
               from handoff
               where handoff.tenant_id = c.tenant_id and handoff.conversation = c.conversation
               order by (status = 'open') desc, opened_at desc
               limit 1
           ) h on true
           where c.tenant_id = $1 and c.conversation = $2"#,
        tenant,
        conversation
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ConversationSummary::from))
}
