-- Web chat sessions: one per shopper, browser and brand. The token is never
-- stored, only its SHA-256; `last_seq` numbers the session's transcript and
-- its row lock serialises appends to one session.
create table webchat_session (
    id uuid primary key,
    tenant text not null,
    brand text not null,
    display_name text,
    token_sha256 bytea not null,
    last_seq bigint not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- The transcript of a session: the shopper's messages and the replies, in
-- order. A shopper's entry carries the client's `client_message_id` (a retry
-- of the same message is accepted once); a reply's entry carries the
-- `store.chat.response` event and part it came from (a redelivered reply is
-- appended once). `sender` is the protocol's `from`.
create table webchat_entry (
    session_id uuid not null references webchat_session (id) on delete cascade,
    seq bigint not null,
    sender text not null check (sender in ('shopper', 'seller', 'human', 'system')),
    parts jsonb not null,
    sent_at timestamptz not null,
    message_id uuid,
    client_message_id text,
    source_event_id text,
    source_part integer,
    created_at timestamptz not null default now(),
    primary key (session_id, seq),
    constraint webchat_entry_client_message unique (session_id, client_message_id),
    constraint webchat_entry_source unique (session_id, source_event_id, source_part)
);
