"""A manager's price change: bad prices are refused in words a manager reads, and change nothing."""

from __future__ import annotations

import pytest

from .helpers import assert_error, snapshot

FRIES = "/api/v1/menu/items/fries"


@pytest.mark.parametrize(("price", "code", "words"), [
    (None, "price_missing", "Type a price"),
    ("", "price_missing", "Type a price"),
    ("4.50", "price_not_a_number", "number of cents"),
    ("abc", "price_not_a_number", "number of cents"),
    (True, "price_not_a_number", "number of cents"),
    (450.5, "price_not_whole_cents", "whole number of cents"),
    (-1, "price_negative", "below $0"),
    (1_000_001, "price_too_high", "more than $10,000"),
    (100_000_00, "price_too_high", "more than $10,000"),
])
def test_a_bad_price_is_refused_for_people_with_its_code_for_programs(client, admin, services, price, code, words):
    before = snapshot(services)
    error = assert_error(client.patch(FRIES, json={"price_cents": price}, headers=admin), 422, code)
    assert words in error["message"]
    assert error["details"][0]["field"] == "price_cents" and error["details"][0]["type"] == code
    assert snapshot(services) == before


def test_a_bad_price_next_to_an_86_refuses_both(client, admin, services):
    before = snapshot(services)
    assert_error(client.patch(FRIES, json={"price_cents": "", "available": False}, headers=admin), 422, "price_missing")
    assert snapshot(services) == before


@pytest.mark.parametrize("price", [0, 1, 1_000_000, 1295.0])
def test_whole_cents_from_zero_to_ten_thousand_dollars_are_prices(client, admin, price):
    response = client.patch(FRIES, json={"price_cents": price}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["price_cents"] == int(price)
    items = {i["id"]: i for i in client.get("/api/v1/menu", headers=admin).get_json()["items"]}
    assert items["fries"]["price_cents"] == int(price)


def test_other_schema_problems_keep_the_generic_code(client, admin):
    assert_error(client.patch(FRIES, json={"available": "maybe"}, headers=admin), 422, "validation_failed")
