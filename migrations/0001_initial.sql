-- Applicants, their dialogues, requests with their stage history and documents, complaints,
-- and the Bot API updates already handled (so a redelivered update is not handled twice).

CREATE TABLE applicants (
    id          BIGSERIAL PRIMARY KEY,
    platform    TEXT NOT NULL,           -- telegram, bale, terminal
    chat_id     BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (platform, chat_id)
);

CREATE TABLE dialogues (
    applicant_id BIGINT PRIMARY KEY REFERENCES applicants (id) ON DELETE CASCADE,
    dialogue     JSONB NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One table for every code handed out, so request and complaint codes never collide.
CREATE TABLE tracking_codes (
    code        BIGINT PRIMARY KEY CHECK (code >= 0),
    kind        TEXT NOT NULL CHECK (kind IN ('request', 'complaint')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE requests (
    id            BIGSERIAL PRIMARY KEY,
    code          BIGINT NOT NULL UNIQUE REFERENCES tracking_codes (code),
    service_id    TEXT NOT NULL,
    applicant_id  BIGINT NOT NULL REFERENCES applicants (id),
    stage         TEXT NOT NULL,
    answers       JSONB NOT NULL,
    locale        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX requests_by_applicant ON requests (applicant_id, created_at DESC);
CREATE INDEX requests_by_service_stage ON requests (service_id, stage);

-- Append-only: every stage a request entered, by whom, with an optional note.
CREATE TABLE request_events (
    id          BIGSERIAL PRIMARY KEY,
    request_id  BIGINT NOT NULL REFERENCES requests (id),
    from_stage  TEXT,
    to_stage    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX request_events_by_request ON request_events (request_id, at);

CREATE TABLE documents (
    id           BIGSERIAL PRIMARY KEY,
    request_id   BIGINT NOT NULL REFERENCES requests (id),
    field_id     TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    mime         TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    bot_file_id  TEXT,                   -- fetched from the Bot API when staff open it
    content      BYTEA,                  -- files that came from the terminal chat
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (bot_file_id IS NOT NULL OR content IS NOT NULL)
);
CREATE INDEX documents_by_request ON documents (request_id);

CREATE TABLE complaints (
    id            BIGSERIAL PRIMARY KEY,
    code          BIGINT NOT NULL UNIQUE REFERENCES tracking_codes (code),
    applicant_id  BIGINT NOT NULL REFERENCES applicants (id),
    request_id    BIGINT REFERENCES requests (id),
    body          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX complaints_by_applicant ON complaints (applicant_id, created_at DESC);

CREATE TABLE processed_updates (
    platform      TEXT NOT NULL,
    update_id     BIGINT NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, update_id)
);
