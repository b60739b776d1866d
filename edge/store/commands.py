"""Write-side commands: the one path every input takes (tablet tap, GPIO button, bump bar, voice).

Each command runs inside the single writer's transaction: it loads the current state, applies a
pure domain transition, saves the result and appends the event, all or nothing.
"""

from __future__ import annotations

from typing import Any, Callable

import orjson

from edge.domain import amendments, lifecycle
from edge.domain.actors import Actor
from edge.domain.amendments import AddItemsRequest, VoidItemsRequest
from edge.domain.calendar import business_date
from edge.domain.errors import Conflict, Invalid, NotFound
from edge.domain.ids import uuid7
from edge.domain.menu import Menu, MenuItem
from edge.domain.orders import Order, OrderRequest, build_order
from edge.store import menu_repo, orders_repo
from edge.store.store import Store, Tx

def create_order(store: Store, request: OrderRequest, actor: Actor) -> tuple[Order, bool]:
    """Create (and by default fire) an order. A repeated client_order_id returns the first order
    with created=False; the same key with a different body is a Conflict."""
    fingerprint = request.fingerprint()

    def job(tx: Tx) -> tuple[Order, bool]:
        existing = orders_repo.load_by_client_id(tx.conn, str(request.client_order_id))
        if existing is not None:
            order, first_fingerprint = existing
            if first_fingerprint != fingerprint:
                raise Conflict("client_order_id was already used for a different order",
                               code="idempotency_key_reused",
                               details=[{"field": "client_order_id", "order_id": order.id}])
            return order, False
        day = business_date(tx.now, store.timezone, store.day_starts_at)
        order = build_order(request, tx.menu(), order_id=uuid7(tx.wall_ms),
                            number=orders_repo.next_number(tx.conn, day), business_date=day,
                            now=tx.now, new_id=lambda: uuid7(tx.wall_ms), created_by=actor.id,
                            created_session=actor.session)
        if not request.fire:
            _record(tx, order, "order.created", actor, request_hash=fingerprint)
            return order, True
        # Two events, one row: the order is saved once, fired (its created event's hooks run
        # before the row exists).
        _record(tx, order, "order.created", actor, save=False)
        order, event_type = lifecycle.fire(order, tx.now)
        _record(tx, order, event_type, actor, request_hash=fingerprint)
        return order, True

    return store.write(job)


def fire_order(store: Store, order_id: str, actor: Actor) -> Order:
    return _transition_order(store, order_id, actor, lambda order, now: lifecycle.fire(order, now))


def complete_order(store: Store, order_id: str, actor: Actor) -> Order:
    return _transition_order(store, order_id, actor, lifecycle.complete)


def void_order(store: Store, order_id: str, reason: str, actor: Actor) -> Order:
    return _transition_order(store, order_id, actor,
                             lambda order, now: lifecycle.void(order, reason, now), reason=reason)


def add_items(store: Store, order_id: str, request: AddItemsRequest, actor: Actor) -> tuple[Order, bool]:
    """Fire new items on the order as ADDED tickets. Once per amendment_id: a repeat returns the
    order with created=False; the same id with another body is a Conflict."""
    def change(tx: Tx, before: Order):
        order, ticket_ids = amendments.add_items(before, request, tx.menu(), tx.now, lambda: uuid7(tx.wall_ms))
        stations = [t.station for t in order.tickets if t.id in ticket_ids]
        return order, amendments.ITEMS_ADDED, stations, {"ticket_ids": ticket_ids}
    return _amend(store, order_id, request, "add", actor, change)


def void_items(store: Store, order_id: str, request: VoidItemsRequest, actor: Actor) -> tuple[Order, bool]:
    """Void some items of an order, with a reason; exactly once per amendment_id."""
    def change(tx: Tx, before: Order):
        order, stations = amendments.void_items(before, request, tx.now)
        return order, amendments.ITEMS_VOIDED, stations, {"item_ids": request.item_ids, "reason": request.reason}
    return _amend(store, order_id, request, "void", actor, change)


def _amend(store: Store, order_id: str, request, kind: str, actor: Actor, change) -> tuple[Order, bool]:
    fingerprint = request.fingerprint(order_id, kind)
    amendment_id = str(request.amendment_id)

    def job(tx: Tx) -> tuple[Order, bool]:
        applied = orders_repo.load_amendment(tx.conn, amendment_id)
        if applied is not None:
            if applied[1] != fingerprint:
                raise Conflict("amendment_id was already used for a different change",
                               code="idempotency_key_reused",
                               details=[{"field": "amendment_id", "order_id": applied[0]}])
            return orders_repo.load_order(tx.conn, applied[0]), False
        before = orders_repo.load_order(tx.conn, order_id)
        if before is None:
            raise NotFound(f"order {order_id} not found", code="order_not_found")
        order, event_type, stations, extra = change(tx, before)
        event = _record(tx, order, event_type, actor, before=before, stations=stations, **extra)
        orders_repo.save_amendment(tx.conn, amendment_id, order_id=order.id, kind=kind,
                                   request_hash=fingerprint, seq=event.seq, now=tx.now)
        return order, True
    return store.write(job)


def mark_item_done(store: Store, ticket_id: str, item_id: str, actor: Actor) -> Order:
    return _transition_ticket(store, ticket_id, actor,
                              lambda order, now: lifecycle.mark_item_done(order, ticket_id, item_id, now),
                              item_id=item_id)


def bump_ticket(store: Store, ticket_id: str, actor: Actor) -> Order:
    return _transition_ticket(store, ticket_id, actor,
                              lambda order, now: lifecycle.bump(order, ticket_id, now))


def recall_ticket(store: Store, ticket_id: str, actor: Actor) -> Order:
    return _transition_ticket(store, ticket_id, actor,
                              lambda order, now: lifecycle.recall(order, ticket_id, now))


def bump_oldest(store: Store, station: str, actor: Actor) -> Order | None:
    """What a physical bump button does: bump the station's oldest ticket, if there is one."""
    def job(tx: Tx) -> Order | None:
        ticket_id = orders_repo.oldest_active_ticket(tx.conn, station)
        if ticket_id is None:
            return None
        return _ticket_job(tx, ticket_id, actor, lambda o, now: lifecycle.bump(o, ticket_id, now), {})
    return store.write(job)


def recall_last(store: Store, station: str, actor: Actor) -> Order | None:
    """Bring back the station's most recently bumped ticket, if its order is still in the kitchen."""
    def job(tx: Tx) -> Order | None:
        ticket_id = orders_repo.last_bumped_ticket(tx.conn, station)
        if ticket_id is None:
            return None
        return _ticket_job(tx, ticket_id, actor, lambda o, now: lifecycle.recall(o, ticket_id, now), {})
    return store.write(job)


def select_ticket(store: Store, station: str, ticket_id: str | None, actor: Actor) -> int:
    """A station's selection (bump bar arrows, a tablet's keys): an event on the log, so the box's
    bump bar and every tablet of the station show the same one. Returns the event's seq."""
    def job(tx: Tx) -> int:
        if ticket_id is not None:
            row = tx.conn.execute("SELECT station, status FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if row is None or row[0] != station:
                raise NotFound(f"ticket {ticket_id} is not on station {station!r}", code="ticket_not_found")
            if row[1] not in ("fired", "in_progress"):
                raise Conflict(f"ticket {ticket_id} is not open (it is {row[1]})", code="ticket_not_open")
        event = tx.append_event("kds.selected", {"station": station, "ticket_id": ticket_id,
                                                 "actor": actor.as_dict()}, stations=[station])
        return event.seq
    return store.write(job)


def update_menu_item(store: Store, item_id: str, changes: dict[str, Any], actor: Actor) -> MenuItem:
    """Change an item's price or availability (86) and tell every tablet."""
    allowed = {"price_cents", "available"}
    unknown = set(changes) - allowed
    if unknown or not changes:
        raise Invalid(f"only {sorted(allowed)} can be changed here", code="invalid_changes")

    def job(tx: Tx) -> MenuItem:
        item = tx.menu().item(item_id)
        if item is None:
            raise NotFound(f"menu item {item_id!r} not found", code="menu_item_not_found")
        updated = MenuItem.model_validate({**item.model_dump(), **changes})
        menu_repo.save_item(tx.conn, updated)
        tx.mark_menu_changed()
        tx.append_event("menu.item_updated", {"item": updated.model_dump(mode="json"),
                                              "changes": changes, "actor": actor.as_dict()})
        return updated

    return store.write(job)


def replace_menu(store: Store, menu: Menu, version: int) -> None:
    """Swap in a whole menu (from the cloud) in one transaction and announce it."""
    def job(tx: Tx) -> None:
        menu_repo.replace_menu(tx.conn, menu, version)
        tx.mark_menu_changed()
        tx.append_event("menu.replaced", {"version": version, "items": len(menu.items)})
    store.write(job)


# -- helpers ----------------------------------------------------------------------------------
Transition = Callable[[Order, Any], tuple[Order, str]]


def _transition_order(store: Store, order_id: str, actor: Actor, transition: Transition,
                      **extra) -> Order:
    def job(tx: Tx) -> Order:
        before = orders_repo.load_order(tx.conn, order_id)
        if before is None:
            raise NotFound(f"order {order_id} not found", code="order_not_found")
        order, event_type = transition(before, tx.now)
        _record(tx, order, event_type, actor, before=before, **extra)
        return order
    return store.write(job)


def _transition_ticket(store: Store, ticket_id: str, actor: Actor, transition: Transition,
                       **extra) -> Order:
    return store.write(lambda tx: _ticket_job(tx, ticket_id, actor, transition, extra))


def _ticket_job(tx: Tx, ticket_id: str, actor: Actor, transition: Transition, extra: dict) -> Order:
    order_id = orders_repo.order_id_of_ticket(tx.conn, ticket_id)
    if order_id is None:
        raise NotFound(f"ticket {ticket_id} not found", code="ticket_not_found")
    before = orders_repo.load_order(tx.conn, order_id)
    order, event_type = transition(before, tx.now)
    _record(tx, order, event_type, actor, ticket_id=ticket_id, before=before, **extra)
    return order


def _record(tx: Tx, order: Order, event_type: str, actor: Actor, *, request_hash: str | None = None,
            ticket_id: str | None = None, before: Order | None = None, save: bool = True,
            stations: list[str] | None = None, **extra):
    """Append the event, then save the order stamped with that event's seq (``request_hash``: a
    new order, inserted; ``before``: the saved state, so only changed tickets are written;
    ``stations``: who the event concerns, when not the whole order or one ticket)."""
    if stations is None:
        stations = [t.station for t in order.tickets if ticket_id is None or t.id == ticket_id]
    document = order.model_dump(mode="json")
    data = {"order": document, "actor": actor.as_dict(), **extra}
    if ticket_id is not None:
        data["ticket_id"] = ticket_id
    event = tx.append_event(event_type, data, stations=stations, order_id=order.id, run_hooks=False)
    if save:
        orders_repo.save_order(tx.conn, order, seq=event.seq, request_hash=request_hash, before=before,
                               doc=orjson.dumps(document).decode())
    tx.run_hooks(event)
    return event
