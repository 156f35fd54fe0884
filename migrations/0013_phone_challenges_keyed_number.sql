-- One-time code challenges keep a keyed hash of the number instead of the number: they are only
-- ever looked up by it (the per-number hourly cap, the chat's open challenge), and the number
-- typed may not be the applicant's own. Open challenges last ten minutes at most; those open
-- during the upgrade are dropped, and asking for a code again is all it takes.
DELETE FROM phone_challenges;
ALTER TABLE phone_challenges DROP COLUMN mobile;
ALTER TABLE phone_challenges ADD COLUMN mobile_hash BYTEA NOT NULL;
CREATE INDEX phone_challenges_by_mobile_hash ON phone_challenges (mobile_hash, created_at DESC);
