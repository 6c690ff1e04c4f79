-- no-transaction
-- The records of channel messages sent for a reply are kept for the
-- retention (RETENTION_DAYS) and then deleted by age
-- (`store_service::retention`): indexed by age so each sweep reads only
-- what it deletes. Built concurrently (one statement a file: PostgreSQL
-- runs several statements sent at once in one transaction): a deployment
-- that kept every row until now may have many, and sends go on meanwhile.
create index concurrently if not exists outbound_message_created_at
    on outbound_message (created_at);
