-- Claims read due notices of one channel in (next_attempt_at, id) order and stop at the batch
-- size; with the order and the channel in the index that is a short index range, not a scan and
-- sort of every pending row (seconds per claim once a 300,000-recipient broadcast is queued).
DROP INDEX notifications_due;
CREATE INDEX notifications_chat_due ON notifications (next_attempt_at, id) WHERE status = 'pending' AND channel = 'chat';
CREATE INDEX notifications_sms_due ON notifications (next_attempt_at, id) WHERE status = 'pending' AND channel = 'sms';

-- A claim only sets the lease and the attempt count, neither indexed: with room left on each
-- page PostgreSQL updates the row in place (a HOT update) without touching the seven indexes.
ALTER TABLE notifications SET (fillfactor = 70);
