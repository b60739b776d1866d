"""The front: one asyncio event loop owns every connection; request threads only run the app.

A connection costs no thread while it is idle, while its request is still arriving (however
slowly) and while it is a live feed. The loop reads a request WHOLE -- head within
``header_timeout_s``, body within ``body_timeout_s`` -- and only then hands it to a request thread
(``threads`` of them, all for real work). The thread runs the WSGI app and gives the answer back
to the loop, which writes it. Connections are capped per client address and in total, so one
device cannot take the box's file descriptors. WebSocket feeds: edge.serving.feeds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from typing import Callable

from edge.serving.feeds import FeedConnection, FeedHandover, Feeds
from edge.serving.http1 import MAX_HEAD_BYTES, BadRequest, ChunkedBody, Head, body_too_large, parse_head

log = logging.getLogger("edge.server")

SWEEP_S = 0.5  # how often deadlines are checked (a timeout fires up to this much late)
HIGH_WATER = 256 * 1024  # bytes queued to a slow reader before its connection stops reading
REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 408: "Request Timeout",
           413: "Content Too Large", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Limits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keepalive_s: float = 5.0
    max_body_bytes: int = 64 * 1024
    connections_per_client: int = 64
    max_connections: int = 4096
    # (path, bytes): routes that take more than max_body_bytes (a voice WAV); the app declares them
    larger_bodies: tuple[tuple[bytes, int], ...] = ()

    def body_limit(self, path: bytes) -> int:
        return next((limit for prefix, limit in self.larger_bodies if path == prefix), self.max_body_bytes)


def plain_answer(status: int, text: str, code: str | None = None, details: list | None = None) -> bytes:
    """A complete answer the front writes itself (the app never saw the request), in the app's
    one error shape."""
    code = code or REASONS.get(status, "error").lower().replace(" ", "_")
    body = json.dumps({"error": {"code": code, "message": text, "details": details or []}}).encode()
    return (f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


class Front:
    """The connections of one worker process, and the request threads they share."""

    def __init__(self, app: Callable, loop: asyncio.AbstractEventLoop, limits: Limits, threads: int):
        self.app = app
        self.loop = loop
        self.limits = limits
        self.threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")
        self.feeds = Feeds(loop, self.threads)
        self.connections: set[HttpConnection] = set()
        self.per_client: Counter = Counter()
        self.refused = 0
        self.stopping = False
        self._date = (0, "")

    def connection(self) -> "HttpConnection":
        return HttpConnection(self)

    def http_date(self) -> str:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    def sweep(self) -> None:
        """Close what passed its deadline; feeds get their heartbeats and pings."""
        now = time.monotonic()
        for connection in list(self.connections):
            connection.check_deadline(now)
        self.feeds.sweep(now)

    def busy(self) -> int:
        return sum(1 for c in self.connections if c.state == "busy")

    def stop_idle(self) -> None:
        """Stopping: no new requests; idle connections close now, busy ones after their answer."""
        self.stopping = True
        for connection in list(self.connections):
            if connection.state in ("idle", "head"):
                connection.close()


class HttpConnection(asyncio.Protocol):
    """One client connection, from accept to close; its state says who owns it right now."""

    def __init__(self, front: Front):
        self.front = front
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.state = "idle"  # idle -> head -> body -> busy -> idle ...; "feed" once upgraded
        self.deadline: float | None = None
        self.head: Head | None = None
        self.chunked: ChunkedBody | None = None
        self.client = ("", 0)
        self.server = ("", 0)
        self.closed = False
        self.reading = True

    # -- asyncio callbacks ---------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        front = self.front
        peer = transport.get_extra_info("peername") or ("", 0)
        self.client = (str(peer[0]), int(peer[1]) if len(peer) > 1 else 0)
        local = transport.get_extra_info("sockname") or ("", 0)
        self.server = (str(local[0]), int(local[1]) if len(local) > 1 else 0)
        transport.set_write_buffer_limits(high=HIGH_WATER)
        if (front.stopping or len(front.connections) >= front.limits.max_connections
                or front.per_client[self.client[0]] >= front.limits.connections_per_client):
            front.refused += 1
            self.closed = True  # never counted
            transport.write(plain_answer(503, "too many connections from this address"))
            transport.close()
            return
        front.connections.add(self)
        front.per_client[self.client[0]] += 1
        self.deadline = time.monotonic() + front.limits.header_timeout_s

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.state == "busy":
            if len(self.buffer) > MAX_HEAD_BYTES + self.front.limits.max_body_bytes:
                self._pause()  # a client pipelining far ahead waits in the kernel's buffer
            return
        try:
            self._advance()
        except BadRequest as error:
            self.fail(error.status, str(error), error.code, error.details)

    def eof_received(self) -> bool:
        return self.state == "busy"  # half-closed while its answer is being made: still answer it

    def connection_lost(self, exc) -> None:
        self._forget()

    def pause_writing(self) -> None:
        self._pause()

    def resume_writing(self) -> None:
        if self.state != "busy":
            self._resume()

    # -- reading a request ------------------------------------------------------------------------
    def _advance(self) -> None:
        limits = self.front.limits
        if self.state == "idle":
            while self.buffer[:2] == b"\r\n":  # tolerated before a request (RFC 9112 2.2)
                del self.buffer[:2]
            if not self.buffer:
                return
            self.state = "head"
            self.deadline = min(self.deadline or float("inf"), time.monotonic() + limits.header_timeout_s)
        if self.state == "head":
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD_BYTES:
                    raise BadRequest(431, "request head too large")
                return
            self.head = head = parse_head(bytes(self.buffer[:end]))
            del self.buffer[:end + 4]
            body_limit = limits.body_limit(head.path)
            if head.content_length > body_limit:
                raise body_too_large(body_limit)
            self.chunked = ChunkedBody(body_limit) if head.chunked else None
            if head.expect_continue and (head.chunked or head.content_length):
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.state = "body"
            self.deadline = time.monotonic() + limits.body_timeout_s
        if self.state == "body":
            body = self._body()
            if body is not None:
                self._dispatch(body)

    def _body(self) -> bytes | None:
        if self.chunked is not None:
            self.chunked.feed(self.buffer)
            return bytes(self.chunked.body) if self.chunked.done else None
        length = self.head.content_length
        if len(self.buffer) < length:
            return None
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return body

    def _dispatch(self, body: bytes) -> None:
        self.state, self.deadline = "busy", None
        handover = FeedHandover(self.head) if self.head.websocket else None
        self.front.threads.submit(self._answer_in_thread, self.head, body, handover)

    # -- in a request thread ---------------------------------------------------------------------
    def _answer_in_thread(self, head: Head, body: bytes, handover: FeedHandover | None) -> None:
        try:
            environ = head.environ(body, self.server, self.client)
            if handover is not None:
                environ["edge.feed"] = handover
            answer, keep_alive = self._run_app(environ, head, handover)
        except Exception:
            log.exception("the request could not be answered")
            answer, keep_alive = plain_answer(500, "internal error"), False
        try:
            self.front.loop.call_soon_threadsafe(self._answered, answer, keep_alive, handover)
        except RuntimeError:
            pass  # the loop has stopped: the worker is exiting

    def _run_app(self, environ: dict, head: Head, handover: FeedHandover | None) -> tuple[bytes, bool]:
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        result = self.front.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = started
        if handover is not None and handover.accepted and status.startswith("101"):
            return handover.switching_protocols(), True
        keep_alive = head.keep_alive and not self.front.stopping
        return self._serialise(status, headers, b"".join(chunks), head, keep_alive), keep_alive

    def _serialise(self, status: str, headers: list, body: bytes, head: Head, keep_alive: bool) -> bytes:
        lines = [f"HTTP/1.1 {status}", f"Date: {self.front.http_date()}"]
        has_length = False
        for name, value in headers:
            lower = name.lower()
            if lower in ("connection", "keep-alive", "transfer-encoding"):
                continue
            has_length = has_length or lower == "content-length"
            lines.append(f"{name}: {value}")
        code = status[:3]
        if not has_length and code not in ("204", "304") and not code.startswith("1"):
            lines.append(f"Content-Length: {len(body)}")
        if not keep_alive:
            lines.append("Connection: close")
        elif head.http_minor == 0:
            lines.append("Connection: keep-alive")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return data if head.method == "HEAD" else data + body

    # -- back on the loop ------------------------------------------------------------------------
    def _answered(self, answer: bytes, keep_alive: bool, handover: FeedHandover | None) -> None:
        if self.closed:
            if handover is not None and handover.accepted:
                handover.abandon()
            return
        self.transport.write(answer)
        if handover is not None and handover.accepted:
            self._become_feed(handover)
        elif not keep_alive:
            self.close()
        else:
            self.state, self.head, self.chunked = "idle", None, None
            self.deadline = time.monotonic() + self.front.limits.keepalive_s
            if self.transport.get_write_buffer_size() < HIGH_WATER:
                self._resume()
            if self.buffer:
                self.data_received(b"")

    def _become_feed(self, handover: FeedHandover) -> None:
        """The handshake was answered 101: from now on this connection is a feed's."""
        self.state, self.deadline = "feed", None
        feed = FeedConnection(self.transport, handover, self.front.feeds, on_closed=self._forget)
        self.transport.set_protocol(feed)
        self._resume()
        feed.start(bytes(self.buffer))
        self.buffer.clear()

    # -- ending -------------------------------------------------------------------------------
    def check_deadline(self, now: float) -> None:
        if self.deadline is not None and now >= self.deadline:
            if self.state in ("head", "body"):
                self.fail(408, "the request took too long to arrive")
            else:
                self.close()

    def fail(self, status: int, message: str, code: str | None = None, details: list | None = None) -> None:
        if not self.closed:
            self.transport.write(plain_answer(status, message, code, details))
        self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()  # flushes what is queued first
        self._forget()

    def _forget(self) -> None:
        if self.closed:
            return
        self.closed = True
        front = self.front
        front.connections.discard(self)
        front.per_client[self.client[0]] -= 1
        if front.per_client[self.client[0]] <= 0:
            del front.per_client[self.client[0]]

    def _pause(self) -> None:
        if self.reading and not self.closed:
            self.reading = False
            self.transport.pause_reading()

    def _resume(self) -> None:
        if not self.reading and not self.closed:
            self.reading = True
            self.transport.resume_reading()
