-- Notices staff write to all applicants, a service's, or those behind a list of tracking codes.
-- A broadcast is drafted (previewed with its audience counted), then confirmed, which queues
-- one notice per recipient under the subject 'broadcast:ID'; cancelling skips those still waiting.
CREATE TABLE broadcasts (
    id            BIGSERIAL PRIMARY KEY,
    service_id    TEXT,                     -- a service's applicants
    codes         BIGINT[],                 -- or the owners of these requests and complaints
    body          TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    confirmed_by  TEXT,
    confirmed_at  TIMESTAMPTZ,
    cancelled_by  TEXT,
    cancelled_at  TIMESTAMPTZ,
    CHECK (service_id IS NULL OR codes IS NULL)
);
