-- The sales assistant's tables:
-- the hand-offs of conversations from the AI sellers to human sellers, and
-- each hand-off's transcript.
--
-- The `tenant` and `api_key` tables are store-tenancy's (its migration runs
-- first); this file created them itself until they moved there, and
-- store_service::db::migrate_with_tenants adopts databases migrated before.

create table handoff (
    id                      uuid        primary key,
    tenant_id               text        not null,
    brand_id                text        not null,
    conversation            text        not null,
    channel                 text        not null check (channel in ('whatsapp', 'telegram', 'webchat')),
    customer                jsonb       not null,
    reason                  text        not null,
    summary                 text        not null,
    priority                text        not null check (priority in ('low', 'normal', 'high')),
    status                  text        not null default 'open' check (status in ('open', 'resolved')),
    -- How many store.sales.escalate events this hand-off took in.
    escalations             integer     not null default 1,
    -- The latest store.sales.escalate event, and the correlation id of the
    -- exchange that led to the first one (events about the hand-off keep it).
    escalation_event_id     text        not null,
    correlation_id          text        not null,
    opened_at               timestamptz not null default now(),
    resolved_at             timestamptz,
    resolved_by             text,
    resolution              text        check (resolution in ('handed_back', 'closed')),
    note                    text,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    constraint handoff_resolved_complete check (
        (status = 'open' and resolved_at is null and resolution is null)
        or (status = 'resolved' and resolved_at is not null and resolution is not null
            and resolved_by is not null))
);

-- At most one open hand-off per conversation of a tenant.
create unique index handoff_open_unique on handoff (tenant_id, conversation) where status = 'open';
create index handoff_tenant_opened on handoff (tenant_id, opened_at desc, id desc);

create table handoff_message (
    handoff_id  uuid        not null references handoff (id),
    -- Order of recording within the hand-off, from 1.
    seq         integer     not null,
    sender      text        not null check (sender in ('shopper', 'ai', 'human')),
    text        text        not null,
    at          timestamptz not null,
    -- The human seller who wrote it, for replies sent through this service.
    agent       text,
    -- Id of the event (or message) it came from; a redelivery adds nothing.
    source_id   text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (handoff_id, seq)
);

create unique index handoff_message_source_unique on handoff_message (handoff_id, source_id)
    where source_id is not null;
