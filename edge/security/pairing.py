"""Paired tablets: a long-lived device token bound to one station, revocable from Manage.

A device token is a JWT like a user's, with ``kind: "device"``, the ``station`` it shows and the
role ``staff`` (what a kitchen tablet may do), signed with the key ring's current key (its ``kid``
in the header: a leak rotation ends it). It outlives a reboot (the tablet keeps it in
localStorage), so it can only be trusted while its row here is not revoked and it claims no more
than its pairing: the revocation check runs on every request and every WebSocket connection.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from pydantic import BaseModel

from edge.security.auth import AuthError
from edge.domain.actors import Actor
from edge.domain.errors import Conflict, Invalid, NotFound
from edge.domain.ids import uuid7
from edge.store.menu_repo import load_stations

DEVICE_ROLE = "staff"


class Device(BaseModel):
    """A paired tablet (never its token, which only the tablet keeps)."""

    id: str
    name: str
    station: str
    created_at: str
    expires_at: str
    revoked_at: str | None = None

    def as_dict(self) -> dict:
        return self.model_dump()


def pair_device(tx, name: str, station: str, ttl: timedelta, actor: Actor) -> Device:
    """Record a new paired tablet (inside the writer's transaction) and announce it."""
    name = name.strip()
    if not 1 <= len(name) <= 40:
        raise Invalid("a tablet name is 1 to 40 characters", code="invalid_name")
    stations = {s.id: s for s in load_stations(tx.conn)}
    if station not in stations:
        raise NotFound(f"station {station!r} not found", code="station_not_found",
                       details=[{"known": sorted(stations)}])
    now = tx.now
    device = Device(id=uuid7(tx.wall_ms), name=name, station=station,
                    created_at=_iso(now), expires_at=_iso(now + ttl))
    tx.conn.execute("INSERT INTO paired_devices (id, name, station, created_at, created_by, expires_at)"
                    " VALUES (?,?,?,?,?,?)", (device.id, name, station, device.created_at, actor.id,
                                              device.expires_at))
    tx.append_event("device.paired", {"device": device.as_dict(), "actor": actor.as_dict()},
                    stations=[station])
    return device


def revoke_device(tx, device_id: str, actor: Actor) -> Device:
    device = _load(tx.conn, device_id)
    if device is None:
        raise NotFound(f"no paired tablet {device_id!r}", code="device_not_found")
    if device.revoked_at is not None:
        raise Conflict(f"tablet {device.name!r} is already unpaired", code="already_revoked")
    tx.conn.execute("UPDATE paired_devices SET revoked_at = ? WHERE id = ?", (_iso(tx.now), device_id))
    revoked = _load(tx.conn, device_id)
    tx.append_event("device.revoked", {"device": revoked.as_dict(), "actor": actor.as_dict()},
                    stations=[device.station])
    return revoked


def list_devices(conn: sqlite3.Connection) -> list[Device]:
    rows = conn.execute("SELECT * FROM paired_devices ORDER BY revoked_at IS NOT NULL, created_at DESC")
    return [_row_to_device(row) for row in rows]


def issue_token(device: Device, tokens, now: datetime) -> str:
    """The tablet's token, signed with the key ring's current key (its ``kid`` in the header), so
    it dies with that key after a leak rotation."""
    claims = {"sub": device.id, "kind": "device", "name": device.name, "role": DEVICE_ROLE,
              "station": device.station}
    return tokens.encode(claims, datetime.fromisoformat(device.expires_at) - now, now=now)


def revocation_check(read_conn):
    """A check for ``Services.revocation_checks``: a device token works while its row is live,
    and only for what it was paired as (a token claiming another role or station is forged)."""
    def check(claims: dict) -> None:
        if claims.get("kind") != "device":
            return
        row = read_conn().execute("SELECT station, revoked_at FROM paired_devices WHERE id = ?",
                                  (claims["sub"],)).fetchone()
        if row is None or row["revoked_at"] is not None:
            raise AuthError("this tablet has been unpaired; ask a manager to pair it again",
                            code="device_revoked")
        if claims.get("role") != DEVICE_ROLE or claims.get("station") != row["station"]:
            raise AuthError("this tablet token claims more than its pairing", code="invalid_token")
    return check


def _load(conn: sqlite3.Connection, device_id: str) -> Device | None:
    row = conn.execute("SELECT * FROM paired_devices WHERE id = ?", (device_id,)).fetchone()
    return _row_to_device(row) if row else None


def _row_to_device(row: sqlite3.Row) -> Device:
    return Device(id=row["id"], name=row["name"], station=row["station"], created_at=row["created_at"],
                  expires_at=row["expires_at"], revoked_at=row["revoked_at"])


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
