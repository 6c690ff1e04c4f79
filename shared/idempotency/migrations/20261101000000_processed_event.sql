-- Ledger of events a consumer has already applied. A handler inserts its
-- (consumer, event id) row in the same transaction as its own writes; a
-- redelivered event finds the row and is skipped.
create table if not exists processed_event (
    consumer     text        not null,
    event_id     text        not null,
    event_type   text        not null,
    created_at   timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- For purging old rows.
create index if not exists processed_event_created_at on processed_event (created_at);
