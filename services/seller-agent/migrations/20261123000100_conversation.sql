-- The seller's memory: conversations, their messages (shopper, seller, tool
-- calls and results), turns (the outbox of each answered message) and
-- customer profiles. Every row is scoped by tenant and brand.

create table conversation (
    tenant            text        not null,
    brand             text        not null,
    conversation_id   text        not null,
    customer_id       text        not null,
    channel           text        not null,
    -- 'ai' or 'human': who answers; the AI stays silent while a human does.
    handler           text        not null default 'ai',
    -- Rolling summary of the messages up to summarized_until (a message id).
    summary           text,
    summarized_until  bigint      not null default 0,
    -- The brain's own state (the offline brain's shown products, pending order).
    brain_state       jsonb       not null default '{}'::jsonb,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    primary key (tenant, brand, conversation_id)
);

create table conversation_message (
    id               bigserial   primary key,
    tenant           text        not null,
    brand            text        not null,
    conversation_id  text        not null,
    -- user | assistant | tool | human
    role             text        not null,
    content          text        not null,
    tool_calls       jsonb,
    tool_call_id     text,
    is_error         boolean     not null default false,
    -- The chat event a shopper message came in (null for the seller's).
    event_id         text,
    -- Shopper messages that arrived while a human had the conversation.
    for_human        boolean     not null default false,
    created_at       timestamptz not null default now(),
    foreign key (tenant, brand, conversation_id) references conversation (tenant, brand, conversation_id)
);

create index conversation_message_by_conversation
    on conversation_message (tenant, brand, conversation_id, id);

-- One answered shopper message: the events it produced (reply, escalation),
-- kept until they are published, so a redelivered message republishes the
-- same events instead of asking the model again.
create table turn (
    tenant           text        not null,
    brand            text        not null,
    event_id         text        not null,
    conversation_id  text        not null,
    -- ready: outbox written, not yet published; published: done.
    status           text        not null,
    outbox           jsonb       not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (tenant, brand, event_id)
);

create table customer_profile (
    tenant        text        not null,
    customer_id   text        not null,
    display_name  text,
    language      text,
    preferences   jsonb       not null default '[]'::jsonb,
    -- Order numbers the seller placed for this customer, newest last.
    orders        jsonb       not null default '[]'::jsonb,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    primary key (tenant, customer_id)
);
