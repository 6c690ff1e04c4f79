-- Rate limits shared by every gateway replica: one row per bucket (a web
-- chat session, a client address, a tenant's or a shopper's webhooks), kept
-- as its "theoretical arrival time" (GCRA): the moment the bucket is full
-- again. A row whose time has passed is the same as no row, so the sweeper
-- deletes those without changing any answer.
create table rate_limit (
    key text primary key,
    tat timestamptz not null
);

create index rate_limit_tat on rate_limit (tat);
