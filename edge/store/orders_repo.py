"""Orders in SQLite: the whole order as a JSON document, plus indexed columns for queries."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from edge.domain.orders import Order


def save_order(conn: sqlite3.Connection, order: Order, *, seq: int, request_hash: str | None = None,
               before: Order | None = None, doc: str | None = None) -> None:
    """Insert a new order (``request_hash`` given) or update one. ``before`` is the order as saved:
    then only its changed tickets are written (a bump changes one). ``doc``: the order's JSON, if
    the caller has it already."""
    doc = doc if doc is not None else order.model_dump_json()
    if request_hash is not None:
        conn.execute(
            "INSERT INTO orders (id, number, business_date, client_order_id, request_hash, status,"
            " source, created_by, created_at, updated_seq, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (order.id, order.number, order.business_date, order.client_order_id, request_hash,
             order.status, order.source, order.created_by, stored_moment(order.created_at), seq, doc),
        )
    else:
        conn.execute("UPDATE orders SET status = ?, updated_seq = ?, doc = ? WHERE id = ?",
                     (order.status, seq, doc, order.id))
    saved = {t.id: (t.status, t.fired_at, t.bumped_at) for t in before.tickets} if before else {}
    for ticket in order.tickets:
        if saved.get(ticket.id) == (ticket.status, ticket.fired_at, ticket.bumped_at):
            continue
        # fired_seq / bumped_seq: the seq of the event that fired / last bumped the ticket; they
        # order the kitchen, because the wall clock of a Pi can go back.
        conn.execute(
            "INSERT INTO tickets (id, order_id, station, status, fired_at, bumped_at, fired_seq, bumped_seq)"
            " VALUES (?1,?2,?3,?4,?5,?6, CASE WHEN ?5 IS NULL THEN NULL ELSE ?7 END,"
            " CASE WHEN ?6 IS NULL THEN NULL ELSE ?7 END)"
            " ON CONFLICT(id) DO UPDATE SET status=excluded.status, fired_at=excluded.fired_at,"
            " bumped_at=excluded.bumped_at, fired_seq=COALESCE(tickets.fired_seq, excluded.fired_seq),"
            " bumped_seq=CASE WHEN excluded.bumped_at IS NULL THEN NULL"
            " WHEN tickets.bumped_at IS excluded.bumped_at THEN tickets.bumped_seq ELSE excluded.bumped_seq END",
            (ticket.id, order.id, ticket.station, ticket.status, stored_moment(ticket.fired_at),
             stored_moment(ticket.bumped_at), seq),
        )


def load_order(conn: sqlite3.Connection, order_id: str) -> Order | None:
    row = conn.execute("SELECT doc FROM orders WHERE id = ?", (order_id,)).fetchone()
    return Order.model_validate_json(row[0]) if row else None


def load_by_client_id(conn: sqlite3.Connection, client_order_id: str) -> tuple[Order, str] | None:
    row = conn.execute("SELECT doc, request_hash FROM orders WHERE client_order_id = ?",
                       (client_order_id,)).fetchone()
    return (Order.model_validate_json(row[0]), row[1]) if row else None


def order_id_of_ticket(conn: sqlite3.Connection, ticket_id: str) -> str | None:
    row = conn.execute("SELECT order_id FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return row[0] if row else None


def next_number(conn: sqlite3.Connection, business_date: str) -> int:
    row = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM orders WHERE business_date = ?",
                       (business_date,)).fetchone()
    return row[0]


def oldest_active_ticket(conn: sqlite3.Connection, station: str) -> str | None:
    row = conn.execute("SELECT id FROM tickets WHERE station = ? AND status IN ('fired', 'in_progress')"
                       " ORDER BY fired_seq, id LIMIT 1", (station,)).fetchone()
    return row[0] if row else None


def last_bumped_ticket(conn: sqlite3.Connection, station: str) -> str | None:
    row = conn.execute("SELECT id FROM tickets WHERE station = ? AND status = 'ready'"
                       " ORDER BY bumped_seq DESC, id DESC LIMIT 1", (station,)).fetchone()
    return row[0] if row else None


def stored_moment(moment: datetime | None) -> str | None:
    """A moment as the store writes it (ISO 8601, milliseconds). Queries compare these columns as
    text (edge.store.queries), so a bound they compare with must be written the same way."""
    return moment.isoformat(timespec="milliseconds") if moment else None


def load_amendment(conn: sqlite3.Connection, amendment_id: str) -> tuple[str, str] | None:
    """(order id, request hash) of an amendment already applied, or None."""
    row = conn.execute("SELECT order_id, request_hash FROM order_amendments WHERE id = ?",
                       (amendment_id,)).fetchone()
    return (row[0], row[1]) if row else None


def save_amendment(conn: sqlite3.Connection, amendment_id: str, *, order_id: str, kind: str,
                   request_hash: str, seq: int, now: datetime) -> None:
    conn.execute("INSERT INTO order_amendments (id, order_id, kind, request_hash, seq, created_at)"
                 " VALUES (?,?,?,?,?,?)", (amendment_id, order_id, kind, request_hash, seq, stored_moment(now)))
