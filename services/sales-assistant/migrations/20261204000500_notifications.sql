-- Notifications of new escalations to the human sellers who are not on the
-- inbox page: each tenant's settings, the escalations to tell about (queued
-- in the transaction that opened the hand-off) and their deliveries (an
-- outbox: sent after the commit by a background task, retried with backoff,
-- never in the way of the consumer).

create table notification_setting (
    tenant_id        text        primary key,
    -- POST each new escalation here as JSON, when set.
    webhook_url      text        check (webhook_url ~ '^https?://'),
    -- Key of the body's HMAC-SHA256 (`X-Signature: sha256=<hex>`), when
    -- set. Never shown back on the page, never logged.
    webhook_secret   text,
    -- Message each seller with a Telegram chat id through the tenant's bot.
    telegram         boolean     not null default false,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);

-- A new escalation (not a repeat of an open hand-off) to tell about.
create table escalation_notice (
    id               uuid        primary key,
    tenant_id        text        not null,
    brand_id         text        not null,
    conversation     text        not null,
    handoff_id       uuid        not null references handoff (id),
    reason           text        not null,
    summary          text        not null,
    priority         text        not null,
    created_at       timestamptz not null default now(),
    -- When its deliveries were queued (who to tell is decided then).
    expanded_at      timestamptz
);

create index escalation_notice_unexpanded on escalation_notice (created_at)
    where expanded_at is null;

-- One message of a notice to one place: the webhook, or one seller's
-- Telegram chat.
create table notification_delivery (
    id               uuid        primary key,
    notice_id        uuid        not null references escalation_notice (id),
    tenant_id        text        not null,
    channel          text        not null check (channel in ('webhook', 'telegram')),
    -- The webhook URL or the Telegram chat id, as they were when queued.
    target           text        not null,
    account_id       uuid        references seller_account (id),
    status           text        not null default 'pending'
                                 check (status in ('pending', 'sent', 'failed')),
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null default now(),
    -- Why the last attempt failed (a status and the answer's reason; never
    -- a URL or a token).
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);

create index notification_delivery_due on notification_delivery (next_attempt_at)
    where status = 'pending';
create index notification_delivery_notice on notification_delivery (notice_id);
