"""The outbox is the event log itself: read it in seq order after the cloud's cursor and cut it
into batches of at most N events and B bytes (the JSON the cloud will receive).

Each event goes out in the box's one public shape (``edge.store.events.encode_stored``), its
`data` exactly as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.store.events import encode_stored

COLUMNS = "seq, id, type, data, at, hlc, stations"


@dataclass
class Batch:
    seqs: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        return self.seqs[-1]

    def __len__(self) -> int:
        return len(self.seqs)


def batch_of(rows, box_id: str, max_bytes: int) -> Batch:
    """As many of the rows as fit in max_bytes (always at least one: a single event that is
    too large is for the cloud to refuse with a 413)."""
    batch = Batch()
    size = 0
    for row in rows:
        encoded = encode_stored(row, box_id)
        if batch.seqs and size + len(encoded) + 1 > max_bytes:
            break
        batch.seqs.append(row["seq"])
        batch.ids.append(row["id"])
        batch.types.append(row["type"])
        batch.encoded.append(encoded)
        size += len(encoded) + 1
    return batch


def next_batch(store, after_seq: int, *, box_id: str, max_events: int, max_bytes: int) -> Batch:
    rows = store.read().execute(f"SELECT {COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                                (after_seq, max_events)).fetchall()
    return batch_of(rows, box_id, max_bytes)


def batch_by_seq(store, seqs: list[int], *, box_id: str) -> Batch:
    """These events (dead letters to retry), however large together."""
    if not seqs:
        return Batch()
    marks = ",".join("?" * len(seqs))
    rows = store.read().execute(f"SELECT {COLUMNS} FROM events WHERE seq IN ({marks}) ORDER BY seq", seqs)
    return batch_of(rows, box_id, max_bytes=1 << 62)


def backlog(store, after_seq: int) -> tuple[int, str | None]:
    """(events not yet in the cloud, the `at` of the oldest of them)."""
    conn = store.read()
    count = conn.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (after_seq,)).fetchone()[0]
    oldest = conn.execute("SELECT at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (after_seq,)).fetchone()
    return count, oldest[0] if oldest else None
