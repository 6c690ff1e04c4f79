-- no-transaction
-- Published events stay in the outbox for the retention (RETENTION_DAYS)
-- and are then deleted by the time they were published
-- (`store_service::retention`): indexed so each sweep reads only what it
-- deletes. Built concurrently: a deployment that kept every event until
-- now may have many, and orders go on while it builds.
create index concurrently if not exists outbox_published_at
    on outbox (published_at) where published_at is not null;
