"""sync_push in Postgres itself: exactly once, convergence, rejections, cursor."""

from __future__ import annotations

import random

from edge.domain import lifecycle

from .sync_timeline import BoxTimeline


def order_row(cloud, restaurant_id, order_id):
    return cloud.admin.execute(
        "select status, total_cents, hlc from orders where restaurant_id = %s and id = %s",
        (restaurant_id, order_id)).fetchone()


def test_push_stores_and_applies_events_and_a_retry_changes_nothing(cloud):
    restaurant = cloud.restaurant()
    box, _ = cloud.box(restaurant)
    timeline = BoxTimeline(box)
    order = timeline.full_service()
    result = cloud.push(restaurant, box, timeline.events)
    assert result["cursor"] == len(timeline.events)
    assert result["accepted"] == len(timeline.events) and result["rejected"] == []
    assert order_row(cloud, restaurant, order.id)[:2] == ("completed", order.total_cents)
    assert cloud.scalar("select count(*) from tickets where restaurant_id = %s and status = 'completed'",
                        restaurant) == 2

    again = cloud.push(restaurant, box, timeline.events)
    assert again["cursor"] == result["cursor"] and again["accepted"] == 0
    assert again["duplicates"] == len(timeline.events)
    assert cloud.scalar("select count(*) from sync_events where box_id = %s", box) == len(timeline.events)


def test_one_batch_in_any_order_converges(cloud):
    restaurant = cloud.restaurant()
    box, _ = cloud.box(restaurant)
    timeline = BoxTimeline(box)
    completed = timeline.full_service()
    voided = timeline.create()
    timeline.advance(3)
    voided = timeline.step(voided, lifecycle.void, "customer left")
    events = timeline.events[:]
    random.Random(7).shuffle(events)
    cloud.push(restaurant, box, events)
    assert order_row(cloud, restaurant, completed.id)[0] == "completed"
    assert order_row(cloud, restaurant, voided.id)[0] == "voided"
    assert cloud.scalar("select void_reason from voids where order_id = %s", voided.id) == "customer left"


def relabel(events, box_id):
    return [{**e, "box_id": box_id, "seq": n} for n, e in enumerate(events, 1)]


def test_two_boxes_whose_events_arrive_out_of_order_converge(cloud):
    restaurant = cloud.restaurant()
    box_a, _ = cloud.box(restaurant)
    box_b, _ = cloud.box(restaurant)
    timeline = BoxTimeline(box_a)
    order = timeline.full_service()
    # box A took the order and fired it; box B (expo) bumped and completed it
    first, later = relabel(timeline.events[:2], box_a), relabel(timeline.events[2:], box_b)
    cloud.push(restaurant, box_b, later)
    assert order_row(cloud, restaurant, order.id)[0] == "completed"
    cloud.push(restaurant, box_a, first)  # the old "open"/"fired" snapshots arrive last
    status, _, hlc = order_row(cloud, restaurant, order.id)
    assert status == "completed" and hlc == timeline.events[-1]["hlc"]
    assert cloud.scalar("select array_agg(distinct status) from tickets where order_id = %s", order.id) == ["completed"]


def test_a_final_state_is_never_overwritten_by_a_newer_stale_snapshot(cloud):
    """Box B, cut off, still thinks the order is in the kitchen and bumps it after A voided it."""
    restaurant = cloud.restaurant()
    box_a, _ = cloud.box(restaurant)
    box_b, _ = cloud.box(restaurant)
    timeline = BoxTimeline(box_a)
    order = timeline.create()
    order = timeline.step(order, lifecycle.fire)
    timeline.step(order, lifecycle.void, "kitchen fire")
    timeline.advance(30)
    timeline.step(order, lifecycle.bump, order.tickets[0].id)  # stale copy, newer stamp
    cloud.push(restaurant, box_a, relabel(timeline.events[:3], box_a))
    cloud.push(restaurant, box_b, relabel(timeline.events[3:], box_b))
    assert order_row(cloud, restaurant, order.id)[0] == "voided"


def test_a_bad_event_is_rejected_with_its_reason_and_the_rest_arrive(cloud):
    restaurant = cloud.restaurant()
    box, _ = cloud.box(restaurant)
    timeline = BoxTimeline(box)
    good = timeline.full_service()
    broken = timeline.create()
    bad = next(e for e in timeline.events if e["data"]["order"]["id"] == broken.id)
    bad["data"]["order"]["total_cents"] = -1  # breaks total = subtotal + tax
    missing = timeline.event("order.fired", {"ticket_id": "x"})
    result = cloud.push(restaurant, box, timeline.events)
    rejected = {r["seq"]: r["reason"] for r in result["rejected"]}
    assert set(rejected) == {bad["seq"], missing["seq"]}
    assert "check constraint" in rejected[bad["seq"]]
    assert "without a data.order" in rejected[missing["seq"]]
    assert result["cursor"] == missing["seq"]
    assert order_row(cloud, restaurant, good.id)[0] == "completed"
    assert order_row(cloud, restaurant, broken.id) is None

    bad["data"]["order"]["total_cents"] = broken.total_cents  # fixed, retried from dead letters
    retry = cloud.push(restaurant, box, [bad])
    assert retry["rejected"] == [] and retry["accepted"] == 1
    assert order_row(cloud, restaurant, broken.id)[0] == "open"


def test_a_seq_reused_for_another_event_is_refused_not_skipped(cloud):
    """A box restored from an old backup numbers new events with seqs the cloud already has."""
    restaurant = cloud.restaurant()
    box, _ = cloud.box(restaurant)
    before = BoxTimeline(box)
    before.full_service()
    cloud.push(restaurant, box, before.events)
    after = BoxTimeline(box)  # seq starts at 1 again
    lost = after.create()
    result = cloud.push(restaurant, box, after.events)
    assert [r["seq"] for r in result["rejected"]] == [1]
    assert "already holds another event" in result["rejected"][0]["reason"]
    assert result["duplicates"] == 0
    assert cloud.scalar("select count(*) from orders where id = %s", lost.id) == 0
