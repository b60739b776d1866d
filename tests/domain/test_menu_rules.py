"""Ordering against the menu: modifiers' min/max, unknown ids, 86'd items, request limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from edge.domain.errors import Conflict, Invalid
from edge.domain.menu import Modifier, ModifierGroup

from .menu_fixture import order, request


def test_one_ticket_per_station_in_order_of_first_appearance():
    built = order(("fries", 1), ("burger", 1, ["rare"]), ("fries", 2), ("cola", 1))
    assert [t.station for t in built.tickets] == ["fry", "grill", "bar"]
    fry = built.tickets[0]
    assert fry.item_ids == [built.items[0].id, built.items[2].id]
    assert built.status == "open" and all(t.status == "open" for t in built.tickets)


def test_required_group_with_no_choice_is_refused():
    with pytest.raises(Invalid) as caught:
        order(("burger", 1))
    assert caught.value.code == "modifier_choice_count"
    assert caught.value.details[0]["group"] == "doneness"
    assert "exactly 1" in caught.value.message


def test_too_many_choices_in_one_group_is_refused():
    with pytest.raises(Invalid) as caught:
        order(("burger", 1, ["rare", "medium"]))
    assert caught.value.code == "modifier_choice_count"
    with pytest.raises(Invalid) as caught:
        order(("burger", 1, ["rare", "cheese", "bacon", "no-onions"]))
    detail = caught.value.details[0]
    assert (detail["group"], detail["max"], detail["chosen"]) == ("extras", 2, 3)


def test_choices_at_the_limits_are_accepted():
    assert order(("burger", 1, ["rare"])).items[0].modifiers[0].id == "rare"
    assert len(order(("burger", 1, ["medium", "cheese", "bacon"])).items[0].modifiers) == 3


def test_unknown_modifier_and_modifier_of_another_item():
    with pytest.raises(Invalid) as caught:
        order(("burger", 1, ["rare", "ketchup"]))
    assert caught.value.code == "unknown_modifier"
    assert caught.value.details == [{"field": "items.0.modifier_ids", "value": "ketchup"}]
    with pytest.raises(Invalid) as caught:
        order(("fries", 1, ["cheese"]))  # cheese belongs to the burger
    assert caught.value.code == "unknown_modifier"


def test_same_modifier_twice_is_refused():
    with pytest.raises(Invalid) as caught:
        order(("burger", 1, ["rare", "cheese", "cheese"]))
    assert caught.value.code == "duplicate_modifier"


def test_unknown_item_names_the_line():
    with pytest.raises(Invalid) as caught:
        order(("fries", 1), ("caviar", 1))
    assert caught.value.code == "unknown_menu_item"
    assert caught.value.details == [{"field": "items.1.menu_item_id", "value": "caviar"}]


def test_86d_item_is_a_conflict():
    with pytest.raises(Conflict) as caught:
        order(("gone", 1))
    assert caught.value.code == "item_unavailable"
    assert "86" in caught.value.message


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**12])
def test_quantity_out_of_range_is_refused(quantity):
    with pytest.raises(ValidationError):
        request(("fries", quantity))


@pytest.mark.parametrize("fields", [
    {"notes": "x" * 501}, {"table": "x" * 21}, {"customer_name": "x" * 61}, {"table": ""},
    {"unknown": 1}, {"type": "delivery"}, {"client_order_id": "not-a-uuid"},
])
def test_request_limits_and_unknown_fields(fields):
    with pytest.raises(ValidationError):
        request(("fries", 1), **fields)


def test_no_items_is_refused():
    with pytest.raises(ValidationError):
        request()


def test_modifier_group_min_above_max_is_refused():
    with pytest.raises(ValidationError):
        ModifierGroup(id="g", name="G", min=3, max=2, modifiers=[Modifier(id="m", name="M")])


def test_fingerprint_depends_on_the_body():
    first = request(("fries", 1))
    assert first.fingerprint() == request(("fries", 1)).fingerprint()
    assert first.fingerprint() != request(("fries", 2)).fingerprint()
