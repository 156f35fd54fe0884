-- Dead notices, counted per channel for the operators' metrics on every scrape: they are few,
-- so a partial index keeps the count from scanning the whole outbox.
CREATE INDEX notifications_dead ON notifications (channel) WHERE status = 'dead';
