"""1,000 tickets across 3 loopback printers that fail at random: none lost, none printed twice
unless marked REPRINT, each printer's tickets in order."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from devices.printer import jobs
from tests.support.printing import network_printer, place_order

STATIONS = {"grill": "hamburger", "fry": "onion-rings", "bar": "coffee"}


def _chaos(printers, stop: threading.Event, rng: random.Random) -> None:
    while not stop.is_set():
        printer = rng.choice(printers)
        trouble = rng.random()
        if trouble < 0.5:
            printer.drop_after_bytes = rng.randint(20, 700)   # cut mid-ticket
        elif trouble < 0.8:
            printer.stop()                                    # switched off for a moment
            stop.wait(rng.uniform(0.05, 0.3))
            printer.start()
        else:
            printer.paper = "out"                             # roll runs out, then replaced
            stop.wait(rng.uniform(0.05, 0.3))
            printer.paper = "ok"
        stop.wait(rng.uniform(0.02, 0.15))


def test_a_thousand_tickets_with_random_failures(store, fakes, print_service):
    rng = random.Random(20261128)
    fake = {station: fakes() for station in STATIONS}
    print_service([network_printer(station, fake[station], [station], timeout_s=1.0)
                   for station in STATIONS], backoff_first_s=0.02, backoff_max_s=0.1)
    stop = threading.Event()
    chaos = threading.Thread(target=_chaos, args=(list(fake.values()), stop, rng), daemon=True)
    chaos.start()
    numbers = [place_order(store, *STATIONS.values()).number for _ in range(334)]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            pending = sum(jobs.pending_count(store.read(), s) for s in STATIONS)
            if pending == 0:
                break
            time.sleep(0.1)
        assert pending == 0, f"{pending} jobs still queued"
    finally:
        stop.set()
        chaos.join(5)

    all_jobs = jobs.list_jobs(store.read(), limit=10_000)
    assert len(all_jobs) == 3 * 334 and {j.status for j in all_jobs} == {"done"}
    retried = 0
    for station, printer in fake.items():
        printed = printer.printouts()
        sequence = [n for piece in printed for n in piece.numbers]
        assert set(sequence) == set(numbers), f"{station} lost tickets"
        assert sequence == sorted(sequence), f"{station} printed out of order"
        plain = Counter(n for piece in printed if not piece.reprint for n in piece.numbers)
        assert max(plain.values()) == 1, f"{station} printed a ticket twice without REPRINT"
        retried += sum(1 for piece in printed if piece.reprint)
    assert retried > 0  # the chaos really did break jobs mid-send
