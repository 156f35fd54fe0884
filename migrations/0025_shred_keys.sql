-- Item keys: a random secret per item whose data is purged on its own clock (a request's
-- documents, a complaint's words). Their sealed values need the item's secret besides the data
-- key, and the secret is deleted when the data is purged. The database's backups leave this
-- table's rows out (the README's backup takes them in a dump of their own, kept for a short
-- time), so a purged item is unreadable in every older backup too.
CREATE TABLE shred_keys (
    owner   TEXT NOT NULL CHECK (owner IN ('request', 'complaint')),
    id      BIGINT NOT NULL,
    secret  BYTEA NOT NULL CHECK (length(secret) = 32),
    PRIMARY KEY (owner, id)
);
