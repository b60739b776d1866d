"""A box for tests: a real Store on a SQLite file with the demo menu, a real sync worker and a
kitchen that takes and works orders through the real commands."""

from __future__ import annotations

import json
import random
import uuid

from edge.appliance.demo import seed_demo
from edge.domain.actors import SYSTEM
from edge.domain.backoff import Backoff
from edge.domain.orders import OrderItemRequest, OrderRequest
from edge.store import Store, commands
from sync.heartbeat import Heartbeat
from sync.transport import Transport
from sync.worker import SyncWorker

SIMPLE_ITEMS = ["grilled-salmon", "onion-rings", "coleslaw", "cheesecake", "fish-and-chips", "garden-salad"]
SOURCES = ["pos", "voice", "kiosk"]


class Box:
    def __init__(self, path, restaurant_id: str, box_id: str, token: str, url: str, anon_key: str, *,
                 timeout_s: float = 2.0, wall_clock=None, worker_clock=None, seed: int = 1):
        options = {"wall_clock": wall_clock} if wall_clock else {}
        self.store = Store(path, box_id=box_id, restaurant_id=restaurant_id, **options).open()
        seed_demo(self.store, b"s" * 32)
        self.restaurant_id = restaurant_id
        self.box_id = box_id
        self.token = token
        self.rng = random.Random(seed)
        self.transport = Transport(url, anon_key, token, timeout_s=timeout_s, connect_timeout_s=1.0)
        clock_options = {"clock": worker_clock} if worker_clock else {}
        self.worker = SyncWorker(self.store, self.transport, box_id=box_id, token=token,
                                 backoff=Backoff(rng=random.Random(seed)), **clock_options)
        self.worker.heartbeat = Heartbeat(self.store, self.transport, box_id=box_id, **clock_options)

    def close(self) -> None:
        self.worker.stop()
        self.store.close()

    def order(self, n_items: int = 2, source: str | None = None):
        request = OrderRequest(
            client_order_id=uuid.uuid4(), source=source or self.rng.choice(SOURCES),
            items=[OrderItemRequest(menu_item_id=self.rng.choice(SIMPLE_ITEMS), quantity=self.rng.randint(1, 3))
                   for _ in range(n_items)])
        order, _ = commands.create_order(self.store, request, SYSTEM)
        return order

    def serve(self, order):
        """The kitchen bumps every ticket and expo completes the order."""
        for ticket in order.tickets:
            order = commands.bump_ticket(self.store, ticket.id, SYSTEM)
        return commands.complete_order(self.store, order.id, SYSTEM)

    def day(self, orders: int) -> None:
        """A stretch of service: most orders served, some voided, some still in the kitchen."""
        for _ in range(orders):
            order = self.order(self.rng.randint(1, 3))
            roll = self.rng.random()
            if roll < 0.7:
                self.serve(order)
            elif roll < 0.8:
                commands.void_order(self.store, order.id, self.rng.choice(["customer left", "wrong item"]), SYSTEM)

    def last_seq(self) -> int:
        return self.store.read().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    def orders(self) -> dict[str, tuple[str, int]]:
        return box_orders(self.store.read())


def box_orders(conn) -> dict[str, tuple[str, int]]:
    """order id -> (status, total_cents), from the box's SQLite."""
    rows = conn.execute("SELECT id, status, doc FROM orders")
    return {row[0]: (row[1], json.loads(row[2])["total_cents"]) for row in rows}


def assert_cloud_equals_box(cloud, box: Box) -> None:
    assert_cloud_equals(cloud, box.store.read(), box_id=box.box_id, restaurant_id=box.restaurant_id)


def assert_cloud_equals(cloud, conn, *, box_id: str, restaurant_id: str) -> None:
    """Every event exactly once (same seq, same id), and every order with the box's status and
    total. ``conn``: the box's SQLite."""
    cloud_events = [tuple(row) for row in cloud.admin.execute(
        "select seq, id from sync_events where box_id = %s order by seq", (box_id,))]
    box_events = [tuple(row) for row in conn.execute("SELECT seq, id FROM events ORDER BY seq")]
    assert cloud_events == box_events
    cloud_orders = {row[0]: (row[1], row[2]) for row in cloud.admin.execute(
        "select id, status, total_cents from orders where restaurant_id = %s", (restaurant_id,))}
    assert cloud_orders == box_orders(conn)
