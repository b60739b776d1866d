"""The dashboard's SQL (owner_report, box_status, sync_heartbeat, order_lines, owner_save_menu) in a
real PostgreSQL: right figures, and an owner never sees or changes another owner's restaurants."""

from __future__ import annotations

import json
from datetime import date, timedelta

import psycopg
import pytest

from edge.domain import lifecycle

from .sync_timeline import BoxTimeline

DAY = "2026-11-28"


def owner(*restaurant_ids: str) -> dict:
    return {"role": "authenticated", "sub": f"owner-{'-'.join(restaurant_ids)}",
            "app_metadata": {"restaurant_ids": list(restaurant_ids)}}


@pytest.fixture
def three_restaurants(cloud):
    """Owner 1 has a and b; owner 2 has c. Each restaurant has a box, a menu and a day of orders."""
    ids = {name: cloud.restaurant(name) for name in "abc"}
    boxes, orders = {}, {}
    for name, restaurant in ids.items():
        box_id, _ = cloud.box(restaurant)
        boxes[name] = box_id
        cloud.admin.execute("insert into menu_categories (restaurant_id, id, name) values (%s, 'mains', 'Mains')",
                            (restaurant,))
        for item, price in (("burger", 1250), ("fries", 450), ("cola", 300), ("soup", 500)):
            cloud.admin.execute("insert into menu_items (restaurant_id, id, category_id, name, price_cents, station) "
                                "values (%s, %s, 'mains', initcap(%s), %s, 'grill')", (restaurant, item, item, price))
        timeline = BoxTimeline(box_id)
        served = timeline.full_service(("burger", "fries"), source="pos")
        kiosk = timeline.full_service(("burger", "cola") if name != "c" else ("cola",), source="kiosk")
        voided = timeline.create(("cola",), source="voice")
        timeline.step(voided, lifecycle.void, "customer left")
        cloud.push(restaurant, box_id, timeline.events)
        orders[name] = (served, kiosk, voided)
    return ids, boxes, orders


def report(cloud, claims: dict, **args) -> list[dict]:
    with cloud.as_claims(claims) as conn:
        return conn.execute("select owner_report(%s::date, %s::date, %s::int, %s::text[])",
                            (args.get("p_from", DAY), args.get("p_to", DAY), args.get("p_days"),
                             args.get("p_restaurants"))).fetchone()[0]


def test_owner_report_figures_for_each_of_my_restaurants(cloud, three_restaurants):
    ids, _, orders = three_restaurants
    rows = report(cloud, owner(ids["a"], ids["b"]))
    assert [row["restaurant_id"] for row in rows] == sorted([ids["a"], ids["b"]], key=lambda r: (r[0].upper(), r))
    served, kiosk, voided = orders["a"]
    a = next(row for row in rows if row["restaurant_id"] == ids["a"])
    assert a["totals"] == {
        "orders": 2, "net_sales_cents": served.subtotal_cents + kiosk.subtotal_cents,
        "tax_cents": served.tax_cents + kiosk.tax_cents,
        "gross_sales_cents": served.total_cents + kiosk.total_cents,
        "average_ticket_cents": round((served.total_cents + kiosk.total_cents) / 2)}
    assert a["voids"] == {"orders": 1, "total_cents": voided.total_cents,  # no line voided from an order
                          "lines": 0, "lines_quantity": 0, "lines_net_cents": 0,
                          "items": [{"menu_item_id": "cola", "name": "Cola", "quantity": 1,
                                     "net_cents": voided.subtotal_cents, "reasons": ["customer left"]}]}
    assert a["per_hour"] == [{"hour": 18, "orders": 2, "total_cents": served.total_cents + kiosk.total_cents}]
    quantities = [(item["menu_item_id"], item["quantity"]) for item in a["items"]]
    assert quantities == [("burger", 2), ("fries", 1), ("cola", 1), ("soup", 0)]  # ties by sales; soup never sold
    grill = next(s for s in a["stations"] if s["station"] == "grill")
    assert grill["tickets"] == 2 and grill["p50_seconds"] == 60 and grill["p90_seconds"] == 60
    assert {s["source"]: s["orders"] for s in a["sources"]} == {"pos": 1, "kiosk": 1}
    assert a["from"] == a["to"] == DAY


def test_an_owner_never_sees_another_owners_restaurant(cloud, three_restaurants):
    ids, boxes, _ = three_restaurants
    second = owner(ids["c"])
    assert [row["restaurant_id"] for row in report(cloud, second)] == [ids["c"]]
    # naming someone else's restaurant returns nothing rather than their figures
    assert report(cloud, second, p_restaurants=[ids["a"]]) == []
    with cloud.as_claims(second) as conn:
        for view in ("box_status", "order_lines", "box_heartbeats", "restaurants"):
            seen = {row[0] for row in conn.execute(f"select restaurant_id from {view}"
                                                   if view != "restaurants" else "select id from restaurants")}
            assert seen <= {ids["c"]}, view
        assert {row[0] for row in conn.execute("select box_id from box_status")} == {boxes["c"]}
    # a box token naming restaurant a gets a's rows only, even if it also carries an owner's list
    sneaky = {"role": "authenticated", "restaurant_id": ids["a"], "box_id": boxes["a"],
              "app_metadata": {"restaurant_ids": [ids["c"]]}}
    with cloud.as_claims(sneaky) as conn:
        assert {row[0] for row in conn.execute("select restaurant_id from orders")} == {ids["a"]}


def test_an_owner_cannot_edit_another_owners_menu(cloud, three_restaurants):
    ids, _, _ = three_restaurants
    version_before = cloud.scalar("select menu_version from restaurants where id = %s", ids["a"])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with cloud.as_claims(owner(ids["c"])) as conn:
            conn.execute("select owner_save_menu(%s, %s::jsonb)",
                         (ids["a"], json.dumps([{"id": "burger", "price_cents": 1}])))
    with cloud.as_claims(owner(ids["c"])) as conn:  # a direct table write is filtered out by RLS
        assert conn.execute("update menu_items set price_cents = 1 where restaurant_id = %s", (ids["a"],)).rowcount == 0
    assert cloud.scalar("select price_cents from menu_items where restaurant_id = %s and id = 'burger'", ids["a"]) == 1250
    assert cloud.scalar("select menu_version from restaurants where id = %s", ids["a"]) == version_before


def test_saving_the_menu_is_one_version_bump_and_validated(cloud, three_restaurants):
    ids, _, _ = three_restaurants
    restaurant = ids["b"]
    before = cloud.scalar("select menu_version from restaurants where id = %s", restaurant)
    changes = [{"id": "burger", "price_cents": 1390}, {"id": "fries", "name": "Skinny fries ", "price_cents": 475}]
    with cloud.as_claims(owner(ids["a"], restaurant)) as conn:
        result = conn.execute("select owner_save_menu(%s, %s::jsonb)", (restaurant, json.dumps(changes))).fetchone()[0]
    assert result == {"updated": 2, "menu_version": before + 1}
    assert cloud.scalar("select name from menu_items where restaurant_id = %s and id = 'fries'", restaurant) == "Skinny fries"

    for bad in ([{"id": "burger", "price_cents": -1}], [{"id": "burger", "price_cents": 1000001}],
                [{"id": "burger", "price_cents": "12.50"}], [{"id": "burger", "price_cents": None}],
                [{"id": "burger", "price_cents": 12.5}], [{"id": "burger", "name": " "}],
                [{"id": "burger", "price_cents": 100}, {"id": "nope", "price_cents": 100}], []):
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            with cloud.as_claims(owner(restaurant)) as conn:
                conn.execute("select owner_save_menu(%s, %s::jsonb)", (restaurant, json.dumps(bad)))
    assert cloud.scalar("select price_cents from menu_items where restaurant_id = %s and id = 'burger'", restaurant) == 1390
    assert cloud.scalar("select menu_version from restaurants where id = %s", restaurant) == before + 1


def test_heartbeat_feeds_box_status_and_flags_a_silent_box(cloud, three_restaurants):
    ids, boxes, _ = three_restaurants
    health = {"version": "0.1.0", "backlog_events": 3, "oldest_unsent_age_s": 42.5,
              "dead_letters": 1, "credential_problem": None, "clock_problem": None, "last_error": None,
              "box_time": "2026-12-04T10:05:00+00:00", "acked_seq": 12}
    claims = {"role": "authenticated", "restaurant_id": ids["a"], "box_id": boxes["a"], "exp": 1893456000}
    with cloud.as_claims(claims) as conn:
        conn.execute("select sync_heartbeat(%s, %s::jsonb)", (boxes["a"], json.dumps(health)))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # a box reports only for itself
        with cloud.as_claims(claims) as conn:
            conn.execute("select sync_heartbeat(%s, %s::jsonb)", (boxes["b"], json.dumps(health)))
    with cloud.as_claims(owner(ids["a"], ids["b"])) as conn:
        status = {row[0]: row[1:] for row in conn.execute(
            "select box_id, state, version, backlog_events, dead_letters, credential_expires_at is not null "
            "from box_status")}
    assert status[boxes["a"]] == ("dead_letters", "0.1.0", 3, 1, True)
    assert status[boxes["b"]][0] == "ok"  # pushed a moment ago, no heartbeat yet

    cloud.admin.execute("update sync_cursors set pushed_at = now() - interval '2 hours' where box_id = %s", (boxes["b"],))
    cloud.admin.execute("update boxes set revoked_at = now() where id = %s", (boxes["c"],))
    with cloud.as_claims(owner(ids["b"])) as conn:
        state, age = conn.execute("select state, last_contact_age_s from box_status").fetchone()
    assert state == "offline" and 7100 < age < 7300
    with cloud.as_claims(owner(ids["c"])) as conn:
        assert conn.execute("select state from box_status").fetchone()[0] == "revoked"


def test_order_lines_for_the_csv_export(cloud, three_restaurants):
    ids, _, orders = three_restaurants
    with cloud.as_claims(owner(ids["a"])) as conn:
        lines = conn.execute("select order_number, menu_item_id, quantity, line_total_cents from order_lines "
                             "where business_date = %s order by order_number, menu_item_id", (DAY,)).fetchall()
    expected = sorted((order.number, item.menu_item_id, item.quantity, item.line_total_cents)
                      for order in orders["a"] for item in order.items)
    assert lines == expected


def test_today_is_each_restaurants_own_business_day(cloud, three_restaurants):
    ids, _, _ = three_restaurants
    cloud.admin.execute("update restaurants set timezone = 'Pacific/Kiritimati', day_starts_at = '00:00' where id = %s",
                        (ids["a"],))
    cloud.admin.execute("update restaurants set timezone = 'Pacific/Pago_Pago', day_starts_at = '00:00' where id = %s",
                        (ids["b"],))
    rows = {row["restaurant_id"]: row for row in report(cloud, owner(ids["a"], ids["b"]), p_from=None, p_to=None, p_days=7)}
    kiritimati, pago_pago = rows[ids["a"]], rows[ids["b"]]  # UTC+14 and UTC-11: 25 hours apart
    apart = date.fromisoformat(kiritimati["business_today"]) - date.fromisoformat(pago_pago["business_today"])
    assert apart in (timedelta(days=1), timedelta(days=2))
    assert kiritimati["to"] == kiritimati["business_today"]
    assert date.fromisoformat(kiritimati["to"]) - date.fromisoformat(kiritimati["from"]) == timedelta(days=6)
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        report(cloud, owner(ids["a"]), p_from="2026-11-28", p_to="2026-11-27")
