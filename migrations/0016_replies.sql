-- Replies to an applicant's input, written in the transaction that handles the input, so that a
-- crash or a refused send never loses them; the dispatcher sends them first and deletes each
-- once sent (they are the conversation itself and may quote what the applicant typed: nothing
-- keeps them longer than it takes to deliver them). A lean table: no foreign key, one index.
CREATE TABLE replies (
    id               BIGSERIAL PRIMARY KEY,
    platform         TEXT NOT NULL,
    chat_id          BIGINT NOT NULL,
    locale           TEXT NOT NULL,
    reply            JSONB NOT NULL,              -- the conversation's reply, rendered when sent
    dead             BOOLEAN NOT NULL DEFAULT false,
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_until    TIMESTAMPTZ,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A claim checks that no older reply of the chat still waits: a chat's replies go out in id order.
CREATE INDEX replies_waiting ON replies (platform, chat_id, id) WHERE NOT dead;
