-- A broadcast's progress counted every one of its notices each time it was shown: 190-240 ms at
-- a million, and the console polls it. The counts are kept here instead, per channel and
-- status, by statement triggers over the rows each statement inserted or changed; the progress
-- reads a few rows. A statement that changes no broadcast notice's channel or status (the
-- claim, a retry's next attempt) adds nothing.
CREATE TABLE broadcast_progress (
    subject TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    notices BIGINT NOT NULL,
    PRIMARY KEY (subject, channel, status)
);

INSERT INTO broadcast_progress (subject, channel, status, notices)
SELECT subject, channel, status, count(*) FROM notifications
WHERE subject LIKE 'broadcast:%'
GROUP BY subject, channel, status;

CREATE FUNCTION count_broadcast_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO broadcast_progress AS p (subject, channel, status, notices)
        SELECT subject, channel, status, count(*) FROM added
        WHERE subject LIKE 'broadcast:%'
        GROUP BY subject, channel, status
        ORDER BY subject, channel, status
        ON CONFLICT (subject, channel, status) DO UPDATE SET notices = p.notices + EXCLUDED.notices;
    ELSE
        -- In key order, so that two statements moving the same counts lock them in turn.
        INSERT INTO broadcast_progress AS p (subject, channel, status, notices)
        SELECT subject, channel, status, sum(change) FROM (
            SELECT subject, channel, status, -1 AS change FROM removed WHERE subject LIKE 'broadcast:%'
            UNION ALL
            SELECT subject, channel, status, 1 FROM added WHERE subject LIKE 'broadcast:%'
        ) moved
        GROUP BY subject, channel, status
        HAVING sum(change) <> 0
        ORDER BY subject, channel, status
        ON CONFLICT (subject, channel, status) DO UPDATE SET notices = p.notices + EXCLUDED.notices;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER broadcast_progress_on_insert AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_broadcast_notices();

CREATE TRIGGER broadcast_progress_on_update AFTER UPDATE ON notifications
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_broadcast_notices();
