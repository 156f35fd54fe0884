-- The gateway that already had its chance at a notice: a notice it did not confirm delivered
-- in time, or reported undelivered, goes through another, and this one is passed over.
ALTER TABLE notifications ADD COLUMN passed_provider TEXT;

-- What the move-on scan reads: SMS-channel notices sent, failed or blacklisted and not yet
-- moved on.
CREATE INDEX notifications_unconfirmed ON notifications (sent_at)
    WHERE channel = 'sms' AND status IN ('sent', 'failed', 'blacklisted') AND passed_provider IS NULL;
