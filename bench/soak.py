"""Soak: 30 tablets on WebSockets against the real server for a long time; memory and p95 flat.

    .venv/bin/python -m bench.soak --minutes 30 --tablets 30 --orders-per-minute 10

The server runs pinned to core 0 (``taskset``), the tablets (bench/soak_tablet.py: login with a
device id, one WebSocket each, orders over HTTP, cooks bumping, expo completing, tokens
refreshed as web/js does, Wi-Fi drops) in this process on core 1. ``EDGE_*`` variables of the
caller reach the server: ``EDGE_AUTH__TOKEN_TTL_MINUTES=1`` makes a short run cross token expiry.

Checked: every order a tablet created arrived exactly once as ``order.created`` on the socket of
every tablet it concerns, and each tablet received every event of its feed in ``GET /events``
exactly once. Printed: server RSS (all its processes) at start, after warm-up and at the end;
per window the requests, errors, order p50/p95, WebSocket delivery p50/p95 (order answered ->
its event received; an event that beats the HTTP answer counts 0) and reconnects. Exits 1 on
any error, lost or duplicated event.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.soak_tablet import Ledger, Tablet
from tests.support.boxserver import BoxServer

DRAIN_S = 20.0  # after the last order: how long the last events may take to reach every tablet


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values[0] if values else 0.0)


def deliveries(ledger: Ledger, tablets: list[Tablet]) -> tuple[list[tuple[float, float]], int]:
    """((arrived at, ms after the order was answered) per delivery, deliveries missing)."""
    latencies, missing = [], 0
    with ledger.lock:
        orders = dict(ledger.orders)
    for order_id, (answered, stations) in orders.items():
        for tablet in tablets:
            if tablet.station is None or tablet.station in stations:
                arrived = tablet.feed.created_at.get(order_id)
                if arrived is None:
                    missing += 1
                else:
                    latencies.append((arrived, max(0.0, arrived - answered) * 1000))
    return latencies, missing


def wait_for_deliveries(ledger: Ledger, tablets: list[Tablet], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while deliveries(ledger, tablets)[1] and time.monotonic() < deadline:
        time.sleep(0.2)


def feed_check(server_url: str, token: str, tablets: list[Tablet]) -> tuple[int, int, int]:
    """(missed, duplicated, strays): each tablet's socket against GET /events for its station."""
    logs: dict[str | None, dict[int, str]] = {}
    missed = duplicated = strays = 0
    for tablet in tablets:
        if tablet.station not in logs:
            logs[tablet.station] = event_log(server_url, token, tablet.station, min(t.start_seq for t in tablets))
        expected = {seq for seq, kind in logs[tablet.station].items()
                    if seq > tablet.start_seq and not kind.startswith("audit.")}
        received = tablet.feed.seqs
        missed += len(expected - received.keys())
        strays += len(received.keys() - expected)
        duplicated += sum(count - 1 for count in received.values())
    return missed, duplicated, strays


def event_log(server_url: str, token: str, station: str | None, after: int) -> dict[int, str]:
    found: dict[int, str] = {}
    while True:
        params = {"after": after, "limit": 1000, **({"station": station} if station else {})}
        page = requests.get(f"{server_url}/api/v1/events", params=params, timeout=30,
                            headers={"Authorization": f"Bearer {token}"}).json()["events"]
        found.update((event["seq"], event["type"]) for event in page)
        if len(page) < 1000:
            return found
        after = page[-1]["seq"]


def open_work(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tickets = dict(conn.execute("SELECT status, COUNT(*) FROM tickets GROUP BY status").fetchall())
        orders = dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
    finally:
        conn.close()
    return f"tickets {tickets}  orders {orders}"


def sample_rss(server, tablets, start: float, window_s: float, limit_s: float) -> list[tuple[float, int]]:
    """The server's RSS at the end of each window, until every tablet has finished its shift."""
    samples, next_at = [], start + window_s
    while any(tablet.is_alive() for tablet in tablets) and time.monotonic() < start + limit_s:
        time.sleep(max(0.0, min(1.0, next_at - time.monotonic())))
        if time.monotonic() >= next_at:
            samples.append((time.monotonic(), server.rss_kib()))
            next_at += window_s
    return samples or [(time.monotonic(), server.rss_kib())]


def report(ledger: Ledger, latencies: list[tuple[float, float]], start: float, window_s: float,
           run_s: float, rss: list[tuple[float, int]]) -> None:
    windows: dict[int, dict[str, list]] = {}
    last = max(0, math.ceil(run_s / window_s) - 1)  # the last taps and events after the end count in it

    def window(at: float) -> dict[str, list]:
        index = min(last, int((at - start) // window_s))
        return windows.setdefault(index, {"requests": [], "ws": [], "reconnects": []})

    for at, kind, ms, ok in ledger.requests:
        window(at)["requests"].append((kind, ms, ok))
    for at, ms in latencies:
        window(at)["ws"].append(ms)
    for at in ledger.reconnects:
        window(at)["reconnects"].append(at)
    rss_at_end_of = {int((at - start - 1) // window_s): kib for at, kib in rss}
    print(f"{'window':>7} {'requests':>9} {'errors':>7} {'order p50':>10} {'order p95':>10} "
          f"{'ws p50':>8} {'ws p95':>8} {'reconnects':>11} {'RSS MiB':>8}   (ms)")
    for index in sorted(windows):
        rows = windows[index]
        orders = [ms for kind, ms, _ in rows["requests"] if kind == "order"]
        errors = sum(not ok for *_, ok in rows["requests"])
        print(f"{index * window_s / 60:>6.1f}m {len(rows['requests']):>9} {errors:>7} "
              f"{percentile(orders, 50):>10.1f} {percentile(orders, 95):>10.1f} {percentile(rows['ws'], 50):>8.1f} "
              f"{percentile(rows['ws'], 95):>8.1f} {len(rows['reconnects']):>11} "
              f"{rss_at_end_of.get(index, 0) / 1024:>8.1f}")


def cpu_seconds() -> float:
    """CPU time of this process: every tablet thread, its sockets' reader threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_env(args: argparse.Namespace) -> dict:
    caller = {k: v for k, v in os.environ.items() if k.startswith("EDGE_")}
    return {"EDGE_SERVER__THREADS": str(max(64, args.tablets + 34)), **caller}  # each socket holds a thread


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--orders-per-minute", type=float, default=10, help="per tablet")
    parser.add_argument("--cook-seconds", type=float, default=15, help="mean time a ticket waits for its bump")
    parser.add_argument("--drop-every", type=float, default=5, help="mean minutes between a tablet's Wi-Fi drops")
    parser.add_argument("--window", type=float, default=120, help="seconds per reported window")
    parser.add_argument("--tablet-cpu", type=int, default=1, help="the core the tablets run on (server: 0)")
    parser.add_argument("--max-growth", type=float, default=0.10,
                        help="fail when RSS grows more than this fraction after warm-up (30 min measured: 5.4 %%)")
    args = parser.parse_args()
    print("load average", Path("/proc/loadavg").read_text().split()[:3])
    with tempfile.TemporaryDirectory() as folder:
        server = BoxServer(Path(folder) / "data", cpu=0, env=server_env(args)).start()
        os.sched_setaffinity(0, {args.tablet_cpu})  # every tablet thread inherits it
        try:
            time.sleep(1)
            rss_start = server.rss_kib()
            ledger, start, shift_starts = Ledger(), time.monotonic(), threading.Barrier(args.tablets)
            cpu_start = cpu_seconds()
            tablets = [Tablet(server.url, i, tablets=args.tablets, orders_per_minute=args.orders_per_minute,
                              cook_s=args.cook_seconds, drop_every_s=args.drop_every * 60,
                              until=start + args.minutes * 60, ledger=ledger, sleepy=i % 5 == 4,
                              shift_starts=shift_starts)
                       for i in range(args.tablets)]
            for tablet in tablets:
                tablet.start()
            rss = sample_rss(server, tablets, start, args.window, args.minutes * 60 + 60)
            rss_warm = rss[0][1]  # after the first window: every tablet connected, caches filled
            for tablet in tablets:
                tablet.join(timeout=60)
            rss_end = server.rss_kib()
            tablet_cpu = (cpu_seconds() - cpu_start) / (time.monotonic() - start)
            wait_for_deliveries(ledger, tablets, DRAIN_S)
            latencies, missing = deliveries(ledger, tablets)
            missed, duplicated, strays = feed_check(server.url, tablets[0].session.token, tablets)
            work = open_work(server.data_dir / "edge.sqlite")
            for tablet in tablets:
                tablet.feed.stop()
        finally:
            server.stop()
    errors = sum(not ok for *_, ok in ledger.requests)
    print(f"tablets {args.tablets}  minutes {args.minutes}  orders/min/tablet {args.orders_per_minute}  "
          f"orders {len(ledger.orders)}  requests {len(ledger.requests)}  errors {errors}  "
          f"reconnects {len(ledger.reconnects)}  tablets' CPU {tablet_cpu:.0%} of core {args.tablet_cpu}")
    print(f"server RSS start {rss_start / 1024:.1f} MiB  after warm-up {rss_warm / 1024:.1f} MiB  "
          f"end {rss_end / 1024:.1f} MiB")
    print(f"order.created deliveries {len(latencies)}  missing {missing}  |  feeds: events missed {missed}  "
          f"duplicated {duplicated}  not for the station {strays}")
    print("counters", dict(sorted(ledger.counters.items())), " at the end:", work)
    report(ledger, latencies, start, args.window, args.minutes * 60, rss)
    for problem in ledger.problems:
        print("problem:", problem)
    growth = (rss_end - rss_warm) / rss_warm
    if growth > args.max_growth:
        print(f"problem: RSS grew {growth:.1%} after warm-up (more than --max-growth {args.max_growth:.0%})")
    bad = errors or missing or missed or duplicated or strays or ledger.counters.get("resyncs") \
        or any(ledger.counters.get(name) for name in ("ws_handshake_refused", "ws_dead", "crashed")) \
        or growth > args.max_growth
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
