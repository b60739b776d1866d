"""Live feeds (WebSockets) on the event loop: a connected tablet costs a socket, not a thread.

The handshake is an ordinary request: a request thread runs the app, whose feed view checks the
token and the query, subscribes to the realtime hub and ACCEPTS the ``FeedHandover`` it finds in
the environ (edge.api.ws). The loop then answers 101 and the connection becomes a
``FeedConnection``: it replays the log (pages read by request threads), then streams.

The committing thread never touches a socket: the hub puts each event on the subscription's
queue and calls its ``on_ready``, which lists the feed and wakes the loop once per batch
(``Feeds.wake``); the loop writes every listed feed's pending events in one write each.
A feed whose tablet stops reading stops draining its queue, so the hub's bounded queue
overflows and the tablet is told to resync, as before. Protocol pings find vanished tablets.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import json
import logging
import os
import queue
import threading
import time
from itertools import islice
from typing import Callable, Iterator

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

log = logging.getLogger("edge.server")

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REPLAY_PAGE = 200  # replayed events read per trip to a request thread
# Feeds written per turn of the loop: between two slices, answers to requests get written, so a
# fan-out to hundreds of feeds does not hold up the kitchen's requests.
FLUSH_SLICE = 32


def text_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented text frame (what a server sends; RFC 6455 5.2)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


class HandshakeError(ValueError):
    """Not a WebSocket handshake this server can answer (the view answers 400)."""


class FeedHandover:
    """Passed to the app in ``environ["edge.feed"]``; the feed view fills it in a request thread."""

    def __init__(self, head):
        self.key = (head.header("sec-websocket-key") or b"").strip()
        self.version = (head.header("sec-websocket-version") or b"").strip()
        self.accepted = False

    def accept(self, subscription, replay: Iterator[str], *, heartbeat: Callable[[], str], heartbeat_s: float,
               close_code: Callable[[str | None], int], end: Callable[[], None], resync: str,
               max_message: int = 4096) -> None:
        if self.version != b"13" or len(self.key) != 24:
            raise HandshakeError("a WebSocket handshake needs Sec-WebSocket-Version 13 and a key")
        self.subscription, self.replay, self.heartbeat, self.heartbeat_s = subscription, replay, heartbeat, heartbeat_s
        self.close_code, self.end, self.resync, self.max_message = close_code, end, resync, max_message
        self.accepted = True

    def switching_protocols(self) -> bytes:
        accept = base64.b64encode(hashlib.sha1(self.key + WS_GUID).digest())
        return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")

    def abandon(self) -> None:
        """The client left before its feed started."""
        self.end()


class Feeds:
    """Every live feed of the worker: wakes them for new events, pings them, counts them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, threads):
        self.loop = loop
        self.threads = threads
        self.live: set[FeedConnection] = set()
        self._ready: collections.deque = collections.deque()
        self._wake_pending = False
        self._lock = threading.Lock()
        self.frames: dict[tuple[int, bool], bytes] = {}  # this wake-up's events, framed (staff / guests)

    def wake(self, feed: "FeedConnection") -> None:
        """Called by the committing thread (the hub's publish): one loop wake-up per batch."""
        self._ready.append(feed)
        if not self._wake_pending:
            with self._lock:
                if self._wake_pending:
                    return
                self._wake_pending = True
            try:
                self.loop.call_soon_threadsafe(self._flush_ready)
            except RuntimeError:
                pass  # the loop has stopped: the worker is exiting

    def _flush_ready(self) -> None:
        with self._lock:
            self._wake_pending = False
        self.frames.clear()
        self._flush_slice(set())

    def _flush_slice(self, seen: set) -> None:
        for _ in range(FLUSH_SLICE):
            if not self._ready:
                return
            feed = self._ready.popleft()
            if feed not in seen:
                seen.add(feed)
                feed.flush()
        if self._ready:
            self.loop.call_soon(self._flush_slice, seen)

    def frame(self, seq: int, message: str, guest: bool = False) -> bytes:
        """An event's frame, made once for every feed it goes to (server frames are unmasked);
        a guest's feed has its own (edge.serving.hub.encode_for_guests)."""
        frame = self.frames.get((seq, guest))
        if frame is None:
            frame = self.frames[(seq, guest)] = text_frame(message.encode())
        return frame

    def sweep(self, now: float) -> None:
        for feed in list(self.live):
            feed.tick(now)


class FeedConnection(asyncio.Protocol):
    """One tablet's feed, from the 101 answer to the close."""

    def __init__(self, transport, handover: FeedHandover, feeds: Feeds, on_closed: Callable[[], None]):
        self.transport = transport
        self.handover = handover
        self.subscription = handover.subscription
        self.feeds = feeds
        self.on_closed = on_closed
        self.ws = Connection(ConnectionType.SERVER)
        self.live = False  # until the replay is sent, live events wait in the subscription's queue
        self.writable = True
        self.closed = False
        self.incoming = 0  # bytes of the message being received
        self.partial = ""  # its text so far (tablets send short JSON; binary is ignored)
        self.last_sent = self.last_ping = time.monotonic()
        self.pong_due = False

    def start(self, already_received: bytes) -> None:
        self.feeds.live.add(self)
        self.subscription.on_ready = lambda: self.feeds.wake(self)
        if already_received:
            self.data_received(already_received)
        self.feeds.loop.create_task(self._replay())

    async def _replay(self) -> None:
        replay = self.handover.replay
        while not self.closed:
            try:
                page = await asyncio.wrap_future(self.feeds.threads.submit(lambda: list(islice(replay, REPLAY_PAGE))))
            except Exception:
                log.exception("a feed's replay failed")
                self.close(1011, "replay failed")
                return
            for message in page:
                self.send(message)
                if message == self.handover.resync:
                    self.close(self.handover.close_code(self.subscription.closing_reason), "resync")
                    return
            if len(page) < REPLAY_PAGE:
                break
        self.live = True
        self.flush()

    # -- sending -----------------------------------------------------------------------------------
    def send(self, message: str) -> None:
        if not self.closed:
            self.transport.write(text_frame(message.encode()))
            self.last_sent = time.monotonic()

    def flush(self) -> None:
        """Write the events waiting in the subscription's queue (in one write)."""
        if not self.live or self.closed or not self.writable:
            return
        subscription = self.subscription
        frames = []
        while True:
            try:
                seq, message = subscription.queue.get_nowait()
            except queue.Empty:
                break
            if message and seq > subscription.last_seq:
                subscription.last_seq = seq
                frames.append(self.feeds.frame(seq, message, subscription.guest))
        if frames:
            self.transport.write(b"".join(frames))
            self.last_sent = time.monotonic()
        reason = subscription.closing_reason
        if reason:
            if reason == "overflow":
                self.send(self.handover.resync)
            self.close(self.handover.close_code(reason), reason)

    def tick(self, now: float) -> None:
        """Heartbeats in quiet times, and a protocol ping: a tablet that misses one is dropped."""
        interval = self.handover.heartbeat_s
        if self.live and self.writable and now - self.last_sent >= interval:
            self.send(self.handover.heartbeat())
        if now - self.last_ping >= interval:
            if self.pong_due:
                self.close(1001, "no answer to ping")
                return
            self.pong_due = True
            self.last_ping = now
            self._write_ws(Ping(os.urandom(4)))

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        if self.ws.state == ConnectionState.OPEN:
            self._write_ws(CloseConnection(code=code, reason=reason[:100]))
        self.transport.close()
        self._ended()

    # -- receiving ---------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, (TextMessage, BytesMessage)):
                self._message_part(event)
            elif isinstance(event, Ping):
                self._write_ws(event.response())
            elif isinstance(event, Pong):
                self.pong_due = False
            elif isinstance(event, CloseConnection):
                if self.ws.state == ConnectionState.REMOTE_CLOSING:
                    self._write_ws(event.response())
                self.transport.close()
                self._ended()
                return

    def _message_part(self, event) -> None:
        self.incoming += len(event.data)
        if self.incoming > self.handover.max_message:
            self.close(1009, "message too big")
            return
        self.partial += event.data if isinstance(event.data, str) else ""
        if not event.message_finished:
            return
        text, self.partial, self.incoming = self.partial, "", 0
        try:
            kind = json.loads(text).get("type")
        except (ValueError, AttributeError):
            return  # tablets send nothing else; ignore noise rather than hang up
        if kind == "ping":
            self.send(json.dumps({"type": "pong"}))

    def _write_ws(self, event) -> None:
        if not self.closed:
            self.transport.write(self.ws.send(event))

    # -- flow control and the end ------------------------------------------------------------------
    def pause_writing(self) -> None:
        self.writable = False  # events stay queued; the hub tells an over-full queue to resync

    def resume_writing(self) -> None:
        self.writable = True
        self.flush()

    def connection_lost(self, exc) -> None:
        self._ended()

    def _ended(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.feeds.live.discard(self)
        self.subscription.on_ready = None
        self.handover.end()
        self.on_closed()
