-- Human seller accounts and their sign-in: the people who work the inbox.
--
-- An account belongs to one tenant. `owner`s invite sellers, see every brand
-- and the reports; `seller`s work the conversations of the brands in
-- `brands`. Passwords are argon2id PHC strings (never the password).

create table seller_account (
    id              uuid        primary key,
    tenant_id       text        not null,
    -- Lowercased; one account per address across tenants (it is the sign-in
    -- name).
    email           text        not null check (email = lower(email) and email like '%_@_%'),
    name            text        not null check (length(name) between 1 and 100),
    role            text        not null check (role in ('owner', 'seller')),
    -- Brands a seller works; ignored for owners (every brand).
    brands          text[]      not null default '{}',
    password_hash   text,
    disabled_at     timestamptz,
    -- Telegram chat id to notify of new escalations when not on the page.
    telegram_chat_id text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

create unique index seller_account_email_unique on seller_account (email);
create index seller_account_tenant on seller_account (tenant_id, name);

-- An invitation: a one-time link (only the SHA-256 of its token is kept)
-- to set a name and password. Accepting it creates or activates the account.
create table seller_invite (
    token_hash      text        primary key,
    tenant_id       text        not null,
    email           text        not null check (email = lower(email)),
    role            text        not null check (role in ('owner', 'seller')),
    brands          text[]      not null default '{}',
    invited_by      uuid        references seller_account (id),
    expires_at      timestamptz not null,
    accepted_at     timestamptz,
    created_at      timestamptz not null default now()
);

create index seller_invite_tenant on seller_invite (tenant_id, created_at desc);

-- Sessions of signed-in sellers (tower-sessions records; `data` is the
-- session's serialized map).
create table inbox_session (
    id              text        primary key,
    data            bytea       not null,
    expires_at      timestamptz not null
);

create index inbox_session_expiry on inbox_session (expires_at);

-- Failed sign-ins, for throttling per account and per address.
create table signin_failure (
    id              bigint      generated always as identity primary key,
    email           text        not null,
    address         text        not null,
    at              timestamptz not null default now()
);

create index signin_failure_email on signin_failure (email, at);
create index signin_failure_address on signin_failure (address, at);
