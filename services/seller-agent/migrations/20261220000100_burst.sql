-- Message bursts (SELLER_BURST_WINDOW_MS > 0): a shopper message is kept
-- here, committed and acked; the conversation is answered once, as one
-- turn, when its newest waiting message is older than the window (or a
-- button/list tap arrives). See src/flows/answer_burst.rs.
create table burst_message (
    tenant           text        not null,
    brand            text        not null,
    event_id         text        not null,
    conversation_id  text        not null,
    -- Arrival order: a conversation's shard hands its messages over one at
    -- a time, so this is the order the shopper wrote them in.
    seq              bigserial   not null,
    -- The store.chat.message.new, as structured CloudEvents JSON.
    event            jsonb       not null,
    -- A button or list tap: a complete intent, answered without waiting.
    tap              boolean     not null default false,
    -- The turn that answered it (its event id, the burst's last message);
    -- null while the message waits.
    answered_by      text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    -- One row per message: a redelivery finds it and adds nothing.
    primary key (tenant, brand, event_id)
);

-- What the flush and the sweeper look for: waiting messages.
create index burst_message_waiting
    on burst_message (tenant, brand, conversation_id, seq)
    where answered_by is null;

-- Turns written but not yet published (a crash between the commit and the
-- publish): the sweeper republishes those of bursts.
create index turn_unpublished
    on turn (tenant, brand, conversation_id)
    where status = 'ready';
