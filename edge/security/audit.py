"""The audit log: who did what, when, from which device.

Every entry is a row in ``audit_log`` written in the same transaction as the change, and has an
event in the log so the cloud gets it through sync: changes that already have their own event
(``order.voided``, ``menu.item_updated``, ``menu.replaced``) point at it; the others (logins,
wrong PINs, lockouts, user changes, key rotations, restores) append an ``audit.<action>`` event.

Which device did it is known only in the request thread, while the change runs in the writer
thread, so the store asks ``current_device`` when a job is submitted (``Store.caller_device``)
and hands it to the transaction as ``tx.device``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from edge.domain.actors import SYSTEM, Actor
from edge.domain.ids import uuid7

# Events that are audit entries by themselves: event type -> audit action.
AUDITED_EVENTS = {"order.voided": "order.voided", "order.items_voided": "order.items_voided", "menu.item_updated": "menu.item_updated",
                  "menu.replaced": "menu.replaced", "order.refunded": "order.refunded"}
# Audit events concern no kitchen station: tagged so station feeds (KDS, WebSocket) skip them,
# while the unfiltered log (sync, integrations) carries them.
AUDIT_STATIONS = ("audit",)
_caller = threading.local()


def set_device(device: str | None) -> None:
    """The device making the current request (set per request by the HTTP layer)."""
    _caller.device = device


def current_device() -> str | None:
    return getattr(_caller, "device", None)


def record(tx, action: str, actor: Actor | None, *, target: str | None = None,
           details: dict[str, Any] | None = None, device: str | None = None,
           event_seq: int | None = None) -> int:
    """Write an audit entry inside ``tx``; appends ``audit.<action>`` unless given the event."""
    actor = actor or SYSTEM
    device = device or tx.device
    details = details or {}
    if event_seq is None:
        event = tx.append_event(f"audit.{action.replace('.', '_')}",
                                {"actor": actor.as_dict(), "device": device, "target": target,
                                 "details": details}, stations=AUDIT_STATIONS)
        event_seq = event.seq
    tx.conn.execute(
        "INSERT INTO audit_log (id, at, action, actor_kind, actor_id, actor_name, actor_role, device,"
        " target, details, event_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (uuid7(tx.wall_ms), tx.now.isoformat(timespec="milliseconds"), action, actor.kind, actor.id,
         actor.name, str(actor.role), device, target,
         json.dumps(details, separators=(",", ":"), ensure_ascii=False), event_seq))
    return event_seq


def audit_event_hook(tx, event) -> None:
    """Store tx hook: changes with their own event become audit entries pointing at it."""
    action = AUDITED_EVENTS.get(event.type)
    if action is None:
        return
    data = event.data
    actor_data = data.get("actor") or SYSTEM.as_dict()
    actor = Actor(kind=actor_data["kind"], id=actor_data["id"], name=actor_data.get("name", ""),
                  role=actor_data.get("role", ""))
    target, details = _describe(event)
    record(tx, action, actor, target=target, details=details, event_seq=event.seq)


def _describe(event) -> tuple[str | None, dict]:
    data = event.data
    if event.type.startswith("order."):
        order = data.get("order", {})
        return order.get("id"), {"number": order.get("number"), "reason": data.get("reason"),
                                 "total_cents": order.get("total_cents")}
    if event.type == "menu.item_updated":
        return data.get("item", {}).get("id"), {"changes": data.get("changes", {})}
    return None, {"version": data.get("version"), "items": data.get("items")}


def list_entries(conn: sqlite3.Connection, *, action: str | None = None, since: str | None = None,
                 before: str | None = None, limit: int = 100) -> list[dict]:
    clauses, params = [], []
    for clause, value in (("action = ? OR action LIKE ?", action), ("at >= ?", since), ("at < ?", before)):
        if value:
            clauses.append(f"({clause})")
            params += [value, f"{value}.%"] if clause.startswith("action") else [value]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(f"SELECT * FROM audit_log {where} ORDER BY at DESC, id DESC LIMIT ?", (*params, limit))
    return [{"id": r["id"], "at": r["at"], "action": r["action"],
             "actor": {"kind": r["actor_kind"], "id": r["actor_id"], "name": r["actor_name"],
                       "role": r["actor_role"]},
             "device": r["device"], "target": r["target"], "details": json.loads(r["details"]),
             "event_seq": r["event_seq"]} for r in rows]
