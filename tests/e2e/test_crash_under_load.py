"""Crashes under load: SIGKILL the real server at random moments, many rounds; after each
restart every acknowledged order is there, the database is intact, no event that a tablet saw is
lost or changed, no order or event is duplicated by clients retrying, every ticket has exactly
one print job, and at the end every ticket reached the (file) printer, any extra copy marked
REPRINT.

A SIGKILL leaves the kernel's page cache behind, so this cannot tell `synchronous=FULL` from
OFF: tests/e2e/test_power_cut.py cuts the power for real (a disk that drops unsynced writes)."""

from __future__ import annotations

import random

import pytest

from tests.support.boxserver import BoxServer
from tests.support.crash_load import (Load, check_database, check_paper, kitchen_printer, retry_in_flight,
                                      run_until_crash, wait_for_printer_to_drain)

pytestmark = pytest.mark.e2e
ROUNDS = 5


def test_crashes_under_load_lose_and_double_nothing(tmp_path):
    rng = random.Random(7)
    printout = tmp_path / "kitchen-printer.bin"
    server = BoxServer(tmp_path / "data", env=kitchen_printer(printout)).start()
    load = Load(server, server.login())
    try:
        for round_number in range(ROUNDS):
            load.stop.clear()
            run_until_crash(server, load, rng)
            check_database(server.data_dir / "edge.sqlite", load)
            server.start()
            headers = server.login()
            load.headers = headers
            retry_in_flight(server, load, headers)
        wait_for_printer_to_drain(server.data_dir / "edge.sqlite")
        server.stop()
        check_database(server.data_dir / "edge.sqlite", load)
        check_paper(server.data_dir / "edge.sqlite", printout)
        assert len(load.acknowledged) > ROUNDS * 5, "the load never got going"
    finally:
        server.kill()
