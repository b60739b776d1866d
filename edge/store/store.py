"""The Store: one writer, many readers, the event log, and hooks for what reads the log."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

from edge.domain.hlc import HybridLogicalClock, Stamp
from edge.domain.ids import uuid7
from edge.domain.menu import Menu
from edge.store import db, events as event_log, menu_repo
from edge.store.events import Event
from edge.store.writer import Writer

log = logging.getLogger(__name__)
T = TypeVar("T")

READER_CACHE_KIB = 512
TxHook = Callable[["Tx", Event], None]
CommitListener = Callable[[list[Event]], None]


class Tx:
    """What a write job receives: the connection inside the transaction, and the event log."""

    def __init__(self, store: "Store", conn: sqlite3.Connection):
        self.store = store
        self.conn = conn
        self.wall_ms = store.wall_ms()
        self.now = datetime.fromtimestamp(self.wall_ms / 1000, tz=timezone.utc)
        self.events: list[Event] = []
        self.menu_changed = False
        self.device: str | None = None  # the device the submitting thread acted for (audit log)

    def mark_menu_changed(self) -> None:
        self.menu_changed = True
        self.store.note_menu_change()

    def menu(self) -> Menu:
        """The menu as this transaction sees it (a change earlier in the same group included)."""
        return self.store.menu_within_group(self.conn)

    def append_event(self, type_: str, data: dict[str, Any], *, stations: list[str] | tuple = (),
                     order_id: str | None = None, run_hooks: bool = True) -> Event:
        stamp = self.store.clock.tick(self.wall_ms)
        event_id = uuid7(self.wall_ms)
        at = self.now.isoformat(timespec="milliseconds")
        seq = event_log.insert_event(self.conn, event_id, type_, data, at=at, hlc=str(stamp),
                                     stations=list(stations), order_id=order_id)
        event = Event(seq=seq, id=event_id, type=type_, data=data, at=at, hlc=str(stamp),
                      box_id=self.store.box_id, stations=list(stations), order_id=order_id)
        self.events.append(event)
        if run_hooks:
            self.run_hooks(event)
        return event

    def run_hooks(self, event: Event) -> None:
        """Let in-transaction consumers (the print queue) act on the event, atomically with it."""
        for hook in self.store.tx_hooks:
            hook(self, event)


class Store:
    def __init__(self, path: Path | str, *, box_id: str, restaurant_id: str,
                 timezone: str = "UTC", day_starts_at: str = "04:00",
                 wall_clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.timezone = timezone
        self.day_starts_at = day_starts_at
        self.box_id = box_id
        self.restaurant_id = restaurant_id
        self._wall_clock = wall_clock
        # Which device the calling thread acts for: known in the request thread only, while the
        # job runs in the writer thread, so write() hands it over as ``tx.device``.
        self.caller_device: Callable[[], str | None] = lambda: None
        self.tx_hooks: list[TxHook] = []
        self.commit_listeners: list[CommitListener] = []
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._menu: Menu | None = None
        self._menu_dirty = False
        self._writer: Writer | None = None
        self.clock: HybridLogicalClock | None = None
        self.last_seq = 0

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> "Store":
        conn = db.open_checked(self.path)
        last = event_log.last_hlc(conn)
        self.clock = HybridLogicalClock(self.box_id, Stamp.parse(last) if last else None)
        self.last_seq = event_log.last_seq(conn)
        self._menu = menu_repo.load_menu(conn)
        self._writer_conn = conn
        self._writer = Writer(conn, make_tx=lambda c: Tx(self, c),
                              on_group_committed=self._group_committed)
        self._writer.start()
        return self

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer_conn.close()
            self._writer = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()

    @property
    def wall_clock(self) -> Callable[[], float]:
        """Where the box reads the time (epoch seconds): tokens and rate limits read it too."""
        return self._wall_clock

    def wall_ms(self) -> int:
        return int(self._wall_clock() * 1000)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._wall_clock(), tz=timezone.utc)

    # -- writing and reading ----------------------------------------------------------------
    def write(self, fn: Callable[[Tx], T], timeout: float = 30) -> T:
        if self._writer is None:
            raise RuntimeError("the store is not open")
        device = self.caller_device()
        return self._writer.run(fn if device is None else _acting_for(device, fn), timeout)

    def read(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = db.connect(self.path)
            # Each request thread (up to server.threads, one per open WebSocket too) keeps its own
            # reader, and SQLite's default page cache is 2 MiB a connection: over a day of service
            # that grew with the threads ever used. Pages the small cache drops are re-read from
            # the kernel's page cache, which every connection shares.
            conn.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def add_tx_hook(self, hook: TxHook) -> None:
        self.tx_hooks.append(hook)

    def add_commit_listener(self, listener: CommitListener) -> None:
        self.commit_listeners.append(listener)

    def events_after(self, seq: int, limit: int = 500, station: str | None = None) -> list[Event]:
        return event_log.events_after(self.read(), seq, box_id=self.box_id, limit=limit,
                                      station=station)

    def menu(self) -> Menu:
        """The current menu, cached; only the writer replaces it, after a menu change commits."""
        return self._menu

    def note_menu_change(self) -> None:
        """A job of the group being written changed the menu: later jobs of the group read it from
        the database, and the cache is reloaded once the group commits."""
        self._menu_dirty = True

    def menu_within_group(self, conn: sqlite3.Connection) -> Menu:
        return menu_repo.load_menu(conn) if self._menu_dirty else self._menu

    @property
    def writer_alive(self) -> bool:
        """False once the writer has stopped: every write is refused."""
        return self._writer is not None and self._writer.alive

    @property
    def writer_stats(self) -> dict[str, int]:
        writer = self._writer
        return {"groups": writer.groups_committed, "jobs": writer.jobs_committed} if writer else {}

    def _group_committed(self, txs: list[Tx]) -> None:
        if self._menu_dirty:
            self._menu = menu_repo.load_menu(self._writer_conn)
            self._menu_dirty = False
        committed = [event for tx in txs for event in tx.events]
        if not committed:
            return
        self.last_seq = committed[-1].seq
        for listener in self.commit_listeners:
            try:
                listener(committed)
            except Exception:
                log.exception("commit listener %r failed", listener)


def _acting_for(device: str, fn: Callable[[Tx], T]) -> Callable[[Tx], T]:
    def job(tx: Tx) -> T:
        tx.device = device
        return fn(tx)
    return job
