-- Whose session it is, so presence ("who is signed in now") and ending
-- every session of a disabled account are one indexed query instead of
-- reading every session's data. Null for a session before sign-in (it
-- only holds the sign-in page's CSRF token).
alter table inbox_session
    add column account_id uuid references seller_account (id) on delete cascade;

create index inbox_session_account on inbox_session (account_id, expires_at)
    where account_id is not null;
