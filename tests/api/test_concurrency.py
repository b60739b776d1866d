"""Many clients at once through the app: idempotency and order numbers hold under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.client import order_body

from .helpers import post_order


def test_the_same_order_sent_by_many_clients_at_once_is_created_once(app, staff, services):
    body = order_body(("cola", 2, ["no-ice"]))

    def send(_):
        return post_order(app.test_client(), staff, body)

    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(send, range(24)))
    assert sorted(r.status_code for r in responses) == [200] * 23 + [201]
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert services.store.read().execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1


def test_concurrent_orders_get_distinct_consecutive_numbers(app, staff):
    def send(_):
        return post_order(app.test_client(), staff, order_body()).get_json()["number"]

    with ThreadPoolExecutor(12) as pool:
        numbers = list(pool.map(send, range(60)))
    assert sorted(numbers) == list(range(1, 61))


def test_voided_orders_leave_the_kitchen_screens(client, staff):
    order = post_order(client, staff, order_body(("steak", 1, ["rare"]), ("fries", 1, ["small"]))).get_json()
    client.post(f"/api/v1/orders/{order['id']}/void", json={"reason": "cancelled"}, headers=staff)
    for station in ("grill", "fry"):
        kds = client.get(f"/api/v1/kds/{station}", headers=staff).get_json()
        assert kds["tickets"] == [] and kds["all_day"] == []
    expo = client.get("/api/v1/expo", headers=staff).get_json()
    assert expo["orders"] == []
