"""The single writer: group commit, per-job rollback, hooks inside the transaction, listeners."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from edge.appliance.demo import seed_demo
from edge.domain.actors import SYSTEM
from edge.domain.orders import OrderRequest
from edge.store import Store, commands
from tests.support.client import order_body
from tests.support.waiting import wait_for


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "edge.sqlite", box_id="box-1", restaurant_id="r1").open()
    yield opened
    opened.close()


def committed_count(path, sql: str) -> int:
    """Counted through a connection of its own: sees what the writer committed, not what is still
    in its transaction. (Whether a commit would survive a power cut is not visible from here:
    tests/e2e/test_power_cut.py asks that.)"""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


class HeldJob:
    """A write job that keeps the writer busy until ``release`` is set (``started``: it runs)."""

    def __init__(self):
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self, tx):
        self.started.set()
        self.release.wait(10)
        tx.append_event("test.slow", {})


def hold_the_writer(pool, store: Store) -> tuple[HeldJob, object]:
    """A HeldJob submitted and running: jobs written after this queue up behind it, in order."""
    held = HeldJob()
    future = pool.submit(store.write, held)
    assert held.started.wait(10)
    return held, future


def queue_behind(pool, store: Store, job):
    """Submit ``job`` and wait until it is queued, so the next one queues after it."""
    queued = store._writer.queued
    future = pool.submit(store.write, job)
    assert wait_for(lambda: store._writer.queued == queued + 1)
    return future


def test_concurrent_writes_are_grouped_and_all_committed(store):
    jobs_before = store.writer_stats["jobs"]
    groups_before = store.writer_stats["groups"]
    threads, per_thread = 16, 25

    def writer(n):
        return [store.write(lambda tx: tx.append_event("test.write", {"n": n, "i": i}).seq)
                for i in range(per_thread)]

    with ThreadPoolExecutor(threads) as pool:
        seqs = [seq for result in pool.map(writer, range(threads)) for seq in result]
    jobs = store.writer_stats["jobs"] - jobs_before
    groups = store.writer_stats["groups"] - groups_before
    assert jobs == threads * per_thread
    assert groups < jobs, "concurrent writes were not grouped into shared transactions"
    assert len(set(seqs)) == len(seqs)
    path = store.path
    store.close()
    assert committed_count(path, "SELECT COUNT(*) FROM events WHERE type = 'test.write'") == threads * per_thread


def test_queued_jobs_share_one_commit(store):
    groups_before = store.writer_stats["groups"]
    with ThreadPoolExecutor(11) as pool:
        held, holder = hold_the_writer(pool, store)
        rest = [queue_behind(pool, store, lambda tx: tx.append_event("test.grouped", {})) for _ in range(10)]
        held.release.set()
        holder.result(timeout=15)
        [f.result(timeout=15) for f in rest]
    # the holder alone, then the ten queued jobs together (at most a couple of groups)
    assert store.writer_stats["groups"] - groups_before <= 3


def test_a_failing_job_rolls_back_only_itself(store):
    def failing(tx):
        tx.append_event("test.failing", {})
        tx.conn.execute("INSERT INTO box_state (key, value) VALUES ('bad', 'x')")
        raise ValueError("this job breaks")

    with ThreadPoolExecutor(4) as pool:
        held, holder = hold_the_writer(pool, store)
        before = queue_behind(pool, store, lambda tx: tx.append_event("test.before", {}))
        bad = queue_behind(pool, store, failing)
        after = queue_behind(pool, store, lambda tx: tx.append_event("test.after", {}))
        held.release.set()
        holder.result(timeout=15)
        with pytest.raises(ValueError, match="this job breaks"):
            bad.result(timeout=15)
        good = [before.result(timeout=15), after.result(timeout=15)]
    path = store.path
    store.close()
    assert committed_count(path, "SELECT COUNT(*) FROM events WHERE type IN ('test.before', 'test.after')") == 2
    assert committed_count(path, "SELECT COUNT(*) FROM events WHERE type = 'test.failing'") == 0
    assert committed_count(path, "SELECT COUNT(*) FROM box_state WHERE key = 'bad'") == 0
    assert good[1].seq > good[0].seq


def test_a_tx_hook_runs_inside_the_transaction(store, tmp_path):
    seed_demo(store, b"s" * 64)

    def hook(tx, event):
        if event.type == "order.fired":
            tx.conn.execute("INSERT INTO box_state (key, value) VALUES (?, ?)",
                            (f"printed:{event.order_id}", str(event.seq)))

    store.add_tx_hook(hook)
    order, _ = commands.create_order(store, OrderRequest.model_validate(order_body()), SYSTEM)
    row = store.read().execute("SELECT value FROM box_state WHERE key = ?", (f"printed:{order.id}",)).fetchone()
    fired_seq = store.read().execute("SELECT seq FROM events WHERE order_id = ? AND type = 'order.fired'",
                                     (order.id,)).fetchone()[0]
    assert row is not None and int(row[0]) == fired_seq


def test_a_raising_tx_hook_rolls_the_whole_command_back(store):
    seed_demo(store, b"s" * 64)
    events_before = store.read().execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def broken_printer_queue(tx, event):
        if event.type == "order.fired":
            raise RuntimeError("print queue is broken")

    store.add_tx_hook(broken_printer_queue)
    with pytest.raises(RuntimeError, match="print queue"):
        commands.create_order(store, OrderRequest.model_validate(order_body()), SYSTEM)
    conn = store.read()
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events_before
    # and the store keeps working for everything else
    store.tx_hooks.clear()
    order, created = commands.create_order(store, OrderRequest.model_validate(order_body()), SYSTEM)
    assert created and order.number == 1


def test_commit_listeners_see_every_event_once_in_seq_order(store):
    seen: list[int] = []
    lock = threading.Lock()

    def listener(events):
        with lock:
            seen.extend(e.seq for e in events)

    store.add_commit_listener(listener)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: [store.write(lambda tx: (tx.append_event("a", {}), tx.append_event("b", {})))
                                 for _ in range(20)], range(8)))
    assert seen == sorted(seen)
    assert len(seen) == 8 * 20 * 2
    assert seen == list(range(seen[0], seen[0] + len(seen)))
    assert store.last_seq == seen[-1]


def test_a_failing_commit_listener_does_not_break_writes(store):
    store.add_commit_listener(lambda events: 1 / 0)
    event = store.write(lambda tx: tx.append_event("test.x", {}))
    assert store.events_after(event.seq - 1)[0].id == event.id


def test_listeners_do_not_see_events_of_failed_jobs(store):
    seen = []
    store.add_commit_listener(lambda events: seen.extend(e.type for e in events))

    def failing(tx):
        tx.append_event("test.lost", {})
        raise KeyError("x")

    with pytest.raises(KeyError):
        store.write(failing)
    store.write(lambda tx: tx.append_event("test.kept", {}))
    assert seen == ["test.kept"]


def test_events_after_filters_by_station_and_limit(store):
    store.write(lambda tx: tx.append_event("a", {}, stations=["grill"]))
    store.write(lambda tx: tx.append_event("b", {}, stations=["fry", "grill-2"]))
    store.write(lambda tx: tx.append_event("c", {}))  # for everyone
    assert [e.type for e in store.events_after(0, station="grill")] == ["a", "c"]
    assert [e.type for e in store.events_after(0, station="fry")] == ["b", "c"]
    assert [e.type for e in store.events_after(0, limit=2)] == ["a", "b"]
    # station ids may hold '_' (and the query any text): no LIKE wildcards
    assert [e.type for e in store.events_after(0, station="gr_ll")] == ["c"]
    assert [e.type for e in store.events_after(0, station="%")] == ["c"]


def test_writes_after_close_are_refused(store):
    store.close()
    with pytest.raises(RuntimeError):
        store.write(lambda tx: None)


def test_close_finishes_jobs_already_queued(store):
    results = []
    with ThreadPoolExecutor(6) as pool:
        held, holder = hold_the_writer(pool, store)
        queued = [queue_behind(pool, store, lambda tx: tx.append_event("test.queued", {}).seq) for _ in range(5)]
        held.release.set()
        holder.result(timeout=15)
        results = [f.result(timeout=15) for f in queued]
    path = store.path
    store.close()
    assert len(results) == 5
    assert committed_count(path, "SELECT COUNT(*) FROM events WHERE type = 'test.queued'") == 5


def test_reader_connections_keep_a_small_page_cache(tmp_path):
    """Every request thread and WebSocket has its own reader: SQLite's 2 MiB default each grew the
    server with the threads it had ever used."""
    from edge.store.store import READER_CACHE_KIB

    store = Store(tmp_path / "edge.sqlite", box_id="box-1", restaurant_id="r1").open()
    try:
        assert store.read().execute("PRAGMA cache_size").fetchone()[0] == -READER_CACHE_KIB
        assert READER_CACHE_KIB <= 1024
    finally:
        store.close()


def test_a_lone_write_runs_in_the_callers_thread(store):
    """No writer thread: a write with nobody ahead of it costs no hand-off between threads."""
    ran_in = store.write(lambda tx: threading.current_thread())
    assert ran_in is threading.current_thread()
    with ThreadPoolExecutor(2) as pool:
        ran_in, asked_from = pool.submit(lambda: (store.write(lambda tx: threading.current_thread()),
                                                  threading.current_thread())).result(10)
        assert ran_in is asked_from


def test_a_write_that_times_out_still_commits_once_the_writer_is_free(store):
    slow = HeldJob()

    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(store.write, slow)
        assert slow.started.wait(10)
        with pytest.raises(TimeoutError):
            store.write(lambda tx: tx.append_event("test.late", {}), timeout=0.2)
        assert store._writer.queued == 1
        slow.release.set()
        held.result(timeout=10)
    # the caller gave up, so the thread that was committing took the job over on its way out
    assert store._writer.queued == 0
    assert committed_count(store.path, "SELECT COUNT(*) FROM events WHERE type = 'test.late'") == 1


def test_close_commits_what_is_queued_behind_a_running_group(store):
    slow = HeldJob()

    with ThreadPoolExecutor(5) as pool:
        held = pool.submit(store.write, slow)
        assert slow.started.wait(10)
        queued = [pool.submit(store.write, lambda tx: tx.append_event("test.queued", {})) for _ in range(3)]
        assert wait_for(lambda: store._writer.queued == 3)
        closing = pool.submit(store.close)
        assert wait_for(lambda: not store.writer_alive)
        with pytest.raises(RuntimeError):  # closing: no new work
            store.write(lambda tx: None)
        slow.release.set()
        closing.result(timeout=10)
        held.result(timeout=10)
        assert all(f.result(timeout=10) for f in queued)
    assert committed_count(store.path, "SELECT COUNT(*) FROM events WHERE type = 'test.queued'") == 3


def test_a_write_from_inside_a_write_is_refused_at_once(store):
    """It would wait for itself: every write of the box would stall until it timed out."""
    nested = []

    def listener(events):
        try:
            store.write(lambda tx: tx.append_event("test.nested", {}), timeout=5)
        except RuntimeError as error:
            nested.append(str(error))

    store.add_commit_listener(listener)
    started = time.monotonic()
    store.write(lambda tx: tx.append_event("test.outer", {}))
    assert time.monotonic() - started < 2 and nested and "inside a write" in nested[0]
    with pytest.raises(RuntimeError, match="inside a write"):
        store.write(lambda tx: store.write(lambda inner: None))
    assert store.write(lambda tx: "still writing") == "still writing"


def test_a_job_runs_with_the_request_id_of_its_submitter_whoever_commits_it(store):
    """Log lines from a job name the request that asked for it, not the one whose thread leads."""
    from edge.observability.logs import request_id_var
    from edge.observability.logs import set_request_id

    slow, seen = HeldJob(), {}

    def submit(request_id):
        set_request_id(request_id)
        store.write(lambda tx: seen.setdefault(request_id, (request_id_var.get(), threading.current_thread().name)))

    with ThreadPoolExecutor(3) as pool:
        held = pool.submit(store.write, slow)
        assert slow.started.wait(10)
        asked = [pool.submit(submit, request_id) for request_id in ("req-b", "req-c")]
        assert wait_for(lambda: store._writer.queued == 2)
        slow.release.set()
        held.result(timeout=10)
        [f.result(timeout=10) for f in asked]
    assert seen["req-b"][1] == seen["req-c"][1]  # one thread committed both, as one group
    assert seen["req-b"][0] == "req-b" and seen["req-c"][0] == "req-c"
