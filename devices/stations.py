"""What a station's physical controls can do, through the same domain commands as a tablet tap.

GPIO buttons and USB bump bars both turn a press into an ``Action`` on a ``StationControl``; the
control runs it with ``edge.store.commands`` (bump_ticket, bump_oldest, recall_last), so the press
lands in the event log and reaches every tablet like a tap does. Presses are queued to one
thread per box (``ActionRunner``): gpiozero's and evdev's threads never wait on the database.

The selection (next/previous, page) is kept here, per station, shared by every control of the
station; positions count active tickets oldest first, as the KDS shows them. Every change of the
selection is a ``kds.selected`` event on the log, and a selection made on a tablet (the same
event, from the API) is followed here (``follow``), so the bar and the screens agree.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from dataclasses import dataclass

from edge.domain.actors import Actor
from edge.domain.errors import DomainError
from edge.store import commands, orders_repo

log = logging.getLogger(__name__)

ACTIONS = ("bump", "recall", "next", "previous", "page", "summary", "item_done", "bump_position",
           "select_position")
PAGE_SIZE = 9


@dataclass(frozen=True)
class Action:
    name: str
    position: int | None = None  # 1-based, on the current page, for *_position actions

    @classmethod
    def parse(cls, text: str) -> "Action":
        """``"bump"``, ``"recall"``, ``"bump:3"`` (bump the 3rd ticket), ``"select:3"``..."""
        name, _, position = text.partition(":")
        if position:
            if name not in ("bump", "select") or not position.isdigit() or not 1 <= int(position) <= 99:
                raise ValueError(f"unknown action {text!r} (positions: 'bump:N' or 'select:N', N >= 1)")
            return cls(f"{name}_position", int(position))
        if name not in ACTIONS or name.endswith("_position"):
            raise ValueError(f"unknown action {text!r}; known: {', '.join(ACTIONS[:7])}, bump:N, select:N")
        return cls(name)


def active_ticket_ids(conn, station: str) -> list[str]:
    rows = conn.execute("SELECT id FROM tickets WHERE station = ? AND status IN ('fired', 'in_progress')"
                        " ORDER BY fired_at, id", (station,))
    return [row[0] for row in rows]


class StationControl:
    """One station's selection and the commands its buttons and bump bars run."""

    def __init__(self, store, station: str, *, page_size: int = PAGE_SIZE):
        self.store = store
        self.station = station
        self.page_size = page_size
        self.selected: str | None = None
        self.page = 0
        self.summary_shown = False
        self._lock = threading.Lock()

    def perform(self, action: Action, actor: Actor):
        """Run one press. Returns the changed order (or None); a refused command is logged only."""
        with self._lock:
            try:
                return getattr(self, f"_{action.name}")(action, actor)
            except DomainError as refused:  # e.g. the ticket was bumped from a tablet meanwhile
                log.info("station %s: %s by %s refused: %s", self.station, action.name, actor.name,
                         refused.message)
                return None

    def _tickets(self) -> list[str]:
        return active_ticket_ids(self.store.read(), self.station)

    def _bump(self, action: Action, actor: Actor):
        tickets = self._tickets()
        if self.selected in tickets:
            ticket, self.selected = self.selected, None
            return commands.bump_ticket(self.store, ticket, actor)
        return commands.bump_oldest(self.store, self.station, actor)

    def _bump_position(self, action: Action, actor: Actor):
        ticket = self._at_position(action.position)
        return commands.bump_ticket(self.store, ticket, actor) if ticket else None

    def _select_position(self, action: Action, actor: Actor):
        self._select(self._at_position(action.position) or self.selected, actor)
        return None

    def _item_done(self, action: Action, actor: Actor):
        """The selected ticket's (else the oldest's) first item still to make is done."""
        tickets = self._tickets()
        ticket = self.selected if self.selected in tickets else (tickets[0] if tickets else None)
        if ticket is None:
            return None
        conn = self.store.read()
        order = orders_repo.load_order(conn, orders_repo.order_id_of_ticket(conn, ticket))
        item_ids = next(t.item_ids for t in order.tickets if t.id == ticket)
        todo = next((i.id for i in order.items if i.id in item_ids and i.done_at is None), None)
        return commands.mark_item_done(self.store, ticket, todo, actor) if todo else None

    def _recall(self, action: Action, actor: Actor):
        return commands.recall_last(self.store, self.station, actor)

    def _next(self, action: Action, actor: Actor):
        self._move(+1, actor)

    def _previous(self, action: Action, actor: Actor):
        self._move(-1, actor)

    def _page(self, action: Action, actor: Actor):
        """Next page, its first ticket selected (so a tablet turns its page to it too)."""
        tickets = self._tickets()
        pages = max((len(tickets) + self.page_size - 1) // self.page_size, 1)
        self.page = (self.page + 1) % pages
        if tickets:
            self._select(tickets[self.page * self.page_size], actor)

    def _summary(self, action: Action, actor: Actor):
        self.summary_shown = not self.summary_shown

    def _at_position(self, position: int) -> str | None:
        tickets = self._tickets()
        index = self.page * self.page_size + position - 1
        return tickets[index] if 0 <= index < len(tickets) else None

    def _move(self, step: int, actor: Actor) -> None:
        tickets = self._tickets()
        if not tickets:
            self.selected = None
            return
        if self.selected not in tickets:
            self._select(tickets[0 if step > 0 else -1], actor)
            return
        index = min(max(tickets.index(self.selected) + step, 0), len(tickets) - 1)
        self.page = index // self.page_size
        self._select(tickets[index], actor)

    def _select(self, ticket: str | None, actor: Actor) -> None:
        if ticket == self.selected:
            return
        self.selected = ticket
        commands.select_ticket(self.store, self.station, ticket, actor)

    def follow(self, ticket: str | None) -> None:
        """A selection logged by someone else (a tablet). No lock: this runs on the committing
        thread, which may be this control's own (perform holds the lock while it writes)."""
        self.selected = ticket


class RunnerState(enum.Enum):
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPED = "stopped"


class ActionRunner:
    """Runs presses one at a time, in the order they happened, off the input threads."""

    def __init__(self):
        self._queue: queue.Queue = queue.Queue()
        self.state = RunnerState.STOPPED
        self._thread = threading.Thread(target=self._run, name="station-actions", daemon=True)
        self.done = 0

    def start(self) -> "ActionRunner":
        self.state = RunnerState.RUNNING
        self._thread.start()
        return self

    def submit(self, control: StationControl, action: Action, actor: Actor) -> None:
        self._queue.put((control, action, actor))

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self.state = RunnerState.STOPPED
                return
            control, action, actor = item
            try:
                control.perform(action, actor)
                self.state = RunnerState.RUNNING
            except Exception:  # the database was busy, a bug...: log it and take the next press
                log.exception("station %s: %s failed", control.station, action.name)
                self.state = RunnerState.RESTARTING
            self.done += 1
