-- The deduplication ledger only spares work: every event published for a
-- channel message has an id derived from the message's id, and every
-- consumer drops an id it has handled (see the gateway's
-- `flows::ingest_webhook`). So the ledger is working state, like the
-- rate-limit buckets: unlogged, so recording a webhook's key writes no WAL.
-- After a PostgreSQL crash (or on a promoted standby) it is empty, and a
-- channel's redelivery of a message already published reaches the bus,
-- where its consumers drop it by id.
alter table inbound_message set unlogged;

-- Buckets are found by key only. Keeping an index on `tat` made every take
-- (an update of `tat`) write a new index entry and kept it from being a
-- HOT update; the periodic sweep of full buckets reads the table instead.
drop index rate_limit_tat;
