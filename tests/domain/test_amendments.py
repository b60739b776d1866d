"""Amendments as pure transitions: what adding and voiding items do to tickets, status and totals."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest

from edge.domain import lifecycle
from edge.domain.amendments import AddItemsRequest, VoidItemsRequest, add_items, void_items
from edge.domain.errors import Conflict, Invalid
from edge.domain.orders import OrderItemRequest

from .menu_fixture import MENU, NOW, order

LATER = NOW + timedelta(minutes=5)
_ids = itertools.count()


def new_id():
    return f"id-{next(_ids)}"


def adding(*item_ids):
    return AddItemsRequest(amendment_id=uuid.uuid4(), items=[OrderItemRequest(menu_item_id=i) for i in item_ids])


def voiding(*item_ids, reason="mistake"):
    return VoidItemsRequest(amendment_id=uuid.uuid4(), item_ids=list(item_ids), reason=reason)


def test_items_added_to_an_open_order_wait_and_fire_with_it():
    amended, [ticket_id] = add_items(order(("fries", 1)), adding("cola"), MENU, NOW, new_id)
    assert amended.status == "open" and amended.ticket(ticket_id).status == "open"
    fired, _ = lifecycle.fire(amended, LATER)
    assert {t.status for t in fired.tickets} == {"fired"}


def test_items_added_to_a_ready_order_send_it_back_to_the_kitchen_on_an_added_ticket_at_the_same_station():
    ready = lifecycle.fire(order(("fries", 1)), NOW)[0]
    ready = lifecycle.bump(ready, ready.tickets[0].id, NOW)[0]
    assert ready.status == "ready"
    amended, [ticket_id] = add_items(ready, adding("fries"), MENU, LATER, new_id)
    added = amended.ticket(ticket_id)
    assert (added.station, added.status, added.amendment, added.fired_at) == ("fry", "fired", "added", LATER)
    assert amended.status == "in_progress" and amended.ready_at is None
    assert amended.subtotal_cents == 2 * 450


def test_voiding_the_unfinished_ticket_makes_the_order_ready_and_leaves_the_totals():
    fired = lifecycle.fire(order(("fries", 1), ("cola", 1)), NOW)[0]
    fired = lifecycle.bump(fired, fired.tickets[0].id, NOW)[0]  # fries ready, cola still to pour
    cola = fired.items[1]
    amended, stations = void_items(fired, voiding(cola.id), LATER)
    assert stations == ["bar"] and amended.status == "ready"
    assert amended.tickets[1].status == "voided" and amended.item(cola.id).void_reason == "mistake"
    assert (amended.subtotal_cents, amended.tax_cents) == (450, 39)  # 450 @ 8.75 % = 39.375
    assert amended.ticket_items(amended.tickets[1]) == []
    completed = lifecycle.complete(amended, LATER)[0]
    assert [t.status for t in completed.tickets] == ["completed", "voided"]


@pytest.mark.parametrize("final", ["completed", "voided"])
def test_a_closed_order_takes_no_amendment(final):
    closed = order(("fries", 1)).model_copy(update={"status": final})
    with pytest.raises(Conflict):
        add_items(closed, adding("cola"), MENU, NOW, new_id)
    with pytest.raises(Conflict):
        void_items(closed, voiding(closed.items[0].id), NOW)


def test_unknown_unavailable_and_empty_making_voids_are_refused():
    built = order(("fries", 1), ("cola", 1))
    with pytest.raises(Invalid):
        void_items(built, voiding("nope"), NOW)
    with pytest.raises(Conflict) as empty:
        void_items(built, voiding(*(i.id for i in built.items)), NOW)
    assert empty.value.code == "would_empty_order"
    with pytest.raises(Conflict):  # 86'd since
        add_items(built, adding("gone"), MENU, NOW, new_id)
