"""Changing an order after Send: add items (new ADDED tickets) and void items, exactly once each."""

from __future__ import annotations

import uuid

import pytest

from tests.support.client import order_body

from .helpers import assert_error, post_order, snapshot

ORDERS = "/api/v1/orders"


def add_body(*items, amendment_id=None):
    lines = [{"menu_item_id": item, "quantity": qty, "modifier_ids": list(mods)} for item, qty, mods in items]
    return {"amendment_id": amendment_id or str(uuid.uuid4()), "items": lines}


COFFEE = ("cola", 1, ["no-ice"])


@pytest.fixture
def order(client, staff):
    return post_order(client, staff, order_body(("cheeseburger", 1, ["medium"]), ("fries", 1, ["small"]))).get_json()


def events_of(client, staff, order_id, type_):
    events = client.get("/api/v1/events?after=0&limit=500", headers=staff).get_json()["events"]
    return [e for e in events if e["type"] == type_ and e["data"]["order"]["id"] == order_id]


def test_added_items_fire_as_one_added_ticket_once_however_often_resent(client, staff, order):
    body = add_body(COFFEE)
    first = client.post(f"{ORDERS}/{order['id']}/items", json=body, headers=staff)
    assert first.status_code == 201, first.get_json()
    again = client.post(f"{ORDERS}/{order['id']}/items", json=body, headers=staff)
    assert again.status_code == 200
    amended = again.get_json()
    added = [t for t in amended["tickets"] if t["amendment"] == "added"]
    assert [(t["station"], t["status"]) for t in added] == [("bar", "fired")]
    assert [t["amendment"] for t in amended["tickets"][:2]] == [None, None]
    assert amended["items"][-1]["amendment_id"] == body["amendment_id"]
    assert amended["total_cents"] > order["total_cents"]
    [event] = events_of(client, staff, order["id"], "order.items_added")
    assert event["data"]["ticket_ids"] == [added[0]["id"]] and event["stations"] == ["bar"]
    bar = client.get("/api/v1/kds/bar", headers=staff).get_json()["tickets"]
    assert [(card["number"], card["amendment"]) for card in bar] == [(order["number"], "added")]


def test_the_same_amendment_id_with_another_body_is_refused_and_changes_nothing(client, staff, services, order):
    body = add_body(COFFEE)
    client.post(f"{ORDERS}/{order['id']}/items", json=body, headers=staff)
    before = snapshot(services)
    other = {**body, "items": [{"menu_item_id": "cola", "quantity": 2, "modifier_ids": ["no-ice"]}]}
    assert_error(client.post(f"{ORDERS}/{order['id']}/items", json=other, headers=staff), 409,
                 "idempotency_key_reused")
    as_void = {"amendment_id": body["amendment_id"], "item_ids": [order["items"][0]["id"]], "reason": "x"}
    assert_error(client.post(f"{ORDERS}/{order['id']}/items/void", json=as_void, headers=staff), 409,
                 "idempotency_key_reused")
    assert snapshot(services) == before


def test_voiding_items_takes_them_off_the_ticket_and_the_total_once(client, staff, order):
    fries = next(i for i in order["items"] if i["menu_item_id"] == "fries")
    body = {"amendment_id": str(uuid.uuid4()), "item_ids": [fries["id"]], "reason": "guest changed their mind"}
    first = client.post(f"{ORDERS}/{order['id']}/items/void", json=body, headers=staff)
    assert first.status_code == 201, first.get_json()
    assert client.post(f"{ORDERS}/{order['id']}/items/void", json=body, headers=staff).status_code == 200
    voided = first.get_json()
    item = next(i for i in voided["items"] if i["id"] == fries["id"])
    assert item["voided_at"] and item["void_reason"] == "guest changed their mind"
    assert voided["subtotal_cents"] == order["subtotal_cents"] - fries["line_total_cents"]
    fry = next(t for t in voided["tickets"] if t["station"] == "fry")
    assert fry["status"] == "voided"  # its only item is gone: off the fry station's screen
    assert client.get("/api/v1/kds/fry", headers=staff).get_json()["tickets"] == []
    [event] = events_of(client, staff, order["id"], "order.items_voided")
    assert event["data"]["item_ids"] == [fries["id"]] and event["stations"] == ["fry"]
    # the grill alone is left: bumping it makes the order ready, and expo can complete it
    grill = next(t for t in voided["tickets"] if t["station"] == "grill")
    assert client.post(f"/api/v1/tickets/{grill['id']}/bump", headers=staff).get_json()["status"] == "ready"
    completed = client.post(f"{ORDERS}/{order['id']}/complete", headers=staff).get_json()
    assert {t["station"]: t["status"] for t in completed["tickets"]} == {"grill": "completed", "fry": "voided"}


def test_adding_to_a_ready_order_takes_it_back_to_the_kitchen(client, staff, order):
    for ticket in order["tickets"]:
        client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff)
    amended = client.post(f"{ORDERS}/{order['id']}/items", json=add_body(COFFEE), headers=staff).get_json()
    assert amended["status"] == "in_progress" and amended["ready_at"] is None


@pytest.mark.parametrize("path, body, status, code", [
    ("items", {"items": [{"menu_item_id": "cola", "quantity": 1}]}, 422, None),  # no amendment_id
    ("items", {"amendment_id": "not-a-uuid", "items": [{"menu_item_id": "cola"}]}, 422, None),
    ("items", {"amendment_id": str(uuid.uuid4()), "items": []}, 422, None),
    ("items", {"amendment_id": str(uuid.uuid4()), "items": [{"menu_item_id": "nope"}]}, 422, None),
    ("items/void", {"amendment_id": str(uuid.uuid4()), "item_ids": [], "reason": "x"}, 422, None),
    ("items/void", {"amendment_id": str(uuid.uuid4()), "item_ids": ["nope"], "reason": "x"}, 422, "item_not_found"),
    ("items/void", {"amendment_id": str(uuid.uuid4()), "item_ids": ["FIRST"], "reason": "  "}, 422, None),
    ("items/void", {"amendment_id": str(uuid.uuid4()), "item_ids": ["FIRST", "FIRST"], "reason": "x"}, 422, None),
    ("items/void", {"amendment_id": str(uuid.uuid4()), "item_ids": ["FIRST", "SECOND"], "reason": "x"}, 409,
     "would_empty_order"),
])
def test_bad_amendments_get_a_json_error_and_change_nothing(client, staff, services, order, path, body, status, code):
    ids = {"FIRST": order["items"][0]["id"], "SECOND": order["items"][1]["id"]}
    if "item_ids" in body:
        body = {**body, "item_ids": [ids.get(i, i) for i in body["item_ids"]]}
    before = snapshot(services)
    assert_error(client.post(f"{ORDERS}/{order['id']}/{path}", json=body, headers=staff), status, code)
    assert snapshot(services) == before


def test_amending_an_unknown_voided_or_completed_order_or_a_voided_item_is_refused(client, staff, services, order):
    before = snapshot(services)
    assert_error(client.post(f"{ORDERS}/nope/items", json=add_body(COFFEE), headers=staff), 404, "order_not_found")
    assert snapshot(services) == before
    fries = order["items"][1]["id"]
    void = {"amendment_id": str(uuid.uuid4()), "item_ids": [fries], "reason": "wrong item"}
    client.post(f"{ORDERS}/{order['id']}/items/void", json=void, headers=staff)
    before = snapshot(services)
    again = {**void, "amendment_id": str(uuid.uuid4())}
    assert_error(client.post(f"{ORDERS}/{order['id']}/items/void", json=again, headers=staff), 409, "already_voided")
    assert snapshot(services) == before
    client.post(f"{ORDERS}/{order['id']}/void", json={"reason": "walked out"}, headers=staff)
    before = snapshot(services)
    assert_error(client.post(f"{ORDERS}/{order['id']}/items", json=add_body(COFFEE), headers=staff), 409,
                 "illegal_transition")
    assert snapshot(services) == before
    done = post_order(client, staff, order_body()).get_json()
    for ticket in done["tickets"]:
        client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff)
    client.post(f"{ORDERS}/{done['id']}/complete", headers=staff)
    before = snapshot(services)
    assert_error(client.post(f"{ORDERS}/{done['id']}/items", json=add_body(COFFEE), headers=staff), 409,
                 "illegal_transition")
    assert snapshot(services) == before


def test_a_customer_cannot_amend(client, customer, order):
    assert_error(client.post(f"{ORDERS}/{order['id']}/items", json=add_body(COFFEE), headers=customer), 403)
