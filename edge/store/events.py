"""The append-only event log: the spine every consumer reads (tablets, printers, sync)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson
from pydantic import BaseModel


# An event as it leaves the box (docs/events.md), the one definition of that shape: GET
# /api/v1/events and the OpenAPI document (edge.api.schemas), the WebSocket feed (edge.serving.hub,
# through ``Event.public``) and the cloud sync (``encode_stored``) all use it. (A comment, not a
# docstring: pydantic would publish a docstring as the schema's description.)
class EventOut(BaseModel):
    seq: int
    id: str
    type: str
    data: dict[str, Any]
    at: str
    hlc: str
    box_id: str
    stations: list[str]


class Event(EventOut):
    """An event on the box: the public shape, plus what only the box itself looks things up by."""

    order_id: str | None = None

    def public(self) -> dict[str, Any]:
        """The ``EventOut`` fields, in their order, as a new dict (callers may change its top level).
        A copy of the instance's fields less the box's own is several times cheaper than naming
        each: this runs once per event in the fan-out. tests/store/test_event_shape.py keeps the
        two in step."""
        shape = self.__dict__.copy()
        del shape["order_id"]
        return shape

    def concerns(self, station: str | None) -> bool:
        if self.type.startswith("audit."):  # admin-only entries: for sync and GET /audit, no screen
            return False
        return station is None or not self.stations or station in self.stations


def insert_event(conn: sqlite3.Connection, event_id: str, type_: str, data: dict, *, at: str,
                 hlc: str, stations: list[str], order_id: str | None) -> int:
    cursor = conn.execute(
        "INSERT INTO events (id, type, data, at, hlc, stations, order_id) VALUES (?,?,?,?,?,?,?)",
        (event_id, type_, orjson.dumps(data).decode(), at, hlc,
         _station_key(stations), order_id),
    )
    return cursor.lastrowid


def events_after(conn: sqlite3.Connection, seq: int, *, box_id: str, limit: int = 500,
                 station: str | None = None) -> list[Event]:
    if station is None:
        rows = conn.execute("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
    else:
        rows = conn.execute(
            # instr, not LIKE: '_' and '%' are legal in station ids and would act as wildcards
            "SELECT * FROM events WHERE seq > ? AND (stations = '' OR instr(stations, ?) > 0) "
            "ORDER BY seq LIMIT ?", (seq, f",{station},", limit))
    return [row_to_event(row, box_id) for row in rows]


# The stored row's columns that go out as they are, in EventOut's order (box_id and stations are
# made from the box and the stored key; data is spliced in as stored).
_HEAD_COLUMNS = ("seq", "id", "type", "at", "hlc")


def encode_stored(row: sqlite3.Row, box_id: str) -> bytes:
    """A stored event as the cloud receives it: the ``EventOut`` shape with ``data`` last, the
    stored JSON spliced in as it is, never parsed and re-encoded, which keeps a 50,000-event
    backlog cheap to send from a Raspberry Pi."""
    head = {column: row[column] for column in _HEAD_COLUMNS}
    head["box_id"] = box_id
    head["stations"] = stations_of(row["stations"])
    return orjson.dumps(head)[:-1] + b',"data":' + row["data"].encode() + b"}"


def row_to_event(row: sqlite3.Row, box_id: str) -> Event:
    return Event(seq=row["seq"], id=row["id"], type=row["type"], data=orjson.loads(row["data"]),
                 at=row["at"], hlc=row["hlc"], box_id=box_id,
                 stations=stations_of(row["stations"]), order_id=row["order_id"])


def last_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]


def last_hlc(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT hlc FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _station_key(stations: list[str]) -> str:
    """Stored as ",grill,fry," so that one station is found with instr(); "" for every station."""
    return f",{','.join(stations)}," if stations else ""


def stations_of(station_key: str) -> list[str]:
    """The stations of a stored ``_station_key``."""
    return [station for station in station_key.split(",") if station]
