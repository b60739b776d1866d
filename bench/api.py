"""API benchmark: the real `edge serve` pinned to core 0, 50 concurrent clients pinned to core 1.

    python -m bench.api [--duration 20] [--clients 50] [--rate 150 | --rates 50,100,150,200] [--only-create]

Closed loop (the default) finds the ceiling; with 50 clients and no think time, Little's law makes
the latency about 50 / throughput, so latency targets are judged with --rate (open loop).

A mix of order creation (writes), KDS and order reads, and bumps (writes) on keep-alive
connections. The kitchen is kept at a realistic size: when a station's backlog passes
--backlog tickets, clients bump instead of ordering. Prints throughput and p50/p95/p99 latency
for reads and writes separately, and durable order creations per second (orders counted in the
SQLite file after a clean shutdown). Targets: p95 < 10 ms reads, < 25 ms writes, >= 300 orders/s.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import sqlite3
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from tests.support.edge_process import EdgeServer

SERVER_CPU, CLIENT_CPU = 0, 1
STATIONS = ["grill", "fry", "cold", "bar"]
LINES = [("cheeseburger", ["medium"]), ("hamburger", ["rare", "no-onions"]), ("fries", ["small"]),
         ("wings", ["hot"]), ("caesar-salad", ["ranch"]), ("coleslaw", []), ("cola", ["no-ice"]),
         ("beer", []), ("steak", ["medium-rare"]), ("onion-rings", [])]
STATION_OF = {"cheeseburger": "grill", "hamburger": "grill", "steak": "grill", "fries": "fry",
              "wings": "fry", "onion-rings": "fry", "caesar-salad": "cold", "coleslaw": "cold",
              "cola": "bar", "beer": "bar"}


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()
        self.created = 0
        self.recording = False
        self.server_cpu = 0.0
        self.server_system_cpu = 0.0

    def record(self, kind: str, ms: float) -> None:
        if self.recording:
            self.latency[kind].append(ms)


class Kitchen:
    """Tickets the clients know to be open, per station, oldest first."""

    def __init__(self):
        self.open: dict[str, collections.deque] = {s: collections.deque() for s in STATIONS}

    def backlog(self) -> int:
        return max(len(q) for q in self.open.values())

    def oldest(self) -> tuple[str, str] | None:
        station = max(self.open, key=lambda s: len(self.open[s]))
        return (station, self.open[station].popleft()) if self.open[station] else None


def new_order(rng: random.Random) -> dict:
    lines = rng.sample(LINES, k=rng.randint(1, 3))
    return {"client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": str(rng.randint(1, 40)),
            "items": [{"menu_item_id": i, "quantity": rng.randint(1, 2), "modifier_ids": m} for i, m in lines]}


async def timed(stats: Stats, kind: str, request) -> tuple[int, dict | None]:
    """Latency until the last byte of the answer. Only an order's answer is decoded (the client
    needs its tickets), and after the clock stops: a tablet's JSON parsing is not the box's time."""
    started = time.perf_counter()
    async with request as response:
        body = await response.read()
        status = response.status
    stats.record(kind, (time.perf_counter() - started) * 1000)
    payload = json.loads(body) if kind == "write:create" and status < 500 else None
    if status >= 400:
        stats.errors[(kind, status)] += 1
    return status, payload


async def client(http: aiohttp.ClientSession, api: str, headers: dict, stats: Stats, kitchen: Kitchen,
                 stop: float, backlog_cap: int, seed: int, only_create: bool, interval: float) -> None:
    rng = random.Random(seed)
    order_ids: list[str] = []
    next_at = time.perf_counter() + rng.uniform(0, interval)
    while time.perf_counter() < stop:
        if interval:  # open loop: a tablet sends at its own pace, not as fast as the box answers
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += interval
        roll = 0.5 if only_create else rng.random()
        if not only_create and kitchen.backlog() > backlog_cap or (roll < 0.20 and kitchen.backlog() > 0):
            found = kitchen.oldest()
            if found:
                await timed(stats, "write:bump", http.post(f"{api}/tickets/{found[1]}/bump", headers=headers))
                continue
        if roll < 0.55:
            status, order = await timed(stats, "write:create", http.post(f"{api}/orders", json=new_order(rng),
                                                                         headers=headers))
            if status == 201:
                if stats.recording:
                    stats.created += 1
                order_ids.append(order["id"])
                for ticket in order["tickets"]:
                    kitchen.open[ticket["station"]].append(ticket["id"])
        elif roll < 0.85 or not order_ids:
            await timed(stats, "read:kds", http.get(f"{api}/kds/{rng.choice(STATIONS)}", headers=headers))
        else:
            await timed(stats, "read:order", http.get(f"{api}/orders/{rng.choice(order_ids[-50:])}", headers=headers))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def cpu_pressure() -> str:
    """Linux PSI: the share of time runnable tasks waited for a CPU (0 % on an idle machine)."""
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n")[0]
        return f"CPU pressure {some.split()[1].split('=')[1]} % (avg10)"
    except (OSError, IndexError):
        return "CPU pressure unknown"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc), to cost requests on a shared machine."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds: system time is the kernel's (fsync, sockets, thread wake-ups)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / os.sysconf("SC_CLK_TCK"), int(fields[12]) / os.sysconf("SC_CLK_TCK")


async def run_load(url: str, clients: int, duration: float, warmup: float, backlog_cap: int,
                   worker_pid: int, only_create: bool, rate: float) -> Stats:
    stats, kitchen = Stats(), Kitchen()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.post(f"{url}/api/v1/auth/login", json={"pin": "1111"}) as response:
            headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
        start = time.perf_counter()
        stop = start + warmup + duration
        tasks = [asyncio.create_task(client(http, f"{url}/api/v1", headers, stats, kitchen, stop, backlog_cap, n,
                                             only_create, clients / rate if rate else 0.0))
                 for n in range(clients)]
        await asyncio.sleep(warmup)
        stats.recording = True
        user_before, system_before = cpu_split(worker_pid)
        await asyncio.gather(*tasks)
        user_after, system_after = cpu_split(worker_pid)
        stats.server_cpu = user_after - user_before + system_after - system_before
        stats.server_system_cpu = system_after - system_before
    return stats


def report(stats: Stats, duration: float, durable_orders: int, groups: tuple[float, float]) -> None:
    print(f"\n{'operation':<14}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in sorted(stats.latency) + ["read", "write"]:
        values = stats.latency.get(kind) or [v for k, vs in stats.latency.items() if k.startswith(kind + ":") for v in vs]
        print(f"{kind:<14}{len(values):>8}{len(values) / duration:>9.0f}{percentile(values, .5):>9.1f}"
              f"{percentile(values, .95):>9.1f}{percentile(values, .99):>9.1f}")
    total = sum(len(v) for v in stats.latency.values())
    print(f"\nthroughput: {total / duration:.0f} requests/s over {duration:.0f} s")
    print(f"orders answered 201: {stats.created} ({stats.created / duration:.0f}/s); durable orders in "
          f"SQLite after shutdown: {durable_orders}")
    if groups[0]:
        print(f"group commit: {groups[1]:.0f} write jobs in {groups[0]:.0f} transactions "
              f"({groups[1] / groups[0]:.1f} jobs per fsync)")
    print(f"errors: {dict(stats.errors) or 'none'}")
    cpu_ms = stats.server_cpu * 1000 / max(total, 1)
    print(f"server CPU: {stats.server_cpu:.1f} s in {duration:.0f} s ({stats.server_cpu / duration:.0%} of a core), "
          f"{cpu_ms:.2f} ms per request ({stats.server_system_cpu / max(stats.server_cpu, 1e-9):.0%} of it in "
          f"the kernel) -> about {1000 / cpu_ms:.0f} requests/s if it had the core to itself")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}; {cpu_pressure()} "
          "(other work on the machine skews latency: compare CPU per request)")
    reads = [v for k, vs in stats.latency.items() if k.startswith("read") for v in vs]
    writes = [v for k, vs in stats.latency.items() if k.startswith("write") for v in vs]
    verdicts = [("p95 reads < 10 ms", percentile(reads, .95) < 10), ("p95 writes < 25 ms", percentile(writes, .95) < 25),
                (">= 300 durable orders/s", stats.created / duration >= 300)]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in verdicts))


def writer_stats(metrics: str) -> tuple[float, float]:
    values = {line.split()[0]: float(line.split()[1]) for line in metrics.splitlines()
              if line.startswith(("db_write_groups_total", "db_write_jobs_total"))}
    return values.get("db_write_groups_total", 0), values.get("db_write_jobs_total", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--backlog", type=int, default=25, help="open tickets per station before clients bump")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rate", type=float, default=0,
                        help="total requests/s the clients aim at (open loop); 0 = as fast as answered")
    parser.add_argument("--rates", type=lambda text: [float(r) for r in text.split(",")], default=None,
                        help="a sweep, e.g. 50,100,150,200: one fresh server per rate, then a summary table")
    parser.add_argument("--only-create", action="store_true", help="POST orders only: the creation ceiling")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn threads (default: the setting's)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="sample the server with py-spy (pip install py-spy) into this raw flamegraph file")
    args = parser.parse_args()
    rows = [run_once(args, rate) for rate in (args.rates or [args.rate])]
    if len(rows) > 1:
        print(f"\n{'rate':>6}{'req/s':>7}{'CPU ms':>8}{'read p50':>10}{'p95':>7}{'p99':>7}"
              f"{'write p50':>11}{'p95':>7}{'p99':>7}")
        for row in rows:
            print(f"{row['rate']:>6.0f}{row['throughput']:>7.0f}{row['cpu_ms']:>8.2f}"
                  f"{row['read'][0]:>10.1f}{row['read'][1]:>7.1f}{row['read'][2]:>7.1f}"
                  f"{row['write'][0]:>11.1f}{row['write'][1]:>7.1f}{row['write'][2]:>7.1f}")


def run_once(args, rate: float) -> dict:
    data_dir = (args.data_dir if args.data_dir and not args.rates
                else Path(tempfile.mkdtemp(prefix="edge-bench-")) / "data")
    # The 50 clients share one address and one token, so to the box they are ONE client, whose
    # per-client rate limit (100 req/s sustained) would cap the run. In a kitchen each tablet has
    # its own address and token; lift the limit so this measures the server, not the limiter.
    extra_env = {"EDGE_SECURITY__API_RATE_LIMIT": "10000000 per minute"}
    if args.threads:
        extra_env["EDGE_SERVER__THREADS"] = str(args.threads)
    server = EdgeServer(data_dir, cpu=SERVER_CPU, extra_env=extra_env).start()
    os.sched_setaffinity(0, {CLIENT_CPU})  # the load generator must not steal the server's core
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    try:
        worker = int(Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()[0])
        if args.profile:
            subprocess.Popen(["py-spy", "record", "-p", str(worker), "-d", str(int(args.warmup + args.duration)),
                              "-r", "250", "--gil", "-f", "raw", "-o", str(args.profile), "--nonblocking"])
        stats = asyncio.run(run_load(server.url, args.clients, args.duration, args.warmup, args.backlog, worker,
                                     args.only_create, rate))
        import requests

        metrics = requests.get(f"{server.url}/api/v1/metrics", headers=server.login("1111"), timeout=10).text
        assert server.terminate(timeout=30) == 0, server.log()
    finally:
        server.kill()
    conn = sqlite3.connect(data_dir / "edge.sqlite")
    durable = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    conn.close()
    pace = f"open loop at {rate:.0f} requests/s" if rate else "closed loop (each client sends as soon as answered)"
    print(f"load: {pace}{', orders only' if args.only_create else ''}")
    print(f"server: edge serve pinned to CPU {SERVER_CPU}; {args.clients} clients (asyncio + aiohttp) pinned to "
          f"CPU {CLIENT_CPU}; data in {data_dir}")
    report(stats, args.duration, durable, writer_stats(metrics))
    return summary(stats, args.duration, rate)


def summary(stats: Stats, duration: float, rate: float) -> dict:
    def spread(prefix: str) -> tuple[float, float, float]:
        values = [v for k, vs in stats.latency.items() if k.startswith(prefix) for v in vs]
        return tuple(percentile(values, q) for q in (.5, .95, .99))
    total = sum(len(v) for v in stats.latency.values())
    return {"rate": rate, "throughput": total / duration, "cpu_ms": stats.server_cpu * 1000 / max(total, 1),
            "read": spread("read"), "write": spread("write")}


if __name__ == "__main__":
    main()
