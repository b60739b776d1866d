"""A bump button press -> ``ticket.bumped`` committed in the event log (target: well under 100 ms).

    taskset -c 0 .venv/bin/python -m bench.bump_press [--presses 200]

gpiozero's MockFactory plays the button; the press runs the real bump command on a real Store.
From the log, tablets get the event over the realtime hub; that last hop is the web feature's.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from devices.buttons import StationDevices
from edge.appliance.demo import seed_demo
from edge.settings import ButtonSettings
from edge.store import Store
from tests.support.printing import place_order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "edge.sqlite", box_id="bench", restaurant_id="bench").open()
        seed_demo(store, b"b" * 32)
        factory = MockFactory()
        devices = StationDevices(store, [ButtonSettings(pin=17, station="grill", bounce_time_s=0)], [],
                                 pin_factory=factory)
        latencies = []
        try:
            for _ in range(args.presses):
                place_order(store, "hamburger")
                seq = store.last_seq
                started = time.monotonic()
                factory.pin(17).drive_low()
                factory.pin(17).drive_high()
                while not any(e.type == "ticket.bumped" for e in store.events_after(seq)):
                    if time.monotonic() - started > 5:
                        raise TimeoutError("the press never reached the log")
                    time.sleep(0.0005)
                latencies.append((time.monotonic() - started) * 1000)
        finally:
            devices.close()
            store.close()
    latencies.sort()
    print(f"press -> ticket.bumped in the log ({len(latencies)} presses): "
          f"p50 {statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * len(latencies))]:.1f} ms, "
          f"p99 {latencies[int(0.99 * len(latencies))]:.1f} ms, max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    main()
