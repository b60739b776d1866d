"""A real box's heartbeat reaches the cloud through the gateway and shows in `box_status`."""

from __future__ import annotations

from edge import __version__
from tests.support.sync_cloud import Cloud


def owner_status(cloud: Cloud, restaurant_id: str) -> dict:
    claims = {"role": "authenticated", "sub": "owner", "app_metadata": {"restaurant_ids": [restaurant_id]}}
    with cloud.as_claims(claims) as conn:
        row = conn.execute("select state, version, backlog_events, dead_letters, cloud_seq, heartbeat_at "
                           "from box_status").fetchone()
    return dict(zip(("state", "version", "backlog", "dead_letters", "cloud_seq", "heartbeat_at"), row))


def test_a_tick_pushes_then_reports_the_box_health(cloud, make_box, gateway):
    box = make_box()
    box.day(5)
    box.worker.tick()
    status = owner_status(cloud, box.restaurant_id)
    assert status["state"] == "ok" and status["version"] == __version__
    assert status["backlog"] == 0 and status["dead_letters"] == 0 and status["cloud_seq"] == box.last_seq()

    box.worker.tick()  # within the minute: no second heartbeat
    assert gateway.calls["sync_heartbeat"] == 1


def test_a_heartbeat_carries_the_backlog_the_box_could_not_push(cloud, make_box, gateway):
    box = make_box()
    box.day(3)
    gateway.fail_next("status", status=503)  # the push fails; the heartbeat after it gets through
    box.worker.tick()
    status = owner_status(cloud, box.restaurant_id)
    assert status["backlog"] == box.last_seq() and status["cloud_seq"] is None
