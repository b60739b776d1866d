"""Crash test: clients POST orders while the server is SIGKILLed; every 201 must survive.

Several rounds on one data directory: start, load, kill -9 the process group at a random moment,
restart, check. Acknowledged means committed (group commit answers after COMMIT). A SIGKILL
leaves the kernel's page cache behind, so this does not show the commit reached the disk:
tests/e2e/test_power_cut.py does (synchronous=FULL against a disk that drops unsynced writes).
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid

import pytest
import requests

from tests.support.edge_process import EdgeServer

pytestmark = pytest.mark.e2e
ROUNDS = 4
CLIENTS = 8
ITEMS = [("cheeseburger", ["rare"]), ("fries", ["small"]), ("cola", []), ("caesar-salad", []), ("wings", ["hot"])]


def random_order() -> dict:
    lines = random.sample(ITEMS, k=random.randint(1, 3))
    return {"client_order_id": str(uuid.uuid4()), "table": str(random.randint(1, 40)),
            "items": [{"menu_item_id": i, "quantity": random.randint(1, 3), "modifier_ids": m} for i, m in lines]}


class Load:
    """Client threads that POST orders until the server goes away, recording what was answered."""

    def __init__(self, url: str, headers: dict):
        self.url, self.headers = url, headers
        self.acknowledged: dict[str, str] = {}  # client_order_id -> order id, answered 201
        self.unanswered: list[dict] = []        # in flight when the server died
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(CLIENTS)]

    def start(self) -> "Load":
        for t in self.threads:
            t.start()
        return self

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=20)
            assert not t.is_alive(), "a client thread hung"

    def _client(self) -> None:
        http = requests.Session()
        while not self.stop.is_set():
            body = random_order()
            try:
                response = http.post(f"{self.url}/api/v1/orders", json=body, headers=self.headers, timeout=10)
            except requests.RequestException:
                with self.lock:
                    self.unanswered.append(body)
                return
            assert response.status_code == 201, response.text
            with self.lock:
                self.acknowledged[body["client_order_id"]] = response.json()["id"]


def check_database(path) -> int:
    """Integrity ok, the event log has no holes, and no order lacks its events."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1)), "the event log has a hole"
        orphans = conn.execute(
            "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.order_id = o.id "
            "AND e.type = 'order.created') OR NOT EXISTS (SELECT 1 FROM events e WHERE e.order_id = o.id "
            "AND e.seq = o.updated_seq)").fetchone()[0]
        assert orphans == 0, "an order is stored without its events"
        events_without_order = conn.execute(
            "SELECT COUNT(*) FROM events e WHERE e.order_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM orders o WHERE o.id = e.order_id)").fetchone()[0]
        assert events_without_order == 0
        per_order = conn.execute(
            "SELECT COUNT(*) FROM orders o WHERE (SELECT COUNT(*) FROM tickets t WHERE t.order_id = o.id) = 0"
        ).fetchone()[0]
        assert per_order == 0, "an order is stored without its tickets"
        return conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    finally:
        conn.close()


def test_acknowledged_orders_survive_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    acknowledged: dict[str, str] = {}
    rng = random.Random()
    server = EdgeServer(data_dir)
    try:
        for _ in range(ROUNDS):
            server.start()
            headers = server.login("1111")
            load = Load(server.url, headers).start()
            load.wait_for(5, timeout=20)  # a busy CI machine may be slow to answer the first ones
            time.sleep(rng.uniform(0.0, 1.0))
            server.kill()
            load.join()
            acknowledged.update(load.acknowledged)
            assert load.acknowledged, "no order was acknowledged before the kill"
            stored = check_database(data_dir / "edge.sqlite")
            assert stored >= len(acknowledged)

            server.start()  # restart: every acknowledged order is there, through the API too
            http = requests.Session()
            headers = server.login("1111", http)
            for order_id in rng.sample(sorted(acknowledged.values()), k=min(50, len(acknowledged))):
                assert http.get(f"{server.url}/api/v1/orders/{order_id}", headers=headers, timeout=5).status_code == 200
            # a client retrying what got no answer is safe: created now (201) or already there (200)
            for body in load.unanswered:
                retried = http.post(f"{server.url}/api/v1/orders", json=body, headers=headers, timeout=5)
                assert retried.status_code in (200, 201), retried.text
            http.close()
            server.kill()

        conn = sqlite3.connect(data_dir / "edge.sqlite")
        try:
            stored = {row[0]: row[1] for row in conn.execute("SELECT client_order_id, id FROM orders")}
        finally:
            conn.close()
        lost = {key for key in acknowledged if stored.get(key) != acknowledged[key]}
        assert not lost, f"{len(lost)} acknowledged orders were lost"
    finally:
        server.kill()
