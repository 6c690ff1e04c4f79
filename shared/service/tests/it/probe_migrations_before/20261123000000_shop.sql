-- A service's first migration as it was before store-tenancy owned the
-- tenant tables: it created them itself.
create table tenant (
    id          text        primary key,
    name        text        not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create table shop_item (
    tenant_id   text        not null references tenant (id),
    id          text        not null,
    primary key (tenant_id, id)
);
