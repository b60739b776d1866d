"""HTTP/1.1 requests, parsed strictly from bytes (no I/O here: edge.serving.front feeds them).

Strict on purpose: one reading of every request, so nothing in front of or behind the box can
read it differently (request smuggling). Header names with ``_`` are dropped (they would become
the same WSGI key as a ``-`` one, as gunicorn does). Refused with 400: obsolete line folding,
header names that are not tokens, both ``Content-Length`` and ``Transfer-Encoding``, several differing lengths, any coding but a
single ``chunked``, chunk sizes that are not plain hex. A body over the limit is 413 before it
is read (chunked: as soon as it passes the limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
MAX_CHUNK_LINE = 1024
_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # RFC 9110 token
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([^\x00-\x20\x7f]+) HTTP/1\.([01])")
_HEADER = re.compile(rb"(" + _TOKEN + rb"):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})(?:[ \t]*;[^\r\n]*)?")
# Hop-by-hop and framing headers are the server's business, not the application's (PEP 3333).
_NOT_FOR_THE_APP = {"content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer",
                    "upgrade", "proxy-connection", "expect"}


class BadRequest(Exception):
    """The request cannot be answered by the application: the front answers ``status`` and closes.
    ``code`` and ``details``: as the app's own errors say the same thing (edge.api.errors)."""

    def __init__(self, status: int, message: str, code: str | None = None, details: list | None = None):
        super().__init__(message)
        self.status, self.code, self.details = status, code, details or []


def body_too_large(limit: int) -> BadRequest:
    return BadRequest(413, f"the body is larger than the limit of {limit} bytes", "body_too_large",
                      [{"limit_bytes": limit}])


@dataclass
class Head:
    method: str
    path: bytes  # the target's path, still percent-encoded
    query: bytes
    http_minor: int
    headers: list[tuple[str, bytes]]  # lower-cased names, in order
    content_length: int = 0
    chunked: bool = False
    keep_alive: bool = True
    websocket: bool = False
    expect_continue: bool = False

    def header(self, name: str) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)

    def environ(self, body: bytes, server: tuple[str, int], client: tuple[str, int]) -> dict:
        """The WSGI environ (PEP 3333) of this request, with its whole body already read."""
        import io
        import sys

        environ = {
            "REQUEST_METHOD": self.method, "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(self.path).decode("latin-1"),
            "QUERY_STRING": self.query.decode("latin-1"), "RAW_URI": (self.path + (b"?" + self.query if self.query else b"")).decode("latin-1"),
            "SERVER_NAME": server[0], "SERVER_PORT": str(server[1]),
            "SERVER_PROTOCOL": f"HTTP/1.{self.http_minor}",
            "REMOTE_ADDR": client[0], "REMOTE_PORT": str(client[1]),
            "CONTENT_LENGTH": str(len(body)) if body or self.chunked or self.header("content-length") else "",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.input_terminated": True,
        }
        for name, value in self.headers:
            if name in _NOT_FOR_THE_APP or "_" in name:
                continue
            text = value.decode("latin-1")
            if name == "content-type":
                environ["CONTENT_TYPE"] = text
                continue
            key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = f"{environ[key]}, {text}" if key in environ else text
        if self.websocket:  # the feed's view reads these to know it is a handshake
            environ["HTTP_UPGRADE"] = "websocket"
            environ["HTTP_CONNECTION"] = "Upgrade"
        return environ


def parse_head(block: bytes) -> Head:
    """The request line and headers (``block`` ends before the blank line)."""
    lines = block.split(b"\r\n")
    if any(b"\n" in line or b"\r" in line for line in lines):
        raise BadRequest(400, "bare CR or LF in the request head")
    request_line = _REQUEST_LINE.fullmatch(lines[0])
    if not request_line:
        raise BadRequest(400, "malformed request line")
    method, target, minor = request_line.group(1).decode(), request_line.group(2), int(request_line.group(3))
    if not target.startswith(b"/"):
        raise BadRequest(400, "the request target must be a path")
    path, _, query = target.partition(b"?")
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(431, "too many headers")
    headers = []
    for line in lines[1:]:
        match = _HEADER.fullmatch(line)
        if not match:
            raise BadRequest(400, "malformed header line (or obsolete line folding)")
        headers.append((match.group(1).decode().lower(), match.group(2)))
    head = Head(method, path, query, minor, headers)
    _framing(head)
    return head


def _framing(head: Head) -> None:
    lengths = {value.strip() for name, value in head.headers if name == "content-length"}
    codings = [value for name, value in head.headers if name == "transfer-encoding"]
    if codings and lengths:
        raise BadRequest(400, "both Content-Length and Transfer-Encoding")
    if codings:
        if head.http_minor == 0 or [c.strip().lower() for c in codings] != [b"chunked"]:
            raise BadRequest(501 if head.http_minor else 400, "only a single chunked transfer coding is understood")
        head.chunked = True
    elif lengths:
        if len(lengths) > 1 or not all(v.isdigit() and len(v) < 16 for v in lengths):
            raise BadRequest(400, "invalid Content-Length")
        head.content_length = int(lengths.pop())
    tokens = {t.strip().lower() for name, value in head.headers if name == "connection" for t in value.split(b",")}
    head.keep_alive = b"close" not in tokens and (head.http_minor == 1 or b"keep-alive" in tokens)
    upgrade = (head.header("upgrade") or b"").strip().lower()
    head.websocket = head.method == "GET" and upgrade == b"websocket" and b"upgrade" in tokens
    head.expect_continue = (head.header("expect") or b"").strip().lower() == b"100-continue"


@dataclass
class ChunkedBody:
    """Decodes a chunked body as bytes arrive; ``feed`` consumes from the front of ``buffer``."""

    limit: int
    body: bytearray = field(default_factory=bytearray)
    _remaining: int = -1  # bytes of chunk data still due; -1: a size line is due; -2: trailers
    _trailer_bytes: int = 0
    done: bool = False

    def feed(self, buffer: bytearray) -> None:
        while not self.done:
            if self._remaining >= 0:
                if not self._take_data(buffer):
                    return
            else:
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > MAX_CHUNK_LINE:
                        raise BadRequest(400, "the chunked body is malformed: chunk line too long", "malformed_body")
                    return
                line = bytes(buffer[:end])
                del buffer[:end + 2]
                self._line(line)

    def _take_data(self, buffer: bytearray) -> bool:
        if self._remaining > 0:
            taken = buffer[:self._remaining]
            self.body += taken
            del buffer[:len(taken)]
            self._remaining -= len(taken)
            if self._remaining:
                return False
        if len(buffer) < 2:
            return False
        if buffer[:2] != b"\r\n":
            raise BadRequest(400, "the chunked body is malformed: chunk data not followed by CRLF", "malformed_body")
        del buffer[:2]
        self._remaining = -1
        return True

    def _line(self, line: bytes) -> None:
        if self._remaining == -2:  # trailers, ignored, until the blank line
            self._trailer_bytes += len(line) + 2
            if self._trailer_bytes > MAX_HEAD_BYTES:
                raise BadRequest(431, "trailers too large")
            self.done = not line
            return
        size = _CHUNK_SIZE.fullmatch(line)
        if not size:
            raise BadRequest(400, "the chunked body is malformed: invalid chunk size", "malformed_body")
        length = int(size.group(1), 16)
        if len(self.body) + length > self.limit:
            raise body_too_large(self.limit)
        self._remaining = length if length else -2
