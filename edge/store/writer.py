"""The single SQLite writer, with group commit.

All writes go through one thread (datasette's pattern). When writes arrive faster than the disk
can fsync, the thread takes every job waiting in the queue and runs them in ONE transaction, each
inside its own SAVEPOINT: a job that raises rolls back only its own changes, and one fsync makes
the whole group durable. Nobody's future resolves before the COMMIT has returned, so a caller
that answers 201 after `write()` answers only for data that is on disk.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)

MAX_GROUP = 256
_STOP = object()


@dataclass
class _Job:
    fn: Callable[[Any], Any]
    future: Future = field(default_factory=Future)


class Writer:
    """Runs ``fn(tx)`` jobs on one connection. ``make_tx(conn)`` builds what jobs receive;
    ``on_group_committed(txs)`` runs after each durable commit with the successful jobs' txs."""

    def __init__(self, conn: sqlite3.Connection, *, make_tx: Callable, on_group_committed: Callable):
        self._conn = conn
        self._make_tx = make_tx
        self._on_group_committed = on_group_committed
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self.groups_committed = 0
        self.jobs_committed = 0

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, fn: Callable[[Any], Any]) -> Future:
        if not self._thread.is_alive():
            raise RuntimeError("the database writer is not running")
        job = _Job(fn)
        self._queue.put(job)
        return job.future

    def stop(self, timeout: float = 10) -> None:
        """Finish every job already queued, then stop."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            group, stopping = self._next_group()
            if group:
                self._commit_group(group)
            if stopping:
                return

    def _next_group(self) -> tuple[list[_Job], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        group = [first]
        while len(group) < MAX_GROUP:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                return group, True
            group.append(job)
        return group, False

    def _commit_group(self, group: list[_Job]) -> None:
        done: list[tuple[_Job, Any, Any]] = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for job in group:
                self._run_job(job, done)
            self._conn.execute("COMMIT")
        except Exception as error:  # the commit itself failed (disk full, I/O error): nobody is durable
            log.exception("group commit failed")
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            for job in group:
                if not job.future.done():
                    job.future.set_exception(error)
            return
        self.groups_committed += 1
        self.jobs_committed += len(done)
        # Before anyone is answered: a caller must read its own write (the reloaded menu after a
        # price change or an 86, Store.last_seq) as soon as write() returns.
        try:
            self._on_group_committed([tx for _, _, tx in done])
        except Exception:
            log.exception("a commit listener failed")
        for job, result, _ in done:
            job.future.set_result(result)

    def _run_job(self, job: _Job, done: list) -> None:
        tx = self._make_tx(self._conn)
        self._conn.execute("SAVEPOINT job")
        try:
            result = job.fn(tx)
        except BaseException as error:
            if not self._conn.in_transaction:
                # SQLITE_FULL and I/O errors may roll the whole transaction back: then the group
                # fails as one, with the real error (not "no such savepoint").
                raise
            self._conn.execute("ROLLBACK TO job")
            self._conn.execute("RELEASE job")
            job.future.set_exception(error)
            return
        self._conn.execute("RELEASE job")
        done.append((job, result, tx))
