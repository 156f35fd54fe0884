-- Retention (src/retention.rs): what is kept only for a while is purged by the nightly
-- housekeeping. A purged document or complaint keeps its record (what, when, its status) and
-- loses its content.
ALTER TABLE documents ADD COLUMN purged_at TIMESTAMPTZ;
ALTER TABLE documents DROP CONSTRAINT IF EXISTS documents_check;
ALTER TABLE documents ADD CONSTRAINT documents_has_content
    CHECK (purged_at IS NOT NULL OR bot_file_id IS NOT NULL OR content IS NOT NULL);

ALTER TABLE complaints ADD COLUMN purged_at TIMESTAMPTZ;

-- The service may not delete audit rows; old ones go only through this function, which runs
-- with its owner's rights and never deletes anything less than a year old, whatever it is asked.
CREATE FUNCTION purge_audit_before(cutoff TIMESTAMPTZ) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    purged BIGINT;
BEGIN
    IF cutoff > now() - interval '365 days' THEN
        RAISE EXCEPTION 'audit entries are kept at least a year (asked to purge before %)', cutoff;
    END IF;
    DELETE FROM audit_log WHERE at < cutoff;
    GET DIAGNOSTICS purged = ROW_COUNT;
    RETURN purged;
END
$$;
REVOKE ALL ON FUNCTION purge_audit_before(TIMESTAMPTZ) FROM PUBLIC;
