-- Days the directorate is closed at short notice (heat, pollution, energy saving, mourning),
-- declared by staff; the SLA clock counts no office time on them. Tehran dates.
CREATE TABLE closure_days (
    day         DATE PRIMARY KEY,
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    declared_by TEXT NOT NULL,
    declared_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
