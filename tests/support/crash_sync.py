"""The crash rounds with the cloud sync running, shared by tests/sync/test_crash_sync.py and
bench/crash.py --sync: where the cuts land (any moment, just after a push reached the cloud,
while a push hangs in the network) and what the cloud must hold after each cut and at the end."""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from .boxserver import BoxServer
from .crash_load import (Load, check_database, check_paper, retry_in_flight, run_until_crash,
                         wait_for_printer_to_drain)
from .sync_box import assert_cloud_equals
from .sync_cloud import ANON_KEY
from .waiting import wait_until

WAIT_S = 30


def synced_env(restaurant_id: str, box_id: str, token: str, gateway_url: str) -> dict:
    """The box's identity and cloud credential; small, frequent batches so cuts land mid-push."""
    return {"EDGE_RESTAURANT_ID": restaurant_id, "EDGE_BOX_ID": box_id,
            "EDGE_SYNC__SUPABASE_URL": gateway_url, "EDGE_SYNC__ANON_KEY": ANON_KEY,
            "EDGE_SYNC__BOX_TOKEN": token, "EDGE_SYNC__INTERVAL_S": "0.1",
            "EDGE_SYNC__BATCH_MAX_EVENTS": "10", "EDGE_SYNC__TIMEOUT_S": "2"}


def just_after_a_push(gateway, rng: random.Random):
    """A cut 0-15 ms after the next push reached the cloud: the cloud commits it, the box never
    hears the answer and sends it again after the restart."""
    def moment() -> None:
        time.sleep(rng.uniform(0.3, 0.8))
        pushes = gateway.calls["sync_push"]
        wait_until(lambda: gateway.calls["sync_push"] > pushes, WAIT_S, "the sync worker to push")
        time.sleep(rng.uniform(0, 0.015))
    return moment


def while_a_push_is_held_up(gateway, rng: random.Random):
    """A cut while the next push hangs in the network (the router went down too): it never
    reaches the cloud, so the box must not have counted it as sent."""
    def moment() -> None:
        time.sleep(rng.uniform(0.3, 0.8))
        gateway.fail_next("stall", stall_s=1.0)
        wait_until(lambda: gateway.pending_faults() == 0, WAIT_S, "a push to stall")
        time.sleep(rng.uniform(0, 0.05))
    return moment


def cut_moment(round_number: int, gateway, rng: random.Random):
    """In turn: any moment of the load, just after a push, while a push is held up."""
    return [None, just_after_a_push(gateway, rng), while_a_push_is_held_up(gateway, rng)][round_number % 3]


def read_box(db: Path) -> tuple[list[tuple[int, str]], int]:
    """(the box's events as (seq, id), the seq the cloud acknowledged as far as the box knows)."""
    conn = sqlite3.connect(db)
    try:
        events = [tuple(row) for row in conn.execute("SELECT seq, id FROM events ORDER BY seq")]
        acked = conn.execute("SELECT acked_seq FROM sync_state WHERE id = 1").fetchone()[0]
    finally:
        conn.close()
    return events, acked


def all_acknowledged(events: list[tuple[int, str]], acked: int) -> bool:
    return acked == events[-1][0]


def check_cloud_prefix(cloud, db: Path, box_id: str, stats: Counter) -> None:
    """The cloud holds the box's first N events, each once, and nothing the box lost; counts
    cuts that left a backlog and cuts that came after the cloud committed but before the box
    saved its cursor (the push is then sent again: it must not double anything)."""
    box_events, acked = read_box(db)
    pushed = [tuple(row) for row in cloud.admin.execute(
        "select seq, id from sync_events where box_id = %s order by seq", (box_id,))]
    assert pushed == box_events[:len(pushed)], "the cloud's log is not a prefix of the box's"
    assert acked <= (pushed[-1][0] if pushed else 0), "the box's cursor is ahead of the cloud"
    stats["cut with a backlog"] += len(pushed) < len(box_events)
    stats["cut between the cloud's commit and the box's cursor"] += bool(pushed) and acked < pushed[-1][0]


def check_cloud_equals_box(cloud, db: Path, box_id: str, restaurant_id: str, load: Load) -> None:
    conn = sqlite3.connect(db)
    try:
        assert_cloud_equals(cloud, conn, box_id=box_id, restaurant_id=restaurant_id)
        assert conn.execute("SELECT COUNT(*) FROM sync_dead_letters").fetchone()[0] == 0
    finally:
        conn.close()
    in_cloud = dict(cloud.admin.execute("select client_order_id, id from orders where restaurant_id = %s",
                                        (restaurant_id,)).fetchall())
    missing = {key for key, order_id in load.acknowledged.items() if in_cloud.get(key) != order_id}
    assert not missing, f"{len(missing)} acknowledged orders missing from the cloud"
    rejected = cloud.scalar("select count(*) from sync_events where box_id = %s and rejected_reason is not null",
                            box_id)
    assert rejected == 0


def synced_crashes(server: BoxServer, cloud, gateway, *, rounds: int, rng: random.Random,
                      box_id: str, restaurant_id: str, printout: Path,
                      drain_s: float = WAIT_S) -> tuple[Load, Counter, list[float]]:
    """The rounds, the final sync and every check; returns the load, the cut statistics and the
    restart times. Shared by the test and bench/crash.py --sync."""
    db = server.data_dir / "edge.sqlite"
    load, stats, restarts = Load(server, server.login()), Counter(), []
    for round_number in range(rounds):
        load.stop.clear()
        run_until_crash(server, load, rng, cut_moment(round_number, gateway, rng))
        check_database(db, load)
        check_cloud_prefix(cloud, db, box_id, stats)
        began = time.monotonic()
        server.start()
        restarts.append(time.monotonic() - began)
        load.headers = server.login()
        retry_in_flight(server, load, load.headers)
    wait_for_printer_to_drain(db)
    wait_until(lambda: all_acknowledged(*read_box(db)), drain_s, "the last events to reach the cloud")
    server.stop()
    check_database(db, load)
    check_paper(db, printout)
    check_cloud_equals_box(cloud, db, box_id, restaurant_id, load)
    return load, stats, restarts
