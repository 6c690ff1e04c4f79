-- Order requests the seller stopped waiting for. A turn that waited its
-- tool timeout for the order processor marks its request late and tells
-- the shopper the order is being placed; the order's outcome
-- (store.order.created or store.order.rejected, consumed by the seller)
-- is recorded here too. Whichever comes second sees the other: the outcome
-- is told to the shopper once (told), by the turn when it had already
-- arrived, else by the outcome's consumer.
create table order_wait (
    tenant text not null,
    brand text not null,
    -- The store.order.create event's id (the outcome's causation id).
    request_id text not null,
    conversation_id text,
    -- Where the confirmation goes (the shopper's id on the channel).
    recipient text,
    channel text,
    -- The shopper's language when the turn stopped waiting.
    language text,
    late boolean not null default false,
    -- The outcome event (CloudEvents JSON) once it arrived.
    outcome jsonb,
    told boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant, brand, request_id)
);

create index order_wait_created_at on order_wait (created_at);
