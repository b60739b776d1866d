"""Crashes with the cloud sync running: the real server (its sync worker inside, as on the
box) pushes to the real PostgreSQL through the gateway while orders flow, and is SIGKILLed at
random moments: any moment of the load, just after a push reached the cloud (being committed, or
its answer on the way back), or while a push hangs in the network and never arrives. After every
cut: tests/e2e/test_crash_under_load.py's checks, and the cloud holds exactly a prefix of the box's log.
After the last cut and a final sync: the cloud has every acknowledged order and every event
exactly once, equal to the box."""

from __future__ import annotations

import random

import pytest

from tests.support.boxserver import BoxServer
from tests.support.crash_load import kitchen_printer
from tests.support.crash_sync import synced_crashes, synced_env

pytestmark = pytest.mark.e2e
ROUNDS = 5


def test_crashes_while_syncing_lose_and_double_nothing_on_the_box_or_in_the_cloud(tmp_path, cloud, gateway):
    restaurant_id = cloud.restaurant()
    box_id, token = cloud.box(restaurant_id)
    printout = tmp_path / "kitchen-printer.bin"
    server = BoxServer(tmp_path / "data", env={**kitchen_printer(printout),
                                               **synced_env(restaurant_id, box_id, token, gateway.url)}).start()
    try:
        load, stats, _ = synced_crashes(server, cloud, gateway, rounds=ROUNDS, rng=random.Random(8),
                                           box_id=box_id, restaurant_id=restaurant_id, printout=printout)
    finally:
        server.kill()
    print("crashes while syncing:", dict(stats))
    assert len(load.acknowledged) > ROUNDS * 5, "the load never got going"
    assert stats["cut with a backlog"] >= 1, "no cut landed while the sync worker had work to do"
