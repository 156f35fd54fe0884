-- A notice to an applicant about their request or complaint may carry a staff note or an answer
-- that quotes them, and an SMS as sent carries the same: both are kept sealed (src/vault). The
-- notice keeps its message id in the clear, with no arguments, for what reads its kind.
ALTER TABLE notifications ADD COLUMN message_sealed BYTEA;
ALTER TABLE notifications ADD COLUMN body_sealed BYTEA;
