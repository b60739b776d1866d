"""Connection flood: does the kitchen keep working while connections pile up? (issue 16 point 1)

    python -m bench.flood [--feeds 500] [--slow 300] [--idle 300] [--tablets 30] [--duration 30]

The real `edge serve --demo` pinned to CPU 0; this process on the other CPU. First the flood is
put in place and HELD for the whole run (a socket the box closes is opened again at once):
- ``--feeds`` live WebSocket feeds, spread over the stations and over login sessions;
- ``--slow`` sockets dripping one header line every 3 s (no login needed: anybody on the Wi-Fi);
- ``--idle`` sockets that connect and send nothing.
Then ``--tablets`` tablets' normal traffic for ``--duration`` s, each tablet about one request a
second (a kitchen's pace, as in bench/soak.py): KDS reads, new orders, bumps. Reported: the
tablets' latency (p50/p95/p99 by kind), errors, the feeds' deliveries, and whether EVERY feed
received the order posted at the end. Targets: p99 < 100 ms, 0 errors, every feed receiving.

The flood comes from many loopback addresses (127.0.1.x ...), a few dozen connections each: the
box caps connections per client address, and a real flood of this size comes from many devices.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bench.api import LINES, STATIONS, cpu_split, new_order, percentile
from tests.support.edge_process import EdgeServer

SERVER_CPU, CLIENT_CPU = 0, 1
PER_ADDRESS = 40  # connections per source address, under the box's default cap (64)
FEED_STATIONS = STATIONS + ["expo"]
REQUEST_TIMEOUT_S = 20


def addresses(block: int):
    """127.<block>.x.y, one after another: a fresh source address per PER_ADDRESS sockets."""
    n = 0
    while True:
        n += 1
        yield f"127.{block}.{n // 250}.{n % 250 + 1}"


class Results:
    def __init__(self):
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()
        self.recording = False
        self.reopened = collections.Counter()  # flood sockets the box closed, opened again


class Feed(asyncio.Protocol):
    """A tablet's feed, kept cheap for the load generator: frames are not decoded, only counted,
    searched for the order ids awaited, and pings answered (or the box would drop the feed)."""

    def __init__(self, handshake: bytes, recording: list[bool]):
        self.handshake = handshake
        self.recording = recording
        self.buffer = b""  # until the handshake's answer is complete
        self.upgraded = asyncio.Event()
        self.closed = asyncio.Event()
        self.live_frames = 0
        self.text = b""  # the tail of what was received, to find an order id in
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.handshake)

    def data_received(self, data: bytes) -> None:
        if self.upgraded.is_set():
            self.received(data)
            return
        self.buffer += data
        if not self.upgraded.is_set():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self.transport.close()
                return
            self.buffer = self.buffer[end + 4:]
            self.upgraded.set()
        self.received(self.buffer)
        self.buffer = b""

    def received(self, data: bytes) -> None:
        """Kept to C-speed calls: with hundreds of feeds this process shares a core with the
        tablets whose latency is measured. The box's pings are the only frames starting
        0x89 0x04 (a 4-byte ping; JSON text never holds a 0x04 byte)."""
        ping = data.find(b"\x89\x04")
        if ping >= 0 and len(data) >= ping + 6:  # answer with a masked pong
            self.transport.write(b"\x8a\x84\0\0\0\0" + data[ping + 2:ping + 6])
        self.text = (self.text[-4096:] + data)
        if self.recording[0]:
            self.live_frames += data.count(b'{"seq":')

    def connection_lost(self, exc) -> None:
        self.closed.set()


async def hold_feed(station: str, port: int, token: str, address: str, recording: list[bool], feeds: list) -> None:
    loop = asyncio.get_running_loop()
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (f"GET /api/v1/ws?token={token}&after=0&station={station} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n").encode()
    _, feed = await loop.create_connection(lambda: Feed(handshake, recording), "127.0.0.1", port,
                                           local_addr=(address, 0))
    feeds.append(feed)
    await asyncio.wait_for(feed.upgraded.wait(), timeout=60)


async def hold_raw(kind: str, host: str, port: int, address: str, stop: asyncio.Event, results: Results,
                   held: list[int]) -> None:
    """A slow (one header line every 3 s) or idle socket, reopened whenever the box closes it."""
    await asyncio.sleep(random.uniform(0, 3))  # not all at once: nor would their timeouts be
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(address, 0))
        except OSError:
            results.errors[(kind, "connect")] += 1
            await asyncio.sleep(1)
            continue
        held[0] += 1
        try:
            if kind == "slow":
                writer.write(b"GET /api/v1/health HTTP/1.1\r\n")
                while not stop.is_set() and not reader.at_eof():
                    try:
                        await asyncio.wait_for(reader.read(4096), timeout=3)
                    except asyncio.TimeoutError:
                        writer.write(f"X-Drip-{random.randrange(10**6)}: {'a' * 20}\r\n".encode())
            else:
                while not stop.is_set() and not reader.at_eof():
                    try:
                        await asyncio.wait_for(reader.read(4096), timeout=1)
                    except asyncio.TimeoutError:
                        pass
        except OSError:
            pass
        finally:
            held[0] -= 1
            writer.close()
        if not stop.is_set():
            results.reopened[kind] += 1


async def tablet(n: int, url: str, token: str, results: Results, open_tickets: dict, stop_at: float,
                 orders: list[str]) -> None:
    rng = random.Random(n)
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(local_addr=(f"127.3.0.{n + 1}", 0), limit=2)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await asyncio.sleep(rng.uniform(0, 1))
        next_at = time.perf_counter()
        while time.perf_counter() < stop_at:
            next_at += rng.uniform(0.5, 1.5)
            roll = rng.random()
            station = rng.choice(STATIONS)
            try:
                if roll < 0.2 and open_tickets[station]:
                    await timed(results, "bump", http.post(f"{url}/api/v1/tickets/{open_tickets[station].popleft()}/bump",
                                                           headers=headers))
                elif roll < 0.6:
                    status, order = await timed(results, "order", http.post(f"{url}/api/v1/orders", json=new_order(rng),
                                                                            headers=headers))
                    if status == 201:
                        orders.append(order["id"])
                        for ticket in order["tickets"]:
                            open_tickets[ticket["station"]].append(ticket["id"])
                else:
                    await timed(results, "kds", http.get(f"{url}/api/v1/kds/{station}", headers=headers))
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                results.errors[("tablet", type(error).__name__)] += 1
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def timed(results: Results, kind: str, request) -> tuple[int, dict | None]:
    started = time.perf_counter()
    async with request as response:
        body = await response.read()
    if results.recording:
        results.latency[kind].append((time.perf_counter() - started) * 1000)
    if response.status >= 400:
        results.errors[(kind, response.status)] += 1
    return response.status, (json.loads(body) if kind == "order" and response.status == 201 else None)


async def login_many(url: str, count: int) -> list[str]:
    async with aiohttp.ClientSession() as http:
        tokens = []
        for _ in range(count):
            async with http.post(f"{url}/api/v1/auth/login", json={"pin": "1111"}) as response:
                tokens.append((await response.json())["token"])
        return tokens


def flood_process(args, port: int, tokens: list[str], pipe) -> None:
    """The flood, in a process of its own: the tablets' latency is not its event loop's delay."""
    os.sched_setaffinity(0, {CLIENT_CPU})
    pipe.send(asyncio.run(flood(args, port, tokens, pipe)))


async def flood(args, port: int, tokens: list[str], pipe) -> dict:
    results, stop, recording, feeds = Results(), asyncio.Event(), [False], []
    feed_addresses, raw_addresses = addresses(1), addresses(2)
    started = time.perf_counter()
    opening = []
    for n in range(args.feeds):
        if n % PER_ADDRESS == 0:
            address = next(feed_addresses)
        opening.append(hold_feed(FEED_STATIONS[n % len(FEED_STATIONS)], port, tokens[n // args.feeds_per_session],
                                 address, recording, feeds))
    outcomes = await asyncio.gather(*opening, return_exceptions=True)
    failed = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    feeds_up = time.perf_counter() - started
    held, tasks = {"slow": [0], "idle": [0]}, []
    for kind, count in (("slow", args.slow), ("idle", args.idle)):
        for n in range(count):
            if n % PER_ADDRESS == 0:
                address = next(raw_addresses)
            tasks.append(asyncio.create_task(hold_raw(kind, "127.0.0.1", port, address, stop, results, held[kind])))
    await asyncio.sleep(4)  # the flood in place
    recording[0] = True
    pipe.send("ready")
    samples = []
    while not pipe.poll():
        await asyncio.sleep(1)
        samples.append((sum(f.upgraded.is_set() and not f.closed.is_set() for f in feeds),
                        held["slow"][0], held["idle"][0]))
    recording[0] = False
    last = pipe.recv().encode()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(last not in f.text for f in feeds):
        await asyncio.sleep(0.1)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"feeds_up": feeds_up, "failed": failed, "samples": samples, "reopened": dict(results.reopened),
            "errors": dict(results.errors), "live": sorted(f.live_frames for f in feeds),
            "missing": args.feeds - sum(last in f.text for f in feeds)}


async def kitchen(args, url: str, tokens: list[str]) -> tuple[Results, int]:
    results = Results()
    open_tickets = {s: collections.deque() for s in STATIONS}
    orders: list[str] = []
    stop_at = time.perf_counter() + args.duration
    results.recording = True
    await asyncio.gather(*(tablet(n, url, tokens[n], results, open_tickets, stop_at, orders)
                           for n in range(args.tablets)))
    results.recording = False
    return results, len(orders)


def run(args, server: EdgeServer, worker: int) -> dict:
    import multiprocessing

    sessions = asyncio.run(login_many(server.url, max(1, -(-args.feeds // args.feeds_per_session)) + args.tablets))
    feed_tokens, tablet_tokens = sessions[args.tablets:], sessions[:args.tablets]
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=flood_process, args=(args, server.port, feed_tokens, theirs))
    process.start()
    if not ours.poll(120):
        raise RuntimeError("the flood was not in place within 120 s")
    assert ours.recv() == "ready"
    user, system = cpu_split(worker)
    results, orders = asyncio.run(kitchen(args, server.url, tablet_tokens))
    cpu = sum(cpu_split(worker)) - user - system
    status = {line.split(":")[0]: line.split()[1] for line in open(f"/proc/{worker}/status") if len(line.split()) > 1}
    threads, rss_mib = int(status["Threads"]), int(status["VmRSS"]) / 1024
    ours.send(asyncio.run(final_order(server.url, tablet_tokens[0])))
    flooded = ours.recv() if ours.poll(60) else {}
    process.join(timeout=30)
    return {"results": results, "flood": flooded, "cpu": cpu, "threads": threads, "rss": rss_mib, "orders": orders}


async def final_order(url: str, token: str) -> str:
    """One order with an item for every station: every feed must receive it."""
    body = {"client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": "99",
            "items": [{"menu_item_id": item, "quantity": 1, "modifier_ids": mods}
                      for item, mods in LINES if item in ("cheeseburger", "fries", "coleslaw", "beer")]}
    async with aiohttp.ClientSession() as http:
        try:
            async with http.post(f"{url}/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"},
                                 timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as response:
                return (await response.json())["id"]
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            print(f"the final order failed: {error!r}")
            return "no final order"


def report(args, outcome: dict, log_text: str) -> bool:
    results, flood = outcome["results"], outcome["flood"]
    print(f"\n{'request':<10}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    everything = [v for values in results.latency.values() for v in values]
    for kind, values in sorted(results.latency.items()) + [("all", everything)]:
        print(f"{kind:<10}{len(values):>7}{percentile(values, .5):>9.1f}{percentile(values, .95):>9.1f}"
              f"{percentile(values, .99):>9.1f}{max(values, default=float('nan')):>9.1f}")
    samples = flood.get("samples") or [(0, 0, 0)]
    print(f"\nflood held during the run (min-max of each second's count): feeds open "
          f"{min(h[0] for h in samples)}-{max(h[0] for h in samples)}, slow {min(h[1] for h in samples)}-"
          f"{max(h[1] for h in samples)}, idle {min(h[2] for h in samples)}-{max(h[2] for h in samples)}; "
          f"{args.feeds} feed handshakes in {flood.get('feeds_up', float('nan')):.1f} s "
          f"({len(flood.get('failed', []))} failed); reopened after the box closed them: {flood.get('reopened') or 'none'}")
    live = flood.get("live") or [0]
    missing = flood.get("missing", args.feeds)
    print(f"feeds: live events received during the run per feed: min {live[0]}, median {live[len(live) // 2]}; "
          f"feeds that did NOT receive the final order: {missing} of {args.feeds}")
    errors = {**{str(k): v for k, v in results.errors.items()}, **{f"flood {k}": v for k, v in flood.get("errors", {}).items()}}
    print(f"tablets: {len(everything)} requests in {args.duration:.0f} s ({outcome['orders']} orders); "
          f"errors: {errors or 'none'}")
    print(f"server worker: {outcome['cpu']:.1f} s CPU in {args.duration:.0f} s "
          f"({outcome['cpu'] / args.duration:.0%} of a core); {outcome['threads']} threads, RSS {outcome['rss']:.0f} MiB "
          "at the end")
    bad_fd = log_text.count("Bad file descriptor")
    print(f"server log: {log_text.count('Traceback')} tracebacks, {bad_fd} 'Bad file descriptor'")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    verdicts = [("p99 < 100 ms", percentile(everything, .99) < 100), ("0 errors", not results.errors),
                ("every feed receiving", missing == 0 and live[0] > 0), ("no EBADF", bad_fd == 0)]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in verdicts))
    return all(ok for _, ok in verdicts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--slow", type=int, default=300)
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--feeds-per-session", type=int, default=5)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process holds every flood socket
    data_dir = Path(tempfile.mkdtemp(prefix="edge-flood-")) / "data"
    # Lift the per-client request limits: the load generator's logins and requests come from few
    # addresses. The connection caps (what this measures) stay at their defaults.
    server = EdgeServer(data_dir, cpu=SERVER_CPU, extra_env={
        "EDGE_SECURITY__API_RATE_LIMIT": "10000000 per minute",
        "EDGE_SECURITY__LOGIN_RATE_LIMIT": "100000 per minute"}).start()
    os.sched_setaffinity(0, {CLIENT_CPU})
    print(f"load average before: {os.getloadavg()[0]:.1f}; server pinned to CPU {SERVER_CPU}, clients on {CLIENT_CPU}")
    try:
        worker = int(Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()[0])
        outcome = run(args, server, worker)
        time.sleep(1)
        met = report(args, outcome, server.log())
        server.terminate(timeout=30)
    finally:
        server.kill()
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
