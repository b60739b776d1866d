"""The order flow over the API: numbers, filters, the kitchen view, the event log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.store import Store
from tests.support.client import login, order_body

from .helpers import assert_error, post_order

ORDERS = "/api/v1/orders"


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clocked(settings):
    """An app whose store reads a clock the test moves."""
    clock = Clock(datetime(2026, 11, 28, 18, 0, tzinfo=timezone.utc))
    store = Store(settings.database_path, box_id=settings.box_id, restaurant_id=settings.restaurant_id,
                  timezone="UTC", day_starts_at="04:00", wall_clock=clock)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings, store=store.open())
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    client = app.test_client()
    yield client, clock, login(client, "1111")
    services.close()


def test_full_flow_fire_item_done_bump_recall_complete(client, staff):
    created = post_order(client, staff, order_body(("cheeseburger", 2, ["medium", "extra-cheese"]),
                                                   ("fries", 1, ["large"]), ("cola", 2, ["no-ice"])))
    assert created.status_code == 201
    order = created.get_json()
    assert order["status"] == "fired" and order["number"] == 1
    assert [t["station"] for t in order["tickets"]] == ["grill", "fry", "bar"]
    # 2 x (1195 + 150) + (450 + 200) + 2 x 295 = 2690 + 650 + 590
    assert order["subtotal_cents"] == 3930
    assert order["tax_cents"] == 292 + 59  # 3340 @ 8.75 % = 292.25 -> 292; 590 @ 10 % = 59
    tickets = {t["station"]: t for t in order["tickets"]}
    grill = tickets["grill"]
    done = client.post(f"/api/v1/tickets/{grill['id']}/items/{grill['item_ids'][0]}/done", headers=staff)
    assert done.status_code == 200 and done.get_json()["status"] == "in_progress"
    for ticket in order["tickets"]:
        bumped = client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=staff)
        assert bumped.status_code == 200
    assert bumped.get_json()["status"] == "ready"
    recalled = client.post(f"/api/v1/tickets/{grill['id']}/recall", headers=staff)
    assert recalled.get_json()["status"] == "in_progress"
    assert_error(client.post(f"{ORDERS}/{order['id']}/complete", headers=staff), 409)
    client.post(f"/api/v1/tickets/{grill['id']}/bump", headers=staff)
    completed = client.post(f"{ORDERS}/{order['id']}/complete", headers=staff)
    assert completed.status_code == 200 and completed.get_json()["status"] == "completed"
    types = [e["type"] for e in client.get("/api/v1/events?after=0&limit=100", headers=staff).get_json()["events"]
             if e["data"].get("order", {}).get("id") == order["id"]]
    assert types == ["order.created", "order.fired", "ticket.item_done", "ticket.bumped", "ticket.bumped",
                     "ticket.bumped", "ticket.recalled", "ticket.bumped", "order.completed"]


def test_an_order_not_fired_waits_until_fired(client, staff):
    order = post_order(client, staff, order_body(fire=False)).get_json()
    assert order["status"] == "open"
    assert client.get("/api/v1/kds/fry", headers=staff).get_json()["tickets"] == []
    assert client.post(f"{ORDERS}/{order['id']}/fire", headers=staff).get_json()["status"] == "fired"
    assert len(client.get("/api/v1/kds/fry", headers=staff).get_json()["tickets"]) == 1


def test_order_numbers_count_per_business_day(clocked):
    client, clock, staff = clocked
    numbers = [post_order(client, staff, order_body()).get_json()["number"] for _ in range(3)]
    assert numbers == [1, 2, 3]
    clock.now = datetime(2026, 11, 29, 3, 59, tzinfo=timezone.utc)  # after midnight, same service day
    staff = login(client, "1111")  # tokens read the same clock: the evening's has expired
    late = post_order(client, staff, order_body()).get_json()
    assert (late["number"], late["business_date"]) == (4, "2026-11-28")
    clock.now = datetime(2026, 11, 29, 4, 0, tzinfo=timezone.utc)  # the day cut-off
    next_day = post_order(client, staff, order_body()).get_json()
    assert (next_day["number"], next_day["business_date"]) == (1, "2026-11-29")


def test_a_clock_going_back_keeps_event_seq_and_hlc_ordered(clocked):
    client, clock, staff = clocked
    first = post_order(client, staff, order_body()).get_json()
    clock.now = datetime(1970, 1, 1, 0, 0, 5, tzinfo=timezone.utc)  # a Pi with no RTC after a reboot
    second = post_order(client, staff, order_body()).get_json()
    events = client.get("/api/v1/events", headers=staff).get_json()["events"]
    assert [e["hlc"] for e in events] == sorted(e["hlc"] for e in events)
    listed = [o["id"] for o in client.get(ORDERS, headers=staff).get_json()["orders"]]
    assert listed == [first["id"], second["id"]]  # in the order taken, not by the wrong clock
    expo = [o["id"] for o in client.get("/api/v1/expo", headers=staff).get_json()["orders"]]
    assert expo == [first["id"], second["id"]]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_list_filters_status_station_and_since(clocked):
    client, clock, staff = clocked
    burger = post_order(client, staff, order_body(("cheeseburger", 1, ["rare"]))).get_json()
    clock.now += timedelta(minutes=10)
    drink = post_order(client, staff, order_body(("cola", 1))).get_json()
    unfired = post_order(client, staff, order_body(("fries", 1, ["small"]), fire=False)).get_json()

    def ids(**query):
        response = client.get(ORDERS, query_string=query, headers=staff)
        assert response.status_code == 200, response.get_json()
        return [o["id"] for o in response.get_json()["orders"]]

    assert ids() == [burger["id"], drink["id"], unfired["id"]]
    assert ids(status="open") == [unfired["id"]]
    assert ids(status=["open", "fired"]) == [burger["id"], drink["id"], unfired["id"]]
    assert ids(station="grill") == [burger["id"]]
    assert ids(station="bar", status="open") == []
    assert ids(since="2026-11-28T18:05:00+00:00") == [drink["id"], unfired["id"]]
    # the same instant written in another zone must give the same answer
    assert ids(since="2026-11-28T20:05:00+02:00") == [drink["id"], unfired["id"]]
    assert ids(since="2026-11-28T13:05:00-05:00") == [drink["id"], unfired["id"]]
    assert ids(limit=1) == [burger["id"]]
    assert_error(client.get(ORDERS, query_string={"status": "cooking"}, headers=staff), 422, "invalid_query")
    assert_error(client.get(ORDERS, query_string={"limit": 0}, headers=staff), 422, "invalid_query")


def test_kds_lists_oldest_first_with_all_day_counts(clocked):
    client, clock, staff = clocked
    first = post_order(client, staff, order_body(("cheeseburger", 2, ["rare"]), ("fries", 1, ["small"]))).get_json()
    clock.now += timedelta(minutes=1)
    second = post_order(client, staff, order_body(("cheeseburger", 1, ["well-done"]), ("steak", 1, ["rare"]))).get_json()
    clock.now += timedelta(minutes=1)
    post_order(client, staff, order_body(("cola", 1)))  # not the grill's
    kds = client.get("/api/v1/kds/grill", headers=staff).get_json()
    assert kds["station"] == "grill"
    assert [t["order_id"] for t in kds["tickets"]] == [first["id"], second["id"]]
    assert kds["tickets"][0]["number"] == first["number"] and kds["tickets"][0]["table"] == "12"
    assert {"id", "order_id", "number", "table", "status", "fired_at", "items"} <= set(kds["tickets"][0])
    assert kds["all_day"] == [{"name": "Cheeseburger", "quantity": 3}, {"name": "Ribeye Steak", "quantity": 1}]
    grill_ticket = next(t for t in first["tickets"] if t["station"] == "grill")
    client.post(f"/api/v1/tickets/{grill_ticket['id']}/bump", headers=staff)
    kds = client.get("/api/v1/kds/grill", headers=staff).get_json()
    assert [t["order_id"] for t in kds["tickets"]] == [second["id"]]
    assert [t["id"] for t in kds["recently_bumped"]] == [grill_ticket["id"]]
    assert kds["all_day"] == [{"name": "Cheeseburger", "quantity": 1}, {"name": "Ribeye Steak", "quantity": 1}]
    assert_error(client.get("/api/v1/kds/pizza", headers=staff), 404, "station_not_found")
    assert_error(client.get("/api/v1/kds/expo", headers=staff), 404, "station_not_found")


def test_events_after_and_limit(client, staff):
    for _ in range(3):
        post_order(client, staff, order_body())
    everything = client.get("/api/v1/events", query_string={"after": 0, "limit": 1000}, headers=staff).get_json()
    seqs = [e["seq"] for e in everything["events"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert everything["last_seq"] == seqs[-1]
    page = client.get("/api/v1/events", query_string={"after": 2, "limit": 3}, headers=staff).get_json()
    assert [e["seq"] for e in page["events"]] == [3, 4, 5]
    # the shape docs/events.md promises
    assert set(page["events"][0]) == {"seq", "id", "type", "data", "at", "hlc", "box_id", "stations"}
    assert page["events"][0]["box_id"] == "box-1"
    assert client.get("/api/v1/events", query_string={"after": seqs[-1]}, headers=staff).get_json()["events"] == []
    fry = client.get("/api/v1/events", query_string={"station": "fry"}, headers=staff).get_json()["events"]
    assert all(not e["stations"] or "fry" in e["stations"] for e in fry)
    for bad in ({"after": -1}, {"limit": 0}, {"limit": 1001}, {"after": "x"}, {"bogus": 1}):
        assert_error(client.get("/api/v1/events", query_string=bad, headers=staff), 422, "invalid_query")


def test_menu_and_stations_shapes(client, customer):
    menu = client.get("/api/v1/menu", headers=customer).get_json()
    assert len(menu["items"]) >= 20
    assert {i["station"] for i in menu["items"]} == {"grill", "fry", "cold", "bar"}
    burger = next(i for i in menu["items"] if i["id"] == "cheeseburger")
    assert {"id", "name", "price_cents", "station", "available", "modifier_groups"} <= set(burger)
    assert {"id", "name", "min", "max", "modifiers"} <= set(burger["modifier_groups"][0])
    stations = client.get("/api/v1/stations", headers=customer).get_json()["stations"]
    assert [s["id"] for s in stations] == ["grill", "fry", "cold", "bar", "expo"]


def test_a_menu_change_applies_to_the_next_order(client, admin, staff):
    patched = client.patch("/api/v1/menu/items/fries", json={"price_cents": 500}, headers=admin)
    assert patched.status_code == 200 and patched.get_json()["price_cents"] == 500
    order = post_order(client, staff, order_body(("fries", 1, ["small"]))).get_json()
    assert order["subtotal_cents"] == 500
    last = client.get("/api/v1/events", headers=staff).get_json()["events"]
    assert any(e["type"] == "menu.item_updated" and e["data"]["changes"] == {"price_cents": 500} for e in last)
    client.patch("/api/v1/menu/items/fries", json={"available": True}, headers=admin)
