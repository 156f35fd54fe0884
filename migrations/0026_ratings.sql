-- Applicants' satisfaction with a decision or a complaint's answer: one tap from 1 to 5 on the
-- notice that told them, and an optional comment (sealed: it may quote them). One rating per
-- request or complaint; a later tap replaces the score.
CREATE TABLE ratings (
    id             BIGSERIAL PRIMARY KEY,
    subject        TEXT NOT NULL UNIQUE,      -- request:12, complaint:5
    applicant_id   BIGINT NOT NULL REFERENCES applicants (id),
    service_id     TEXT,                      -- the request's service (a complaint's request's)
    score          SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment_sealed BYTEA,
    rated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ratings_recent ON ratings (rated_at);
