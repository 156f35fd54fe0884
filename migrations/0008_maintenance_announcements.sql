-- Each announcement of a maintenance window (window, version, event) made once: the job that
-- finds a reminder or the start or end due runs every minute for as long as it stays due, and
-- without this record it would try to queue the notice for the whole audience each time.
CREATE TABLE maintenance_announcements (
    window_id  BIGINT NOT NULL REFERENCES maintenance_windows (id),
    version    INT NOT NULL,
    event      TEXT NOT NULL,
    made_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (window_id, version, event)
);
