-- A table for the runtime tests to find after migrating.
create table probe (
    id         text primary key,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
