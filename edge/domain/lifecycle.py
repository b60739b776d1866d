"""The order and ticket state machine.

    open -> fired -> in_progress -> ready -> completed        (void from any state not final)

A ticket is one station's share of an order. Marking its first item done starts it
(in_progress); a bump makes it ready; a recall takes a ready ticket back to in_progress while
its order is still open in the kitchen. The order's status follows its tickets until expo
completes it. Every transition returns a new order and the event type it produces; illegal
ones raise Conflict (HTTP 409).
"""

from __future__ import annotations

from datetime import datetime

from edge.domain.errors import Conflict, NotFound
from edge.domain.orders import Order, Ticket

FINAL = {"completed", "voided"}
KITCHEN_ACTIVE = {"fired", "in_progress"}


def fire(order: Order, now: datetime) -> tuple[Order, str]:
    if order.status != "open":
        raise Conflict(f"order {order.number} is {order.status}; only an open order can be fired",
                       code="illegal_transition")
    tickets = [t if t.status == "voided" else t.model_copy(update={"status": "fired", "fired_at": now})
               for t in order.tickets]  # a ticket whose items were all voided stays voided
    return order.model_copy(update={"status": "fired", "fired_at": now, "tickets": tickets}), "order.fired"


def mark_item_done(order: Order, ticket_id: str, item_id: str, now: datetime) -> tuple[Order, str]:
    ticket = _active_ticket(order, ticket_id, "mark an item done on")
    if item_id not in ticket.item_ids:
        raise NotFound(f"item {item_id} is not on ticket {ticket_id}", code="item_not_found")
    item = order.item(item_id)
    if item.done_at is not None:
        raise Conflict(f"{item.name} is already done", code="already_done")
    items = [i.model_copy(update={"done_at": now}) if i.id == item_id else i for i in order.items]
    started = ticket.model_copy(update={"status": "in_progress", "started_at": ticket.started_at or now})
    return _with_ticket(order.model_copy(update={"items": items}), started, now), "ticket.item_done"


def bump(order: Order, ticket_id: str, now: datetime) -> tuple[Order, str]:
    ticket = _active_ticket(order, ticket_id, "bump")
    items = [
        i.model_copy(update={"done_at": now}) if i.id in ticket.item_ids and i.done_at is None else i
        for i in order.items
    ]
    bumped = ticket.model_copy(update={
        "status": "ready", "bumped_at": now, "started_at": ticket.started_at or now,
    })
    return _with_ticket(order.model_copy(update={"items": items}), bumped, now), "ticket.bumped"


def recall(order: Order, ticket_id: str, now: datetime) -> tuple[Order, str]:
    ticket = _ticket(order, ticket_id)
    if order.status in FINAL:
        raise Conflict(f"order {order.number} is {order.status}; its tickets cannot be recalled",
                       code="illegal_transition")
    if ticket.status != "ready":
        raise Conflict(f"ticket is {ticket.status}; only a bumped (ready) ticket can be recalled",
                       code="illegal_transition")
    recalled = ticket.model_copy(update={"status": "in_progress", "bumped_at": None})
    return _with_ticket(order, recalled, now), "ticket.recalled"


def complete(order: Order, now: datetime) -> tuple[Order, str]:
    if order.status != "ready":
        raise Conflict(f"order {order.number} is {order.status}; only a ready order (every station "
                       "has bumped it) can be completed", code="illegal_transition")
    tickets = [t if t.status == "voided" else t.model_copy(update={"status": "completed"})
               for t in order.tickets]
    return order.model_copy(update={"status": "completed", "completed_at": now, "tickets": tickets}), \
        "order.completed"


def void(order: Order, reason: str, now: datetime) -> tuple[Order, str]:
    if order.status in FINAL:
        raise Conflict(f"order {order.number} is already {order.status}", code="illegal_transition")
    tickets = [t.model_copy(update={"status": "voided"}) for t in order.tickets]
    return order.model_copy(update={
        "status": "voided", "void_reason": reason, "voided_at": now, "tickets": tickets,
    }), "order.voided"


def _ticket(order: Order, ticket_id: str) -> Ticket:
    ticket = order.ticket(ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found", code="ticket_not_found")
    return ticket


def _active_ticket(order: Order, ticket_id: str, action: str) -> Ticket:
    ticket = _ticket(order, ticket_id)
    if order.status in FINAL or ticket.status not in KITCHEN_ACTIVE:
        state = order.status if order.status in FINAL else ticket.status
        raise Conflict(f"cannot {action} a ticket that is {state}", code="illegal_transition")
    return ticket


def _with_ticket(order: Order, changed: Ticket, now: datetime) -> Order:
    tickets = [changed if t.id == changed.id else t for t in order.tickets]
    all_ready = all(t.status in ("ready", "voided") for t in tickets)
    return order.model_copy(update={
        "tickets": tickets,
        "status": "ready" if all_ready else "in_progress",
        "ready_at": (order.ready_at or now) if all_ready else None,
    })
