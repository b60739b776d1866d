"""The load and the checks of the crash tests (tests/e2e/test_crash_under_load.py,
tests/e2e/test_power_cut.py, tests/sync/test_crash_sync.py) and of bench/crash.py: tablets taking
orders and a KDS reading events until the server dies, then what must hold after the restart."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from .boxserver import BoxServer

WRITERS = 4
CUT = b"\x1dV"  # ESC/POS paper cut: one per ticket that reached the paper


def order(client_order_id: str) -> dict:
    return {"client_order_id": client_order_id, "type": "dine_in", "table": "7",
            "items": [{"menu_item_id": "fries", "quantity": 1, "modifier_ids": ["small"]}]}


class Load:
    """Tablets taking orders and one KDS polling /events until the crash."""

    def __init__(self, server: BoxServer, headers: dict):
        self.server, self.headers = server, headers
        self.acknowledged: dict[str, str] = {}  # client_order_id -> order id
        self.in_flight: set[str] = set()
        self.seen_events: dict[int, str] = {}  # seq -> event id, as a tablet saw them
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def take_orders(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            key = str(uuid.uuid4())
            with self.lock:
                self.in_flight.add(key)
            try:
                response = session.post(f"{self.server.url}/api/v1/orders", json=order(key),
                                        headers=self.headers, timeout=5)
            except requests.RequestException:
                return  # the server died; the key stays in flight, to be retried
            if response.status_code in (200, 201):
                with self.lock:
                    self.acknowledged[key] = response.json()["id"]
                    self.in_flight.discard(key)

    def watch_events(self) -> None:
        session, after = requests.Session(), 0
        while not self.stop.is_set():
            try:
                body = session.get(f"{self.server.url}/api/v1/events", params={"after": after, "limit": 500},
                                   headers=self.headers, timeout=5).json()
            except (requests.RequestException, ValueError):
                return
            for event in body["events"]:
                self.seen_events[event["seq"]] = event["id"]
                after = event["seq"]
            time.sleep(0.02)


def run_until_crash(server: BoxServer, load: Load, rng: random.Random, moment=None) -> None:
    """Orders flow until the cut, which comes at ``moment()`` (default: 0.3-1.2 s in)."""
    threads = [threading.Thread(target=load.take_orders) for _ in range(WRITERS)]
    threads.append(threading.Thread(target=load.watch_events))
    for thread in threads:
        thread.start()
    (moment or (lambda: time.sleep(rng.uniform(0.3, 1.2))))()
    server.kill()
    load.stop.set()
    for thread in threads:
        thread.join(timeout=15)
        assert not thread.is_alive()


def check_database(path, load: Load) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(conn.execute("SELECT client_order_id, id FROM orders"))
        for key, order_id in load.acknowledged.items():
            assert stored.get(key) == order_id, f"acknowledged order {key} lost"
        events = dict(conn.execute("SELECT seq, id FROM events"))
        for seq, event_id in load.seen_events.items():
            assert events.get(seq) == event_id, f"event {seq} seen by a tablet is lost or changed"
        created = Counter(row[0] for row in conn.execute("SELECT order_id FROM events WHERE type = 'order.created'"))
        assert all(count == 1 for count in created.values()), "an order was created twice"
        assert set(created) == set(stored.values())
        check_print_jobs(conn, stored)
    finally:
        conn.close()


def check_print_jobs(conn: sqlite3.Connection, orders: dict) -> None:
    """Every ticket of every stored order has exactly one kitchen print job: written in the same
    transaction as the order, so none is lost by a cut and none is doubled by a retry."""
    tickets = dict(conn.execute("SELECT id, order_id FROM tickets"))
    assert set(tickets.values()) == set(orders.values())
    jobs = Counter(row[0] for row in conn.execute(
        "SELECT ticket_id FROM print_jobs WHERE kind = 'ticket' AND reprint_of IS NULL"))
    assert set(jobs) == set(tickets), "a ticket has no print job, or a job has no ticket"
    assert all(count == 1 for count in jobs.values()), "a ticket was queued twice"


def wait_for_printer_to_drain(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = sqlite3.connect(path)
        try:
            pending = conn.execute("SELECT COUNT(*) FROM print_jobs WHERE status IN ('queued', 'printing')").fetchone()[0]
        finally:
            conn.close()
        if pending == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"{pending} print jobs still pending after {timeout} s")


def check_paper(path: Path, printout: Path) -> None:
    """What reached the printer: every job at least once; any extra copy carries REPRINT."""
    conn = sqlite3.connect(path)
    try:
        done = conn.execute("SELECT COUNT(*) FROM print_jobs WHERE kind = 'ticket' AND status = 'done'").fetchone()[0]
        total = conn.execute("SELECT COUNT(*) FROM print_jobs WHERE kind = 'ticket'").fetchone()[0]
    finally:
        conn.close()
    assert done == total
    paper = printout.read_bytes()
    printed, reprint_banners = paper.count(CUT), paper.count(b" REPRINT ")
    assert printed >= done, f"{done} tickets to print, only {printed} cuts on paper"
    assert printed - done <= reprint_banners, "a ticket came out twice without the REPRINT banner"


def retry_in_flight(server: BoxServer, load: Load, headers: dict) -> None:
    """Clients retry what got no answer: exactly once in the end, whatever the cut did."""
    for key in sorted(load.in_flight):
        response = requests.post(f"{server.url}/api/v1/orders", json=order(key), headers=headers, timeout=10)
        assert response.status_code in (200, 201), response.text
        load.acknowledged[key] = response.json()["id"]
    load.in_flight.clear()
    for key, order_id in list(load.acknowledged.items())[:20]:  # a retry of a known order is a no-op
        again = requests.post(f"{server.url}/api/v1/orders", json=order(key), headers=headers, timeout=10)
        assert again.status_code == 200 and again.json()["id"] == order_id


def kitchen_printer(printout: Path) -> dict:
    """A file printer for every station: the print queue drains into it during the test."""
    printer = {"name": "kitchen", "backend": "file", "path": str(printout), "stations": ["*"]}
    return {"EDGE_PRINTERS": json.dumps([printer])}

