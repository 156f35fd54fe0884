-- The next free send slot of each bot, shared by every instance: an instance takes one slot at a
-- time, just before it is due, so that together they stay under the Bot API's overall limit.
CREATE TABLE send_budget (
    bot        TEXT PRIMARY KEY,
    next_slot  TIMESTAMPTZ NOT NULL
);
