-- When a shop order's status last changed: the `changed_at` of the latest
-- store.order.status.changed applied (its `placed_at` until the first
-- change). A change handled late (retried behind a newer one) is older than
-- this and leaves the status alone.
alter table shop_order add column status_changed_at timestamptz;
