-- What staff write into the audit log in their own words (how an applicant's identity was
-- checked before re-binding) may quote the applicant: it is kept sealed, apart from the detail.
ALTER TABLE audit_log ADD COLUMN note_sealed BYTEA;
