-- Cloud sync: the cloud's acknowledged cursor and the events the cloud refused (dead letters).
CREATE TABLE sync_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    acked_seq           INTEGER NOT NULL DEFAULT 0,  -- every event up to here is in the cloud (or dead-lettered)
    last_push_at        TEXT,
    last_pull_at        TEXT,
    cloud_menu_version  INTEGER NOT NULL DEFAULT 0,  -- the cloud's menu version last swapped in
    last_error          TEXT,
    last_error_at       TEXT,
    credential_problem  TEXT,  -- set on 401/403: pushing stops until the credential changes or a retry
    credential_hash     TEXT,  -- which token failed, so a new token lifts the stop by itself
    clock_skew_s        REAL   -- box clock minus the cloud's Date header, at the last answer
);
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE sync_dead_letters (
    seq              INTEGER PRIMARY KEY,
    event_id         TEXT NOT NULL,
    type             TEXT NOT NULL,
    reason           TEXT NOT NULL,
    first_failed_at  TEXT NOT NULL,
    last_failed_at   TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 1,
    retry_requested  INTEGER NOT NULL DEFAULT 0
);
