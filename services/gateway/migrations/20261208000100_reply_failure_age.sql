-- no-transaction
-- Replies settled as failed are kept for the retention (RETENTION_DAYS) and
-- then deleted by age, like the sent messages' records (see
-- 20261208000000_outbound_message_age.sql).
create index concurrently if not exists reply_failure_created_at
    on reply_failure (created_at);
