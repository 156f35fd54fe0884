-- Where long polling resumes: the offset past the last batch handled in full. Updates of one
-- batch are handled side by side, so the highest id stored is not proof the lower ones were.
CREATE TABLE poll_offsets (
    platform     TEXT PRIMARY KEY,
    next_offset  BIGINT NOT NULL
);
