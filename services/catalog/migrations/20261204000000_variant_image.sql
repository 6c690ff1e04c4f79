-- A variant's own picture (a colour variant looks different); null: the
-- product's first picture. A path (`/images/…`) is one the catalog serves,
-- answered with its public URL in front.
alter table variant add column image_url text;
alter table variant add constraint variant_image_url_not_empty check (image_url <> '');
