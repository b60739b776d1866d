"""Read-side queries: what the KDS, expo and order lists show."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter, OrderedDict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import orjson

from edge.domain.orders import Order
from edge.store.orders_repo import stored_moment

KITCHEN_OPEN = ("fired", "in_progress", "ready")
RECALL_WINDOW = timedelta(minutes=15)
RECALL_LIMIT = 50


def get_order(conn: sqlite3.Connection, order_id: str) -> Order | None:
    row = conn.execute("SELECT doc FROM orders WHERE id = ?", (order_id,)).fetchone()
    return Order.model_validate_json(row[0]) if row else None


def list_orders(conn: sqlite3.Connection, *, status: list[str] | None = None, station: str | None = None,
                since: datetime | None = None, created_by: str | None = None,
                created_session: str | None = None, limit: int = 100) -> list[Order]:
    clauses, params = [], []
    if status:
        clauses.append(f"o.status IN ({','.join('?' * len(status))})")
        params += status
    if station:
        clauses.append("EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id AND t.station = ?)")
        params.append(station)
    if since:
        clauses.append("o.created_at >= ?")
        params.append(stored_moment(_as_utc(since)))
    if created_by:
        clauses.append("o.created_by = ?")
        params.append(created_by)
    if created_session:
        clauses.append("json_extract(o.doc, '$.created_session') = ?")
        params.append(created_session)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    # rowid is insertion order, i.e. log order: created_at is the wall clock, which can go back
    rows = conn.execute(f"SELECT doc FROM orders o {where} ORDER BY o.rowid LIMIT ?",
                        (*params, limit))
    return [Order.model_validate_json(row[0]) for row in rows]


def kds_view(conn: sqlite3.Connection, station: str, now: datetime) -> dict:
    """A station's screen: active tickets oldest first, recently bumped ones, all-day counts."""
    with _snapshot(conn):
        active = _tickets(conn, station, "t.status IN ('fired', 'in_progress')", "t.fired_seq, t.id")
        recent = _tickets(conn, station, "t.status = 'ready' AND t.bumped_at >= ?",
                          "t.bumped_seq DESC, t.id DESC", (stored_moment(now - RECALL_WINDOW),), RECALL_LIMIT)
    all_day: Counter[str] = Counter()
    for ticket in active:
        for item in ticket["items"]:
            if not item["done"]:
                all_day[item["name"]] += item["quantity"]
    return {
        "station": station,
        "tickets": active,
        "recently_bumped": recent,
        "all_day": [{"name": name, "quantity": qty} for name, qty in sorted(all_day.items())],
    }


def expo_view(conn: sqlite3.Connection) -> dict:
    """Every order in the kitchen with each station's progress."""
    rows = conn.execute(
        f"SELECT o.doc FROM orders o WHERE o.status IN ({','.join('?' * len(KITCHEN_OPEN))}) "
        "ORDER BY (SELECT MIN(t.fired_seq) FROM tickets t WHERE t.order_id = o.id), o.rowid LIMIT 500",
        KITCHEN_OPEN)  # fired first is shown first, by the event log rather than the wall clock
    names = staff_names(conn)
    return {"orders": [_expo_order(Order.model_validate_json(row[0]), names) for row in rows]}


def _tickets(conn, station, condition, order_by, params=(), limit=500) -> list[dict]:
    rows = conn.execute(
        f"SELECT t.id, t.order_id, o.updated_seq, t.fired_seq, t.bumped_seq "
        f"FROM tickets t JOIN orders o ON o.id = t.order_id "
        f"WHERE t.station = ? AND {condition} ORDER BY {order_by} LIMIT ?",
        (station, *params, limit)).fetchall()
    cards = _CARDS.get_many([(row[0], row[2]) for row in rows])
    missing = {row[1] for row, card in zip(rows, cards) if card is None}
    if missing:  # orders changed since a screen last asked: their documents, by the same version
        docs = {(order_id, version): doc for order_id, version, doc in conn.execute(
            f"SELECT id, updated_seq, doc FROM orders WHERE id IN ({','.join('?' * len(missing))})",
            tuple(missing))}
        for index, (ticket_id, order_id, version, _, _) in enumerate(rows):
            if cards[index] is None:  # same snapshot (kds_view), so the same version is there
                cards[index] = _CARDS.put((ticket_id, version), _ticket_card(ticket_id, docs[order_id, version]))
    names = staff_names(conn) if rows else {}
    return [{**card, "fired_seq": row[3], "bumped_seq": row[4], "server": names.get(card["created_by"])}
            for row, card in zip(rows, cards)]


def staff_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Who took each order, for the kitchen's cards (a handful of rows: read per screen load)."""
    return dict(conn.execute("SELECT id, name FROM users"))


@contextmanager
def _snapshot(conn: sqlite3.Connection):
    """One read transaction: every query inside sees the same committed state."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (an I/O error)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class _CardCache:
    """Ticket cards by (ticket id, the order's updated_seq): every screen of a station asks for the
    same cards every few seconds, and an order changes a few times in its life, each change a new
    seq. Ticket ids are UUIDv7, so two databases in one process do not collide."""

    def __init__(self, size: int):
        self._size = size
        self._cards: OrderedDict[tuple[str, int], dict] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: list[tuple[str, int]]) -> list[dict | None]:
        with self._lock:
            found = [self._cards.get(key) for key in keys]
            for key, card in zip(keys, found):
                if card is not None:
                    self._cards.move_to_end(key)
        return found

    def put(self, key: tuple[str, int], card: dict) -> dict:
        with self._lock:
            self._cards[key] = card
            if len(self._cards) > self._size:
                self._cards.popitem(last=False)
        return card


_CARDS = _CardCache(1024)


def _ticket_card(ticket_id: str, doc: str) -> dict:
    """A ticket's card from its order's document (validated when written: plain JSON is enough).
    Cards are shared between requests: callers must not change them."""
    order = orjson.loads(doc)
    ticket = next(t for t in order["tickets"] if t["id"] == ticket_id)
    items = {item["id"]: item for item in order["items"]}
    return {
        "id": ticket["id"], "order_id": order["id"], "number": order["number"],
        "table": order["table"], "customer_name": order["customer_name"], "type": order["type"],
        "source": order["source"], "notes": order["notes"], "station": ticket["station"],
        "status": ticket["status"], "order_status": order["status"], "fired_at": ticket["fired_at"],
        "started_at": ticket["started_at"], "bumped_at": ticket["bumped_at"],
        "created_by": order.get("created_by"),
        "amendment": ticket.get("amendment"),  # "added": the ADDED badge
        # a voided item is off the kitchen's card (order.items_voided tells the station)
        "items": [_ticket_item(items[item_id]) for item_id in ticket["item_ids"]
                  if not items[item_id].get("voided_at")],
    }


def _ticket_item(item: dict) -> dict:
    return {"id": item["id"], "name": item["name"], "quantity": item["quantity"],
            "modifiers": [m["name"] for m in item["modifiers"]], "notes": item["notes"],
            "course": item["course"], "done": item["done_at"] is not None}


def _expo_order(order: Order, names: dict[str, str]) -> dict:
    return {
        "id": order.id, "number": order.number, "table": order.table,
        "customer_name": order.customer_name, "type": order.type, "status": order.status,
        "fired_at": stored_moment(order.fired_at), "source": order.source, "notes": order.notes,
        "created_by": order.created_by, "server": names.get(order.created_by or ""),
        "stations": [{"station": t.station, "ticket_id": t.id, "status": t.status} for t in order.tickets
                     if t.status != "voided"],
        "items": [{"id": i.id, "name": i.name, "quantity": i.quantity, "station": i.station,
                   "modifiers": [m.name for m in i.modifiers], "notes": i.notes,
                   "done": i.done_at is not None} for i in order.items if i.voided_at is None],
    }


def _as_utc(moment: datetime) -> datetime:
    """created_at is stored as UTC text and compared as text, so the bound must be UTC too."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
