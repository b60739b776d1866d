"""The one backoff policy: a printer's plain doubling and the sync worker's full jitter."""

from __future__ import annotations

import random

from devices.printer.worker import printer_backoff
from edge.domain.backoff import Backoff


def test_a_printer_waits_half_a_second_then_doubles_up_to_fifteen_and_starts_over_after_success():
    backoff = printer_backoff()
    assert [backoff.next_delay() for _ in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_sync_waits_a_random_time_under_a_doubling_ceiling():
    backoff = Backoff(base_s=1.0, cap_s=300.0, rng=random.Random(7))
    for failure in range(1, 15):
        delay = backoff.next_delay()
        assert 0 <= delay <= min(300.0, 2 ** (failure - 1))
    assert backoff.ceiling() == 300.0


def test_a_server_s_retry_after_is_a_floor_but_never_past_the_cap():
    backoff = Backoff(base_s=1.0, cap_s=60.0, rng=random.Random(1))
    assert backoff.next_delay(retry_after_s=30.0) >= 30.0
    assert backoff.next_delay(retry_after_s=3600.0) == 60.0


def test_days_of_failures_in_a_row_keep_waiting_the_cap():
    for backoff in (printer_backoff(), Backoff(rng=random.Random(2))):
        backoff.failures = 5000  # a link down for days: 2**4999 is too large for a float
        assert 0 <= backoff.next_delay() <= backoff.cap_s
        assert backoff.ceiling() == backoff.cap_s
