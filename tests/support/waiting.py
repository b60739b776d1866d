"""Waiting for something to happen, always with a limit: poll a condition instead of sleeping a
fixed time and hoping the other thread was quick enough."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; returns whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def wait_until(condition, timeout: float, what: str) -> None:
    """``wait_for`` that fails the test, naming what never happened."""
    assert wait_for(condition, timeout), f"timed out after {timeout} s waiting for {what}"
