-- One database per service that owns tables, as in production: the services'
-- migration histories stay apart (each runs its own `sqlx::migrate!`). All
-- sellers share `seller`: every row there is scoped by tenant and brand.
-- Runs once, when the data volume is first initialised.
create database catalog;
create database orders;
create database gateway;
create database seller;
create database sales;
