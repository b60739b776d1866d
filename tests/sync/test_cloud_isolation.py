"""Restaurant isolation enforced by Postgres itself (row-level security), whatever the path:
tables, views, functions, and payloads carrying another restaurant's ids."""

from __future__ import annotations

import json

import psycopg
import pytest
import requests

from edge.domain import lifecycle
from tests.support.sync_cloud import ANON_KEY

from .sync_timeline import BoxTimeline

TABLES = ["restaurants", "boxes", "stations", "menu_categories", "menu_items", "modifier_groups",
          "menu_item_modifier_groups", "modifiers", "item_availability", "orders", "order_items",
          "tickets", "sync_events", "sync_cursors", "box_heartbeats"]
VIEWS = ["sales_per_day", "sales_per_hour", "item_counts", "ticket_times", "voids", "orders_by_source",
         "order_lines", "box_status"]


@pytest.fixture
def two_restaurants(cloud):
    a, b = cloud.restaurant("A"), cloud.restaurant("B")
    box_a, _ = cloud.box(a)
    box_b, token_b = cloud.box(b)
    for restaurant in (a, b):
        cloud.admin.execute("insert into menu_categories (restaurant_id, id, name) values (%s, 'mains', 'Mains')",
                            (restaurant,))
        cloud.admin.execute("insert into menu_items (restaurant_id, id, category_id, name, price_cents, station) "
                            "values (%s, 'burger', 'mains', 'Burger', 1000, 'grill')", (restaurant,))
    timeline = BoxTimeline(box_b)
    timeline.full_service()
    timeline.create()
    voided = timeline.create()
    timeline.step(voided, lifecycle.void, "test")
    cloud.push(b, box_b, timeline.events)
    return {"a": a, "b": b, "box_a": box_a, "box_b": box_b, "token_b": token_b, "b_events": timeline.events,
            "b_order": timeline.events[0]["data"]["order"]}


@pytest.mark.parametrize("relation", TABLES + VIEWS)
def test_a_box_reads_nothing_of_another_restaurant(cloud, two_restaurants, relation):
    r = two_restaurants
    column = "id" if relation == "restaurants" else "restaurant_id"
    with cloud.as_box(r["a"], r["box_a"]) as conn:
        seen = {row[0] for row in conn.execute(f"select {column} from {relation}")}
    assert r["b"] not in seen
    with cloud.as_box(r["b"], r["box_b"]) as conn:  # the same query sees B's own rows
        if relation in ("orders", "sync_events", "tickets", "sales_per_day", "voids", "menu_items"):
            assert {row[0] for row in conn.execute(f"select {column} from {relation}")} == {r["b"]}


def test_a_box_cannot_change_another_restaurants_rows(cloud, two_restaurants):
    r = two_restaurants
    with cloud.as_box(r["a"], r["box_a"]) as conn:
        assert conn.execute("update orders set status = 'voided', void_reason = 'x' where restaurant_id = %s",
                            (r["b"],)).rowcount == 0
        assert conn.execute("delete from order_items where restaurant_id = %s", (r["b"],)).rowcount == 0
        assert conn.execute("update menu_items set price_cents = 1 where restaurant_id = %s", (r["b"],)).rowcount == 0
        assert conn.execute("update sync_cursors set acked_seq = 0 where box_id = %s", (r["box_b"],)).rowcount == 0
        assert conn.execute("delete from menu_items where restaurant_id = %s", (r["b"],)).rowcount == 0
    for statement in [
        "insert into menu_items (restaurant_id, id, category_id, name, price_cents, station) "
        "values (%(b)s, 'evil', 'mains', 'Evil', 1, 'grill')",
        "insert into sync_events (box_id, seq, restaurant_id, id, type, data, hlc) "
        "values (%(box_b)s, 999, %(b)s, 'x', 'order.created', '{}', 'x')",
        "update menu_items set restaurant_id = %(b)s where restaurant_id = %(a)s",
    ]:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with cloud.as_box(r["a"], r["box_a"]) as conn:
                conn.execute(statement, r)
    assert cloud.scalar("select count(*) from menu_items where restaurant_id = %s", r["b"]) == 1
    assert cloud.scalar("select price_cents from menu_items where restaurant_id = %s", r["a"]) == 1000


def test_functions_cannot_reach_another_restaurant(cloud, two_restaurants):
    r = two_restaurants
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="does not match"):
        _push_as(cloud, r["a"], r["box_a"], r["box_b"], [])
    own = BoxTimeline(r["box_a"])
    own.create()
    payload = json.dumps(own.events)
    for restaurant, box in ((r["b"], r["box_a"]), (r["a"], r["box_b"])):  # as B, or as B's box
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with cloud.as_box(r["a"], r["box_a"]) as conn:
                conn.execute("select private.sync_apply_orders(%s, %s, %s::jsonb, array[1]::bigint[])",
                             (restaurant, box, payload))
    assert cloud.scalar("select count(*) from orders where id = %s", own.events[0]["data"]["order"]["id"]) == 0
    with cloud.as_box(r["a"], r["box_a"]) as conn:
        assert conn.execute("select private.sync_menu_document(%s)", (r["b"],)).fetchone()[0] is None
        menu = conn.execute("select sync_pull_menu(0)").fetchone()[0]
    assert menu is not None and [i["id"] for i in menu["items"]] == ["burger"]
    # a forged combination (A's restaurant, B's box) is not a registered box
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not registered"):
        _push_as(cloud, r["a"], r["box_b"], r["box_b"], [])


def _push_as(cloud, restaurant, claimed_box, pushed_box, events):
    with cloud.as_box(restaurant, claimed_box) as conn:
        return conn.execute("select sync_push(%s, %s::jsonb)", (pushed_box, json.dumps(events))).fetchone()[0]


def test_another_restaurants_ids_in_a_payload_only_touch_ones_own_rows(cloud, two_restaurants):
    r = two_restaurants
    stolen = [dict(e) for e in r["b_events"]]
    voided = dict(stolen[0], seq=1, hlc="999999999999999-000000-evil", box_id=r["box_a"])
    voided["data"] = {"order": dict(r["b_order"], status="voided", void_reason="hacked",
                                    voided_at=r["b_order"]["created_at"])}
    claiming_b = dict(stolen[1], seq=2, box_id=r["box_b"])
    result = cloud.push(r["a"], r["box_a"], [voided, claiming_b])
    assert [x["seq"] for x in result["rejected"]] == [2]
    assert "not the pushing box" in result["rejected"][0]["reason"]
    status_sql = "select status from orders where restaurant_id = %s and id = %s"
    b_status = cloud.scalar(status_sql, r["b"], r["b_order"]["id"])
    assert b_status == "completed"
    # the payload created a row of A's own, under the same order id
    assert cloud.scalar(status_sql, r["a"], r["b_order"]["id"]) == "voided"


def test_anonymous_callers_get_nothing(cloud, two_restaurants):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with cloud.as_claims({"role": "anon"}, role="anon") as conn:
            conn.execute("select * from orders")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with cloud.as_claims({"role": "anon"}, role="anon") as conn:
            conn.execute("select sync_push('x', '[]'::jsonb)")


def test_over_http_the_gateway_answers_403_for_another_box(gateway, two_restaurants, cloud):
    r = two_restaurants
    _, token_a = cloud.box(r["a"])
    response = requests.post(f"{gateway.url}/rest/v1/rpc/sync_push", timeout=5,
                             headers={"apikey": ANON_KEY, "Authorization": f"Bearer {token_a}"},
                             json={"box_id": r["box_b"], "events": []})
    assert response.status_code == 403 and response.json()["code"] == "42501"
    response = requests.post(f"{gateway.url}/rest/v1/rpc/sync_push", timeout=5, headers={"apikey": ANON_KEY},
                             json={"box_id": r["box_b"], "events": []})
    assert response.status_code == 401


def test_only_the_two_sync_functions_are_exposed_over_http(gateway, cloud):
    restaurant = cloud.restaurant()
    _, token = cloud.box(restaurant)
    headers = {"apikey": ANON_KEY, "Authorization": f"Bearer {token}"}
    for helper in ("sync_apply_orders", "sync_menu_document", "jwt_restaurant_id", "sync_reject_event"):
        response = requests.post(f"{gateway.url}/rest/v1/rpc/{helper}", json={}, headers=headers, timeout=5)
        assert response.status_code == 404, helper
