-- Every conversation of every brand as the inbox shows it (not only those
-- handed to a human): who handles it now, its last message, its whole
-- transcript with delivery status, and the shop's orders placed in it.
-- Recorded from store.chat.message.new, store.chat.response,
-- store.chat.delivery, store.sales.* and store.order.* events.

create table conversation (
    tenant_id        text        not null,
    conversation     text        not null,
    brand_id         text        not null,
    channel          text        not null check (channel in ('whatsapp', 'telegram', 'webchat')),
    customer         jsonb       not null,
    language         text,
    -- Who answers the shopper now: the AI seller, nobody yet (escalated,
    -- waiting in the queue), or a human seller (`owner_account`).
    handler          text        not null default 'ai' check (handler in ('ai', 'waiting', 'human')),
    owner_account    uuid        references seller_account (id),
    last_message_at  timestamptz not null,
    last_sender      text        not null check (last_sender in ('shopper', 'ai', 'human', 'system')),
    last_text        text        not null,
    -- Shopper messages since a human last replied, for unread counts.
    unread           integer     not null default 0,
    started_at       timestamptz not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (tenant_id, conversation),
    constraint conversation_owner_when_human check ((handler = 'human') = (owner_account is not null))
);

create index conversation_brand_recent on conversation (tenant_id, brand_id, last_message_at desc);

create table conversation_message (
    tenant_id        text        not null,
    conversation     text        not null,
    -- Order of recording within the conversation, from 1.
    seq              integer     not null,
    sender           text        not null check (sender in ('shopper', 'ai', 'human', 'system')),
    -- The text shown (media, places, taps described in words).
    text             text        not null,
    -- The store.chat.response parts (product cards, buttons), as sent.
    parts            jsonb,
    at               timestamptz not null,
    -- The human seller who wrote it.
    agent_account    uuid,
    agent_name       text,
    -- Id of the event it came from; a redelivery adds nothing.
    source_id        text        not null,
    -- For replies: what the channel did with it.
    delivery         text        check (delivery in ('pending', 'sent', 'failed')),
    delivery_reason  text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (tenant_id, conversation, seq),
    foreign key (tenant_id, conversation) references conversation (tenant_id, conversation)
);

create unique index conversation_message_source on conversation_message (tenant_id, source_id);

-- Who owns a hand-off, and the times the reports need.
alter table handoff
    add column owner_account   uuid references seller_account (id),
    add column claimed_at      timestamptz,
    -- Taken from the AI before any escalation.
    add column taken_over      boolean not null default false,
    -- No human could answer when it escalated: the AI keeps helping until
    -- the shift (`deferred_until`, when the brand has staffed hours).
    add column deferral_reason text check (deferral_reason in ('off_hours', 'no_seller_online')),
    add column deferred_until  timestamptz,
    add column first_human_reply_at timestamptz;

create index handoff_owner on handoff (tenant_id, owner_account) where status = 'open';

-- The shop's orders as the order processor announced them
-- (store.order.created, store.order.status.changed), for the conversation
-- view and the reports.
create table shop_order (
    tenant_id        text        not null,
    order_id         text        not null,
    brand_id         text        not null,
    conversation     text,
    number           text        not null,
    lines            jsonb       not null,
    total_minor      bigint      not null,
    currency         text        not null,
    status           text        not null,
    payment_url      text,
    -- Who closed the sale: the AI alone, or a human (the order was placed
    -- from the inbox, or during or after a hand-off of its conversation).
    closed_by        text        not null check (closed_by in ('ai', 'human')),
    placed_at        timestamptz not null,
    updated_at       timestamptz not null default now(),
    primary key (tenant_id, order_id)
);

create index shop_order_conversation on shop_order (tenant_id, conversation, placed_at);
create index shop_order_brand_day on shop_order (tenant_id, brand_id, placed_at);
