"""The append-only event log: the spine every consumer reads (tablets, printers, sync)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson
from pydantic import BaseModel


class Event(BaseModel):
    seq: int
    id: str
    type: str
    data: dict[str, Any]
    at: str
    hlc: str
    box_id: str
    stations: list[str] = []
    order_id: str | None = None

    def public(self) -> dict[str, Any]:
        """The shape tablets and integrations see (GET /events, the WebSocket)."""
        return {"seq": self.seq, "id": self.id, "type": self.type, "data": self.data, "at": self.at,
                "hlc": self.hlc, "box_id": self.box_id, "stations": self.stations}

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


def row_to_event(row: sqlite3.Row, box_id: str) -> Event:
    return Event(seq=row["seq"], id=row["id"], type=row["type"], data=orjson.loads(row["data"]),
                 at=row["at"], hlc=row["hlc"], box_id=box_id,
                 stations=[s for s in row["stations"].split(",") if s], order_id=row["order_id"])


def last_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]


def last_hlc(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT hlc FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _station_key(stations: list[str]) -> str:
    return f",{','.join(stations)}," if stations else ""
