"""The realtime hub: every committed event, fanned out to the tablets' WebSockets.

A tablet connects with the last ``seq`` it has seen. The hub subscribes it FIRST, then replays
the log after that seq, then streams live events, dropping any live event the replay already
sent: so nothing is missed (an event committed during the replay is queued) and nothing is sent
twice (its seq is not above the last replayed one).

The thread that commits (edge/store/writer.py) only ever does ``put_nowait`` on each
subscriber's bounded queue, so a slow tablet never slows the others or the writer. A subscriber whose queue overflows is told to
``resync`` (reload a snapshot) and is disconnected.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import orjson

from edge.store.events import Event

log = logging.getLogger(__name__)

REPLAY_PAGE = 500
REPLAY_MAX = 20_000  # further behind than this, a snapshot is cheaper than a replay
RESYNC = json.dumps({"type": "resync"})


def encode(event: Event) -> str:
    return orjson.dumps(event.public()).decode()


def encode_for_guests(event: Event) -> str:
    """A guest's screen (a kiosk) sees what changed, never which member of staff did it."""
    shape = event.public()
    shape["data"] = {key: value for key, value in shape["data"].items() if key != "actor"}
    return orjson.dumps(shape).decode()


def _ended_by(event: Event) -> Callable[["Subscription"], bool] | None:
    """Which feeds an event ends: an unpaired tablet's, a disabled user's, a logged-out session's.
    (A feed outlives its access token, as a session does: it is checked when it connects.)"""
    data = event.data
    if event.type == "device.revoked":
        return lambda s: s.subject == data.get("device", {}).get("id")
    if event.type == "audit.user_disabled":
        return lambda s: s.subject == data.get("target")
    if event.type in ("audit.logout", "audit.session_revoked") and data.get("details", {}).get("session"):
        return lambda s: s.session == data["details"]["session"]
    return None


@dataclass(eq=False)
class Subscription:
    """One connected tablet: what it listens to and its bounded queue of encoded events."""

    station: str | None  # None: every event (expo, order entry, manage)
    subject: str  # who is connected (user or device id), so a revoked device can be cut off
    max_queue: int
    session: str | None = None  # a person's login session, ended by logging out
    # event type prefixes it may see, None for all: a kiosk (customer) hears menu changes only,
    # never other guests' orders
    types: tuple[str, ...] | None = None
    guest: bool = False  # a kiosk: events without their actor (staff names stay with staff)
    queue: queue.Queue = field(init=False)
    last_seq: int = 0
    subscribed_at: float = field(default_factory=time.monotonic)
    closing_reason: str | None = None  # set by the hub: "overflow", "revoked", "shutdown", "replaced"
    # Called (in the committing thread) after an event was queued or the subscription closed: how
    # a feed on an event loop learns it has something to send (edge.serving.feeds). Must not block.
    on_ready: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.queue = queue.Queue(self.max_queue)

    def wants(self, event: Event) -> bool:
        return event.concerns(self.station) and (self.types is None or event.type.startswith(self.types))

    def offer(self, seq: int, message: str) -> bool:
        """Called by the hub in the committing thread; never blocks. False when it had to give up."""
        try:
            self.queue.put_nowait((seq, message))
        except queue.Full:
            self.close("overflow")
            return False
        ready = self.on_ready  # read once: the feed may clear it meanwhile
        if ready is not None:
            ready()
        return True

    def close(self, reason: str) -> None:
        if self.closing_reason is None:
            self.closing_reason = reason
        try:  # wake a consumer blocked on an empty queue
            self.queue.put_nowait((0, ""))
        except queue.Full:
            pass
        ready = self.on_ready  # read once: the feed may clear it meanwhile
        if ready is not None:
            ready()

    def next_message(self, timeout: float) -> str | None:
        """The next live message not already replayed; None when nothing came within timeout.
        Once the hub closed the subscription, returns ``RESYNC`` for an overflow, else None."""
        deadline = time.monotonic() + timeout
        while self.closing_reason is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                seq, message = self.queue.get(timeout=remaining)
            except queue.Empty:
                return None
            if message and seq > self.last_seq:
                self.last_seq = seq
                return message
        return RESYNC if self.closing_reason == "overflow" else None


class Hub:
    """Subscriptions and the fan-out. ``publish`` is the store's commit listener."""

    def __init__(self, events_after: Callable[..., list[Event]], *, max_queue: int = 500,
                 on_count: Callable[[int], None] = lambda n: None, max_per_session: int = 0):
        self._events_after = events_after
        self._max_queue = max_queue
        self._max_per_session = max_per_session  # 0: no cap
        self._on_count = on_count
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stopping = False

    # -- the writer side ------------------------------------------------------------------
    def publish(self, events: list[Event]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for event in events:
            message, for_guests = encode(event), None
            ended = _ended_by(event)
            for subscription in subscriptions:
                if ended and ended(subscription):
                    subscription.close("revoked")
                    continue
                if not subscription.wants(event):
                    continue
                if subscription.guest:
                    for_guests = for_guests or encode_for_guests(event)
                if not subscription.offer(event.seq, for_guests if subscription.guest else message):
                    log.warning("a tablet fell %d events behind; told it to resync", self._max_queue)
        with self._lock:
            self._subscriptions -= {s for s in subscriptions if s.closing_reason}
            self._on_count(len(self._subscriptions))

    # -- the tablet side ------------------------------------------------------------------
    def subscribe(self, station: str | None, subject: str = "", session: str | None = None,
                  types: tuple[str, ...] | None = None, guest: bool = False) -> Subscription:
        subscription = Subscription(station=station, subject=subject, max_queue=self._max_queue,
                                    session=session, types=types, guest=guest)
        with self._lock:
            replaced = self._over_the_cap(subject, session)
            self._subscriptions.add(subscription)
            self._on_count(len(self._subscriptions))
        for old in replaced:
            old.close("replaced")
        if self._stopping:  # connected while the server was stopping: end it like the others
            subscription.close("shutdown")
        return subscription

    def _over_the_cap(self, subject: str, session: str | None) -> list[Subscription]:
        """The oldest feeds of this session (a person's login, or a device) beyond the cap, to end
        so that one more fits. The newest wins: a tablet that reconnects before the box noticed
        its old socket died must not be locked out; a client opening feeds in a loop stays capped."""
        if not self._max_per_session:
            return []
        same = [s for s in self._subscriptions  # a set keeps no order: subscribed_at does
                if s.subject == subject and s.session == session and not s.closing_reason]
        same.sort(key=lambda s: s.subscribed_at)
        return same[:max(0, len(same) - self._max_per_session + 1)]

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)
            self._on_count(len(self._subscriptions))

    def replay(self, subscription: Subscription, after: int) -> Iterator[str]:
        """The logged events after ``after`` that concern the subscriber, oldest first, encoded.
        Yields ``RESYNC`` (and stops) when the subscriber is too far behind to replay."""
        subscription.last_seq = after
        sent = 0
        while True:
            page = self._events_after(subscription.last_seq, limit=REPLAY_PAGE,
                                      station=subscription.station)
            for event in page:
                subscription.last_seq = event.seq
                if subscription.wants(event):  # the SQL filter knows stations only
                    yield encode_for_guests(event) if subscription.guest else encode(event)
            sent += len(page)
            if len(page) < REPLAY_PAGE:
                return
            if sent >= REPLAY_MAX:
                yield RESYNC
                return

    def shutdown(self) -> None:
        """The server is stopping: every open socket closes now rather than at the grace timeout.
        Safe to call from a signal handler (it only sets flags)."""
        self._stopping = True  # before the sweep: a subscriber added meanwhile sees the flag
        for subscription in list(self._subscriptions):
            subscription.close("shutdown")

    @property
    def count(self) -> int:
        return len(self._subscriptions)
