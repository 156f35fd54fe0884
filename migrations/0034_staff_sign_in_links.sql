-- One-time sign-in links the bot sends to a member's own Telegram or Bale chat. Only the
-- SHA-256 of a link's token is kept; a link works once, within minutes.
CREATE TABLE staff_sign_in_links (
    token_hash bytea PRIMARY KEY,
    staff_id   bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    locale     text NOT NULL DEFAULT 'fa' CHECK (locale IN ('fa', 'en')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX staff_sign_in_links_by_member ON staff_sign_in_links (staff_id, created_at);
