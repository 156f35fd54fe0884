-- Each chat's next free send slot (Telegram: a message a second to a chat, one every three
-- seconds to a group), on the same database clock as `send_budget`, so that instances sending
-- to one chat keep its pace between them. Unlogged: a slot matters for a few seconds, and a
-- crash that empties the table costs at most one early message per chat, while a broadcast
-- touches a row per recipient that need not be written to the WAL.
CREATE UNLOGGED TABLE chat_pace (
    bot        TEXT NOT NULL,
    chat       TEXT NOT NULL,       -- 'applicant:<id>' or 'staff-group'
    next_slot  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bot, chat)
);
