-- SMS: applicants' mobile numbers and consent, one-time codes that confirm a typed number,
-- and SMS rows in the outbox with what the gateway said of them.

-- The mobile SMS go to (+989…), confirmed by a shared contact or a one-time code; consent is
-- given by turning SMS on and withdrawn by opting out (chat or a reply keyword).
ALTER TABLE applicants ADD COLUMN mobile TEXT;
ALTER TABLE applicants ADD COLUMN mobile_verified_at TIMESTAMPTZ;
ALTER TABLE applicants ADD COLUMN sms_consent_at TIMESTAMPTZ;
ALTER TABLE applicants ADD COLUMN sms_opted_out_at TIMESTAMPTZ;
-- One definition of "SMS is on", used wherever a notice is enqueued or sent.
CREATE FUNCTION sms_active(a applicants) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT a.mobile IS NOT NULL AND a.mobile_verified_at IS NOT NULL AND a.sms_consent_at IS NOT NULL
       AND (a.sms_opted_out_at IS NULL OR a.sms_opted_out_at < a.sms_consent_at)
$$;
CREATE INDEX applicants_by_mobile ON applicants (mobile) WHERE mobile IS NOT NULL;

-- A code sent to confirm a typed number; kept only as a keyed hash.
CREATE TABLE phone_challenges (
    id            BIGSERIAL PRIMARY KEY,
    applicant_id  BIGINT NOT NULL REFERENCES applicants (id),
    mobile        TEXT NOT NULL,
    code_hash     BYTEA NOT NULL,
    wrong_tries   INT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    closed_at     TIMESTAMPTZ            -- used, replaced, or out of tries
);
CREATE INDEX phone_challenges_by_applicant ON phone_challenges (applicant_id, created_at DESC);
CREATE INDEX phone_challenges_by_mobile ON phone_challenges (mobile, created_at DESC);

ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check CHECK (channel IN ('chat', 'sms'));
-- delivered/failed: the SMS gateway's final report; skipped: no consent or opted out at send time.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'blocked', 'dead', 'skipped'));
-- A chat notice that takes SMS when the chat cannot be reached.
ALTER TABLE notifications ADD COLUMN sms_fallback BOOLEAN NOT NULL DEFAULT false;
-- Sent even in quiet hours.
ALTER TABLE notifications ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT false;
-- An SMS to a number that is not (yet) the applicant's: the one-time code confirming it.
ALTER TABLE notifications ADD COLUMN sms_to TEXT;
ALTER TABLE notifications ADD COLUMN provider TEXT;
ALTER TABLE notifications ADD COLUMN provider_message_id TEXT;
ALTER TABLE notifications ADD COLUMN segments INT;
ALTER TABLE notifications ADD COLUMN body TEXT;           -- the SMS text as sent, for the record
ALTER TABLE notifications ADD COLUMN delivered_at TIMESTAMPTZ;
ALTER TABLE notifications ADD CONSTRAINT notifications_sms_to_applicant
    CHECK (channel = 'chat' OR applicant_id IS NOT NULL);
CREATE UNIQUE INDEX notifications_by_provider_id ON notifications (provider, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
-- Sent SMS still waiting for a final report, for the status poll.
CREATE INDEX notifications_awaiting_report ON notifications (sent_at)
    WHERE channel = 'sms' AND status = 'sent' AND provider_message_id IS NOT NULL;
