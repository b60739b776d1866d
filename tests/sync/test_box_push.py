"""The box's worker against the real gateway and Postgres: exactly once through every fault."""

from __future__ import annotations

import random
import time

import pytest

from edge.domain.backoff import Backoff
from sync import state
from sync.status import health, sync_status
from tests.support.sync_box import assert_cloud_equals_box


def test_pushes_the_whole_log_and_reports_status(box, cloud):
    box.day(12)
    assert box.worker.run_once() is None
    assert_cloud_equals_box(cloud, box)
    status = sync_status(box.store, box.worker)
    assert status["backlog_events"] == 0 and status["acked_seq"] == box.last_seq()
    assert status["last_push_at"] is not None and status["clock_problem"] is None
    assert health(status)[0] == "ok"


def test_a_response_lost_after_the_commit_makes_no_duplicate(box, cloud, gateway):
    box.day(5)
    gateway.fail_next("lost_after_commit")
    error = box.worker.run_once()
    assert error is not None and error.kind == "offline"
    assert state.load(box.store).acked_seq == 0  # the box never heard the answer...
    assert cloud.scalar("select count(*) from sync_events where box_id = %s", box.box_id) == box.last_seq()
    assert box.worker.run_once() is None  # ...so it sends the batch again
    assert_cloud_equals_box(cloud, box)
    assert state.load(box.store).acked_seq == box.last_seq()


FAULTS = {
    "http_500": (dict(kind="status", status=500), "server"),
    "http_502": (dict(kind="status", status=502, body={"message": "Bad Gateway"}), "server"),
    "pgrst001": (dict(kind="status", status=503, body={"code": "PGRST001", "message": "Database client error"}),
                 "server"),
    "pgrst003": (dict(kind="status", status=504, body={"code": "PGRST003", "message": "Timed out acquiring"}),
                 "server"),
    "serialization": (dict(kind="status", status=500, body={"code": "40001", "message": "could not serialize"}),
                      "server"),
    "http_429": (dict(kind="status", status=429, headers={"Retry-After": "7"}), "rate_limited"),
    "stall": (dict(kind="stall", stall_s=30), "timeout"),
    "captive_portal": (dict(kind="captive_portal"), "captive_portal"),
    "captive_redirect": (dict(kind="status", status=302, headers={"Location": "http://192.0.2.1/login"}),
                         "captive_portal"),
    "reset": (dict(kind="reset"), "offline"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_transient_faults_back_off_and_then_everything_arrives_once(fault, box, cloud, gateway):
    options, kind = FAULTS[fault]
    box.worker.backoff = Backoff(base_s=20, rng=random.Random(3))  # long enough to watch it wait
    box.day(4)
    gateway.fail_next(times=2, **options)
    started = time.monotonic()
    error = box.worker.run_once()
    assert error is not None and error.kind == kind
    assert time.monotonic() - started < 10  # a 30 s stall costs one short client timeout
    assert box.worker.next_attempt_at > box.worker.clock()
    if kind == "rate_limited":
        assert box.worker.next_attempt_at - box.worker.clock() >= 6.9  # Retry-After is honoured
    box.worker.tick()  # still backing off: the tick does nothing
    assert gateway.pending_faults() == 1
    assert state.load(box.store).acked_seq == 0
    assert box.worker.run_once() is not None  # second fault
    assert box.worker.run_once() is None
    assert_cloud_equals_box(cloud, box)
    assert box.worker.backoff.failures == 0


def test_connection_refused_then_the_cloud_comes_back(box, cloud, gateway):
    box.day(3)
    gateway.stop()
    error = box.worker.run_once()
    assert error.kind == "offline"
    assert "Connection refused" in error.message or "refused" in error.message.lower()
    gateway.start()
    assert box.worker.run_once() is None
    assert_cloud_equals_box(cloud, box)


def test_413_halves_the_batch_and_an_event_too_large_alone_is_a_dead_letter(box, cloud, gateway):
    box.day(30)
    gateway.max_body_bytes = 12 * 1024
    assert box.worker.run_once() is None
    assert gateway.statuses[413] >= 1
    assert_cloud_equals_box(cloud, box)

    box.order(n_items=60)  # one event larger than the gateway accepts
    gateway.max_body_bytes = 8 * 1024
    assert box.worker.run_once() is None
    letters = state.dead_letters(box.store)
    assert [letter["type"] for letter in letters] == ["order.created", "order.fired"]
    assert "too large" in letters[0]["reason"]

    box.store.write(lambda tx: state.request_retry(tx))  # still too large: stays a dead letter
    assert box.worker.run_once() is None
    assert [letter["attempts"] for letter in state.dead_letters(box.store)] == [2, 2]

    gateway.max_body_bytes = 4 * 1024 * 1024  # the owner raises the limit; retry the dead letters
    box.store.write(lambda tx: state.request_retry(tx))
    assert box.worker.run_once() is None
    assert state.dead_letters(box.store) == []
    assert_cloud_equals_box(cloud, box)


def test_a_bad_event_goes_to_dead_letters_and_the_rest_arrive(box, cloud):
    box.day(3)
    box.store.write(lambda tx: tx.append_event("order.fired", {"ticket_id": "lost"}))  # no order snapshot
    box.day(3)
    assert box.worker.run_once() is None
    letters = state.dead_letters(box.store)
    assert len(letters) == 1 and "without a data.order" in letters[0]["reason"]
    assert cloud.scalar("select count(*) from sync_events where box_id = %s and rejected_reason is null",
                        box.box_id) == box.last_seq() - 1
    status = sync_status(box.store, box.worker)
    assert health(status) == ("degraded", "1 event(s) refused by the cloud (edge sync dead-letters)")

    box.store.write(lambda tx: state.request_retry(tx))
    assert box.worker.run_once() is None
    [letter] = state.dead_letters(box.store)
    assert letter["attempts"] == 2 and letter["retry_requested"] == 0


def test_a_refused_credential_stops_pushing_until_it_changes(make_box, cloud, gateway):
    box = make_box()
    box.transport.session.headers["Authorization"] = "Bearer not-a-jwt"
    box.day(2)
    error = box.worker.run_once()
    assert error.kind == "credentials" and error.status == 401
    assert box.worker.stopped_for_credentials()
    calls = sum(gateway.calls.values())
    box.worker.tick()
    assert sum(gateway.calls.values()) == calls  # stopped: no more calls
    assert health(sync_status(box.store, box.worker))[0] == "degraded"

    box.transport.session.headers["Authorization"] = f"Bearer {box.token}"
    box.worker.retry_now()
    box.worker.tick()
    assert_cloud_equals_box(cloud, box)


def test_a_revoked_box_is_refused_with_403(box, cloud):
    box.day(1)
    cloud.admin.execute("update boxes set revoked_at = now() where id = %s", (box.box_id,))
    error = box.worker.run_once()
    assert error.kind == "credentials" and error.status == 403 and "revoked" in error.message


def test_a_run_that_made_progress_starts_the_backoff_over(box, cloud, gateway):
    """Three batches acknowledged, then one answer lost: that is a first failure, not a seventh."""
    box.worker.max_events = box.worker.batch_limit = 5
    box.worker.backoff = Backoff(base_s=20, cap_s=300, rng=random.Random(3))
    box.worker.backoff.failures = 6  # six runs in a row had failed before the link got better
    box.day(6)
    assert box.last_seq() > 20
    gateway.fail_next("pass", times=3)
    gateway.fail_next("lost_after_commit")
    error = box.worker.run_once()
    assert error is not None and error.kind in ("offline", "timeout")
    assert state.load(box.store).acked_seq >= 15  # the three answered batches
    assert box.worker.backoff.failures == 1
    assert box.worker.next_attempt_at - box.worker.clock() <= 20  # the first failure's ceiling
    box.worker.next_attempt_at = 0
    assert box.worker.run_once() is None
    assert_cloud_equals_box(cloud, box)
