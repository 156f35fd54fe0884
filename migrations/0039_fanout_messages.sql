-- A notice to many (a broadcast, an announcement) carried its whole message in every copy: a
-- 1,000-character broadcast to a million applicants wrote its text a million times, and a long
-- text made the enqueue 40% slower than a short one. The message is now kept once, and each
-- copy names it. It holds nothing personal (staff wrote it for everyone; `broadcasts` keeps the
-- same text), so retention leaves it, as it leaves a broadcast's body.
CREATE TABLE fanout_messages (
    id          BIGSERIAL PRIMARY KEY,
    message     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- No foreign key, for the reason the applicant has none (0038): the copies are inserted in the
-- transaction that inserts their message, and the service may not delete one.
ALTER TABLE notifications ADD COLUMN fanout_message_id BIGINT;
ALTER TABLE notifications ALTER COLUMN message DROP NOT NULL;
ALTER TABLE notifications ADD CONSTRAINT notifications_message_kept
    CHECK (message IS NOT NULL OR fanout_message_id IS NOT NULL);
