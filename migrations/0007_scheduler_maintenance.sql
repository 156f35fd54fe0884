-- The scheduler's record of each job's last run, so a restart neither skips nor repeats one.
CREATE TABLE job_runs (
    job          TEXT PRIMARY KEY,
    last_run_at  TIMESTAMPTZ NOT NULL      -- the scheduled time of the last run, not the clock's
);

-- Planned maintenance: announced when scheduled, changed or cancelled, reminded before, and
-- announced again when it starts and ends. `version` grows with each change so the notices of
-- an earlier version are told apart from those of the current one.
CREATE TABLE maintenance_windows (
    id            BIGSERIAL PRIMARY KEY,
    service_id    TEXT,                    -- none: every service
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL CHECK (ends_at > starts_at),
    reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    version       INT NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),  -- when this version was announced
    cancelled_at  TIMESTAMPTZ
);
CREATE INDEX maintenance_windows_open ON maintenance_windows (ends_at) WHERE cancelled_at IS NULL;

-- Applicants who asked not to receive announcements (maintenance, outages, broadcasts).
ALTER TABLE applicants ADD COLUMN announcements_muted_at TIMESTAMPTZ;
