-- Edge deduplication: one row per channel message id seen recently. A
-- redelivered webhook finds its row and produces no second event; rows expire
-- (Meta retries for up to 7 days) and are purged.
create table inbound_message (
    tenant text not null,
    channel text not null,
    channel_key text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    primary key (tenant, channel, channel_key)
);

create index inbound_message_expires_at on inbound_message (expires_at);

-- The brand a shopper picked from a channel's brand menu, per conversation.
create table conversation_brand (
    tenant text not null,
    conversation text not null,
    brand text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant, conversation)
);

-- Channel messages already sent for a reply (one per part and piece), so a
-- redelivered reply sends only what is missing, in order.
create table outbound_message (
    event_id text not null,
    seq integer not null,
    channel_message_id text,
    created_at timestamptz not null default now(),
    primary key (event_id, seq)
);
