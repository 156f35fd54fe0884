-- The evidence that a notice was queued is written once per statement, from the rows it
-- inserted, instead of by a trigger per row: that one tested every copy of a broadcast for
-- whether it keeps evidence. 300,000 rows in one run: a broadcast's 4.5 s became 3.8 s, and
-- notices that keep evidence 7.8 s became 6.6 s. Updates keep their row trigger, which sees
-- each notice's old and new state.
DROP TRIGGER notice_events_on_insert ON notifications;

CREATE FUNCTION record_notices_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notice_events (notification_id, event)
    SELECT id, 'queued' FROM queued WHERE notice_keeps_evidence(subject) ORDER BY id;
    RETURN NULL;
END
$$;

CREATE TRIGGER notice_events_on_insert AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS queued
    FOR EACH STATEMENT EXECUTE FUNCTION record_notices_queued();
