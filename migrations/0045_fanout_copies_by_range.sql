-- A fan-out's copies (a broadcast, an announcement, to a million) each had an entry in the
-- subject index, written when queued and again when sent: an eighth of an enqueue of 300,000
-- (psql), and one of the three entries a completion wrote. By subject they are looked up for
-- one thing: to skip those still pending when a broadcast is cancelled or a maintenance window
-- moves. A fan-out's message now keeps its subject and the range of ids its copies took, and
-- the skip reads that range by primary key; the subject index keeps the notices sent one by one
-- (about a request, a complaint) and the SMS twins of fan-out copies, which take their own ids.
ALTER TABLE fanout_messages
    ADD COLUMN subject TEXT,
    ADD COLUMN first_id BIGINT,
    ADD COLUMN last_id BIGINT;

-- Only what is still pending can be skipped, so only that needs a range.
UPDATE fanout_messages f
SET subject = c.subject, first_id = c.first_id, last_id = c.last_id
FROM (
    SELECT fanout_message_id, min(subject) AS subject, min(id) AS first_id, max(id) AS last_id
    FROM notifications
    WHERE fanout_message_id IS NOT NULL AND status = 'pending'
    GROUP BY fanout_message_id
) c
WHERE f.id = c.fanout_message_id;

CREATE INDEX fanout_messages_by_subject ON fanout_messages (subject) WHERE subject IS NOT NULL;

CREATE INDEX notifications_by_subject_one_by_one ON notifications (subject, status)
    WHERE subject IS NOT NULL AND fanout_message_id IS NULL;
DROP INDEX notifications_by_subject;
ALTER INDEX notifications_by_subject_one_by_one RENAME TO notifications_by_subject;
