"""UUIDv7, the hybrid logical clock and the business day."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone

import pytest

from edge.domain.calendar import business_date
from edge.domain.hlc import HybridLogicalClock, Stamp
from edge.domain import ids
from edge.domain.ids import uuid7

DAY_MS = 24 * 3600 * 1000
NOW_MS = 1_764_356_531_123  # 2025-11-28


# -- uuid7 -------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fresh_uuid7_state(monkeypatch):
    """uuid7 keeps the last millisecond it used; these tests feed it made-up times, so each
    starts from a clean state and leaves the real one untouched for the rest of the suite."""
    monkeypatch.setattr(ids, "_last_ms", 0)
    monkeypatch.setattr(ids, "_counter", 0)


def test_uuid7_has_version_7_and_rfc_variant_and_the_time():
    value = uuid.UUID(uuid7(NOW_MS + 10 * DAY_MS))
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.int >> 80 == NOW_MS + 10 * DAY_MS


def test_uuid7_is_strictly_monotonic_within_one_millisecond():
    ids = [uuid7(NOW_MS + 20 * DAY_MS) for _ in range(10_000)]  # past the 12-bit counter
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_stays_monotonic_when_the_clock_goes_back():
    ahead = uuid7(NOW_MS + 30 * DAY_MS)
    behind = uuid7(0)  # the wall clock fell back to 1970
    assert behind > ahead


def test_uuid7_is_unique_and_ordered_across_threads():
    results: list[list[str]] = [[] for _ in range(8)]

    def make(out):
        out.extend(uuid7() for _ in range(2000))

    threads = [threading.Thread(target=make, args=(out,)) for out in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    everything = [i for out in results for i in out]
    assert len(set(everything)) == len(everything)
    assert all(out == sorted(out) for out in results)


# -- hybrid logical clock ------------------------------------------------------------------------
def test_tick_follows_the_wall_clock_forward():
    clock = HybridLogicalClock("box-1")
    assert clock.tick(NOW_MS) == Stamp(NOW_MS, 0, "box-1")
    assert clock.tick(NOW_MS) == Stamp(NOW_MS, 1, "box-1")
    assert clock.tick(NOW_MS + DAY_MS) == Stamp(NOW_MS + DAY_MS, 0, "box-1")  # a jump of a day


def test_wall_clock_going_back_to_1970_never_moves_stamps_back():
    clock = HybridLogicalClock("box-1")
    first = clock.tick(NOW_MS)
    later = [clock.tick(ms) for ms in (0, 5, 1000)]  # the Pi rebooted with no RTC
    assert all(stamp.physical_ms == NOW_MS for stamp in later)
    stamps = [first, *later]
    assert stamps == sorted(stamps)
    assert [str(s) for s in stamps] == sorted(str(s) for s in stamps)


def test_clock_restarts_after_the_last_stored_stamp():
    last = Stamp(NOW_MS, 7, "box-1")
    clock = HybridLogicalClock("box-1", last)
    assert clock.tick(0) == Stamp(NOW_MS, 8, "box-1")


def test_observe_a_remote_stamp_ahead_of_us():
    clock = HybridLogicalClock("box-1")
    clock.tick(NOW_MS)
    remote = Stamp(NOW_MS + 5000, 3, "cloud")
    merged = clock.observe(remote, NOW_MS + 10)
    assert merged == Stamp(NOW_MS + 5000, 4, "box-1")
    assert clock.tick(NOW_MS + 20) > remote


def test_observe_with_equal_physical_takes_the_larger_logical():
    clock = HybridLogicalClock("box-1")
    clock.tick(NOW_MS)
    clock.tick(NOW_MS)  # logical 1
    assert clock.observe(Stamp(NOW_MS, 9, "b"), NOW_MS - 1) == Stamp(NOW_MS, 10, "box-1")
    assert clock.observe(Stamp(NOW_MS - 100, 50, "b"), NOW_MS - 1) == Stamp(NOW_MS, 11, "box-1")


def test_observe_when_the_wall_clock_is_newest_resets_logical():
    clock = HybridLogicalClock("box-1")
    clock.tick(NOW_MS)
    assert clock.observe(Stamp(NOW_MS + 1, 4, "b"), NOW_MS + DAY_MS) == Stamp(NOW_MS + DAY_MS, 0, "box-1")


def test_stamp_text_round_trips_with_dashes_in_the_node():
    stamp = Stamp(NOW_MS, 42, "box-with-dashes")
    assert Stamp.parse(str(stamp)) == stamp
    assert str(stamp) == f"{NOW_MS:015d}-000042-box-with-dashes"


# -- business day ------------------------------------------------------------------------------
@pytest.mark.parametrize("utc, zone, starts, expected", [
    ("2026-11-28T03:59:59", "UTC", "04:00", "2026-11-27"),
    ("2026-11-28T04:00:00", "UTC", "04:00", "2026-11-28"),
    ("2026-11-28T23:59:00", "UTC", "04:00", "2026-11-28"),
    ("2026-11-28T00:00:00", "UTC", "00:00", "2026-11-28"),
    # 01:30 local in Seoul (UTC+9) is still the previous service day
    ("2026-11-27T16:30:00", "Asia/Seoul", "04:00", "2026-11-27"),
    ("2026-11-27T19:00:00", "Asia/Seoul", "04:00", "2026-11-28"),
    # New York: 23:30 local on the 27th is 04:30 UTC on the 28th
    ("2026-11-28T04:30:00", "America/New_York", "04:00", "2026-11-27"),
    ("2026-01-01T03:00:00", "UTC", "04:00", "2025-12-31"),
])
def test_business_date_around_the_day_cut_off(utc, zone, starts, expected):
    now = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    assert business_date(now, zone, starts) == expected
