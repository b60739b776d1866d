"""The single SQLite writer, with group commit.

One write transaction at a time, on one connection (datasette's pattern), but no thread of its
own: the caller that finds no transaction running becomes the *leader*. It takes every job
waiting (up to MAX_GROUP) and runs them in ONE transaction, each inside its own SAVEPOINT: a job
that raises rolls back only its own changes, and one fsync makes the whole group durable. Callers
that arrive meanwhile queue up; when the group is durable they wake, and the first whose job is
still waiting leads the next group. Nobody's write returns before the COMMIT that holds it has
returned, so a caller that answers 201 answers only for data that is on disk.

Why leaders and not a writer thread: on the Pi's cores (one, in the benchmark) every hand-off
between threads is a wake-up that waits for the GIL. A lone write -- the common case in a
kitchen -- now runs in the thread that asked for it, with no hand-off at all.
"""

from __future__ import annotations

import collections
import contextvars
import logging
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)

MAX_GROUP = 256


@dataclass
class _Job:
    fn: Callable[[Any], Any]
    future: Future = field(default_factory=Future)
    # the submitter's context (its request id in log lines): the job runs in it, whoever leads
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    abandoned: bool = False  # its caller timed out: nobody will lead for it


class Writer:
    """Runs ``fn(tx)`` jobs on one connection. ``make_tx(conn)`` builds what jobs receive;
    ``on_group_committed(txs)`` runs after each durable commit with the successful jobs' txs."""

    def __init__(self, conn: sqlite3.Connection, *, make_tx: Callable, on_group_committed: Callable):
        self._conn = conn
        self._make_tx = make_tx
        self._on_group_committed = on_group_committed
        self._queue: collections.deque[_Job] = collections.deque()
        self._turn = threading.Condition()  # guards _queue, _leading and _open
        self._leading = False
        self._leader: int | None = None  # the leading thread, to refuse a write from inside a job
        self._open = False
        self.groups_committed = 0
        self.jobs_committed = 0

    def start(self) -> None:
        self._open = True

    @property
    def alive(self) -> bool:
        return self._open

    @property
    def queued(self) -> int:
        """Jobs waiting for a transaction (not counting the group being committed)."""
        return len(self._queue)

    def run(self, fn: Callable[[Any], Any], timeout: float | None = None) -> Any:
        """Run ``fn(tx)`` in the next group and return its result once that group is durable (or
        raise what it raised). A TimeoutError leaves the job queued: it still runs, later. A
        caller that leads may take longer than ``timeout``: it is committing others' jobs too."""
        if self._leader == threading.get_ident():
            # a job or a commit listener writing: it would wait for itself
            raise RuntimeError("store.write() called from inside a write job or commit listener")
        job = _Job(fn)
        with self._turn:
            if not self._open:
                raise RuntimeError("the database writer is not running")
            self._queue.append(job)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not job.future.done():
            self._take_turn(job, deadline)
        if deadline is None or time.monotonic() < deadline:
            self._adopt_abandoned()
        return job.future.result(0)

    def stop(self, timeout: float = 10) -> None:
        """Refuse new jobs, finish every job already queued, then stop."""
        deadline = time.monotonic() + timeout
        with self._turn:
            self._open = False
        try:
            while self._take_turn(None, deadline):
                pass
        except TimeoutError:
            log.error("the database writer did not finish its queued jobs in %s s", timeout)

    def _adopt_abandoned(self) -> None:
        """Commit jobs whose callers gave up, if no caller still waiting would lead for them."""
        while self._take_turn(None, None, only_abandoned=True):
            pass

    def _take_turn(self, job: _Job | None, deadline: float | None, *, only_abandoned: bool = False) -> bool:
        """Wait until ``job`` is done or no group is running; then lead the next group, if there
        is one (True). Leading ends in ``finally``, whatever escapes the commit."""
        group: list[_Job] = []
        with self._turn:
            while self._leading and not (job and job.future.done()):
                if only_abandoned:
                    return False  # whoever leads now will see them
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    if job is not None:
                        job.abandoned = True
                    raise TimeoutError("the database writer did not get to this write in time")
                self._turn.wait(remaining)
            if (job and job.future.done()) or not self._queue:
                return False
            if only_abandoned and not all(queued.abandoned for queued in self._queue):
                return False
            self._leading = True
        try:
            self._leader = threading.get_ident()
            with self._turn:
                group = [self._queue.popleft() for _ in range(min(MAX_GROUP, len(self._queue)))]
            self._commit_group(group)
        finally:
            for stranded in group:  # only if something escaped the commit (KeyboardInterrupt...)
                if not stranded.future.done():
                    stranded.future.set_exception(RuntimeError("the write was interrupted"))
            self._leader = None
            with self._turn:
                self._leading = False
                self._turn.notify_all()
        return True

    def _commit_group(self, group: list[_Job]) -> None:
        done: list[tuple[_Job, Any, Any]] = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for job in group:
                self._run_job(job, done)
            self._conn.execute("COMMIT")
        except BaseException as error:  # the commit itself failed (disk full, I/O error): nobody is durable
            log.exception("group commit failed")
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            for job in group:
                if not job.future.done():
                    job.future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        self.groups_committed += 1
        self.jobs_committed += len(done)
        # Before anyone is answered: a caller must read its own write (the reloaded menu after a
        # price change or an 86, Store.last_seq) as soon as its write returns.
        try:
            self._on_group_committed([tx for _, _, tx in done])
        except Exception:
            log.exception("a commit listener failed")
        finally:  # durable whatever a listener did: never report these as failed
            for job, result, _ in done:
                job.future.set_result(result)

    def _run_job(self, job: _Job, done: list) -> None:
        tx = self._make_tx(self._conn)
        self._conn.execute("SAVEPOINT job")
        try:
            result = job.context.run(job.fn, tx)
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
