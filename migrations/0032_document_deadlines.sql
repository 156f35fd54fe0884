-- A deadline for the documents asked of an applicant: so many office days from the day the
-- request for them is deemed served (posted, or delivered on some channel: [notices]
-- documents_served_when), and the date that makes once it is.
CREATE TABLE document_deadlines (
    -- The move that asked for the documents.
    event_id     BIGINT PRIMARY KEY REFERENCES request_events (id),
    request_id   BIGINT NOT NULL REFERENCES requests (id),
    office_days  INT NOT NULL CHECK (office_days BETWEEN 1 AND 60),
    served_at    TIMESTAMPTZ,
    -- The last office day the documents may come on (Tehran), once served.
    due_on       DATE,
    reminded_at  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- What the deadline job reads: deadlines not yet served or not yet reminded.
CREATE INDEX document_deadlines_open ON document_deadlines (event_id) WHERE reminded_at IS NULL;
CREATE INDEX document_deadlines_by_request ON document_deadlines (request_id);
