"""A full or read-only disk: refuse writes clearly, say so in /health, and recover by itself.

SQLite reports a full disk (SQLITE_FULL), a read-only card (SQLITE_READONLY) or a failing one
(SQLITE_IOERR) as an error on the write, and the single writer rolls the whole group back, so
nothing is half-written and nobody got a 201. This module turns those errors into a 507 with a
clear message, marks the storage down, and while it is down the health check probes with a real
write (a few pages, then emptied): once space is freed or the card is writable again the probe
succeeds and the box is healthy again, with no restart.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass

from edge.observability.health import Check

log = logging.getLogger(__name__)
PROBE_BYTES = 256 * 1024  # well above one group of orders, so a probe that fits means orders fit
PROBE_EVERY_S = 2.0


@dataclass(frozen=True)
class StorageProblem:
    code: str
    message: str


def classify(error: BaseException) -> StorageProblem | None:
    """The storage problem behind an SQLite error, or None when it is something else."""
    if not isinstance(error, sqlite3.Error):
        return None
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error).lower()
    if name == "SQLITE_FULL" or "disk is full" in text:
        return StorageProblem("storage_full", "the box's storage is full; nothing was saved. "
                              "Free some space (old backups, logs); the box recovers by itself")
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return StorageProblem("storage_read_only", "the box's storage has become read-only "
                              "(a worn or failing SD card); nothing was saved")
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text or name == "SQLITE_CANTOPEN":
        return StorageProblem("storage_error", "the box could not write to its storage "
                              "(an I/O error); nothing was saved")
    return None


class StorageMonitor:
    def __init__(self, store, clock=time.monotonic):
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self.problem: StorageProblem | None = None
        self._since = 0.0
        self._last_probe = 0.0

    def record(self, problem: StorageProblem) -> None:
        with self._lock:
            if self.problem is None:
                log.error("storage problem: %s", problem.message)
                self._since = self.clock()
            self.problem = problem

    def clear(self) -> None:
        with self._lock:
            if self.problem is not None:
                log.warning("storage writable again after %.0f s", self.clock() - self._since)
            self.problem = None

    def on_commit(self, events) -> None:
        """Store commit listener: a commit that went through proves the storage takes writes."""
        if self.problem is not None:
            self.clear()

    def check(self) -> Check:
        if self.problem is None:
            return Check("ok", "writes succeed")
        if self.clock() - self._last_probe >= PROBE_EVERY_S:
            self._last_probe = self.clock()
            self.probe()
        problem = self.problem
        if problem is None:
            return Check("ok", "writes succeed again")
        return Check("down", f"{problem.code}: {problem.message} "
                              f"(for {self.clock() - self._since:.0f} s)")

    def probe(self) -> bool:
        """Write (and then delete) a few pages; success clears the problem."""
        def job(tx) -> None:
            tx.conn.execute("INSERT INTO storage_probe (filler) VALUES (zeroblob(?))", (PROBE_BYTES,))
            tx.conn.execute("DELETE FROM storage_probe")
        try:
            self.store.write(job, timeout=10)
        except Exception as error:
            problem = classify(error)
            if problem is not None:
                self.record(problem)
            return False
        self.clear()
        return True
