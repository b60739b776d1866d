"""The long crash run: many rounds of SIGKILL under load, checked after every restart.

    .venv/bin/python -m bench.crash --rounds 50
    .venv/bin/python -m bench.crash --rounds 50 --sync   # with cloud sync to a real PostgreSQL

Same checks as tests/e2e/test_crash_under_load.py (acknowledged orders present, integrity ok, events a
tablet saw neither lost nor changed, nothing created twice, in-flight retries land exactly once,
one print job per ticket, and every ticket on paper with any extra copy marked REPRINT). With
``--sync``, as tests/sync/test_crash_sync.py: the server's sync worker pushes to a throwaway
PostgreSQL through the test gateway, and the cuts also land just after a push reached the cloud
or while a push hangs in the network; the cloud stays a prefix of the box's log after every cut
and equals the box (every event and order once) at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.boxserver import BoxServer
from tests.support.crash_load import (Load, check_database, check_paper, kitchen_printer, retry_in_flight,
                                      run_until_crash, wait_for_printer_to_drain)


def crashes(folder: Path, rounds: int, rng: random.Random) -> tuple[Load, dict, list[float]]:
    printout = folder / "kitchen-printer.bin"
    server = BoxServer(folder / "data", env=kitchen_printer(printout)).start()
    load, restarts = Load(server, server.login()), []
    try:
        for _ in range(rounds):
            load.stop.clear()
            run_until_crash(server, load, rng)
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
    return load, {}, restarts


def synced_crashes_with_a_cloud(folder: Path, rounds: int, rng: random.Random) -> tuple[Load, dict, list[float]]:
    from tests.support.crash_sync import synced_crashes, synced_env
    from tests.support.gateway import Gateway
    from tests.support.pg_server import ThrowawayPostgres
    from tests.support.sync_cloud import ANON_KEY, JWT_SECRET, Cloud

    postgres = ThrowawayPostgres().start()
    try:
        postgres.apply_migrations()
        with psycopg.connect(postgres.superuser_dsn, autocommit=True) as admin:
            cloud = Cloud(postgres, admin)
            gateway = Gateway(postgres.authenticator_dsn, jwt_secret=JWT_SECRET, anon_key=ANON_KEY).start()
            restaurant_id = cloud.restaurant()
            box_id, token = cloud.box(restaurant_id)
            printout = folder / "kitchen-printer.bin"
            server = BoxServer(folder / "data", env={**kitchen_printer(printout),
                                                     **synced_env(restaurant_id, box_id, token, gateway.url)})
            try:
                return synced_crashes(server.start(), cloud, gateway, rounds=rounds, rng=rng, box_id=box_id,
                                         restaurant_id=restaurant_id, printout=printout, drain_s=30 + 2 * rounds)
            finally:
                server.kill()
                gateway.close()
    finally:
        postgres.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--sync", action="store_true", help="with cloud sync to a throwaway PostgreSQL")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        run = synced_crashes_with_a_cloud if args.sync else crashes
        load, cuts, restarts = run(Path(folder), args.rounds, rng)
    restarts.sort()
    print(f"rounds {args.rounds}  sync {'on' if args.sync else 'off'}  acknowledged orders {len(load.acknowledged)}  "
          f"events seen {len(load.seen_events)}  lost 0  duplicated 0  seconds {time.monotonic() - started:.0f}")
    if args.sync:
        print(f"cuts: {dict(cuts)}  cloud equal to the box at the end (every event and order once)")
    print(f"restart to first /health answer: median {restarts[len(restarts) // 2]:.2f} s  "
          f"max {restarts[-1]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
