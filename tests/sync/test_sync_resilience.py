"""The worker killed at random points, and a property test over random service and faults:
whatever happens, once connectivity returns the cloud equals the box, every event once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from edge.domain.actors import SYSTEM
from edge.store import commands
from sync import state
from tests.support.sync_box import assert_cloud_equals_box
from tests.support.sync_cloud import ANON_KEY
from tests.support.waiting import wait_until

EDGE = str(Path(sys.executable).with_name("edge"))


def sync_run_env(box, data_dir: Path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_")}
    env.update({
        "EDGE_DATA_DIR": str(data_dir), "EDGE_BOX_ID": box.box_id, "EDGE_RESTAURANT_ID": box.restaurant_id,
        "EDGE_SYNC__SUPABASE_URL": url, "EDGE_SYNC__ANON_KEY": ANON_KEY, "EDGE_SYNC__BOX_TOKEN": box.token,
        "EDGE_SYNC__INTERVAL_S": "0.1", "EDGE_SYNC__BATCH_MAX_EVENTS": "5", "EDGE_SYNC__TIMEOUT_S": "2",
    })
    return env


def test_worker_killed_at_random_points_the_cloud_ends_equal_to_the_box(make_box, cloud, gateway, tmp_path):
    data_dir = tmp_path / "data"
    box = make_box(path=data_dir / "edge.sqlite", seed=11)
    env = sync_run_env(box, data_dir, gateway.url)
    rng = random.Random(5)
    killed_mid_backlog = 0
    for _ in range(6):
        box.day(30)
        pushes_before = gateway.calls["sync_push"]
        worker = subprocess.Popen([EDGE, "sync", "run"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        # kill it a random number of batches into the backlog, at whatever it is doing then
        # (a request in flight, the cloud committing, the cursor being saved...)
        batches = rng.randint(1, 15)
        wait_until(lambda: gateway.calls["sync_push"] >= pushes_before + batches, 30, "the pushes")
        time.sleep(rng.uniform(0, 0.02))
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        acked = state.load(box.store).acked_seq
        killed_mid_backlog += 0 < acked < box.last_seq()
    print("kills in the middle of a backlog:", killed_mid_backlog)
    assert killed_mid_backlog >= 1  # at least one kill landed in the middle of pushing
    final = subprocess.run([EDGE, "sync", "once"], env=env, capture_output=True, text=True, timeout=60)
    assert final.returncode == 0, final.stderr
    assert_cloud_equals_box(cloud, box)


ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("order"), st.integers(1, 3)),
    st.tuples(st.just("bump"), st.integers(0, 10)),
    st.tuples(st.just("complete"), st.integers(0, 10)),
    st.tuples(st.just("void"), st.integers(0, 10)),
    st.tuples(st.just("fault"), st.sampled_from(["status", "lost_after_commit", "reset", "captive_portal", "stall"])),
    st.tuples(st.just("push"), st.just(0)),
), min_size=1, max_size=25)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_property_random_service_and_faults_converge(make_box, cloud, gateway, actions):
    box = make_box(timeout_s=0.3)
    orders = []
    try:
        for action, arg in actions:
            if action == "order":
                orders.append(box.order(arg))
            elif action == "fault":
                gateway.fail_next(arg, stall_s=2)
                box.worker.run_once()
            elif action == "push":
                box.worker.run_once()
            elif orders:
                _kitchen(box, orders, action, arg)
        gateway.clear_faults()
        assert box.worker.run_once() is None
        assert_cloud_equals_box(cloud, box)
    finally:
        box.close()


def _kitchen(box, orders, action, index):
    order = orders[index % len(orders)]
    current = box.store.read().execute("SELECT status FROM orders WHERE id = ?", (order.id,)).fetchone()[0]
    if current in ("completed", "voided"):
        return
    if action == "bump":
        ticket = next((t for t in _tickets(box, order.id) if t[1] in ("fired", "in_progress")), None)
        if ticket:
            commands.bump_ticket(box.store, ticket[0], SYSTEM)
    elif action == "complete" and current == "ready":
        commands.complete_order(box.store, order.id, SYSTEM)
    elif action == "void":
        commands.void_order(box.store, order.id, "changed mind", SYSTEM)


def _tickets(box, order_id):
    return [tuple(row) for row in box.store.read().execute(
        "SELECT id, status FROM tickets WHERE order_id = ?", (order_id,))]
