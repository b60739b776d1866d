"""Items voided after Send reach the cloud (migration 20261204000400): a real box amends an order
(adds a line, voids another), syncs through the gateway into a real PostgreSQL, and the owner's
item counts are the box's own counts of live lines; a replayed or stale event changes nothing;
another owner sees none of it."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from edge.domain.actors import SYSTEM
from edge.domain.amendments import AddItemsRequest, VoidItemsRequest
from edge.domain.orders import OrderItemRequest, OrderRequest
from edge.store import commands
from sync.outbox import next_batch
from .sync_timeline import BoxTimeline

MIGRATION = Path(__file__).resolve().parents[2] / "supabase" / "migrations" / "20261204000400_order_item_voids.sql"


def owner(restaurant_id: str) -> dict:
    return {"role": "authenticated", "sub": f"owner-{restaurant_id}",
            "app_metadata": {"restaurant_ids": [restaurant_id]}}


def order(box, *lines: tuple[str, int], source: str = "pos"):
    request = OrderRequest(client_order_id=uuid.uuid4(), source=source,
                           items=[OrderItemRequest(menu_item_id=item, quantity=n) for item, n in lines])
    return commands.create_order(box.store, request, SYSTEM)[0]


def serve(box, served):
    for ticket in served.tickets:
        if ticket.status != "voided":
            served = commands.bump_ticket(box.store, ticket.id, SYSTEM)
    return commands.complete_order(box.store, served.id, SYSTEM)


@pytest.fixture
def amended_day(box):
    """An order whose server added onion rings after Send and then voided the salmon (still in
    the kitchen); a served order; an order voided whole (with a line voided before it)."""
    amended = order(box, ("grilled-salmon", 2), ("coleslaw", 1))
    salmon = amended.items[0]
    amended, created = commands.add_items(box.store, amended.id, AddItemsRequest(
        amendment_id=uuid.uuid4(), items=[OrderItemRequest(menu_item_id="onion-rings", quantity=3)]), SYSTEM)
    assert created
    assert box.worker.run_once() is None  # the cloud has the line before it is voided
    voiding = VoidItemsRequest(amendment_id=uuid.uuid4(), item_ids=[salmon.id], reason="sent by mistake")
    amended, _ = commands.void_items(box.store, amended.id, voiding, SYSTEM)
    # the tablet resends after a lost answer: the same amendment, no second event
    events_before = box.last_seq()
    assert commands.void_items(box.store, amended.id, voiding, SYSTEM)[1] is False
    assert box.last_seq() == events_before
    # the kitchen is still on it (not final), so a stale snapshot must lose on its stamp alone
    amended = commands.bump_ticket(box.store, next(t.id for t in amended.tickets if t.status != "voided"), SYSTEM)

    serve(box, order(box, ("grilled-salmon", 1), ("cheesecake", 2), source="kiosk"))
    dropped = order(box, ("fish-and-chips", 1), ("garden-salad", 2), source="voice")
    dropped, _ = commands.void_items(box.store, dropped.id, VoidItemsRequest(
        amendment_id=uuid.uuid4(), item_ids=[dropped.items[1].id], reason="out of dressing"), SYSTEM)
    commands.void_order(box.store, dropped.id, "customer left", SYSTEM)
    assert box.worker.run_once() is None
    return amended, salmon


def box_documents(box) -> list[dict]:
    return [json.loads(row[0]) for row in box.store.read().execute("SELECT doc FROM orders")]


def box_item_counts(box) -> dict[str, tuple[int, int]]:
    """The box's own figures: menu item -> (quantity, sales) over the live lines of live orders."""
    quantity, sales = Counter(), Counter()
    for doc in box_documents(box):
        for line in doc["items"]:
            if doc["status"] != "voided" and line["voided_at"] is None:
                quantity[line["menu_item_id"]] += line["quantity"]
                sales[line["menu_item_id"]] += line["line_total_cents"]
    return {item: (quantity[item], sales[item]) for item in quantity}


def owner_report(cloud, restaurant_id: str, business_date: str) -> dict:
    with cloud.as_claims(owner(restaurant_id)) as conn:
        rows = conn.execute("select owner_report(%s::date, %s::date)", (business_date, business_date)).fetchone()[0]
    (report,) = rows
    return report


def cloud_lines(cloud, restaurant_id: str) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in cloud.admin.execute(
        "select id, voided_at, void_reason, amendment_id from order_items where restaurant_id = %s "
        "order by order_id, id", (restaurant_id,))}


def test_voided_lines_reach_the_cloud_and_leave_the_item_counts(box, cloud, amended_day):
    amended, salmon = amended_day
    lines = cloud_lines(cloud, box.restaurant_id)
    for doc in box_documents(box):  # every line as the box has it, voided or not
        for line in doc["items"]:
            voided_at = line["voided_at"] and datetime.fromisoformat(line["voided_at"])
            assert lines[line["id"]] == (voided_at, line["void_reason"], line["amendment_id"])
    assert lines[salmon.id][1] == "sent by mistake"
    assert lines[amended.items[2].id][2] is not None  # the onion rings came with an amendment

    report = owner_report(cloud, box.restaurant_id, amended.business_date)
    sold = {item["menu_item_id"]: (item["quantity"], item["sales_cents"]) for item in report["items"]
            if item["quantity"]}
    assert sold == box_item_counts(box)
    assert sold["grilled-salmon"][0] == 1 and "garden-salad" not in sold  # the voided lines are out
    assert report["items"][0]["menu_item_id"] == "onion-rings"  # 3 added after Send: the top seller
    docs = box_documents(box)
    live = [d for d in docs if d["status"] != "voided"]
    assert report["totals"]["net_sales_cents"] == sum(d["subtotal_cents"] for d in live)
    assert sum(sales for _, sales in sold.values()) == report["totals"]["net_sales_cents"]

    voided_lines = [line for d in docs for line in d["items"] if line["voided_at"]]
    voids = report["voids"]
    assert (voids["orders"], voids["lines"], voids["lines_quantity"], voids["lines_net_cents"]) == (
        1, 2, sum(line["quantity"] for line in voided_lines), sum(line["line_total_cents"] for line in voided_lines))
    assert voids["total_cents"] == next(d["total_cents"] for d in docs if d["status"] == "voided")
    what = {item["menu_item_id"]: (item["quantity"], item["reasons"]) for item in voids["items"]}
    assert what == {"grilled-salmon": (2, ["sent by mistake"]), "garden-salad": (2, ["out of dressing"]),
                    "fish-and-chips": (1, ["customer left"])}  # the voided order's live line, its reason

    with cloud.as_claims(owner(box.restaurant_id)) as conn:
        counts = {row[0]: (row[1], row[2]) for row in conn.execute(
            "select menu_item_id, quantity, sales_cents from item_counts where business_date = %s",
            (amended.business_date,))}
        assert counts == box_item_counts(box)
        assert conn.execute("select menu_item_id, quantity, void_reason from item_voids order by menu_item_id"
                            ).fetchall() == [("garden-salad", 2, "out of dressing"),
                                             ("grilled-salmon", 2, "sent by mistake")]
        flagged = conn.execute("select count(*) from order_lines where voided_at is not null").fetchone()[0]
        assert flagged == len(voided_lines)


def test_replayed_and_stale_events_change_nothing(box, cloud, amended_day):
    amended, salmon = amended_day
    before = owner_report(cloud, box.restaurant_id, amended.business_date), cloud_lines(cloud, box.restaurant_id)
    batch = next_batch(box.store, 0, box_id=box.box_id, max_events=1000, max_bytes=1 << 30)
    events = [json.loads(encoded) for encoded in batch.encoded]

    replay = cloud.push(box.restaurant_id, box.box_id, events)  # the whole log again (a lost answer)
    assert (replay["accepted"], replay["duplicates"], replay["rejected"]) == (0, len(events), [])
    # a second box of the restaurant forwards the snapshot from before the void, late
    stale = next(e for e in events if e["type"] == "order.items_added" and e["data"]["order"]["id"] == amended.id)
    second_box, _ = cloud.box(box.restaurant_id)
    forwarded = {**stale, "seq": 1, "id": str(uuid.uuid4()), "box_id": second_box}
    late = cloud.push(box.restaurant_id, second_box, [forwarded])
    assert late["accepted"] == 1 and late["rejected"] == []
    assert (owner_report(cloud, box.restaurant_id, amended.business_date),
            cloud_lines(cloud, box.restaurant_id)) == before
    assert cloud_lines(cloud, box.restaurant_id)[salmon.id][1] == "sent by mistake"


def test_another_owner_sees_none_of_it(box, cloud, amended_day):
    amended, _ = amended_day
    stranger = owner(cloud.restaurant("Elsewhere"))
    with cloud.as_claims(stranger) as conn:
        for view in ("order_items", "item_voids", "item_counts", "order_lines"):
            assert conn.execute(f"select count(*) from {view}").fetchone()[0] == 0, view
        named = conn.execute("select owner_report(%s::date, %s::date, null, %s::text[])",
                             (amended.business_date, amended.business_date, [box.restaurant_id])).fetchone()[0]
        assert named == []
        assert conn.execute("update order_items set voided_at = null where restaurant_id = %s",
                            (box.restaurant_id,)).rowcount == 0
    assert cloud_lines(cloud, box.restaurant_id)[amended.items[0].id][1] == "sent by mistake"


def test_the_migration_fills_in_lines_synced_before_it(box, cloud, amended_day):
    """A cloud that synced amended orders before this migration had the lines without their
    voids; applying it takes them from the snapshots it already holds (and applying it twice is
    harmless)."""
    before = cloud_lines(cloud, box.restaurant_id)
    cloud.admin.execute("update order_items set voided_at = null, void_reason = null, amendment_id = null "
                        "where restaurant_id = %s", (box.restaurant_id,))
    cloud.admin.execute(MIGRATION.read_text())
    assert cloud_lines(cloud, box.restaurant_id) == before


def test_a_box_from_before_amendments_still_syncs(cloud):
    """Snapshots made before items could be voided have no voided_at, void_reason or amendment_id
    on their lines: accepted as they always were, every line live."""
    restaurant = cloud.restaurant()
    box_id, _ = cloud.box(restaurant)
    timeline = BoxTimeline(box_id)
    served = timeline.full_service(("burger", "fries"))
    for event in timeline.events:
        for line in event["data"]["order"]["items"]:
            for key in ("voided_at", "void_reason", "amendment_id"):
                line.pop(key)
    result = cloud.push(restaurant, box_id, timeline.events)
    assert result["rejected"] == [] and result["accepted"] == len(timeline.events)
    assert set(cloud_lines(cloud, restaurant).values()) == {(None, None, None)}
    report = owner_report(cloud, restaurant, served.business_date)
    assert {item["menu_item_id"]: item["quantity"] for item in report["items"]} == {"burger": 1, "fries": 1}
    assert report["voids"] == {"orders": 0, "total_cents": 0, "lines": 0, "lines_quantity": 0, "lines_net_cents": 0,
                               "items": []}
