"""Print queue speed: fire -> last ticket's bytes at 3 loopback printers, and drain after an outage.

    taskset -c 0 .venv/bin/python -m bench.print_queue [--orders 300] [--outage-orders 400]

1. Latency: orders (a grill, a fry and a bar item each, so 3 tickets at 3 printers) are fired one
   at a time, 50 ms apart; for each, the time from calling the fire command to the moment the
   last of its three tickets has fully arrived at its printer (python-escpos Network backend,
   status query before and after, job marked done in SQLite). Target: p99 < 200 ms.
2. Drain: all three printers are off while a ten-minute rush is taken (``--outage-orders``
   orders), then switched on; the rate at which the backlog prints. Target: > 20 tickets/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from devices.printer import jobs
from devices.printer.service import PrintService
from edge.appliance.demo import seed_demo
from edge.store import Store
from tests.support.fake_printer import FakePrinter
from tests.support.printing import network_printer, place_order

STATIONS = {"grill": "hamburger", "fry": "onion-rings", "bar": "coffee"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def wait_until(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the printers did not finish in time")
        time.sleep(0.001)


def latency(store: Store, fakes: dict[str, FakePrinter], orders: int) -> tuple[list[float], list[float]]:
    """(fire -> last ticket printed, fire command alone: the durable commit) per order, in ms."""
    to_paper, to_commit = [], []
    for _ in range(orders):
        before = {s: len(f.printouts()) for s, f in fakes.items()}
        started = time.monotonic()
        place_order(store, *STATIONS.values())
        committed = time.monotonic()
        wait_until(lambda: all(len(f.printouts()) > before[s] for s, f in fakes.items()), 10)
        arrived = max(f.printouts()[-1].at for f in fakes.values())
        to_paper.append((arrived - started) * 1000)
        to_commit.append((committed - started) * 1000)
        time.sleep(0.05)
    return to_paper, to_commit


def summary(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
            f"p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms")


def drain(store: Store, fakes: dict[str, FakePrinter], orders: int) -> tuple[int, float, float]:
    for fake in fakes.values():
        fake.stop()
    for _ in range(orders):
        place_order(store, *STATIONS.values())
    backlog = sum(jobs.pending_count(store.read(), s) for s in STATIONS)
    switched_on = time.monotonic()
    for fake in fakes.values():
        fake.start()
    wait_until(lambda: sum(jobs.pending_count(store.read(), s) for s in STATIONS) == 0, 600)
    finished = time.monotonic()
    first = min(piece.at for f in fakes.values() for piece in f.printouts() if piece.at >= switched_on)
    return backlog, finished - switched_on, finished - first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--outage-orders", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "edge.sqlite", box_id="bench", restaurant_id="bench").open()
        seed_demo(store, b"b" * 32)
        fakes = {s: FakePrinter().start() for s in STATIONS}
        service = PrintService(store, [network_printer(s, f, [s]) for s, f in fakes.items()],
                               backoff_first_s=0.2, backoff_max_s=1.0).install().start()
        try:
            to_paper, to_commit = latency(store, fakes, args.orders)
            print(f"fire -> last of 3 tickets printed ({len(to_paper)} orders): {summary(to_paper)}")
            print(f"  of which the fire command itself (durable commit): {summary(to_commit)}")
            backlog, since_on, since_first = drain(store, fakes, args.outage_orders)
            print(f"drain after outage: {backlog} tickets in {since_on:.2f} s from power-on "
                  f"({backlog / since_on:.0f} tickets/s overall, 3 printers; "
                  f"{backlog / since_first:.0f} tickets/s from the first ticket out, "
                  f"{backlog / 3 / since_first:.0f} per printer)")
        finally:
            service.stop()
            for fake in fakes.values():
                fake.stop()
            store.close()


if __name__ == "__main__":
    main()
