-- When a web chat session was last used by its shopper (created, or a
-- message posted): sessions idle longer than WEBCHAT_SESSION_TTL_HOURS are
-- treated as unknown and swept, with their transcripts.
alter table webchat_session add column last_active_at timestamptz not null default now();
update webchat_session set last_active_at = updated_at;
create index webchat_session_last_active_at on webchat_session (last_active_at);
