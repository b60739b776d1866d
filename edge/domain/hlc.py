"""Hybrid logical clock: orders events across boxes without trusting a Pi's wall clock.

A stamp is ``<physical ms:15 digits>-<logical:6 digits>-<node>``, so stamps sort as strings.
The physical part never goes backwards even when the wall clock does (a Pi without a real-time
clock boots in 1970, then NTP jumps it forward), and ``observe`` merges stamps seen from others.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Stamp:
    physical_ms: int
    logical: int
    node: str

    def __str__(self) -> str:
        return f"{self.physical_ms:015d}-{self.logical:06d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> "Stamp":
        physical, logical, node = text.split("-", 2)
        return cls(int(physical), int(logical), node)


class HybridLogicalClock:
    def __init__(self, node: str, last: Stamp | None = None):
        self.node = node
        self._physical = last.physical_ms if last else 0
        self._logical = last.logical if last else 0
        self._lock = threading.Lock()

    def tick(self, wall_ms: int) -> Stamp:
        """A stamp for a local event happening at wall-clock time ``wall_ms``."""
        with self._lock:
            if wall_ms > self._physical:
                self._physical, self._logical = wall_ms, 0
            else:
                self._logical += 1
            return Stamp(self._physical, self._logical, self.node)

    def observe(self, remote: Stamp, wall_ms: int) -> Stamp:
        """Merge a stamp received from elsewhere so later local stamps sort after it."""
        with self._lock:
            physical = max(self._physical, remote.physical_ms, wall_ms)
            if physical == self._physical == remote.physical_ms:
                logical = max(self._logical, remote.logical) + 1
            elif physical == self._physical:
                logical = self._logical + 1
            elif physical == remote.physical_ms:
                logical = remote.logical + 1
            else:
                logical = 0
            self._physical, self._logical = physical, logical
            return Stamp(physical, logical, self.node)
