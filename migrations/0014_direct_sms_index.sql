-- SMS sent to a typed number (one-time codes), found by the nightly housekeeping that forgets the
-- number and the text once they are done with; rows leave the index as they are forgotten.
CREATE INDEX notifications_direct_sms ON notifications (created_at) WHERE sms_to IS NOT NULL;
