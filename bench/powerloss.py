"""The long power-loss run: many rounds of SIGKILL under load, checked after every restart.

    .venv/bin/python bench/powerloss.py --rounds 50

Same checks as tests/e2e/test_powerloss.py (acknowledged orders present, integrity ok, events a
tablet saw neither lost nor changed, nothing created twice, in-flight retries land exactly once,
one print job per ticket, and every ticket on paper with any extra copy marked REPRINT).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # not bench/: its voice.py would hide the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from boxserver import BoxServer  # noqa: E402
from test_powerloss import (Load, check_database, check_paper, kitchen_printer, retry_in_flight,  # noqa: E402
                            run_until_power_cut, wait_for_printer_to_drain)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        printout = Path(folder) / "kitchen-printer.bin"
        server = BoxServer(Path(folder) / "data", env=kitchen_printer(printout)).start()
        load = Load(server, server.login())
        restarts = []
        try:
            for round_number in range(args.rounds):
                load.stop.clear()
                run_until_power_cut(server, load, rng)
                check_database(server.data_dir / "edge.sqlite", load)
                began = time.monotonic()
                server.start()
                restarts.append(time.monotonic() - began)
                load.headers = server.login()
                retry_in_flight(server, load, load.headers)
            wait_for_printer_to_drain(server.data_dir / "edge.sqlite")
            server.stop()
            check_database(server.data_dir / "edge.sqlite", load)
            check_paper(server.data_dir / "edge.sqlite", printout)
        finally:
            server.kill()
    restarts.sort()
    print(f"rounds {args.rounds}  acknowledged orders {len(load.acknowledged)}  events seen "
          f"{len(load.seen_events)}  lost 0  duplicated 0  seconds {time.monotonic() - started:.0f}")
    print(f"restart to first /health answer: median {restarts[len(restarts) // 2]:.2f} s  "
          f"max {restarts[-1]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
