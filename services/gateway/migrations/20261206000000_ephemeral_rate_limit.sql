-- Rate-limit buckets are working state, not records: unlogged, so taking a
-- token writes no WAL and its commit does not wait for a disk flush while
-- the bucket's row is locked (every webhook of a tenant takes from one
-- row). After a PostgreSQL crash the table is empty: every bucket is full
-- again, which admits at most one burst more.
alter table rate_limit set unlogged;
