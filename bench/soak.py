"""Soak: many tablets against a real server for a long time; memory and p95 must stay flat.

    .venv/bin/python bench/soak.py --minutes 30 --tablets 30 --orders-per-minute 10

The server runs pinned to core 0 (``taskset``), the simulated tablets on the other core. Each
tablet logs in, takes orders at the given rate and polls ``/events`` every second (HTTP polling:
the WebSocket hub lands on another branch), refreshing its token when it expires. Printed: RSS at
start and end, and per window the requests, errors and p50/p95 latency of orders and polls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path[0] = str(Path(__file__).resolve().parents[1])  # not bench/: its voice.py would hide the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from boxserver import BoxServer  # noqa: E402

ITEMS = [("fries", ["small"]), ("cola", []), ("cheeseburger", ["medium"]), ("caesar-salad", []),
         ("wings", ["hot"]), ("coffee", [])]
STATIONS = ["grill", "fry", "cold", "bar", None]


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[float, str, float, bool]] = []  # (at, kind, ms, ok)

    def add(self, kind: str, ms: float, ok: bool) -> None:
        with self.lock:
            self.samples.append((time.monotonic(), kind, ms, ok))


class Tablet(threading.Thread):
    def __init__(self, server: BoxServer, index: int, orders_per_minute: float, until: float, rec: Recorder):
        super().__init__(daemon=True)
        self.server, self.index, self.until, self.rec = server, index, until, rec
        self.order_every = 60.0 / orders_per_minute
        self.session = requests.Session()
        self.station = STATIONS[index % len(STATIONS)]
        self.rng = random.Random(index)

    def login(self) -> None:
        body = self.session.post(f"{self.server.url}/api/v1/auth/login", json={"pin": "1111"},
                                 headers={"X-Device-Id": f"tablet-{self.index}"}, timeout=10).json()
        self.session.headers["Authorization"] = f"Bearer {body['token']}"
        self.refresh_token = body["refresh_token"]

    def refresh(self) -> None:
        body = self.session.post(f"{self.server.url}/api/v1/auth/refresh",
                                 json={"refresh_token": self.refresh_token}, timeout=10).json()
        self.session.headers["Authorization"] = f"Bearer {body['token']}"
        self.refresh_token = body["refresh_token"]

    def call(self, kind: str, method: str, path: str, **kwargs):
        started = time.perf_counter()
        try:
            response = self.session.request(method, f"{self.server.url}{path}", timeout=10, **kwargs)
        except requests.RequestException:
            self.rec.add(kind, (time.perf_counter() - started) * 1000, False)
            return None
        if response.status_code == 401 and response.json()["error"]["code"] == "token_expired":
            self.refresh()
            return self.call(kind, method, path, **kwargs)
        self.rec.add(kind, (time.perf_counter() - started) * 1000, response.status_code < 400)
        return response

    def run(self) -> None:
        self.login()
        after, next_order = 0, time.monotonic() + self.rng.uniform(0, self.order_every)
        while time.monotonic() < self.until:
            if time.monotonic() >= next_order:
                item, mods = self.rng.choice(ITEMS)
                self.call("order", "POST", "/api/v1/orders", json={
                    "client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": str(self.index),
                    "items": [{"menu_item_id": item, "quantity": 1, "modifier_ids": mods}]})
                next_order += self.order_every
            params = {"after": after, "limit": 500, **({"station": self.station} if self.station else {})}
            response = self.call("poll", "GET", "/api/v1/events", params=params)
            if response is not None and response.ok:
                after = response.json()["last_seq"]
            time.sleep(1.0)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values[0] if values else 0.0)


def report(rec: Recorder, start: float, window_s: float) -> None:
    windows: dict[int, list] = {}
    for at, kind, ms, ok in rec.samples:
        windows.setdefault(int((at - start) // window_s), []).append((kind, ms, ok))
    print(f"{'window':>8} {'requests':>9} {'errors':>7} {'order p50':>10} {'order p95':>10} "
          f"{'poll p50':>9} {'poll p95':>9}")
    for index in sorted(windows):
        rows = windows[index]
        orders = [ms for kind, ms, _ in rows if kind == "order"]
        polls = [ms for kind, ms, _ in rows if kind == "poll"]
        errors = sum(not ok for _, _, ok in rows)
        print(f"{index * window_s / 60:>7.1f}m {len(rows):>9} {errors:>7} {percentile(orders, 50):>10.1f} "
              f"{percentile(orders, 95):>10.1f} {percentile(polls, 50):>9.1f} {percentile(polls, 95):>9.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--orders-per-minute", type=float, default=10, help="per tablet")
    parser.add_argument("--window", type=float, default=60, help="seconds per reported window")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = BoxServer(Path(folder) / "data", cpu=0, env={"EDGE_SERVER__THREADS": "64"}).start()
        try:
            time.sleep(1)
            rss_start = server.rss_kib()
            rec, start = Recorder(), time.monotonic()
            tablets = [Tablet(server, i, args.orders_per_minute, start + args.minutes * 60, rec)
                       for i in range(args.tablets)]
            for tablet in tablets:
                tablet.start()
            time.sleep(min(args.window, args.minutes * 60 / 2))
            rss_warm = server.rss_kib()  # after every tablet logged in and the caches filled
            for tablet in tablets:
                tablet.join(timeout=args.minutes * 60 + 60)
            rss_end = server.rss_kib()
        finally:
            server.stop()
    errors = sum(not ok for *_, ok in rec.samples)
    print(f"tablets {args.tablets}  minutes {args.minutes}  orders/min/tablet {args.orders_per_minute}  "
          f"requests {len(rec.samples)}  errors {errors}")
    print(f"server RSS idle {rss_start / 1024:.1f} MiB  after warm-up {rss_warm / 1024:.1f} MiB  "
          f"end {rss_end / 1024:.1f} MiB")
    report(rec, start, args.window)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
