"""A Pi has no real-time clock: it may boot in 1970, then NTP jumps it. Event order stays right
(seq on the box, HLC across boxes), the cloud converges, and the bad clock is flagged."""

from __future__ import annotations

from edge.domain.actors import SYSTEM
from edge.domain.hlc import Stamp
from edge.store import commands
from sync.status import health, sync_status
from tests.support.sync_box import assert_cloud_equals_box

DAY = 86400.0


class FakeClock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        self.now += 0.001  # time passes a little on every reading
        return self.now


def stamps_in_seq_order(box):
    events = box.store.events_after(0, limit=100_000)
    return [Stamp.parse(e.hlc) for e in events], [e.at for e in events]


def test_a_box_booted_in_1970_still_syncs_and_its_clock_is_flagged(make_box, cloud):
    clock = FakeClock(60.0)  # 1970-01-01T00:01:00Z
    box = make_box(wall_clock=clock, worker_clock=clock)
    box.day(4)
    assert box.worker.run_once() is None
    assert_cloud_equals_box(cloud, box)
    assert cloud.scalar("select min(at) from sync_events where box_id = %s", box.box_id).year == 1970
    status = sync_status(box.store, box.worker, now=clock())
    assert "before this software was built" in status["clock_problem"]
    assert abs(status["clock_skew_s"]) > 50 * 365 * DAY  # the cloud's Date header disagrees too
    assert health(status)[0] == "degraded"


def test_a_clock_jumping_a_day_forward_and_back_keeps_the_order_right(make_box, cloud):
    import time as real_time

    clock = FakeClock(real_time.time())
    box = make_box(wall_clock=clock, worker_clock=clock)
    order = box.order(2)
    clock.now += DAY  # NTP (or a bad RTC battery) moves the clock a day ahead
    order = commands.bump_ticket(box.store, order.tickets[0].id, SYSTEM)
    clock.now -= DAY  # ...and back again
    for ticket in order.tickets[1:]:
        order = commands.bump_ticket(box.store, ticket.id, SYSTEM)
    commands.complete_order(box.store, order.id, SYSTEM)

    stamps, ats = stamps_in_seq_order(box)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)  # HLC never goes back
    assert ats != sorted(ats)  # ...although the wall clock did
    assert box.worker.run_once() is None
    assert_cloud_equals_box(cloud, box)
    assert cloud.scalar("select status from orders where restaurant_id = %s and id = %s",
                        box.restaurant_id, order.id) == "completed"
    assert sync_status(box.store, box.worker, now=clock())["clock_problem"] is None

    clock.now += DAY  # the clock is now a day off the cloud's: flagged at the next answer
    box.day(1)
    assert box.worker.run_once() is None
    problem = sync_status(box.store, box.worker, now=clock())["clock_problem"]
    assert problem is not None and "ahead of the cloud" in problem
