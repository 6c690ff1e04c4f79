-- Hand-overs decided by the sales assistant (store.sales.claimed,
-- store.sales.deferred, store.sales.resolved).

-- A human seller may claim a conversation before the seller stored anything
-- of it (taking it over from the AI, or before its first message reached
-- this seller): the row is then created without the shopper and channel,
-- which the conversation's first shopper message fills in.
alter table conversation
    alter column customer_id drop not null,
    alter column channel drop not null;

-- The `time` of the latest hand-over event applied to the conversation: an
-- older one that arrives after it (a retry, another replica's delivery)
-- changes nothing. The seller's own escalations do not set it.
alter table conversation add column handler_set_at timestamptz;
