-- The order processor's tables: orders with their
-- lines and status history, the record of every order request handled
-- (idempotency by the request's event id), per-brand order numbers, and the
-- outbox of events to publish after commit.
--
-- The `tenant` and `api_key` tables are store-tenancy's (its migration runs
-- first); this file created them itself until they moved there, and
-- store_service::db::migrate_with_tenants adopts databases migrated before.

create table order_counter (
    tenant_id   text        not null,
    brand_id    text        not null,
    last_value  bigint      not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (tenant_id, brand_id)
);

create table customer_order (
    id                  uuid        primary key,
    tenant_id           text        not null,
    brand_id            text        not null,
    number              text        not null,
    -- The store.order.create event it came from (also its reservation id).
    request_event_id    text        not null,
    correlation_id      text        not null,
    conversation        text,
    channel             text,
    customer_id         text        not null,
    customer            jsonb       not null,
    status              text        not null check (status in (
        'pending_payment', 'paid', 'fulfilled', 'shipped', 'delivered', 'cancelled', 'expired')),
    currency            text        not null,
    subtotal_minor      bigint      not null,
    delivery_fee_minor  bigint,
    total_minor         bigint      not null,
    delivery            jsonb,
    note                text,
    payment_provider    text        not null,
    payment_link        text,
    payment_reference   text,
    tracking_number     text,
    -- An unpaid order expires at this time.
    expires_at          timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    constraint customer_order_number_unique unique (tenant_id, number),
    constraint customer_order_request_unique unique (tenant_id, request_event_id)
);

create index customer_order_customer_idx on customer_order (tenant_id, customer_id, created_at desc);
create index customer_order_expiry_idx on customer_order (expires_at) where status = 'pending_payment';

create table order_line (
    order_id            uuid        not null references customer_order (id),
    line                integer     not null,
    product_id          text        not null,
    variant_id          text,
    sku                 text        not null,
    name                text        not null,
    quantity            integer     not null check (quantity > 0),
    unit_price_minor    bigint      not null,
    line_total_minor    bigint      not null,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    primary key (order_id, line)
);

create table order_status_change (
    id          bigserial   primary key,
    order_id    uuid        not null references customer_order (id),
    from_status text,
    to_status   text        not null,
    reason      text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- One row per store.order.create handled, with the outcome event sent, so a
-- redelivered request is answered with the very same event.
create table order_request (
    tenant_id       text        not null,
    event_id        text        not null,
    outcome         jsonb       not null,
    order_id        uuid,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, event_id)
);

-- Events to publish, written in the transaction that decided them.
create table outbox (
    id              uuid        primary key,
    event           jsonb       not null,
    published_at    timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

create index outbox_pending_idx on outbox (created_at) where published_at is null;
