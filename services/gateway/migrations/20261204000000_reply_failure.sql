-- Replies the gateway settled without sending them in full because the
-- channel refused them for good and there is nothing to retry (WhatsApp's
-- 24-hour window had closed), with the failure they were reported with in
-- store.chat.delivery: a redelivered reply reports the same failure again
-- instead of counting its outbound_message rows as sent. A fully sent reply
-- needs no row (its outbound_message rows say so); a refusal that goes to
-- the dead-letter queue gets none either, so a replay sends it again.
create table reply_failure (
    event_id text primary key,
    reason text not null,
    code text,
    channel_message_id text,
    created_at timestamptz not null default now()
);
