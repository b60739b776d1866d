"""The owner's dashboard views compute the right figures, for the owner's restaurant only."""

from __future__ import annotations

import psycopg
import pytest

from edge.domain import lifecycle

from .sync_timeline import BoxTimeline


def test_owner_views(cloud):
    restaurant, other = cloud.restaurant(), cloud.restaurant()
    box, _ = cloud.box(restaurant)
    other_box, _ = cloud.box(other)
    timeline = BoxTimeline(box)
    served = timeline.full_service(("burger", "fries"), source="pos")  # bumped 60 s, then 120 s after firing
    kiosk = timeline.full_service(("burger", "cola"), source="kiosk")  # grill 60 s, bar 120 s
    voided = timeline.create(("cola",), source="voice")
    timeline.step(voided, lifecycle.void, "customer left")
    cloud.push(restaurant, box, timeline.events)
    elsewhere = BoxTimeline(other_box)
    elsewhere.full_service(("burger",))
    cloud.push(other, other_box, elsewhere.events)

    owner = {"role": "authenticated", "sub": "owner-1", "app_metadata": {"restaurant_id": restaurant}}
    with cloud.as_claims(owner) as conn:
        day = conn.execute("select orders, total_cents from sales_per_day").fetchall()
        assert day == [(2, served.total_cents + kiosk.total_cents)]
        hours = conn.execute("select hour, orders from sales_per_hour").fetchall()
        assert hours == [(18, 2)]
        counts = dict(conn.execute("select menu_item_id, quantity from item_counts").fetchall())
        assert counts == {"burger": 2, "fries": 1, "cola": 1}  # the voided cola does not count
        times = {row[0]: (row[1], row[2], row[3]) for row in
                 conn.execute("select station, tickets, p50_seconds, p90_seconds from ticket_times")}
        assert times["grill"] == (2, 60.0, 60.0)
        assert times["fry"][2] == 120.0 and times["bar"][2] == 120.0
        assert conn.execute("select number, void_reason from voids").fetchall() == [(voided.number, "customer left")]
        by_source = {row[0]: row[1] for row in conn.execute("select source, orders from orders_by_source")}
        assert by_source == {"pos": 1, "kiosk": 1, "voice": 1}
        restaurants = {row[0] for row in conn.execute("select restaurant_id from sales_per_day")}
        assert restaurants == {restaurant}

    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # owners read orders; only boxes write them
        with cloud.as_claims(owner) as conn:
            conn.execute("insert into orders (restaurant_id, id, box_id, number, business_date, source, type, status, "
                         "created_at, subtotal_cents, tax_cents, total_cents, hlc, updated_seq) values "
                         "(%s, 'x', 'owner', 1, '2026-01-01', 'pos', 'dine_in', 'open', now(), 0, 0, 0, 'x', 1)",
                         (restaurant,))
