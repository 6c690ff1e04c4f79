-- The same migration rewritten: the tenant table is store-tenancy's.
create table shop_item (
    tenant_id   text        not null references tenant (id),
    id          text        not null,
    primary key (tenant_id, id)
);
