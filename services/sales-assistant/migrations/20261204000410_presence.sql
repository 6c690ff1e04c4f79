-- Which sellers have the inbox open: each open page's event stream marks
-- its account seen every few seconds. "On the page" is seen recently; a
-- seller signed in whose tab is closed is not, and is notified.
create table inbox_presence (
    account_id  uuid        primary key references seller_account (id),
    tenant_id   text        not null,
    seen_at     timestamptz not null
);
