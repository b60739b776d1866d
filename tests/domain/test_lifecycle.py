"""The order and ticket state machine: every legal and illegal transition."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge.domain import lifecycle
from edge.domain.errors import Conflict, NotFound
from edge.domain.orders import VoidRequest

from .menu_fixture import NOW, order

LATER = NOW + timedelta(minutes=5)


def fired(*lines):
    return lifecycle.fire(order(*lines), NOW)[0]


def two_station_order():
    return fired(("burger", 1, ["rare"]), ("fries", 2))


def bump_all(built):
    for ticket in built.tickets:
        built, _ = lifecycle.bump(built, ticket.id, LATER)
    return built


def test_fire_moves_order_and_every_ticket_to_fired():
    built, event = lifecycle.fire(order(("burger", 1, ["rare"]), ("fries", 1)), NOW)
    assert event == "order.fired"
    assert built.status == "fired" and built.fired_at == NOW
    assert {t.status for t in built.tickets} == {"fired"}
    assert all(t.fired_at == NOW for t in built.tickets)


@pytest.mark.parametrize("state", ["fired", "in_progress", "ready", "completed", "voided"])
def test_fire_is_only_legal_from_open(state):
    current = reach(state)
    with pytest.raises(Conflict) as caught:
        lifecycle.fire(current, LATER)
    assert caught.value.code == "illegal_transition"


def test_item_done_starts_the_ticket_and_is_not_repeatable():
    built = two_station_order()
    grill = built.tickets[0]
    item_id = grill.item_ids[0]
    built, event = lifecycle.mark_item_done(built, grill.id, item_id, LATER)
    assert event == "ticket.item_done"
    assert built.item(item_id).done_at == LATER
    assert built.ticket(grill.id).status == "in_progress"
    assert built.ticket(grill.id).started_at == LATER
    assert built.status == "in_progress"
    with pytest.raises(Conflict) as caught:
        lifecycle.mark_item_done(built, grill.id, item_id, LATER)
    assert caught.value.code == "already_done"


def test_item_done_for_an_item_of_another_ticket_is_not_found():
    built = two_station_order()
    grill, fry = built.tickets
    with pytest.raises(NotFound):
        lifecycle.mark_item_done(built, grill.id, fry.item_ids[0], LATER)
    with pytest.raises(NotFound):
        lifecycle.mark_item_done(built, "no-such-ticket", fry.item_ids[0], LATER)


def test_item_done_before_fire_is_illegal():
    built = order(("fries", 1))
    with pytest.raises(Conflict):
        lifecycle.mark_item_done(built, built.tickets[0].id, built.items[0].id, LATER)


def test_bump_marks_items_done_and_order_ready_when_every_station_bumped():
    built = two_station_order()
    grill, fry = built.tickets
    built, event = lifecycle.bump(built, grill.id, LATER)
    assert event == "ticket.bumped"
    assert built.ticket(grill.id).status == "ready"
    assert built.ticket(grill.id).bumped_at == LATER
    assert all(built.item(i).done_at == LATER for i in grill.item_ids)
    assert built.status == "in_progress" and built.ready_at is None
    built, _ = lifecycle.bump(built, fry.id, LATER)
    assert built.status == "ready" and built.ready_at == LATER


@pytest.mark.parametrize("state", ["open", "completed", "voided"])
def test_bump_is_illegal_unless_in_the_kitchen(state):
    current = reach(state)
    with pytest.raises(Conflict):
        lifecycle.bump(current, current.tickets[0].id, LATER)


def test_bump_twice_is_illegal():
    built = two_station_order()
    built, _ = lifecycle.bump(built, built.tickets[0].id, LATER)
    with pytest.raises(Conflict):
        lifecycle.bump(built, built.tickets[0].id, LATER)


def test_recall_brings_a_ready_ticket_back_and_unreadies_the_order():
    built = bump_all(two_station_order())
    assert built.status == "ready"
    grill = built.tickets[0]
    built, event = lifecycle.recall(built, grill.id, LATER)
    assert event == "ticket.recalled"
    assert built.ticket(grill.id).status == "in_progress"
    assert built.ticket(grill.id).bumped_at is None
    assert built.status == "in_progress" and built.ready_at is None
    built, _ = lifecycle.bump(built, grill.id, LATER)  # and it can be bumped again
    assert built.status == "ready"


@pytest.mark.parametrize("state", ["open", "fired", "in_progress"])
def test_recall_needs_a_ready_ticket(state):
    current = reach(state)
    unbumped = next(t for t in current.tickets if t.status != "ready")
    with pytest.raises(Conflict):
        lifecycle.recall(current, unbumped.id, LATER)


@pytest.mark.parametrize("state", ["completed", "voided"])
def test_recall_after_the_order_is_final_is_illegal(state):
    current = reach(state)
    with pytest.raises(Conflict):
        lifecycle.recall(current, current.tickets[0].id, LATER)


def test_recall_of_unknown_ticket_is_not_found():
    with pytest.raises(NotFound):
        lifecycle.recall(bump_all(two_station_order()), "nope", LATER)


def test_complete_only_from_ready():
    built, event = lifecycle.complete(bump_all(two_station_order()), LATER)
    assert event == "order.completed"
    assert built.status == "completed" and built.completed_at == LATER
    assert {t.status for t in built.tickets} == {"completed"}


@pytest.mark.parametrize("state", ["open", "fired", "in_progress", "completed", "voided"])
def test_complete_is_illegal_from_anything_but_ready(state):
    with pytest.raises(Conflict):
        lifecycle.complete(reach(state), LATER)


@pytest.mark.parametrize("state", ["open", "fired", "in_progress", "ready"])
def test_void_from_any_live_state_keeps_the_reason(state):
    built, event = lifecycle.void(reach(state), "customer left", LATER)
    assert event == "order.voided"
    assert built.status == "voided" and built.void_reason == "customer left"
    assert built.voided_at == LATER
    assert {t.status for t in built.tickets} == {"voided"}


@pytest.mark.parametrize("state", ["completed", "voided"])
def test_void_of_a_final_order_is_illegal(state):
    with pytest.raises(Conflict):
        lifecycle.void(reach(state), "again", LATER)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_void_reason_must_be_given(reason):
    with pytest.raises(ValueError):
        VoidRequest(reason=reason)


def test_transitions_do_not_mutate_their_input():
    before = two_station_order()
    snapshot = before.model_dump()
    lifecycle.bump(before, before.tickets[0].id, LATER)
    lifecycle.void(before, "x", LATER)
    assert before.model_dump() == snapshot


def reach(state: str):
    """A two-station order in the given state."""
    if state == "open":
        return order(("burger", 1, ["rare"]), ("fries", 2))
    built = two_station_order()
    if state == "fired":
        return built
    if state == "in_progress":
        return lifecycle.bump(built, built.tickets[0].id, LATER)[0]
    if state == "voided":
        return lifecycle.void(built, "test", LATER)[0]
    built = bump_all(built)
    if state == "ready":
        return built
    return lifecycle.complete(built, LATER)[0]
