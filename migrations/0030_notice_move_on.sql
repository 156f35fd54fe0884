-- The gateway that already had its chance at a notice: a notice it did not confirm delivered
-- in time, or reported undelivered, goes through another, and this one is passed over.
ALTER TABLE notifications ADD COLUMN passed_provider TEXT;

-- What the move-on and end-of-cascade scans read: SMS-channel notices sent, failed or
-- blacklisted, by when they were sent (both look back three days at most).
CREATE INDEX notifications_unconfirmed ON notifications (sent_at)
    WHERE channel = 'sms' AND status IN ('sent', 'failed', 'blacklisted');
