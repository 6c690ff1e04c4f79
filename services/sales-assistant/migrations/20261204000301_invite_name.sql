-- The name the operator gave with an owner's invitation, offered on the
-- acceptance page (the person may change it). Null when the inviter gave
-- none.
alter table seller_invite
    add column name text check (name is null or length(name) between 1 and 100);
