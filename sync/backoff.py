"""Exponential backoff with full jitter: after the n-th failure in a row, wait a random time
between 0 and min(cap, base * 2**n). Jitter keeps a room full of boxes from retrying in step
when the cloud comes back."""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, base_s: float = 1.0, cap_s: float = 300.0, rng: random.Random | None = None):
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        return min(self.cap_s, self.base_s * 2 ** max(self.failures - 1, 0))

    def next_delay(self, retry_after_s: float | None = None) -> float:
        """Count a failure and return how long to wait; a server's Retry-After is a floor."""
        self.failures += 1
        delay = self._rng.uniform(0, self.ceiling())
        return min(max(delay, retry_after_s or 0.0), self.cap_s)

    def reset(self) -> None:
        self.failures = 0
