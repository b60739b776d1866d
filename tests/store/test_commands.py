"""Write commands used by devices and sync (no HTTP): bump/recall by station, menu changes."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from edge.appliance.demo import DEMO_MENU, seed_demo
from edge.domain.actors import SYSTEM
from edge.domain.errors import Invalid, NotFound
from edge.domain.orders import OrderRequest
from edge.store import Store, commands, queries
from tests.support.client import order_body


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 28, 18, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now.timestamp()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    opened = Store(tmp_path / "edge.sqlite", box_id="box-1", restaurant_id="r1", wall_clock=clock).open()
    seed_demo(opened, b"s" * 64)
    yield opened
    opened.close()


def place(store, clock, *lines):
    clock.now += timedelta(seconds=30)
    return commands.create_order(store, OrderRequest.model_validate(order_body(*lines)), SYSTEM)[0]


def grill_ticket(order):
    return next(t for t in order.tickets if t.station == "grill")


def test_bump_oldest_takes_the_stations_oldest_ticket(store, clock):
    first = place(store, clock, ("steak", 1, ["rare"]))
    second = place(store, clock, ("hamburger", 1, ["rare"]), ("cola", 1))
    bumped = commands.bump_oldest(store, "grill", SYSTEM)
    assert bumped.id == first.id and bumped.status == "ready"
    bumped = commands.bump_oldest(store, "grill", SYSTEM)
    assert bumped.id == second.id and grill_ticket(bumped).status == "ready"
    assert bumped.status == "in_progress"  # the bar has not bumped yet
    assert commands.bump_oldest(store, "grill", SYSTEM) is None
    assert commands.bump_oldest(store, "cold", SYSTEM) is None


def test_recall_last_brings_back_the_most_recent_bump(store, clock):
    first = place(store, clock, ("steak", 1, ["rare"]))
    second = place(store, clock, ("steak", 1, ["medium"]))
    commands.bump_oldest(store, "grill", SYSTEM)
    clock.now += timedelta(seconds=5)
    commands.bump_oldest(store, "grill", SYSTEM)
    recalled = commands.recall_last(store, "grill", SYSTEM)
    assert recalled.id == second.id and grill_ticket(recalled).status == "in_progress"
    recalled = commands.recall_last(store, "grill", SYSTEM)
    assert recalled.id == first.id
    assert commands.recall_last(store, "grill", SYSTEM) is None


def test_recall_last_skips_completed_orders(store, clock):
    order = place(store, clock, ("steak", 1, ["rare"]))
    commands.bump_oldest(store, "grill", SYSTEM)
    commands.complete_order(store, order.id, SYSTEM)
    assert commands.recall_last(store, "grill", SYSTEM) is None


def test_every_command_appends_events_stamped_in_order(store, clock):
    order = place(store, clock, ("steak", 1, ["rare"]))
    ticket = grill_ticket(order)
    commands.mark_item_done(store, ticket.id, ticket.item_ids[0], SYSTEM)
    commands.bump_ticket(store, ticket.id, SYSTEM)
    commands.recall_ticket(store, ticket.id, SYSTEM)
    commands.void_order(store, order.id, "burnt", SYSTEM)
    events = [e for e in store.events_after(0) if e.order_id == order.id]
    assert [e.type for e in events] == ["order.created", "order.fired", "ticket.item_done", "ticket.bumped",
                                        "ticket.recalled", "order.voided"]
    assert [e.hlc for e in events] == sorted(e.hlc for e in events)
    assert events[-1].data["reason"] == "burnt" and events[-1].data["order"]["status"] == "voided"
    assert events[2].stations == ["grill"] and events[2].data["ticket_id"] == ticket.id
    stored = queries.get_order(store.read(), order.id)
    assert stored.model_dump(mode="json") == events[-1].data["order"]


def test_update_menu_item_changes_price_and_availability(store):
    updated = commands.update_menu_item(store, "fries", {"price_cents": 499, "available": False}, SYSTEM)
    assert (updated.price_cents, updated.available) == (499, False)
    assert store.menu().item("fries").price_cents == 499
    event = store.events_after(0)[-1]
    assert event.type == "menu.item_updated" and event.stations == []
    with pytest.raises(Invalid):
        commands.update_menu_item(store, "fries", {"name": "Chips"}, SYSTEM)
    with pytest.raises(Invalid):
        commands.update_menu_item(store, "fries", {}, SYSTEM)
    with pytest.raises(NotFound):
        commands.update_menu_item(store, "caviar", {"available": True}, SYSTEM)


def test_replace_menu_keeps_the_boxs_86_state(store):
    commands.update_menu_item(store, "fries", {"available": False}, SYSTEM)
    cheaper = DEMO_MENU.model_copy(update={"items": [
        i.model_copy(update={"price_cents": i.price_cents - 5}) for i in DEMO_MENU.items]})
    commands.replace_menu(store, cheaper, version=7)
    menu = store.menu()
    assert menu.version == 7
    assert menu.item("fries").available is False
    assert menu.item("fries").price_cents == 445
    assert store.events_after(0)[-1].type == "menu.replaced"


def test_a_menu_change_is_visible_as_soon_as_the_write_returns(store):
    """Read-your-writes: the cached menu and last_seq are updated before the caller is answered."""
    for price in range(500, 520):
        commands.update_menu_item(store, "coffee", {"price_cents": price}, SYSTEM)
        assert store.menu().item("coffee").price_cents == price
        assert store.last_seq == store.events_after(store.last_seq - 1)[0].seq


def test_kitchen_order_survives_the_wall_clock_going_back(store, clock):
    """A Pi without a real-time clock can boot in 1970: the ticket fired first is still the
    oldest on the screen, and the bump button still takes it (DESIGN: ordering never trusts
    the wall clock)."""
    first = place(store, clock, ("steak", 1, ["rare"]))
    clock.now = datetime(1970, 1, 1, 0, 5, tzinfo=timezone.utc)
    second = place(store, clock, ("steak", 1, ["medium"]))
    view = queries.kds_view(store.read(), "grill", clock.now)
    assert [t["order_id"] for t in view["tickets"]] == [first.id, second.id]
    assert commands.bump_oldest(store, "grill", SYSTEM).id == first.id
    clock.now = datetime(1970, 1, 1, 0, 1, tzinfo=timezone.utc)  # and back again, before the bump
    assert commands.bump_oldest(store, "grill", SYSTEM).id == second.id
    assert commands.recall_last(store, "grill", SYSTEM).id == second.id


def test_migration_0002_backfills_ticket_seqs_from_the_event_log(store, clock, tmp_path):
    first = place(store, clock, ("steak", 1, ["rare"]), ("cola", 1))
    second = place(store, clock, ("steak", 1, ["medium"]))
    commands.bump_oldest(store, "grill", SYSTEM)
    commands.bump_oldest(store, "grill", SYSTEM)
    commands.recall_ticket(store, grill_ticket(second).id, SYSTEM)
    before = store.read().execute("SELECT id, fired_seq, bumped_seq FROM tickets ORDER BY id").fetchall()
    path = store.path
    store.close()
    conn = sqlite3.connect(path)  # back to a schema-1 database, as a box updated in the field has
    conn.executescript("DROP INDEX tickets_station_status_seq; ALTER TABLE tickets DROP COLUMN fired_seq;"
                       "ALTER TABLE tickets DROP COLUMN bumped_seq; DELETE FROM schema_migrations WHERE version = 2;")
    conn.close()
    reopened = Store(path, box_id="box-1", restaurant_id="r1", wall_clock=clock).open()
    try:
        after = reopened.read().execute("SELECT id, fired_seq, bumped_seq FROM tickets ORDER BY id").fetchall()
        assert [tuple(r) for r in after] == [tuple(r) for r in before]
        assert all(r[1] is not None for r in after)
        assert grill_ticket(first).id in {r[0] for r in after if r[2] is not None}
        assert grill_ticket(second).id in {r[0] for r in after if r[2] is None}  # recalled
    finally:
        reopened.close()
    store.open()  # the fixture closes it again


def _ticket_rows_match_documents(store) -> None:
    conn = store.read()
    for order_id, doc, updated_seq in conn.execute("SELECT id, doc, updated_seq FROM orders"):
        order = queries.get_order(conn, order_id)
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT id, station, status, fired_at, bumped_at FROM tickets WHERE order_id = ?", (order_id,))}
        iso = lambda moment: moment.isoformat(timespec="milliseconds") if moment else None  # noqa: E731
        assert rows == {t.id: (t.station, t.status, iso(t.fired_at), iso(t.bumped_at)) for t in order.tickets}
        last = conn.execute("SELECT MAX(seq) FROM events WHERE order_id = ?", (order_id,)).fetchone()[0]
        assert updated_seq == last  # the row is stamped with the order's latest event


def test_ticket_rows_always_mirror_the_order_documents(tmp_path):
    """Orders are saved once when created and fired, and a change writes only the tickets it
    changed: whatever the sequence of commands, the ticket rows the kitchen queries read must
    say what the order documents say."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    from edge.domain.errors import Conflict

    steps = st.lists(st.tuples(st.sampled_from(["create", "hold", "fire", "bump", "recall", "done",
                                                "complete", "void"]),
                               st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=25)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps)
    def run(plan):
        clock = Clock()
        store = Store(tmp_path / f"{uuid.uuid4()}.sqlite", box_id="box-1", restaurant_id="r1",
                      wall_clock=clock).open()
        try:
            seed_demo(store, b"s" * 64)
            orders = []
            for action, which, ticket_n in plan:
                clock.now += timedelta(seconds=7)
                if action in ("create", "hold") or not orders:
                    orders.append(place_request(store, clock, fire=action != "hold"))
                    continue
                order = queries.get_order(store.read(), orders[which % len(orders)].id)
                ticket = order.tickets[ticket_n % len(order.tickets)]
                try:
                    {"fire": lambda: commands.fire_order(store, order.id, SYSTEM),
                     "bump": lambda: commands.bump_ticket(store, ticket.id, SYSTEM),
                     "recall": lambda: commands.recall_ticket(store, ticket.id, SYSTEM),
                     "done": lambda: commands.mark_item_done(store, ticket.id, ticket.item_ids[0], SYSTEM),
                     "complete": lambda: commands.complete_order(store, order.id, SYSTEM),
                     "void": lambda: commands.void_order(store, order.id, "test", SYSTEM)}[action]()
                except Conflict:
                    pass  # an illegal transition changes nothing; the check below still holds
                _ticket_rows_match_documents(store)
        finally:
            store.close()

    run()


def place_request(store, clock, *, fire: bool):
    body = order_body(("hamburger", 1, ["rare"]), ("fries", 2, ["small"]), ("cola", 1), fire=fire)
    return commands.create_order(store, OrderRequest.model_validate(body), SYSTEM)[0]


def test_kds_cards_follow_every_change_of_their_order(store, clock):
    """Cards are cached per order version: a screen that asked before a change sees the change."""
    order = place(store, clock, ("hamburger", 2, ["rare"]), ("steak", 1, ["rare"]))
    ticket = grill_ticket(order)
    first = queries.kds_view(store.read(), "grill", clock.now)["tickets"][0]
    assert [item["done"] for item in first["items"]] == [False, False]
    commands.mark_item_done(store, ticket.id, ticket.item_ids[0], SYSTEM)
    after_done = queries.kds_view(store.read(), "grill", clock.now)
    assert [item["done"] for item in after_done["tickets"][0]["items"]] == [True, False]
    assert after_done["all_day"] == [{"name": "Ribeye Steak", "quantity": 1}]
    commands.bump_ticket(store, ticket.id, SYSTEM)
    bumped = queries.kds_view(store.read(), "grill", clock.now)
    assert bumped["tickets"] == [] and bumped["recently_bumped"][0]["status"] == "ready"
    commands.recall_ticket(store, ticket.id, SYSTEM)
    recalled = queries.kds_view(store.read(), "grill", clock.now)
    assert recalled["tickets"][0]["id"] == ticket.id and recalled["tickets"][0]["status"] != "ready"
    assert first["status"] == "fired"  # what a screen was given earlier is never changed under it
