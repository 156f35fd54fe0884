-- A number on the operators' blacklist (it refused advertising SMS) is its own final state:
-- the notice is not retried on that line, and it tells staff a service line is needed.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'blacklisted', 'blocked', 'dead', 'skipped'));

-- Evidence of what became of each notice about an applicant's own request or complaint: every
-- change of state, when, and through which provider. A trigger keeps it, so that no path that
-- moves a notice can forget to. Announcements to many are left out: nothing is owed to one
-- applicant by them, and their volume would double the outbox's writes.
CREATE TABLE notice_events (
    id              BIGSERIAL PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    -- queued, sent, delivered, failed, blacklisted, blocked, dead, skipped, retrying, requeued,
    -- seen (the applicant pressed one of its buttons)
    event           TEXT NOT NULL,
    provider        TEXT,
    -- Why it failed, was skipped or is retried; never a number or a text sent.
    detail          TEXT,
    at              TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notice_events_notice ON notice_events (notification_id, id);

-- Whether a notice about `subject` keeps evidence: one about an applicant's request or complaint.
CREATE FUNCTION notice_keeps_evidence(subject TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN subject LIKE 'request:%' OR subject LIKE 'complaint:%';

CREATE FUNCTION record_notice_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO notice_events (notification_id, event) VALUES (NEW.id, 'queued');
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO notice_events (notification_id, event, provider, detail)
        VALUES (NEW.id,
                CASE WHEN NEW.status = 'pending' THEN 'requeued' ELSE NEW.status END,
                CASE WHEN NEW.status IN ('sent', 'delivered', 'failed', 'blacklisted') THEN NEW.provider END,
                CASE WHEN NEW.status IN ('failed', 'blacklisted', 'blocked', 'dead', 'skipped', 'pending')
                     THEN NEW.last_error END);
    ELSIF NEW.status = 'pending' AND NEW.last_error IS NOT NULL
          AND NEW.last_error IS DISTINCT FROM OLD.last_error THEN
        INSERT INTO notice_events (notification_id, event, detail) VALUES (NEW.id, 'retrying', NEW.last_error);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER notice_events_on_insert AFTER INSERT ON notifications
    FOR EACH ROW WHEN (notice_keeps_evidence(NEW.subject))
    EXECUTE FUNCTION record_notice_event();
CREATE TRIGGER notice_events_on_update AFTER UPDATE OF status, last_error ON notifications
    FOR EACH ROW WHEN (notice_keeps_evidence(NEW.subject))
    EXECUTE FUNCTION record_notice_event();
