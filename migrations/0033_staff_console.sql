-- The staff web console: passwords, sessions and throttled sign-in.

-- An argon2id hash in the PHC string form (algorithm, parameters and salt with it), so that
-- the parameters can be raised later without losing the hashes made before.
ALTER TABLE staff ADD COLUMN password_hash text;

-- A signed-in browser. Only the SHA-256 of the cookie's token is kept: a leaked table signs
-- no one in. Each session has its own CSRF token, put in every form it is shown.
CREATE TABLE staff_sessions (
    token_hash   bytea PRIMARY KEY,
    staff_id     bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    locale       text NOT NULL DEFAULT 'fa' CHECK (locale IN ('fa', 'en')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- The absolute end; idleness ends a session sooner.
    expires_at   timestamptz NOT NULL
);
CREATE INDEX staff_sessions_by_member ON staff_sessions (staff_id);

-- Failed sign-ins per name typed (known or not, so the answer tells nothing of which names
-- exist), for throttling guessing.
CREATE TABLE staff_sign_in_failures (
    name text NOT NULL,
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_sign_in_failures_by_name ON staff_sign_in_failures (name, at);
