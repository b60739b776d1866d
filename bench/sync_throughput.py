"""Sync benchmark: a day of service queued offline, then connectivity; and online order-to-cloud.

    taskset -c 0 .venv/bin/python -m bench.sync_throughput [--orders 10000] [--online-seconds 30] [--cloud-cpus 1]

Everything is real: the box's Store (SQLite, synchronous=FULL) and commands, the sync worker,
the PostgREST-compatible gateway over loopback HTTP, and PostgreSQL with the Supabase
migrations (started as in the tests, fsync off). Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from edge.domain.actors import SYSTEM
from edge.domain.orders import OrderItemRequest, OrderRequest
from edge.store import commands
from tests.support.gateway import Gateway
from tests.support.pg_server import ThrowawayPostgres
from tests.support.sync_box import SIMPLE_ITEMS, Box
from tests.support.sync_cloud import ANON_KEY, JWT_SECRET, Cloud


def one_order(box: Box, rng: random.Random) -> None:
    """An order taken, fired, an item marked done now and then, bumped at every station and
    handed over: ~5 events."""
    request = OrderRequest(client_order_id=uuid.uuid4(), source=rng.choice(["pos", "voice", "kiosk"]),
                           items=[OrderItemRequest(menu_item_id=rng.choice(SIMPLE_ITEMS))
                                  for _ in range(rng.randint(1, 3))])
    order, _ = commands.create_order(box.store, request, SYSTEM)
    if rng.random() < 0.05:
        commands.void_order(box.store, order.id, "customer left", SYSTEM)
        return
    if rng.random() < 0.5:
        ticket = order.tickets[0]
        order = commands.mark_item_done(box.store, ticket.id, ticket.item_ids[0], SYSTEM)
    for ticket in order.tickets:
        order = commands.bump_ticket(box.store, ticket.id, SYSTEM)
    commands.complete_order(box.store, order.id, SYSTEM)


def queue_offline(box: Box, orders: int, threads: int = 8) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda n: one_order(box, random.Random(n)), range(orders)))
    return time.perf_counter() - started


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (and their waited-for children), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids(postgres: ThrowawayPostgres) -> list[int]:
    postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and _ppid(p.name) == postmaster]
    return [postmaster, *children]


def _ppid(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def drain(box: Box, cloud: Cloud) -> dict:
    """Connectivity is back: push the whole backlog. Wall time, and CPU time on each side (the
    machine is shared, so wall time depends on the neighbours; CPU time much less)."""
    box_cpu, cloud_cpu = time.process_time(), cpu_seconds(postgres_pids(cloud.postgres))
    started = time.perf_counter()
    error = box.worker.run_once()
    if error is not None:
        raise SystemExit(f"push failed: {error}")
    elapsed = time.perf_counter() - started
    return {"wall_s": elapsed, "box_cpu_s": time.process_time() - box_cpu,
            "cloud_cpu_s": cpu_seconds(postgres_pids(cloud.postgres)) - cloud_cpu,
            "stored": cloud.scalar("select count(*) from sync_events where box_id = %s", box.box_id)}


def online_latency(box: Box, cloud: Cloud, seconds: float, rate_per_s: float) -> list[float]:
    """Orders taken while online: time from the 201 (the order committed) to the row in the cloud."""
    box.worker.interval_s = 2.0
    box.store.add_commit_listener(box.worker.wake)
    box.worker.start()
    committed: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch():
        with psycopg.connect(cloud.postgres.superuser_dsn, autocommit=True) as conn:
            while not stop.is_set() or len(seen) < len(committed):
                # Ask only for the orders still awaited, by primary key: a scan of the whole day's
                # orders every 10 ms would load the cloud and measure the watcher, not the sync.
                awaited = [i for i in list(committed) if i not in seen]
                for (order_id,) in conn.execute("select id from orders where restaurant_id = %s and id = any(%s)",
                                                (box.restaurant_id, awaited)):
                    seen.setdefault(order_id, time.perf_counter())
                time.sleep(0.01)
                if stop.is_set() and time.perf_counter() - stopped_at[0] > 30:
                    break

    stopped_at = [0.0]
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    rng = random.Random(99)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        request = OrderRequest(client_order_id=uuid.uuid4(),
                               items=[OrderItemRequest(menu_item_id=rng.choice(SIMPLE_ITEMS))])
        order, _ = commands.create_order(box.store, request, SYSTEM)
        committed[order.id] = time.perf_counter()
        time.sleep(rng.expovariate(rate_per_s))
    stopped_at[0] = time.perf_counter()
    stop.set()
    watcher.join(timeout=40)
    box.worker.stop()
    return [seen[i] - committed[i] for i in committed if i in seen]


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--online-seconds", type=float, default=30.0)
    parser.add_argument("--online-rate", type=float, default=5.0, help="orders per second while online")
    parser.add_argument("--cloud-cpus", default=None, help="CPUs for PostgreSQL (taskset list), e.g. 1")
    args = parser.parse_args()

    postgres = ThrowawayPostgres(cpus=args.cloud_cpus).start()
    gateway = None
    try:
        postgres.apply_migrations()
        admin = psycopg.connect(postgres.superuser_dsn, autocommit=True)
        cloud = Cloud(postgres, admin)
        gateway = Gateway(postgres.authenticator_dsn, jwt_secret=JWT_SECRET, anon_key=ANON_KEY).start()
        restaurant = cloud.restaurant("bench")
        box_id, token = cloud.box(restaurant)
        workdir = Path(tempfile.mkdtemp(prefix="edge-bench-sync-"))
        box = Box(workdir / "edge.sqlite", restaurant, box_id, token, gateway.url, ANON_KEY, timeout_s=30)

        box.worker.run_once()  # online at first: the menu pull and warm connections, as after boot
        queued_s = queue_offline(box, args.orders)
        events = box.last_seq()
        print(f"offline: {args.orders} orders, {events} events queued in {queued_s:.1f} s")
        pushed = drain(box, cloud)
        print(f"connectivity back: {pushed['stored']} events in the cloud after {pushed['wall_s']:.1f} s "
              f"({pushed['stored'] / pushed['wall_s']:.0f} events/s, {gateway.calls['sync_push']} sync_push calls); "
              f"CPU: box+gateway {pushed['box_cpu_s']:.1f} s, PostgreSQL {pushed['cloud_cpu_s']:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        assert pushed["stored"] == events, "the cloud is missing events"

        latencies = online_latency(box, cloud, args.online_seconds, args.online_rate)
        print(f"online: {len(latencies)} orders, order-to-cloud p50 {percentile(latencies, 50) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        box.close()
    finally:
        if gateway is not None:
            gateway.close()
        postgres.stop()


if __name__ == "__main__":
    main()
