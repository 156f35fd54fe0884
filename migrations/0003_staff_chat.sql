-- The staff chat: the outbox also carries posts to the staff group, a press on a button that
-- needs a note waits for the reviewer's reply, and the key that signs button data is shared by
-- every instance.

-- A notice goes to an applicant, or to the staff group about a request, complaint or document.
ALTER TABLE notifications ADD COLUMN recipient TEXT NOT NULL DEFAULT 'applicant'
    CHECK (recipient IN ('applicant', 'staff'));
ALTER TABLE notifications ALTER COLUMN applicant_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN request_id BIGINT REFERENCES requests (id);
ALTER TABLE notifications ADD COLUMN complaint_id BIGINT REFERENCES complaints (id);
ALTER TABLE notifications ADD COLUMN document_id BIGINT REFERENCES documents (id);
ALTER TABLE notifications ADD CONSTRAINT notifications_addressed
    CHECK ((recipient = 'applicant') = (applicant_id IS NOT NULL));
ALTER TABLE notifications ADD CONSTRAINT notifications_staff_subject
    CHECK (recipient = 'applicant' OR num_nonnulls(request_id, complaint_id, document_id) = 1);

-- A reviewer pressed a move that needs a note; their reply to `prompt_message_id` is the note.
CREATE TABLE staff_prompts (
    chat_id            BIGINT NOT NULL,
    prompt_message_id  BIGINT NOT NULL,
    staff_id           BIGINT NOT NULL REFERENCES staff (id),
    request_id         BIGINT REFERENCES requests (id),
    complaint_id       BIGINT REFERENCES complaints (id),
    version            BIGINT NOT NULL,         -- the subject's version when pressed
    slot               SMALLINT NOT NULL,       -- which of the actions offered then
    card_message_id    BIGINT,                  -- the card to redraw once acted on
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, prompt_message_id)
);

-- Keys generated once per database, e.g. the one that signs staff button data.
CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    value       BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
