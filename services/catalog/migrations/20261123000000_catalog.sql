-- The catalog's tables: brands, products with
-- variants (the unit that carries stock), and stock reservations made for
-- the order processor. Every row carries its tenant; every query filters by it.
--
-- The `tenant` and `api_key` tables are store-tenancy's (its migration runs
-- first); this file created them itself until they moved there, and
-- store_service::db::migrate_with_tenants adopts databases migrated before.

create extension if not exists pg_trgm;

create table brand (
    tenant_id   text        not null references tenant (id),
    id          text        not null,
    name        text        not null,
    currency    text        not null check (currency ~ '^[A-Z]{3}$'),
    -- BCP 47 tag of the catalog's main language (picks the search dictionary).
    language    text        not null default 'en',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (tenant_id, id)
);

-- The text search configuration for a BCP 47 language tag.
create function search_config(language text) returns regconfig
language sql immutable as $$
    select (case lower(split_part(coalesce(language, ''), '-', 1))
        when 'en' then 'english'
        when 'pt' then 'portuguese'
        when 'es' then 'spanish'
        when 'fr' then 'french'
        when 'de' then 'german'
        when 'it' then 'italian'
        when 'nl' then 'dutch'
        else 'simple'
    end)::regconfig
$$;

create table product (
    id                  uuid        primary key,
    tenant_id           text        not null,
    brand_id            text        not null,
    sku                 text        not null check (sku <> ''),
    name                text        not null check (name <> ''),
    description         text        not null default '',
    category            text        not null default '',
    tags                text[]      not null default '{}',
    -- Categories that go well with this product (cross-sell).
    related_categories  text[]      not null default '{}',
    attributes          jsonb       not null default '{}',
    images              text[]      not null default '{}',
    -- {"pt": {"name": "...", "description": "..."}, ...}
    translations        jsonb       not null default '{}',
    price_minor         bigint      not null check (price_minor >= 0),
    currency            text        not null check (currency ~ '^[A-Z]{3}$'),
    max_per_order       integer     check (max_per_order > 0),
    active              boolean     not null default true,
    -- Names, SKU, tags and category in lower case, for typo-tolerant
    -- trigram matching; maintained by the trigger below.
    search_text         text        not null default '',
    search              tsvector    not null default ''::tsvector,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    foreign key (tenant_id, brand_id) references brand (tenant_id, id),
    constraint product_sku_unique unique (tenant_id, brand_id, sku)
);

create index product_search_idx on product using gin (search);
create index product_search_text_trgm_idx on product using gin (search_text gin_trgm_ops);
create index product_brand_idx on product (tenant_id, brand_id, category) where active;

create function product_search_refresh() returns trigger
language plpgsql as $$
declare
    cfg regconfig;
    tr record;
    names text := new.name;
begin
    select search_config(b.language) into cfg
      from brand b where b.tenant_id = new.tenant_id and b.id = new.brand_id;
    cfg := coalesce(cfg, 'simple'::regconfig);
    new.search :=
           setweight(to_tsvector('simple', new.name || ' ' || new.sku), 'A')
        || setweight(to_tsvector(cfg, new.name), 'A')
        || setweight(to_tsvector(cfg, array_to_string(new.tags, ' ') || ' ' || new.category), 'B')
        || setweight(to_tsvector(cfg, new.description), 'C');
    for tr in select key, value from jsonb_each(new.translations) loop
        new.search := new.search
            || setweight(to_tsvector(search_config(tr.key), coalesce(tr.value ->> 'name', '')), 'A')
            || setweight(to_tsvector(search_config(tr.key), coalesce(tr.value ->> 'description', '')), 'C');
        names := names || ' ' || coalesce(tr.value ->> 'name', '');
    end loop;
    new.search_text := lower(names || ' ' || new.sku || ' '
        || array_to_string(new.tags, ' ') || ' ' || new.category);
    return new;
end
$$;

create trigger product_search_refresh
    before insert or update of name, sku, description, tags, category, translations
    on product for each row execute function product_search_refresh();

-- What is sold and stocked. A product without options has exactly one
-- variant, its default one (is_default), which is not shown as a variant.
create table variant (
    id          uuid        primary key,
    tenant_id   text        not null,
    product_id  uuid        not null references product (id),
    sku         text        not null check (sku <> ''),
    name        text        not null default '',
    attributes  jsonb       not null default '{}',
    -- Null: the product's price.
    price_minor bigint      check (price_minor >= 0),
    stock       integer     not null default 0 check (stock >= 0),
    is_default  boolean     not null default false,
    active      boolean     not null default true,
    position    integer     not null default 0,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint variant_sku_unique unique (product_id, sku)
);

create index variant_product_idx on variant (product_id);
create index variant_tenant_sku_idx on variant (tenant_id, sku);

-- Stock held for an order, named by the id of its store.order.create event.
create table reservation (
    tenant_id       text        not null,
    id              text        not null,
    status          text        not null check (status in ('reserved', 'released')),
    -- The answer given, returned as is when the same reservation is asked again.
    reply           jsonb       not null,
    release_reason  text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, id)
);

create table reservation_line (
    tenant_id       text        not null,
    reservation_id  text        not null,
    line            integer     not null,
    variant_id      uuid        not null references variant (id),
    quantity        integer     not null check (quantity > 0),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, reservation_id, line),
    foreign key (tenant_id, reservation_id) references reservation (tenant_id, id)
);
