-- What applicants typed or sent is kept sealed (XChaCha20-Poly1305, see src/vault): a sealed
-- column beside each plaintext one. The plaintext columns stay only for rows written before
-- this version; the service seals those at start and empties the plaintext (src/vault/sweep.rs),
-- so after the first start they hold nothing. Mobiles are found by a keyed blind index.

ALTER TABLE requests ADD COLUMN answers_sealed BYTEA;
ALTER TABLE requests ALTER COLUMN answers DROP NOT NULL;

ALTER TABLE dialogues ADD COLUMN dialogue_sealed BYTEA;
ALTER TABLE dialogues ALTER COLUMN dialogue DROP NOT NULL;

ALTER TABLE complaints ADD COLUMN body_sealed BYTEA;
ALTER TABLE complaints ADD COLUMN answer_sealed BYTEA;
ALTER TABLE complaints ALTER COLUMN body DROP NOT NULL;

ALTER TABLE request_events ADD COLUMN note_sealed BYTEA;

ALTER TABLE replies ADD COLUMN reply_sealed BYTEA;
ALTER TABLE replies ALTER COLUMN reply DROP NOT NULL;

ALTER TABLE notifications ADD COLUMN sms_to_sealed BYTEA;

ALTER TABLE applicants ADD COLUMN mobile_sealed BYTEA;
ALTER TABLE applicants ADD COLUMN mobile_index BYTEA;
DROP INDEX applicants_by_mobile;
CREATE INDEX applicants_by_mobile_index ON applicants (mobile_index) WHERE mobile_index IS NOT NULL;
-- "SMS is on" now asks the sealed number; the sweep moves numbers stored before this version.
CREATE OR REPLACE FUNCTION sms_active(a applicants) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (a.mobile_sealed IS NOT NULL OR a.mobile IS NOT NULL) AND a.mobile_verified_at IS NOT NULL
       AND a.sms_consent_at IS NOT NULL
       AND (a.sms_opted_out_at IS NULL OR a.sms_opted_out_at < a.sms_consent_at)
$$;

-- The dialogue's language is not personal data and is read beside other tables (which language
-- a notice goes out in); it gets a column of its own, outside the sealed dialogue.
ALTER TABLE dialogues ADD COLUMN locale TEXT;
UPDATE dialogues SET locale = dialogue->>'locale' WHERE dialogue IS NOT NULL;

-- Each data key that has sealed something here, by a fingerprint (an HMAC of a fixed text
-- under the key): a service started with other keys than the data was sealed with stops at
-- once with a clear error instead of failing on every value.
CREATE TABLE data_keys (
    id           INT PRIMARY KEY,
    fingerprint  BYTEA NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
