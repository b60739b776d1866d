-- Security: login lockouts, refresh tokens, revoked access tokens, the audit log.

-- Wrong-PIN counters per scope ('device' = client address + X-Device-Id, 'ip', 'user').
-- Kept in SQLite so a restart does not wipe an attacker's record.
CREATE TABLE login_failures (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,  -- wrong PINs in the current window
    window_start  REAL NOT NULL,               -- unix seconds: first failure of the window
    lockouts      INTEGER NOT NULL DEFAULT 0,  -- lockouts so far; each one lasts twice the last
    locked_until  REAL NOT NULL DEFAULT 0,     -- unix seconds
    last_failure  REAL NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Refresh tokens are opaque and single use: only their SHA-256 is stored. Using one hands out a
-- new one in the same family; presenting a spent one again revokes the whole family (theft).
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    family      TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id),
    device      TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Access tokens revoked before they expire (logout); rows are dropped once the token expired.
CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);

-- Who did what, when, from which device. Each row also has an event (audit.* or the change's
-- own event, e.g. order.voided) so the cloud gets it through sync.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL DEFAULT '',
    actor_role  TEXT NOT NULL DEFAULT '',
    device      TEXT,
    target      TEXT,
    details     TEXT NOT NULL DEFAULT '{}',
    event_seq   INTEGER
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- Scratch space the storage health check writes to (and empties) to learn whether the disk
-- takes writes again after it was full or read-only.
CREATE TABLE storage_probe (
    id     INTEGER PRIMARY KEY,
    filler BLOB NOT NULL
);
