"""What the box remembers about sync (tables of migration 0200): the acknowledged cursor, the
last push/pull, the credential problem, and the dead letters. Writes go through the store's
single writer like every other write on the box."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from edge.store import Store, Tx


@dataclass(frozen=True)
class SyncState:
    acked_seq: int
    last_push_at: str | None
    last_pull_at: str | None
    cloud_menu_version: int
    last_error: str | None
    last_error_at: str | None
    credential_problem: str | None
    credential_hash: str | None
    clock_skew_s: float | None


def load(store: Store) -> SyncState:
    row = store.read().execute("SELECT * FROM sync_state WHERE id = 1").fetchone()
    return SyncState(**{k: row[k] for k in row.keys() if k != "id"})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _update(tx: Tx, **values) -> None:
    assignments = ", ".join(f"{key} = ?" for key in values)
    tx.conn.execute(f"UPDATE sync_state SET {assignments} WHERE id = 1", list(values.values()))


def record_push(tx: Tx, cursor: int, rejected: list[dict], types: dict[int, str], *,
                clock_skew_s: float | None) -> None:
    """The cloud acknowledged a batch: move the cursor and keep what it refused, atomically."""
    now = tx.now.isoformat()
    tx.conn.execute("UPDATE sync_state SET acked_seq = MAX(acked_seq, ?), last_push_at = ?, last_error = NULL, "
                    "clock_skew_s = COALESCE(?, clock_skew_s) WHERE id = 1", (cursor, now, clock_skew_s))
    for refused in rejected:
        add_dead_letter(tx, refused["seq"], refused.get("id") or "", types.get(refused["seq"], "?"), refused["reason"])


def add_dead_letter(tx: Tx, seq: int, event_id: str, type_: str, reason: str) -> None:
    now = tx.now.isoformat()
    tx.conn.execute(
        "INSERT INTO sync_dead_letters (seq, event_id, type, reason, first_failed_at, last_failed_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(seq) DO UPDATE SET reason = excluded.reason, "
        "last_failed_at = excluded.last_failed_at, attempts = attempts + 1, retry_requested = 0",
        (seq, event_id, type_, reason, now, now))


def skip_past(tx: Tx, seq: int) -> None:
    tx.conn.execute("UPDATE sync_state SET acked_seq = MAX(acked_seq, ?) WHERE id = 1", (seq,))


def record_retried(tx: Tx, accepted_seqs: list[int], rejected: list[dict], types: dict[int, str]) -> None:
    if accepted_seqs:
        marks = ",".join("?" * len(accepted_seqs))
        tx.conn.execute(f"DELETE FROM sync_dead_letters WHERE seq IN ({marks})", accepted_seqs)
    for refused in rejected:
        add_dead_letter(tx, refused["seq"], refused.get("id") or "", types.get(refused["seq"], "?"), refused["reason"])


def record_pull(tx: Tx, cloud_menu_version: int | None = None) -> None:
    if cloud_menu_version is None:
        _update(tx, last_pull_at=tx.now.isoformat())
    else:
        _update(tx, last_pull_at=tx.now.isoformat(), cloud_menu_version=cloud_menu_version)


def record_error(tx: Tx, message: str, clock_skew_s: float | None = None) -> None:
    tx.conn.execute("UPDATE sync_state SET last_error = ?, last_error_at = ?, "
                    "clock_skew_s = COALESCE(?, clock_skew_s) WHERE id = 1",
                    (message, tx.now.isoformat(), clock_skew_s))


def record_credential_problem(tx: Tx, message: str, token: str) -> None:
    _update(tx, credential_problem=message, credential_hash=token_hash(token),
            last_error=f"credentials: {message}", last_error_at=tx.now.isoformat())


def clear_credential_problem(tx: Tx) -> None:
    _update(tx, credential_problem=None, credential_hash=None)


def dead_letters(store: Store) -> list[dict]:
    rows = store.read().execute("SELECT * FROM sync_dead_letters ORDER BY seq")
    return [dict(row) for row in rows]


def request_retry(tx: Tx, seqs: list[int] | None = None) -> int:
    """Mark dead letters (all, or these seqs) to be sent again on the next push."""
    if seqs is None:
        return tx.conn.execute("UPDATE sync_dead_letters SET retry_requested = 1").rowcount
    marks = ",".join("?" * len(seqs))
    return tx.conn.execute(f"UPDATE sync_dead_letters SET retry_requested = 1 WHERE seq IN ({marks})",
                           seqs).rowcount


def retry_requested(store: Store, limit: int) -> list[int]:
    rows = store.read().execute(
        "SELECT seq FROM sync_dead_letters WHERE retry_requested = 1 ORDER BY seq LIMIT ?", (limit,))
    return [row[0] for row in rows]
