"""Changing an order after Send: an amendment, never a resend.

Adding items fires them as new tickets marked ``amendment="added"`` (the kitchen sees and prints
"ADDED", and nothing already cooking is touched); voiding items keeps them on the order with
``voided_at`` and the reason, out of the totals and off the kitchen's tickets. Each amendment
carries its own idempotency key (``amendment_id``): the same key again is the same amendment.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from uuid import UUID

from pydantic import Field, field_validator

from edge.domain.errors import Conflict, Invalid
from edge.domain.lifecycle import FINAL
from edge.domain.menu import Menu, orderable_item
from edge.domain.orders import (
    MAX_ITEMS, MenuId, Order, OrderItemRequest, Ticket, VoidReason, order_item, tickets_for, totals,
)
from edge.domain.strict import Strict

ITEMS_ADDED = "order.items_added"
ITEMS_VOIDED = "order.items_voided"


class _Amendment(Strict):
    amendment_id: UUID = Field(description="idempotency key made by the client, one per change")

    def fingerprint(self, order_id: str, kind: str) -> str:
        """Same fingerprint <=> same amendment: a reused amendment_id must carry the same body
        for the same order."""
        body = {"order_id": order_id, "kind": kind, **self.model_dump(mode="json")}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class AddItemsRequest(_Amendment):
    """The body of ``POST /api/v1/orders/{id}/items``."""

    items: list[OrderItemRequest] = Field(min_length=1, max_length=MAX_ITEMS)


class VoidItemsRequest(_Amendment):
    """The body of ``POST /api/v1/orders/{id}/items/void``."""

    item_ids: list[MenuId] = Field(min_length=1, max_length=MAX_ITEMS)
    reason: VoidReason

    @field_validator("item_ids")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an item id is listed twice")
        return value


def add_items(order: Order, request: AddItemsRequest, menu: Menu, now: datetime,
              new_id) -> tuple[Order, list[str]]:
    """The order with the new items on new tickets (fired at once if the order was); returns the
    new tickets' ids too."""
    _still_changeable(order, "add items to")
    amendment_id = str(request.amendment_id)
    items = [
        order_item(line, menu_item, requested, new_id()).model_copy(update={"amendment_id": amendment_id})
        for line, requested in enumerate(request.items)
        for menu_item in [orderable_item(menu, requested.menu_item_id, line=line)]
    ]
    fired = order.status != "open"
    added = [
        ticket.model_copy(update={"amendment": "added", "status": "fired" if fired else "open",
                                  "fired_at": now if fired else None})
        for ticket in tickets_for(order.id, items, new_id)
    ]
    changed = _with_totals(order.model_copy(update={"items": [*order.items, *items],
                                                    "tickets": [*order.tickets, *added]}))
    return _kitchen_status(changed, now), [t.id for t in added]


def void_items(order: Order, request: VoidItemsRequest, now: datetime) -> tuple[Order, list[str]]:
    """The order with those items voided (a ticket left with none is voided too); returns the
    stations of the tickets concerned."""
    _still_changeable(order, "void items of")
    known = {item.id: item for item in order.items}
    unknown = [item_id for item_id in request.item_ids if item_id not in known]
    if unknown:
        raise Invalid(f"{len(unknown)} item(s) are not on order {order.number}", code="item_not_found",
                      details=[{"field": "item_ids", "unknown": unknown}])
    already = [item_id for item_id in request.item_ids if known[item_id].voided_at is not None]
    if already:
        raise Conflict(f"{', '.join(known[i].name for i in already)} already voided", code="already_voided",
                       details=[{"field": "item_ids", "voided": already}])
    voiding = set(request.item_ids)
    if all(item.id in voiding or item.voided_at is not None for item in order.items):
        raise Conflict("that would leave the order empty: void the whole order instead",
                       code="would_empty_order")
    items = [item.model_copy(update={"voided_at": now, "void_reason": request.reason})
             if item.id in voiding else item for item in order.items]
    live = {item.id for item in items if item.voided_at is None}
    touched = [t for t in order.tickets if voiding & set(t.item_ids)]
    tickets = [_void_if_empty(t, live) for t in order.tickets]
    changed = _with_totals(order.model_copy(update={"items": items, "tickets": tickets}))
    return _kitchen_status(changed, now), list(dict.fromkeys(t.station for t in touched))


def _still_changeable(order: Order, action: str) -> None:
    if order.status in FINAL:
        raise Conflict(f"order {order.number} is {order.status}; cannot {action} it",
                       code="illegal_transition")


def _void_if_empty(ticket: Ticket, live: set[str]) -> Ticket:
    if ticket.status == "voided" or any(item_id in live for item_id in ticket.item_ids):
        return ticket
    return ticket.model_copy(update={"status": "voided"})


def _with_totals(order: Order) -> Order:
    subtotal, tax, total = totals(order.items)
    return order.model_copy(update={"subtotal_cents": subtotal, "tax_cents": tax, "total_cents": total})


def _kitchen_status(order: Order, now: datetime) -> Order:
    """A fired order's status follows its live tickets: new work takes a ready order back to
    in_progress; voiding the last unfinished ticket can make it ready."""
    if order.status == "open":
        return order
    live = [t.status for t in order.tickets if t.status != "voided"]
    if all(status == "ready" for status in live):
        return order.model_copy(update={"status": "ready", "ready_at": order.ready_at or now})
    status = "fired" if all(s == "fired" for s in live) and order.status == "fired" else "in_progress"
    return order.model_copy(update={"status": status, "ready_at": None})
