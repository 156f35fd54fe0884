-- Bot API updates fetched by long polling, stored (sealed: they hold what applicants typed)
-- in the transaction that moves the polling offset past them, and deleted once handled. The
-- updates then wait here rather than in memory, and are handled a chat at a time in turn, so
-- a chat that floods the bot does not hold up the chats whose updates came in later batches.
CREATE TABLE inbox (
    id             BIGSERIAL PRIMARY KEY,
    platform       TEXT NOT NULL,
    update_id      BIGINT NOT NULL,
    chat_id        BIGINT NOT NULL,
    update_sealed  BYTEA NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (platform, update_id)
);
-- A chat's waiting updates, read in order when they did not fit in memory.
CREATE INDEX inbox_by_chat ON inbox (platform, chat_id, update_id);
