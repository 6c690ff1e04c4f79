-- The tenants a service knows and their API keys, the same in every service
-- with a tenant API (catalog, order processor, sales assistant). Services
-- whose first migration predates this one created the same tables
-- themselves; `if not exists` makes this a no-op there.
create table if not exists tenant (
    id          text        primary key,
    name        text        not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- Per-tenant API keys, stored as the SHA-256 of the key.
create table if not exists api_key (
    key_hash    bytea       primary key,
    tenant_id   text        not null references tenant (id),
    label       text        not null default '',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
