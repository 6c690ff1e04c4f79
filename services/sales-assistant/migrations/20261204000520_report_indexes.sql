-- What the owner's report reads by tenant and time: shoppers' messages
-- (conversations per day) and the orders of a conversation on a day
-- (conversion). Hand-offs (handoff_tenant_opened) and orders per brand and
-- day (shop_order_brand_day) have theirs.
create index conversation_message_shopper_at on conversation_message (tenant_id, at)
    where sender = 'shopper';
