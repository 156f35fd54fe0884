-- Faults: found by a probe or declared by staff, announced when they start and when they end.
CREATE TABLE outages (
    id           BIGSERIAL PRIMARY KEY,
    service_id   TEXT,                     -- none: every service
    probe        TEXT,                     -- the probe that found it; none: declared by staff
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    started_at   TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ CHECK (resolved_at >= started_at),
    declared_by  TEXT NOT NULL,
    resolved_by  TEXT
);
-- A probe has at most one fault open: it is resolved before another can start.
CREATE UNIQUE INDEX outages_open_per_probe ON outages (probe) WHERE resolved_at IS NULL AND probe IS NOT NULL;
CREATE INDEX outages_open ON outages (started_at) WHERE resolved_at IS NULL;

-- Each probe's run of like results, kept here so that when another instance takes over the
-- schedule it goes on counting where the last one stopped.
CREATE TABLE probe_states (
    probe       TEXT PRIMARY KEY,
    failures    INT NOT NULL DEFAULT 0,    -- in a row
    successes   INT NOT NULL DEFAULT 0,    -- in a row
    checked_at  TIMESTAMPTZ NOT NULL,
    last_error  TEXT
);

-- Staff posts may now be plain notices (an outage, a digest, an escalation) about no single
-- request, complaint or document.
ALTER TABLE notifications DROP CONSTRAINT notifications_staff_subject;
ALTER TABLE notifications ADD CONSTRAINT notifications_staff_subject
    CHECK (recipient = 'applicant' OR num_nonnulls(request_id, complaint_id, document_id) <= 1);
