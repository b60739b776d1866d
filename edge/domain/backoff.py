"""Exponential backoff: after the n-th failure in a row, wait min(cap, base * 2**(n-1)).

One policy for every retry loop on the box. The sync worker (many boxes, one cloud) adds full
jitter, a random wait between 0 and that ceiling, so that a room full of boxes does not retry in
step when the cloud comes back, and takes a server's Retry-After as a floor. A print worker has a
printer to itself: nothing to spread out, so it waits the ceiling itself (0.5, 1, 2 ... 15 s).

Here in edge.domain because it is pure (no clock, no I/O; the random source is injected) and
this is the one package that devices and sync may both import without importing each other.
"""

from __future__ import annotations

import random

# 2**64 times any sensible base is far past any cap; without a limit a link down for days
# (over a thousand failures in a row) would make 2**n too large for a float.
MAX_DOUBLINGS = 64


class Backoff:
    def __init__(self, base_s: float = 1.0, cap_s: float = 300.0, rng: random.Random | None = None, *,
                 jitter: bool = True):
        self.base_s = base_s
        self.cap_s = cap_s
        self.jitter = jitter
        self.failures = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        return min(self.cap_s, self.base_s * 2 ** min(max(self.failures - 1, 0), MAX_DOUBLINGS))

    def next_delay(self, retry_after_s: float | None = None) -> float:
        """Count a failure and return how long to wait; a server's Retry-After is a floor."""
        self.failures += 1
        delay = self._rng.uniform(0, self.ceiling()) if self.jitter else self.ceiling()
        return min(max(delay, retry_after_s or 0.0), self.cap_s)

    def reset(self) -> None:
        self.failures = 0
