"""The outbox is the event log itself: read it in seq order after the cloud's cursor and cut it
into batches of at most N events and B bytes (the JSON the cloud will receive)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from edge.store import Event, Store


@dataclass
class Batch:
    seqs: list[int]
    encoded: list[bytes]
    events: list[Event]

    @property
    def last_seq(self) -> int:
        return self.seqs[-1]

    def __len__(self) -> int:
        return len(self.seqs)


def wire_event(event: Event) -> bytes:
    """The event as pushed: the public shape plus the box it comes from (docs/events.md)."""
    return json.dumps({**event.public(), "box_id": event.box_id}, separators=(",", ":"),
                      ensure_ascii=False).encode()


def batch_of(events: list[Event], max_bytes: int) -> Batch:
    """As many of the events as fit in max_bytes (always at least one: a single event that is
    too large is for the cloud to refuse with a 413)."""
    batch = Batch([], [], [])
    size = 0
    for event in events:
        encoded = wire_event(event)
        if batch.seqs and size + len(encoded) + 1 > max_bytes:
            break
        batch.seqs.append(event.seq)
        batch.encoded.append(encoded)
        batch.events.append(event)
        size += len(encoded) + 1
    return batch


def next_batch(store: Store, after_seq: int, *, max_events: int, max_bytes: int) -> Batch:
    return batch_of(store.events_after(after_seq, limit=max_events), max_bytes)


def events_by_seq(store: Store, seqs: list[int]) -> list[Event]:
    from edge.store.events import row_to_event

    if not seqs:
        return []
    marks = ",".join("?" * len(seqs))
    rows = store.read().execute(f"SELECT * FROM events WHERE seq IN ({marks}) ORDER BY seq", seqs)
    return [row_to_event(row, store.box_id) for row in rows]


def backlog(store: Store, after_seq: int) -> tuple[int, str | None]:
    """(events not yet in the cloud, the `at` of the oldest of them)."""
    conn = store.read()
    count = conn.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (after_seq,)).fetchone()[0]
    oldest = conn.execute("SELECT at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (after_seq,)).fetchone()
    return count, oldest[0] if oldest else None
