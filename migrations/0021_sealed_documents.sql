-- Documents' files, names and Bot API file ids (with the bot's token, a file id fetches the
-- file) are sealed like the rest of what applicants send (src/vault); the plaintext columns hold
-- only rows from before, sealed at the next start.
ALTER TABLE documents ADD COLUMN file_name_sealed BYTEA;
ALTER TABLE documents ADD COLUMN content_sealed BYTEA;
ALTER TABLE documents ADD COLUMN bot_file_id_sealed BYTEA;
ALTER TABLE documents ALTER COLUMN file_name DROP NOT NULL;
ALTER TABLE documents DROP CONSTRAINT documents_has_content;
ALTER TABLE documents ADD CONSTRAINT documents_has_content
    CHECK (purged_at IS NOT NULL OR num_nonnulls(bot_file_id, content, bot_file_id_sealed, content_sealed) > 0);
