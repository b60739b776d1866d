-- Tablets: paired kitchen displays (long-lived device tokens, revocable) and the idempotency store
-- that lets a tablet resend queued taps after an outage without applying any of them twice.
CREATE TABLE paired_devices (
    id         TEXT PRIMARY KEY,            -- the token's "sub"
    name       TEXT NOT NULL,
    station    TEXT NOT NULL REFERENCES stations(id),
    created_at TEXT NOT NULL,
    created_by TEXT,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,           -- the client's Idempotency-Key header
    fingerprint TEXT NOT NULL,              -- method, path and body hash: same key, other request -> 409
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,              -- the response body as first answered
    created_at  TEXT NOT NULL
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
