"""The outbox is the event log itself: read it in seq order after the cloud's cursor and cut it
into batches of at most N events and B bytes (the JSON the cloud will receive).

The `data` column is stored as JSON already; it goes out exactly as stored, never parsed and
re-encoded, which keeps a 50,000-event backlog cheap to send from a Raspberry Pi.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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


def wire_event(row, box_id: str) -> bytes:
    """The event as pushed (docs/events.md): the public shape plus the box it comes from."""
    stations = [s for s in row["stations"].split(",") if s]
    head = json.dumps({"seq": row["seq"], "id": row["id"], "type": row["type"], "at": row["at"],
                       "hlc": row["hlc"], "box_id": box_id, "stations": stations},
                      separators=(",", ":"), ensure_ascii=False)
    return (head[:-1] + ',"data":' + row["data"] + "}").encode()


def batch_of(rows, box_id: str, max_bytes: int) -> Batch:
    """As many of the rows as fit in max_bytes (always at least one: a single event that is
    too large is for the cloud to refuse with a 413)."""
    batch = Batch()
    size = 0
    for row in rows:
        encoded = wire_event(row, box_id)
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
