-- What one chat (or everyone, under the key 'all') has asked of the bot in the current minute:
-- the limits on messages and lookups per chat, and the ceiling on failed lookups overall.
CREATE TABLE chat_rates (
    scope         TEXT NOT NULL,       -- 'chat:<applicant id>' or 'all'
    what          TEXT NOT NULL,       -- 'message', 'lookup', 'failed-lookup'
    window_start  TIMESTAMPTZ NOT NULL,
    count         INT NOT NULL,
    PRIMARY KEY (scope, what)
);

-- Running totals of what the limits refused and of failed lookups, for /metrics (counters that
-- any instance reports for all).
CREATE TABLE event_totals (
    name   TEXT PRIMARY KEY,
    total  BIGINT NOT NULL
);
