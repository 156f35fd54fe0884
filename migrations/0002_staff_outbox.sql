-- Staff and their API tokens, the audit log, and the notification outbox.

CREATE TABLE staff (
    id                BIGSERIAL PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    role              TEXT NOT NULL CHECK (role IN ('reviewer', 'operator', 'admin')),
    services          TEXT[],                  -- NULL: every service
    telegram_user_id  BIGINT UNIQUE,           -- who may press buttons in the staff chat
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled_at       TIMESTAMPTZ
);

-- Tokens are shown once and kept only as their SHA-256.
CREATE TABLE api_tokens (
    id          BIGSERIAL PRIMARY KEY,
    staff_id    BIGINT NOT NULL REFERENCES staff (id),
    token_hash  BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ
);

-- Append-only record of what staff did and read.
CREATE TABLE audit_log (
    id       BIGSERIAL PRIMARY KEY,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT,
    detail   JSONB NOT NULL DEFAULT '{}',
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_by_time ON audit_log (at DESC);

-- Every notice to an applicant, inserted in the transaction of the fact that causes it.
CREATE TABLE notifications (
    id               BIGSERIAL PRIMARY KEY,
    dedup_key        TEXT NOT NULL UNIQUE,     -- (event, recipient, channel)
    applicant_id     BIGINT NOT NULL REFERENCES applicants (id),
    channel          TEXT NOT NULL CHECK (channel IN ('chat')),
    kind             TEXT NOT NULL,
    message          JSONB NOT NULL,           -- Fluent id and arguments, rendered at send time
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'blocked', 'dead')),
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_until    TIMESTAMPTZ,              -- lease of the dispatcher sending it
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at          TIMESTAMPTZ
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';

-- Set when the applicant blocked the bot, so later notices can take another channel.
ALTER TABLE applicants ADD COLUMN chat_blocked_at TIMESTAMPTZ;

ALTER TABLE complaints ADD COLUMN answer TEXT;
